/**
 * `comity profile show` and `comity profile set FILE`: the node's own party profile (the registry's, with the
 * administrator's settings over it), which screening of incoming requests and peers' pre-flight read.
 */
import type { Command } from 'commander';
import type { Profile } from '../api-types.ts';
import { type CommonOptions, signedInClient, withCommonOptions } from '../connect.ts';
import { CliError } from '../errors.ts';
import { inFile, readJsonFile } from '../files.ts';
import { textWidth, wrap } from '../format.ts';
import { emit, table } from '../output.ts';

const LABEL = 19;
const field = (label: string, value: string) =>
  `${label.padEnd(LABEL)}${wrap(value, textWidth() - LABEL, ' '.repeat(LABEL))}`;
const yesNo = (v: boolean | undefined) => (v === undefined ? '-' : v ? 'yes' : 'no');

function entries(record: Record<string, unknown> | undefined, show: (v: unknown) => string): string {
  const list = Object.entries(record ?? {}).filter(([, v]) => v !== undefined);
  return list.length ? list.map(([k, v]) => `${k} ${show(v)}`).join(', ') : '-';
}

export function profileLines(p: Profile): string[] {
  const law = Object.entries(p.law ?? {}).filter(([, l]) => l !== undefined);
  return [
    field('Code', p.code),
    field('Name', p.name ?? '-'),
    field('Instruments', entries(p.instruments, String)),
    field('Abolitionist', yesNo(p.abolitionist)),
    field(
      'Declarations',
      entries(p.declarations, (v) => yesNo(v as boolean)),
    ),
    field('Languages', p.languages?.length ? p.languages.join(', ') : '-'),
    field('Central authority', p.centralAuthority ?? '-'),
    field('24/7 contact', p.contact247 ?? '-'),
    '',
    ...(law.length
      ? [
          'Law',
          ...table(
            ['OFFENCE', 'CRIMINALISED', 'MAX YEARS', 'REQUIRES'],
            law.map(([code, l]) => [
              code,
              yesNo(l?.criminalised),
              l?.maxPenaltyYears === undefined ? '-' : String(l.maxPenaltyYears),
              l?.requires?.length ? l.requires.join(', ') : '-',
            ]),
          ).map((line) => `  ${line}`),
        ]
      : [field('Law', 'no offence-specific entries')]),
  ];
}

async function show(opts: CommonOptions): Promise<void> {
  const p = await signedInClient(opts).get<Profile>('/api/v1/node/profile');
  emit(p, () => profileLines(p));
}

interface SetOptions extends CommonOptions {
  note?: string;
}

async function set(file: string, opts: SetOptions): Promise<void> {
  const api = signedInClient(opts);
  const json = readJsonFile(file);
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new CliError(`${file} does not hold a profile: expected a JSON object`);
  // The code is the node's own and cannot be set; a file copied from `profile show --json` has it.
  const { code: _code, ...profile } = json as Record<string, unknown>;
  const body = opts.note === undefined ? profile : { ...profile, note: opts.note };
  let p: Profile;
  try {
    p = await api.put<Profile>('/api/v1/node/profile', body);
  } catch (e) {
    throw inFile(e, file, '');
  }
  emit(p, () => [`Profile of ${p.code} updated.`, '', ...profileLines(p)]);
}

export function registerProfile(program: Command): void {
  const profile = program.command('profile').description("the node's party profile, used to screen");
  withCommonOptions(profile.command('show').description("show the node's party profile")).action(show);
  withCommonOptions(
    profile
      .command('set')
      .description(
        "replace the node's profile settings (administrators) with a file's: name, instruments, abolitionist, " +
          "declarations, law, languages, centralAuthority, contact247; what the file leaves out is the registry's",
      )
      .argument('<file>', 'JSON file')
      .option('--note <text>', 'why, for the record of changes'),
  ).action(set);
}

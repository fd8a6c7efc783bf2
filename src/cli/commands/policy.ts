/**
 * `comity policy show` and `comity policy set`: the node's screening policy, the rules it runs on incoming
 * requests and the thresholds some of them use. `set` starts from the current policy, applies a file and then
 * the flags, and checks names and numbers before it asks the node.
 */
import type { Command } from 'commander';
import { PolicySchema } from '../../domain/safeguards/bundle.ts';
import { RULE_NAMES, type RuleName } from '../../domain/safeguards/types.ts';
import type { Policy } from '../api-types.ts';
import { type CommonOptions, signedInClient, withCommonOptions } from '../connect.ts';
import { CliError } from '../errors.ts';
import { fileFields, inFile, readJsonFile } from '../files.ts';
import { emit, table } from '../output.ts';

export function policyLines(p: Policy): string[] {
  const rules = RULE_NAMES.map((r) => [r, p.rules[r] === false ? 'off' : 'on']);
  return [
    'Rules',
    ...table(['RULE', 'STATE'], rules).map((l) => `  ${l}`),
    '',
    'Proportionality',
    `  max identifiers per item    ${p.proportionality.maxIdentifiers}`,
    `  max period (days)           ${p.proportionality.maxPeriodDays}`,
    `  max collection (days)       ${p.proportionality.maxCollectionDays}`,
    '',
    'Seriousness (minimum maximum penalty, years)',
    `  real-time collection        ${p.seriousness.realTimeMinYears}`,
    `  interception                ${p.seriousness.interceptionMinYears}`,
  ];
}

async function show(opts: CommonOptions): Promise<void> {
  const p = await signedInClient(opts).get<Policy>('/api/v1/node/policy');
  emit(p, () => policyLines(p));
}

interface SetOptions extends CommonOptions {
  rule?: string[];
  maxIdentifiers?: string;
  maxPeriodDays?: string;
  maxCollectionDays?: string;
  realTimeMinYears?: string;
  interceptionMinYears?: string;
  note?: string;
}

type Problem = { field: string; message: string };

/** A threshold flag: where it goes in the policy and what the node accepts (PolicySchema). */
interface Threshold {
  flag: string;
  option: keyof SetOptions;
  section: 'proportionality' | 'seriousness';
  key: string;
  min: number;
  max: number;
  integer: boolean;
}

const THRESHOLDS: Threshold[] = [
  {
    flag: '--max-identifiers',
    option: 'maxIdentifiers',
    section: 'proportionality',
    key: 'maxIdentifiers',
    min: 1,
    max: 100_000,
    integer: true,
  },
  {
    flag: '--max-period-days',
    option: 'maxPeriodDays',
    section: 'proportionality',
    key: 'maxPeriodDays',
    min: 1,
    max: 36_500,
    integer: true,
  },
  {
    flag: '--max-collection-days',
    option: 'maxCollectionDays',
    section: 'proportionality',
    key: 'maxCollectionDays',
    min: 1,
    max: 3650,
    integer: true,
  },
  {
    flag: '--real-time-min-years',
    option: 'realTimeMinYears',
    section: 'seriousness',
    key: 'realTimeMinYears',
    min: 0,
    max: 100,
    integer: false,
  },
  {
    flag: '--interception-min-years',
    option: 'interceptionMinYears',
    section: 'seriousness',
    key: 'interceptionMinYears',
    min: 0,
    max: 100,
    integer: false,
  },
];

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--rule intent=off` → ['intent', false]; problems are collected, not thrown, to name them all at once. */
function parseRule(raw: string, problems: Problem[]): [RuleName, boolean] | null {
  const eq = raw.indexOf('=');
  const name = (eq < 0 ? raw : raw.slice(0, eq)).trim();
  const state = eq < 0 ? '' : raw.slice(eq + 1).trim();
  if (!(RULE_NAMES as readonly string[]).includes(name)) {
    problems.push({
      field: '--rule',
      message: `"${name}" is not a rule; the rules are ${RULE_NAMES.join(', ')}`,
    });
    return null;
  }
  if (state !== 'on' && state !== 'off') {
    problems.push({ field: '--rule', message: `"${raw}" should be ${name}=on or ${name}=off` });
    return null;
  }
  return [name as RuleName, state === 'on'];
}

function parseThreshold(t: Threshold, raw: string, problems: Problem[]): number | null {
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  const kind = t.integer ? 'a whole number' : 'a number';
  if (!Number.isFinite(n) || (t.integer && !Number.isInteger(n)) || n < t.min || n > t.max) {
    problems.push({ field: t.flag, message: `"${raw}" should be ${kind} from ${t.min} to ${t.max}` });
    return null;
  }
  return n;
}

interface PolicyChanges {
  file: { policy: Partial<Policy>; note?: string } | null;
  rules: Partial<Record<RuleName, boolean>>;
  proportionality: Partial<Policy['proportionality']>;
  seriousness: Partial<Policy['seriousness']>;
}

/** A policy file: any part of a policy (as `policy show --json` prints it), and optionally a note. */
function readPolicyFile(file: string): PolicyChanges['file'] {
  const json = readJsonFile(file);
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new CliError(`${file} does not hold a policy: expected a JSON object`);
  const { note, ...rest } = json as Record<string, unknown>;
  const parsed = PolicySchema.safeParse(rest);
  const problems: Problem[] = parsed.success ? [] : fileFields(parsed.error.issues);
  if (note !== undefined && typeof note !== 'string') problems.push({ field: 'note', message: 'not text' });
  if (!parsed.success || problems.length)
    throw new CliError(`${file} is not a valid screening policy`, { fields: problems });
  return {
    policy: parsed.data as Partial<Policy>,
    ...(typeof note === 'string' ? { note } : {}),
  };
}

/** Everything the command line asks to change, checked before the node is asked anything. */
function changesFrom(file: string | undefined, opts: SetOptions): PolicyChanges {
  const problems: Problem[] = [];
  const changes: PolicyChanges = { file: null, rules: {}, proportionality: {}, seriousness: {} };
  for (const raw of opts.rule ?? []) {
    const rule = parseRule(raw, problems);
    if (rule) changes.rules[rule[0]] = rule[1];
  }
  for (const t of THRESHOLDS) {
    const raw = opts[t.option];
    if (typeof raw !== 'string') continue;
    const n = parseThreshold(t, raw, problems);
    if (n !== null) (changes[t.section] as Record<string, number>)[t.key] = n;
  }
  if (problems.length)
    throw new CliError(
      problems.length === 1
        ? 'a policy setting is not valid'
        : `${problems.length} policy settings are not valid`,
      { fields: problems },
    );
  if (file) changes.file = readPolicyFile(file);
  return changes;
}

/** The current policy, with the file's parts over it, then the flags'. */
export function mergePolicy(current: Policy, c: PolicyChanges): Policy {
  const f = c.file?.policy ?? {};
  return {
    rules: { ...current.rules, ...f.rules, ...c.rules },
    proportionality: { ...current.proportionality, ...f.proportionality, ...c.proportionality },
    seriousness: { ...current.seriousness, ...f.seriousness, ...c.seriousness },
  };
}

async function set(file: string | undefined, opts: SetOptions, cmd: Command): Promise<void> {
  const changes = changesFrom(file, opts);
  const flagged =
    Object.keys(changes.rules).length +
    Object.keys(changes.proportionality).length +
    Object.keys(changes.seriousness).length;
  if (!file && flagged === 0)
    cmd.error('error: nothing to set: give a policy file, --rule NAME=on|off or a threshold', {
      exitCode: 2,
    });
  const api = signedInClient(opts);
  const current = await api.get<Policy>('/api/v1/node/policy');
  const note = opts.note ?? changes.file?.note;
  const body = { ...mergePolicy(current, changes), ...(note !== undefined ? { note } : {}) };
  let p: Policy;
  try {
    p = await api.put<Policy>('/api/v1/node/policy', body);
  } catch (e) {
    throw file ? inFile(e, file, '') : e;
  }
  emit(p, () => ['Policy updated.', '', ...policyLines(p)]);
}

export function registerPolicy(program: Command): void {
  const policy = program
    .command('policy')
    .description("the node's screening policy: rules on or off, thresholds");
  withCommonOptions(policy.command('show').description("show the node's screening policy")).action(show);
  const setCmd = policy
    .command('set')
    .description(
      'change the screening policy (administrators): the current one, with the file (if given) and then the ' +
        'flags over it',
    )
    .argument('[file]', 'JSON file with any part of a policy, as `policy show --json` prints it')
    .option('--rule <name=on|off>', `switch a rule on or off; repeatable (${RULE_NAMES.join(', ')})`, collect)
    .option('--note <text>', 'why, for the record of changes');
  for (const t of THRESHOLDS)
    setCmd.option(
      `${t.flag} <n>`,
      `${t.section}.${t.key} (${t.integer ? 'whole number' : 'number'}, ${t.min}-${t.max})`,
    );
  withCommonOptions(setCmd).action(set);
}

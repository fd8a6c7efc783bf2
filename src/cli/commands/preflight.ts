/**
 * Pre-flight on the node: `comity preflight FILE` screens a request file, `comity cases preflight ID` one of the
 * party's cases, as the requested party's node will (its published profile and policy, else the registry's).
 */
import type { Command } from 'commander';
import type { Finding } from '../api-types.ts';
import { type CommonOptions, signedInClient, withCommonOptions } from '../connect.ts';
import { inFile, readRequestFile } from '../files.ts';
import { emit } from '../output.ts';
import { screeningLines } from './render-screening.ts';

/** The API's answer (ScreeningSchema in src/api/schemas.ts). */
export interface Preflight {
  verdict: string;
  findings: Finding[];
  context: { party: string; source: 'node' | 'registry'; note: string };
}

function print(p: Preflight): void {
  emit(p, () => screeningLines(p, p.context.note));
}

async function preflightFile(file: string, opts: CommonOptions): Promise<void> {
  const api = signedInClient(opts);
  const { request, prefix } = readRequestFile(file);
  let p: Preflight;
  try {
    p = await api.post<Preflight>('/api/v1/screening', request);
  } catch (e) {
    throw inFile(e, file, prefix);
  }
  print(p);
}

async function preflightCase(id: string, opts: CommonOptions): Promise<void> {
  print(await signedInClient(opts).get<Preflight>(`/api/v1/cases/${encodeURIComponent(id)}/preflight`));
}

export function registerPreflight(program: Command): void {
  withCommonOptions(
    program
      .command('preflight')
      .description(
        "screen a request file as the requested party's node will, before sending it " +
          '(an interchange request, or a bundle with a "request")',
      )
      .argument('<file>', 'JSON file'),
  ).action(preflightFile);
}

export function registerCasesPreflight(cases: Command): void {
  withCommonOptions(
    cases
      .command('preflight')
      .description("screen one of your party's requests as the requested party's node will")
      .argument('<id>', 'case id'),
  ).action(preflightCase);
}

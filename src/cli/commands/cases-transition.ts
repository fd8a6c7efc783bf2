/** `comity cases transition ID ACTION [flags]` and its shorthand `comity cases submit ID`. */
import type { Command } from 'commander';
import type { Case } from '../api-types.ts';
import { type CommonOptions, signedInClient, withCommonOptions } from '../connect.ts';
import { CliError } from '../errors.ts';
import { inFile, readJsonFile, readRequestFile } from '../files.ts';
import { emit } from '../output.ts';
import { type Condition, condition, isoDate, list } from './parse.ts';

interface TransitionOptions extends CommonOptions {
  note?: string;
  grounds?: string[];
  condition?: Condition[];
  missing?: string[];
  until?: string;
  details?: string;
  request?: string;
}

/** `--details '{…}'` or `--details @file.json`: an object merged over the other flags. */
function extraDetails(raw: string | undefined): Record<string, unknown> {
  if (raw === undefined) return {};
  let value: unknown;
  if (raw.startsWith('@')) value = readJsonFile(raw.slice(1));
  else
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw new CliError(`--details is not JSON: ${(e as Error).message}`);
    }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CliError('--details must be a JSON object');
  return value as Record<string, unknown>;
}

/** The body of an action: only the flags given, so the node's strict schemas name what does not belong. */
export function actionBody(opts: TransitionOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (opts.note !== undefined) body.note = opts.note;
  if (opts.grounds) body.grounds = opts.grounds;
  if (opts.condition?.length) body.conditions = opts.condition;
  if (opts.missing) body.missing = opts.missing;
  if (opts.until) body.until = opts.until;
  if (opts.request) body.request = readRequestFile(opts.request).request;
  return { ...body, ...extraDetails(opts.details) };
}

async function transition(id: string, action: string, opts: TransitionOptions): Promise<void> {
  const api = signedInClient(opts);
  const body = actionBody(opts);
  let c: Case;
  try {
    c = await api.post<Case>(
      `/api/v1/cases/${encodeURIComponent(id)}/actions/${encodeURIComponent(action)}`,
      body,
    );
  } catch (e) {
    // The node names an amended request's fields `request.…`, which is their place in the body, not the file.
    throw opts.request ? inFile(e, opts.request, '') : e;
  }
  emit(c, () => `Case ${c.id} is now ${c.state}`);
}

export function registerCasesTransition(cases: Command): void {
  withCommonOptions(
    cases
      .command('transition')
      .description('take an action on a case: accept, refuse, consult, execute, close, withdraw…')
      .argument('<id>', 'case id')
      .argument('<action>', 'the action, e.g. refuse')
      .option('--note <text>', 'a note for the history and the other party')
      .option(
        '--grounds <grounds>',
        'comma-separated grounds (refuse, postpone), e.g. persecution,human-rights',
        list,
      )
      .option('--condition <kind=text>', 'a condition (accept-with-conditions); repeatable', condition)
      .option('--missing <fields>', 'comma-separated missing fields (mark-incomplete)', list)
      .option('--until <date>', 'postponed until YYYY-MM-DD (postpone)', isoDate)
      .option('--request <file>', 'the amended request (amend)')
      .option('--details <json>', 'more details as JSON, or @file.json; merged last'),
  ).action(transition);
  withCommonOptions(
    cases
      .command('submit')
      .description('submit a draft (same as: transition ID submit)')
      .argument('<id>', 'case id')
      .option('--note <text>', 'a note'),
  ).action((id: string, opts: TransitionOptions) => transition(id, 'submit', opts));
}

/** `comity cases create FILE [--submit]` and `comity cases update ID FILE`: drafts from request files. */
import type { Command } from 'commander';
import type { Case } from '../api-types.ts';
import { type CommonOptions, signedInClient, withCommonOptions } from '../connect.ts';
import { CliError } from '../errors.ts';
import { inFile, readRequestFile } from '../files.ts';
import { emit } from '../output.ts';

/** The structured data-protection terms (issue 15), given on the command line over what the file says. */
interface TermOptions {
  useLimitation?: string;
  retention?: string;
  onwardTransfer?: string;
}

interface CreateOptions extends CommonOptions, TermOptions {
  submit?: boolean;
}

const TERMS = ['useLimitation', 'retention', 'onwardTransfer'] as const;

/** The request with the terms given as options set in its `dataProtection`; the node validates the rest. */
function withTerms(request: unknown, opts: TermOptions): unknown {
  const given = TERMS.filter((t) => opts[t] !== undefined);
  if (given.length === 0 || typeof request !== 'object' || request === null) return request;
  const r = request as Record<string, unknown>;
  const current = typeof r.dataProtection === 'object' && r.dataProtection !== null ? r.dataProtection : {};
  return { ...r, dataProtection: { ...current, ...Object.fromEntries(given.map((t) => [t, opts[t]])) } };
}

/** Sends the request of a file, naming the file and the field's place in it when the node refuses it. */
async function sendRequestFile(
  file: string,
  opts: TermOptions,
  send: (request: unknown) => Promise<Case>,
): Promise<Case> {
  const { request, prefix } = readRequestFile(file);
  try {
    return await send(withTerms(request, opts));
  } catch (e) {
    throw inFile(e, file, prefix);
  }
}

async function create(file: string, opts: CreateOptions): Promise<void> {
  const api = signedInClient(opts);
  let c = await sendRequestFile(file, opts, (r) => api.post<Case>('/api/v1/cases', r));
  if (opts.submit) {
    const draft = c;
    try {
      c = await api.post<Case>(`/api/v1/cases/${draft.id}/actions/submit`);
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      // The draft exists whatever happens next; say so, or the user would create it twice.
      throw new CliError(`case ${draft.id} was created as a draft but not submitted: ${e.message}`, {
        ...e.options,
        hints: [
          ...(e.options.hints ?? []),
          `correct the file, then: comity cases update ${draft.id} ${file} && comity cases submit ${draft.id}`,
        ],
      });
    }
    return emit(c, () => [
      `Created case ${draft.id} (state ${draft.state})`,
      `Case ${c.id} is now ${c.state}`,
    ]);
  }
  emit(c, () => `Created case ${c.id} (state ${c.state})`);
}

async function update(id: string, file: string, opts: CommonOptions & TermOptions): Promise<void> {
  const api = signedInClient(opts);
  const c = await sendRequestFile(file, opts, (r) =>
    api.put<Case>(`/api/v1/cases/${encodeURIComponent(id)}`, r),
  );
  emit(c, () => `Updated draft ${c.id} (state ${c.state})`);
}

/** The data-protection term options, shared by `create` and `update`. */
function withTermOptions(command: Command): Command {
  return command
    .option(
      '--use-limitation <text>',
      'what the data will be used for, and nothing else (sets dataProtection.useLimitation)',
    )
    .option(
      '--retention <text>',
      'how long the data will be kept, and what happens then (sets dataProtection.retention)',
    )
    .option(
      '--onward-transfer <text>',
      'to whom the data may be passed on, with whose consent (sets dataProtection.onwardTransfer)',
    );
}

export function registerCasesCreate(cases: Command): void {
  withCommonOptions(
    withTermOptions(
      cases
        .command('create')
        .description(
          'create a draft from a request file (an interchange request, or a bundle with a "request")',
        )
        .argument('<file>', 'JSON file')
        .option('--submit', 'submit the draft at once'),
    ),
  ).action(create);
  withCommonOptions(
    withTermOptions(
      cases
        .command('update')
        .description("replace a draft's request with the one in a file")
        .argument('<id>', 'case id')
        .argument('<file>', 'JSON file'),
    ),
  ).action(update);
}

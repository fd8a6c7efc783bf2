/** `comity cases list`: one page (or with --all every page) of the party's cases as a table. */
import { type Command, Option } from 'commander';
import type { CaseList, CaseSummary } from '../api-types.ts';
import { type CommonOptions, signedInClient, withCommonOptions } from '../connect.ts';
import { relativeDue } from '../format.ts';
import type { ApiClient, Query } from '../http.ts';
import { emit, table } from '../output.ts';
import { progress } from '../progress.ts';
import { positiveInt } from './parse.ts';

interface ListOptions extends CommonOptions {
  direction?: 'incoming' | 'outgoing';
  state?: string;
  type?: string;
  q?: string;
  overdue?: boolean;
  sort?: 'updated' | 'due';
  limit?: number;
  cursor?: string;
  all?: boolean;
}

/** The API's largest page; --all uses it unless --limit says otherwise. */
const MAX_PAGE = 200;

async function fetchAll(api: ApiClient, query: Query): Promise<CaseList> {
  let page = await api.get<CaseList>('/api/v1/cases', query);
  // Pages are offsets into a list that may change meanwhile; a case that moves up would otherwise appear twice.
  const byId = new Map(page.items.map((c) => [c.id, c]));
  const bar = progress('cases', page.total);
  bar.update(byId.size);
  try {
    while (page.nextCursor && page.nextCursor !== query.cursor) {
      query = { ...query, cursor: page.nextCursor };
      page = await api.get<CaseList>('/api/v1/cases', query);
      for (const c of page.items) byId.set(c.id, c);
      bar.update(byId.size);
    }
  } finally {
    bar.stop();
  }
  return { items: [...byId.values()], total: page.total, nextCursor: null };
}

export function caseRows(items: CaseSummary[], now = new Date()): string[][] {
  return items.map((c) => [
    c.id,
    c.type,
    `${c.requesting}→${c.requested}`,
    c.urgency,
    c.state,
    c.verdict ?? '-',
    relativeDue(c.deadline?.dueAt, now),
  ]);
}

async function list(opts: ListOptions): Promise<void> {
  const api = signedInClient(opts);
  const query: Query = {
    direction: opts.direction,
    state: opts.state,
    type: opts.type,
    q: opts.q,
    overdue: opts.overdue,
    sort: opts.sort,
    limit: opts.limit ?? (opts.all ? MAX_PAGE : undefined),
    cursor: opts.cursor,
  };
  const result = opts.all ? await fetchAll(api, query) : await api.get<CaseList>('/api/v1/cases', query);
  emit(result, () => [
    ...(result.items.length
      ? table(['ID', 'TYPE', 'FROM→TO', 'URGENCY', 'STATE', 'VERDICT', 'DUE'], caseRows(result.items))
      : ['No cases.']),
    '',
    `${result.items.length} of ${result.total}${result.nextCursor ? ` (next page: --cursor ${result.nextCursor})` : ''}`,
  ]);
}

export function registerCasesList(cases: Command): void {
  withCommonOptions(
    cases
      .command('list')
      .description("list your party's cases, most recently updated first")
      .addOption(
        new Option('--direction <direction>', 'only cases sent or received').choices([
          'incoming',
          'outgoing',
        ]),
      )
      .option('--state <states>', 'comma-separated states, e.g. in-review,postponed')
      .option('--type <types>', 'comma-separated request types')
      .option('--q <text>', 'search facts, purpose, subjects and identifiers')
      .option('--overdue', 'only cases past their deadline')
      .addOption(new Option('--sort <order>', 'order').choices(['updated', 'due']))
      .option('--limit <n>', `page size, 1-${MAX_PAGE} (default 50)`, positiveInt)
      .option('--cursor <cursor>', 'continue from the cursor printed after the last page')
      .option('--all', 'follow every page'),
  ).action(list);
}

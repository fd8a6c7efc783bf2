/**
 * Lists the cases of the user's party: `GET /api/v1/cases`. Filtered in SQL by party (never more than the
 * user's own party's cases leave the database) and again row by row by the policies; server-side paging.
 */
import { and, asc, desc, eq, ilike, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import { authorize } from '../authz/authorize.ts';
import type { NodeCore } from '../node/core.ts';
import { cases, screenings } from '../store/schema.ts';
import type { RequestContext } from './actor.ts';
import { caseResource, logAccess } from './guard.ts';
import { summaryOf } from './view.ts';

export interface ListQuery {
  direction?: 'incoming' | 'outgoing' | undefined;
  state?: string[] | undefined;
  type?: string[] | undefined;
  urgency?: string[] | undefined;
  q?: string | undefined;
  overdue?: boolean | undefined;
  sort?: 'updated' | 'due' | undefined;
  limit: number;
  offset: number;
}

export async function listCases(core: NodeCore, ctx: RequestContext, query: ListQuery) {
  const party = ctx.user.party;
  const where: SQL[] = [];
  if (query.direction === 'incoming') where.push(eq(cases.requested, party));
  else if (query.direction === 'outgoing') where.push(eq(cases.requesting, party));
  else where.push(or(eq(cases.requested, party), eq(cases.requesting, party))!);
  if (query.state?.length) where.push(inArray(cases.state, query.state));
  if (query.type?.length) where.push(inArray(cases.type, query.type));
  if (query.urgency?.length) where.push(inArray(cases.urgency, query.urgency));
  if (query.q) {
    const like = `%${query.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(or(ilike(cases.searchText, like), ilike(cases.id, like))!);
  }
  if (query.overdue) where.push(lt(cases.deadlineAt, core.now()));
  const filter = and(...where);
  const order =
    query.sort === 'due'
      ? [sql`${cases.deadlineAt} asc nulls last`, desc(cases.updatedAt)]
      : [desc(cases.updatedAt), asc(cases.id)];
  const [rows, [{ total } = { total: 0 }]] = await Promise.all([
    core.db
      .select()
      .from(cases)
      .where(filter)
      .orderBy(...order)
      .limit(query.limit)
      .offset(query.offset),
    core.db.select({ total: sql<number>`count(*)::int` }).from(cases).where(filter),
  ]);
  const visible = rows.filter((r) => authorize(ctx.user, 'read', caseResource(r)));
  const verdicts = new Map<string, string>();
  const incoming = visible.filter((r) => r.requested === party).map((r) => r.id);
  if (incoming.length) {
    const latest = await core.db
      .selectDistinctOn([screenings.caseId], { caseId: screenings.caseId, verdict: screenings.verdict })
      .from(screenings)
      .where(inArray(screenings.caseId, incoming))
      .orderBy(screenings.caseId, desc(screenings.id));
    for (const s of latest) verdicts.set(s.caseId, s.verdict);
  }
  await logAccess(core, ctx, { action: 'list', outcome: 'allowed', detail: `${visible.length} of ${total}` });
  const now = core.now();
  const nextOffset = query.offset + rows.length;
  return {
    items: visible.map((r) => summaryOf(r, party, now, verdicts.get(r.id) ?? null)),
    total: Number(total),
    nextCursor: nextOffset < Number(total) ? String(nextOffset) : null,
  };
}

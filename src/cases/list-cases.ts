/**
 * Lists the cases the user may see: `GET /api/v1/cases`. Filtered in SQL by the same rules as the policies
 * (visibility.ts: party, role, need-to-know; totals count only what the user may see) and again row by row by
 * Cedar; server-side paging.
 */
import { and, asc, desc, eq, inArray, lt, type SQL, sql } from 'drizzle-orm';
import { caseResource, logAccess } from '../access/guard.ts';
import { authorize } from '../authz/authorize.ts';
import type { NodeCore } from '../core.ts';
import type { RequestContext } from '../domain/actor.ts';
import type { Verdict } from '../domain/safeguards/types.ts';
import { cases, screenings } from '../store/schema.ts';
import { summaryOf } from './view.ts';
import { visibleCases } from './visibility.ts';

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
  const where: SQL[] = [visibleCases(ctx.user, query.q)];
  if (query.direction === 'incoming') where.push(eq(cases.requested, party));
  else if (query.direction === 'outgoing') where.push(eq(cases.requesting, party));
  if (query.state?.length) where.push(inArray(cases.state, query.state));
  if (query.type?.length) where.push(inArray(cases.type, query.type));
  if (query.urgency?.length) where.push(inArray(cases.urgency, query.urgency));
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
  // The SQL filter mirrors the policies; Cedar still decides each row. A disagreement is a bug worth an alarm.
  const visible = rows.filter((r) => {
    const resource = caseResource(core, r);
    if (authorize(ctx.user, 'read', resource) || authorize(ctx.user, 'read-redacted', resource)) return true;
    core.log.error({ caseId: r.id, userId: ctx.user.id }, 'list filter and policies disagree; row withheld');
    return false;
  });
  const verdicts = new Map<string, Verdict>();
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

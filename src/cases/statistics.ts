/**
 * Figures for oversight bodies (issue 6): the node's cases by type, other party, offence, outcome and month,
 * the grounds of refusals, and the median time from receipt to decision. Counts only: no facts, no names.
 */
import { and, eq, inArray, or } from 'drizzle-orm';
import { requireAllowed } from '../access/guard.ts';
import type { NodeCore } from '../core.ts';
import type { RequestContext } from '../domain/actor.ts';
import { caseEvents, cases } from '../store/schema.ts';

const DECISIONS = ['accept', 'accept-with-conditions', 'refuse', 'postpone'] as const;

export interface Count {
  key: string;
  incoming: number;
  outgoing: number;
}

function tally(into: Map<string, Count>, key: string, direction: 'incoming' | 'outgoing'): void {
  const c = into.get(key) ?? { key, incoming: 0, outgoing: 0 };
  c[direction]++;
  into.set(key, c);
}

const sorted = (m: Map<string, Count>) =>
  [...m.values()].sort(
    (a, b) => b.incoming + b.outgoing - (a.incoming + a.outgoing) || a.key.localeCompare(b.key),
  );

export async function statistics(core: NodeCore, ctx: RequestContext) {
  await requireAllowed(core, ctx, 'audit', { kind: 'node', party: core.party });
  const party = core.party;
  const rows = await core.db
    .select({
      id: cases.id,
      type: cases.type,
      state: cases.state,
      requesting: cases.requesting,
      requested: cases.requested,
      createdAt: cases.createdAt,
      request: cases.request,
    })
    .from(cases)
    .where(or(eq(cases.requesting, party), eq(cases.requested, party)));
  const ids = rows.map((r) => r.id);
  const events = ids.length
    ? await core.db
        .select({
          caseId: caseEvents.caseId,
          action: caseEvents.action,
          at: caseEvents.at,
          details: caseEvents.details,
        })
        .from(caseEvents)
        .where(and(inArray(caseEvents.caseId, ids), inArray(caseEvents.action, ['receive', ...DECISIONS])))
    : [];
  const byType = new Map<string, Count>();
  const byParty = new Map<string, Count>();
  const byOutcome = new Map<string, Count>();
  const byOffence = new Map<string, Count>();
  const byMonth = new Map<string, Count>();
  const grounds = new Map<string, Count>();
  const received = new Map<string, number>();
  const decided = new Map<string, number>();
  const directionOf = new Map<string, 'incoming' | 'outgoing'>();
  for (const r of rows) {
    if (r.state === 'draft') continue;
    const direction = r.requested === party ? 'incoming' : 'outgoing';
    directionOf.set(r.id, direction);
    tally(byType, r.type, direction);
    tally(byParty, direction === 'incoming' ? r.requesting : r.requested, direction);
    tally(byOutcome, r.state, direction);
    tally(byMonth, r.createdAt.toISOString().slice(0, 7), direction);
    for (const o of (r.request as { offences?: { code: string }[] }).offences ?? [])
      tally(byOffence, o.code, direction);
  }
  for (const e of events) {
    const direction = directionOf.get(e.caseId);
    if (!direction) continue;
    if (e.action === 'receive') received.set(e.caseId, e.at.getTime());
    else if (!decided.has(e.caseId)) decided.set(e.caseId, e.at.getTime());
    if (e.action === 'refuse')
      for (const g of (e.details as { grounds?: string[] }).grounds ?? []) tally(grounds, g, direction);
  }
  const hours = [...decided.entries()]
    .filter(([id]) => received.has(id) && directionOf.get(id) === 'incoming')
    .map(([id, at]) => (at - received.get(id)!) / 3_600_000)
    .sort((a, b) => a - b);
  const median = hours.length
    ? hours.length % 2
      ? hours[(hours.length - 1) / 2]!
      : (hours[hours.length / 2 - 1]! + hours[hours.length / 2]!) / 2
    : null;
  return {
    party,
    generatedAt: core.now().toISOString(),
    total: directionOf.size,
    byType: sorted(byType),
    byParty: sorted(byParty),
    byOutcome: sorted(byOutcome),
    byOffence: sorted(byOffence),
    byMonth: [...byMonth.values()].sort((a, b) => a.key.localeCompare(b.key)),
    refusalGrounds: sorted(grounds),
    decisionHours: { median, decisions: hours.length },
  };
}

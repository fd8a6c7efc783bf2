/**
 * One case as its view: the row with its history, screening, messages and ledger proofs, for a user who may
 * read it in full (get-case.ts redacts it for an oversight body).
 */
import { and, asc, desc, eq, max, or } from 'drizzle-orm';
import type { NodeCore } from '../core.ts';
import type { RequestContext } from '../domain/actor.ts';
import type { CaseRow } from '../store/schema.ts';
import { caseEvents, inbox, ledgerCheckpoints, ledgerEntries, outbox, screenings } from '../store/schema.ts';
import { actionsFor, type CaseView, historyEntryOf, screeningOf, summaryOf } from './view.ts';

export async function caseView(core: NodeCore, ctx: RequestContext, row: CaseRow): Promise<CaseView> {
  const id = row.id;
  const [events, screening, sent, received] = await Promise.all([
    core.db.select().from(caseEvents).where(eq(caseEvents.caseId, id)).orderBy(asc(caseEvents.seq)),
    // Screening is the requested party's own assessment; the requesting party does not see it.
    row.requested === ctx.user.party
      ? core.db
          .select()
          .from(screenings)
          .where(eq(screenings.caseId, id))
          .orderBy(desc(screenings.id))
          .limit(1)
      : Promise.resolve([]),
    core.db
      .select({
        id: outbox.messageId,
        type: outbox.type,
        status: outbox.status,
        at: outbox.createdAt,
        deliveredAt: outbox.deliveredAt,
        attempts: outbox.attempts,
        lastError: outbox.lastError,
      })
      .from(outbox)
      .where(eq(outbox.caseId, id))
      .orderBy(asc(outbox.id)),
    core.db
      .select({
        id: inbox.messageId,
        type: inbox.type,
        status: inbox.status,
        at: inbox.receivedAt,
        note: inbox.note,
      })
      .from(inbox)
      .where(or(eq(inbox.caseId, id)))
      .orderBy(asc(inbox.receivedAt)),
  ]);
  const latest = screening[0];
  // Where each event sits in this node's ledger, and whether a signed checkpoint covers it yet.
  const entries = await core.db
    .select({ seq: ledgerEntries.seq, record: ledgerEntries.record })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.caseId, id), eq(ledgerEntries.type, 'case-event')));
  const signed =
    (await core.db.select({ size: max(ledgerCheckpoints.size) }).from(ledgerCheckpoints))[0]?.size ?? 0;
  const ledgerOf = new Map(entries.map((e) => [(e.record as { seq?: number }).seq, e.seq]));
  return {
    ...summaryOf(row, ctx.user.party, core.now(), latest?.verdict ?? null),
    request: row.request,
    restrictedTo: row.restrictedTo ?? null,
    vouchedBy: row.vouchedBy ?? null,
    availableActions: actionsFor(core, row, ctx.user),
    screening: screeningOf(latest),
    history: events.map((e) => {
      const index = ledgerOf.get(e.seq);
      return {
        ...historyEntryOf(e),
        ledger: index === undefined ? null : { index, signed: index < Number(signed) },
      };
    }),
    messages: [
      ...sent.map((m) => ({
        direction: 'sent' as const,
        id: m.id,
        type: m.type,
        status: m.status,
        at: m.at.toISOString(),
        deliveredAt: m.deliveredAt?.toISOString() ?? null,
        attempts: m.attempts,
        lastError: m.lastError,
      })),
      ...received.map((m) => ({
        direction: 'received' as const,
        id: m.id,
        type: m.type,
        status: m.status,
        at: m.at.toISOString(),
        deliveredAt: null,
        attempts: null,
        lastError: m.note,
      })),
    ].sort((a, b) => a.at.localeCompare(b.at)),
  };
}

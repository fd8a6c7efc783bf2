/**
 * Records one lifecycle transition inside the caller's transaction: the new state and deadline, the history
 * event and, when the other side must know, the outbound message. Callers have already checked that the
 * transition is allowed (lifecycle table, Cedar).
 */
import { asc, eq, sql } from 'drizzle-orm';
import { appendLedger } from '../audit/ledger.ts';
import type { NodeCore } from '../core.ts';
import type { Actor } from '../domain/actor.ts';
import type { RequestType, Urgency } from '../domain/catalogue.ts';
import { deadlineOf } from '../domain/deadlines.ts';
import { type Action, type CaseState, TRANSITIONS } from '../domain/lifecycle.ts';
import { enqueueMessage } from '../exchange/enqueue-message.ts';
import type { Tx } from '../store/db.ts';
import type { CaseRow } from '../store/schema.ts';
import { caseEvents, cases } from '../store/schema.ts';

export interface EventInput {
  caseId: string;
  action: string;
  fromState: string | null;
  toState: string | null;
  actor: Actor;
  details: Record<string, unknown>;
  messageId?: string | null;
  at: Date;
}

/** Appends a history event with the next sequence number of the case, and its ledger entry. */
export async function appendEvent(core: NodeCore, tx: Tx, e: EventInput): Promise<void> {
  const next =
    (
      await tx
        .select({ next: sql<number>`coalesce(max(${caseEvents.seq}), 0) + 1` })
        .from(caseEvents)
        .where(eq(caseEvents.caseId, e.caseId))
    )[0]?.next ?? 1;
  const actor = e.actor;
  await tx.insert(caseEvents).values({
    caseId: e.caseId,
    seq: Number(next),
    at: e.at,
    action: e.action,
    fromState: e.fromState,
    toState: e.toState,
    party: actor.party,
    actorKind: actor.kind,
    actorId: actor.kind === 'user' ? actor.id : null,
    actorName: actor.kind === 'user' ? actor.name : actor.kind === 'peer' ? (actor.name ?? null) : null,
    details: e.details,
    messageId: e.messageId ?? null,
  });
  await appendLedger(core, tx, {
    type: 'case-event',
    party: actor.party,
    caseId: e.caseId,
    at: e.at,
    record: {
      seq: Number(next),
      action: e.action,
      fromState: e.fromState,
      toState: e.toState,
      actor: actor.kind === 'user' ? { kind: 'user', id: actor.id, name: actor.name } : actor,
      details: e.details,
      messageId: e.messageId ?? null,
    },
  });
}

/** A history event that does not move the case (evidence sent, received, destroyed), at its current state. */
export async function appendNote(
  core: NodeCore,
  tx: Tx,
  e: Omit<EventInput, 'fromState' | 'toState'>,
): Promise<void> {
  const state = (await tx.select({ state: cases.state }).from(cases).where(eq(cases.id, e.caseId)))[0]?.state;
  await appendEvent(core, tx, { ...e, fromState: state ?? null, toState: state ?? null });
}

export interface TransitionInput {
  row: CaseRow;
  action: Action;
  details: Record<string, unknown>;
  actor: Actor;
  /** Set when the transition arrived in a message; then nothing is sent back. */
  inboundMessageId?: string;
  /** Extra message body (e.g. the request itself for submit and amend). */
  messageBody?: Record<string, unknown>;
  /** Extra column changes (e.g. the amended request). */
  changes?: Partial<CaseRow>;
  /**
   * When the action was taken; defaults to now. For an action that arrived in a message it is the message's
   * `created`, so both nodes hold the same time for the same action and derive the same deadline.
   */
  at?: Date;
}

/** Applies a checked transition; returns the updated row. */
export async function recordTransition(core: NodeCore, tx: Tx, t: TransitionInput): Promise<CaseRow> {
  const transition = TRANSITIONS[t.action];
  const at = t.at ?? core.now();
  const to: CaseState = transition.to;
  await appendEvent(core, tx, {
    caseId: t.row.id,
    action: t.action,
    fromState: t.row.state,
    toState: to,
    actor: t.actor,
    details: t.details,
    messageId: t.inboundMessageId ?? null,
    at,
  });
  const history = await tx
    .select({ action: caseEvents.action, at: caseEvents.at })
    .from(caseEvents)
    .where(eq(caseEvents.caseId, t.row.id))
    .orderBy(asc(caseEvents.seq));
  const deadline = deadlineOf({
    type: t.row.type as RequestType,
    urgency: (t.changes?.urgency ?? t.row.urgency) as Urgency,
    state: to,
    history: history.map((h) => ({ action: h.action, at: h.at.toISOString() })),
  });
  const updated = (
    await tx
      .update(cases)
      .set({
        ...t.changes,
        state: to,
        updatedAt: core.now(),
        version: t.row.version + 1,
        deadlineAt: deadline ? new Date(deadline.dueAt) : null,
        deadlineKind: deadline?.kind ?? null,
        waitingOn: deadline?.waitingOn ?? null,
      })
      .where(eq(cases.id, t.row.id))
      .returning()
  )[0];
  if (!updated) throw new Error(`case ${t.row.id} vanished during a transition`);

  if (transition.message && !t.inboundMessageId) {
    const other = core.party === updated.requesting ? updated.requested : updated.requesting;
    const sent = await enqueueMessage(core, tx, {
      caseId: updated.id,
      to: other,
      type: transition.message,
      action: t.action,
      actor: t.actor.kind === 'user' ? { name: t.actor.name, role: t.actor.roles[0] } : null,
      body: { ...t.details, ...t.messageBody },
      prev: updated.chainOut,
    });
    updated.chainOut = sent.hash;
    core.wakeOutbox();
  }
  return updated;
}

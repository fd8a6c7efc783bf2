/** The API's view of a case: what a user of either party sees, with the actions open to that user. */

import { caseResource } from '../access/guard.ts';
import { authorize } from '../authz/authorize.ts';
import type { NodeCore } from '../core.ts';
import type { UserActor } from '../domain/actor.ts';
import type { Deadline } from '../domain/deadlines.ts';
import { isOverdue } from '../domain/deadlines.ts';
import { type Action, availableActions, type CaseState, type Side } from '../domain/lifecycle.ts';
import type { CaseRow, caseEvents, screenings } from '../store/schema.ts';

export interface CaseSummary {
  id: string;
  state: CaseState;
  type: string;
  instrument: string;
  channel: string;
  urgency: string;
  requesting: string;
  requested: string;
  direction: 'incoming' | 'outgoing';
  createdAt: string;
  updatedAt: string;
  deadline: (Deadline & { overdue: boolean }) | null;
  verdict: string | null;
}

export interface HistoryEntry {
  seq: number;
  at: string;
  action: string;
  fromState: string | null;
  toState: string | null;
  party: string;
  actor: { kind: string; id: string | null; name: string | null };
  details: unknown;
  messageId: string | null;
}

export function summaryOf(
  row: CaseRow,
  party: string,
  now: Date,
  verdict: string | null = null,
): CaseSummary {
  const deadline =
    row.deadlineAt && row.deadlineKind && row.waitingOn
      ? ({
          kind: row.deadlineKind,
          dueAt: row.deadlineAt.toISOString(),
          waitingOn: row.waitingOn,
        } as Deadline)
      : null;
  return {
    id: row.id,
    state: row.state as CaseState,
    type: row.type,
    instrument: row.instrument,
    channel: row.channel,
    urgency: row.urgency,
    requesting: row.requesting,
    requested: row.requested,
    direction: row.requested === party ? 'incoming' : 'outgoing',
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    deadline: deadline ? { ...deadline, overdue: isOverdue(deadline, now) } : null,
    verdict,
  };
}

/** The actions this user could take now: allowed by the lifecycle for the user's side and by the policies. */
export function actionsFor(
  core: Pick<NodeCore, 'party' | 'settings'>,
  row: CaseRow,
  user: UserActor,
): Action[] {
  const side: Side = row.requesting === user.party ? 'requesting' : 'requested';
  const resource = caseResource(core, row);
  return availableActions(row.state as CaseState, side).filter((a) => authorize(user, a, resource));
}

export function historyEntryOf(e: typeof caseEvents.$inferSelect): HistoryEntry {
  return {
    seq: e.seq,
    at: e.at.toISOString(),
    action: e.action,
    fromState: e.fromState,
    toState: e.toState,
    party: e.party,
    actor: { kind: e.actorKind, id: e.actorId, name: e.actorName },
    details: e.details,
    messageId: e.messageId,
  };
}

export function screeningOf(s: typeof screenings.$inferSelect | undefined) {
  return s ? { at: s.at.toISOString(), verdict: s.verdict, findings: s.findings } : null;
}

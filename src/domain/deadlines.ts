/**
 * Deadlines by type and urgency (design §4): every state that waits on someone carries one, to the hour.
 * Computed from the case's own history, so both nodes derive the same deadline from the same events.
 */
import { type RequestType, requestType, type Urgency, waitingHours } from './catalogue.ts';
import type { Action, CaseState, Side } from './lifecycle.ts';

export const DEADLINE_KINDS = ['decision', 'answer', 'execution', 'preservation-expiry'] as const;
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];

export interface Deadline {
  kind: DeadlineKind;
  /** ISO timestamp. */
  dueAt: string;
  /** The side that must act before then. */
  waitingOn: Side;
}

export interface TimedEvent {
  /** A lifecycle action, or another history entry (create, edit), which deadlines ignore. */
  action: Action | (string & {});
  at: string;
}

const HOUR = 3_600_000;
const addHours = (iso: string, hours: number) => new Date(Date.parse(iso) + hours * HOUR).toISOString();

function lastAt(history: readonly TimedEvent[], actions: readonly Action[]): string | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const e = history[i]!;
    if ((actions as readonly string[]).includes(e.action)) return e.at;
  }
  return undefined;
}

/** The deadline a case in `state` is held to, or null when nobody is waited on. */
export function deadlineOf(opts: {
  type: RequestType;
  urgency: Urgency;
  state: CaseState;
  history: readonly TimedEvent[];
}): Deadline | null {
  const { type, urgency, state, history } = opts;
  const info = requestType(type);
  switch (state) {
    case 'submitted':
    case 'received':
    case 'screening':
    case 'in-review':
    case 'postponed': {
      // The decision clock starts when the (last) complete version of the request was sent.
      const start = lastAt(history, ['submit', 'amend']);
      return start
        ? { kind: 'decision', dueAt: addHours(start, info.deadlines.decide[urgency]), waitingOn: 'requested' }
        : null;
    }
    case 'consultation':
    case 'incomplete': {
      const start = lastAt(history, ['consult', 'mark-incomplete']);
      return start
        ? { kind: 'answer', dueAt: addHours(start, waitingHours[urgency]), waitingOn: 'requesting' }
        : null;
    }
    case 'accepted':
    case 'accepted-with-conditions':
    case 'executing': {
      const start = lastAt(history, ['accept', 'accept-with-conditions']);
      if (!start) return null;
      // UNCC art. 42 / Budapest art. 29(7): preserved data is kept at least 60 days.
      if (info.preservationDays !== undefined && state === 'executing')
        return {
          kind: 'preservation-expiry',
          dueAt: addHours(start, info.preservationDays * 24),
          waitingOn: 'requesting',
        };
      return {
        kind: 'execution',
        dueAt: addHours(start, info.deadlines.execute[urgency]),
        waitingOn: 'requested',
      };
    }
    default:
      return null;
  }
}

/** Whether a deadline has passed at `now`. */
export function isOverdue(deadline: Deadline | null, now: Date): boolean {
  return deadline !== null && Date.parse(deadline.dueAt) < now.getTime();
}

/**
 * The case lifecycle (design §4) as one typed table. Both nodes of a case run the same table: a local action is
 * checked against the user's side and roles, and the same action arriving from the other node is checked
 * against the sender's side. Which roles may take an action is enforced by the Cedar policies in
 * src/authz/policies.cedar; the `roles` column here documents the intent and feeds the policy tests.
 */
import { z } from 'zod';
import { InterchangeRequestSchema } from './request.ts';
import type { Role } from './roles.ts';
import { RULE_NAMES } from './safeguards/types.ts';

export const CASE_STATES = [
  'draft',
  'submitted',
  'received',
  'screening',
  'in-review',
  'accepted',
  'accepted-with-conditions',
  'executing',
  'delivered',
  'closed',
  'postponed',
  'consultation',
  'refused',
  'incomplete',
  'withdrawn',
] as const;
export type CaseState = (typeof CASE_STATES)[number];

export const TERMINAL_STATES: readonly CaseState[] = ['closed', 'withdrawn'];

/** Grounds a refusal or postponement cites (design §4). */
export const GROUNDS = [
  'non-conforming',
  'essential-interests',
  'domestic-law',
  'legal-system',
  'persecution',
  'political-offence',
  'no-dual-criminality',
  'human-rights',
  'death-penalty',
  'ne-bis-in-idem',
  'data-protection',
  'ongoing-proceedings',
] as const;
export type Ground = (typeof GROUNDS)[number];

export const CONDITION_KINDS = [
  'use-limitation',
  'death-penalty-assurance',
  'retention',
  'confidentiality',
  'onward-transfer',
  'other',
] as const;

/** Message types between nodes (design §8). */
export type MessageType =
  | 'request'
  | 'receipt'
  | 'status'
  | 'consultation'
  | 'decision'
  | 'evidence-manifest'
  | 'withdrawal';

export type Side = 'requesting' | 'requested';

const note = z.string().trim().min(1).max(20_000);
const NoDetails = z.object({ note: note.optional() }).strict();

/**
 * What a reviewer says of the screening when deciding (design §6): each concern acknowledged by its rule, each
 * ground overridden with a written justification. Checked against the latest screening by `decisionProblems`.
 */
const ScreeningResponse = {
  acknowledged: z.array(z.enum(RULE_NAMES)).max(RULE_NAMES.length).optional(),
  overrides: z
    .array(
      z.object({ rule: z.enum(RULE_NAMES), justification: z.string().trim().min(20).max(10_000) }).strict(),
    )
    .max(RULE_NAMES.length)
    .optional(),
};

export const ConditionSchema = z
  .object({
    kind: z.enum(CONDITION_KINDS),
    text: z.string().trim().min(1).max(5000),
    /**
     * For `retention`: the last day the requesting party may keep what it receives. Evidence packages carry it,
     * and the requesting node destroys their keys after it.
     */
    until: z.iso.date().optional(),
  })
  .strict();

export const ActionDetailSchemas = {
  submit: NoDetails,
  receive: NoDetails,
  screen: NoDetails,
  'finish-screening': NoDetails,
  accept: z.object({ note: note.optional(), ...ScreeningResponse }).strict(),
  'accept-with-conditions': z
    .object({
      conditions: z.array(ConditionSchema).min(1).max(50),
      note: note.optional(),
      ...ScreeningResponse,
    })
    .strict(),
  postpone: z
    .object({ grounds: z.array(z.enum(GROUNDS)).min(1), note, until: z.iso.date().optional() })
    .strict(),
  resume: NoDetails,
  consult: z.object({ note }).strict(),
  'answer-consultation': z.object({ note }).strict(),
  refuse: z
    .object({ grounds: z.array(z.enum(GROUNDS)).min(1), note, acknowledged: ScreeningResponse.acknowledged })
    .strict(),
  'mark-incomplete': z.object({ missing: z.array(z.string().max(200)).max(100).default([]), note }).strict(),
  amend: z.object({ request: InterchangeRequestSchema, note: note.optional() }).strict(),
  execute: NoDetails,
  deliver: NoDetails,
  close: NoDetails,
  withdraw: z.object({ note }).strict(),
} as const;

export type Action = keyof typeof ActionDetailSchemas;
export const ACTIONS = Object.keys(ActionDetailSchemas) as Action[];
export type ActionDetails<A extends Action> = z.output<(typeof ActionDetailSchemas)[A]>;

export interface Transition {
  from: readonly CaseState[];
  to: CaseState;
  /** The side whose node takes the action; the other side applies it when the message arrives. */
  side: Side;
  /** Roles that may take it; empty for the node's own automatic steps (receiving, screening). */
  roles: readonly Role[];
  /** The message that tells the other side, or null when the step stays local. */
  message: MessageType | null;
  /** A short past-tense description for the history. */
  summary: string;
}

const OPEN_AFTER_SUBMISSION: readonly CaseState[] = [
  'submitted',
  'received',
  'screening',
  'in-review',
  'postponed',
  'consultation',
  'incomplete',
  'accepted',
  'accepted-with-conditions',
  'executing',
];
const DECIDERS: readonly Role[] = ['reviewer', 'contact-24-7'];

export const TRANSITIONS = {
  submit: {
    from: ['draft'],
    to: 'submitted',
    side: 'requesting',
    roles: ['officer', 'contact-24-7'],
    message: 'request',
    summary: 'submitted the request',
  },
  receive: {
    from: ['submitted'],
    to: 'received',
    side: 'requested',
    roles: [],
    message: 'status',
    summary: 'received the request',
  },
  screen: {
    from: ['received'],
    to: 'screening',
    side: 'requested',
    roles: [],
    message: 'status',
    summary: 'started screening',
  },
  'finish-screening': {
    from: ['screening'],
    to: 'in-review',
    side: 'requested',
    roles: [],
    message: 'status',
    summary: 'finished screening; the request awaits review',
  },
  accept: {
    from: ['in-review'],
    to: 'accepted',
    side: 'requested',
    roles: DECIDERS,
    message: 'decision',
    summary: 'accepted the request',
  },
  'accept-with-conditions': {
    from: ['in-review'],
    to: 'accepted-with-conditions',
    side: 'requested',
    roles: DECIDERS,
    message: 'decision',
    summary: 'accepted the request with conditions',
  },
  postpone: {
    from: ['in-review'],
    to: 'postponed',
    side: 'requested',
    roles: DECIDERS,
    message: 'decision',
    summary: 'postponed execution',
  },
  resume: {
    from: ['postponed', 'consultation'],
    to: 'in-review',
    side: 'requested',
    roles: DECIDERS,
    message: 'status',
    summary: 'resumed the review',
  },
  consult: {
    from: ['in-review'],
    to: 'consultation',
    side: 'requested',
    roles: DECIDERS,
    message: 'consultation',
    summary: 'asked the requesting party for consultation',
  },
  'answer-consultation': {
    from: ['consultation'],
    to: 'in-review',
    side: 'requesting',
    roles: ['officer', 'contact-24-7'],
    message: 'consultation',
    summary: 'answered the consultation',
  },
  refuse: {
    from: ['in-review'],
    to: 'refused',
    side: 'requested',
    roles: DECIDERS,
    message: 'decision',
    summary: 'refused the request',
  },
  'mark-incomplete': {
    from: ['in-review'],
    to: 'incomplete',
    side: 'requested',
    roles: DECIDERS,
    message: 'status',
    summary: 'marked the request incomplete',
  },
  amend: {
    from: ['incomplete'],
    to: 'submitted',
    side: 'requesting',
    roles: ['officer', 'contact-24-7'],
    message: 'request',
    summary: 'amended and resubmitted the request',
  },
  execute: {
    from: ['accepted', 'accepted-with-conditions'],
    to: 'executing',
    side: 'requested',
    roles: ['reviewer', 'executor', 'contact-24-7'],
    message: 'status',
    summary: 'started execution',
  },
  deliver: {
    from: ['executing'],
    to: 'delivered',
    side: 'requested',
    roles: ['reviewer', 'executor', 'contact-24-7'],
    message: 'status',
    summary: 'marked the request executed and delivered',
  },
  close: {
    from: ['delivered', 'refused'],
    to: 'closed',
    side: 'requesting',
    roles: ['officer', 'contact-24-7'],
    message: 'status',
    summary: 'closed the case',
  },
  withdraw: {
    from: OPEN_AFTER_SUBMISSION,
    to: 'withdrawn',
    side: 'requesting',
    roles: ['officer', 'contact-24-7'],
    message: 'withdrawal',
    summary: 'withdrew the request',
  },
} as const satisfies Record<Action, Transition>;

/** Actions a person takes through the API or CLI; the rest are the node's own steps. */
export const USER_ACTIONS = ACTIONS.filter((a) => TRANSITIONS[a].roles.length > 0);

export function isAction(value: string): value is Action {
  return Object.hasOwn(TRANSITIONS, value);
}

export type TransitionCheck = { ok: true; to: CaseState } | { ok: false; reason: string };

/** Whether `action`, taken by `side`, may move a case that is now in `state`. */
export function checkTransition(action: Action, state: CaseState, side: Side): TransitionCheck {
  const t: Transition = TRANSITIONS[action];
  if (t.side !== side) return { ok: false, reason: `only the ${t.side} party can ${action} a case` };
  if (!t.from.includes(state))
    return {
      ok: false,
      reason: `a case in state ${state} cannot be moved by ${action} (allowed from ${t.from.join(', ')})`,
    };
  return { ok: true, to: t.to };
}

/** The actions that `side` could take on a case in `state`, whatever the user's roles. */
export function availableActions(state: CaseState, side: Side): Action[] {
  return ACTIONS.filter(
    (a) => TRANSITIONS[a].side === side && (TRANSITIONS[a].from as readonly CaseState[]).includes(state),
  );
}

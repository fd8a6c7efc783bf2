/**
 * The API's view of a case: what a user of either party sees, with the actions open to that user. The shapes are
 * declared here once, as schemas with ids; the OpenAPI document, the CLI's and the web's types derive from them.
 */

import { z } from 'zod';
import { caseResource } from '../access/guard.ts';
import { authorize } from '../authz/authorize.ts';
import type { NodeCore } from '../core.ts';
import type { UserActor } from '../domain/actor.ts';
import { OFFENCE_CODES, REQUEST_TYPES, type RequestType } from '../domain/catalogue.ts';
import { DEADLINE_KINDS, type Deadline, isOverdue } from '../domain/deadlines.ts';
import {
  ACTIONS,
  type Action,
  availableActions,
  CASE_STATES,
  type CaseState,
  type Side,
} from '../domain/lifecycle.ts';
import { InterchangeRequestFields, InterchangeRequestSchema } from '../domain/request.ts';
import { FindingSchema, VERDICTS, type Verdict } from '../domain/safeguards/types.ts';
import type { CaseRow, caseEvents, screenings } from '../store/schema.ts';

/** A deadline as the views show it: what is awaited, from whom, by when, and whether it has passed. */
export const DeadlineSchema = z
  .object({
    kind: z.enum(DEADLINE_KINDS),
    dueAt: z.string(),
    waitingOn: z.enum(['requesting', 'requested']),
    overdue: z.boolean(),
  })
  .meta({ id: 'Deadline' });

/** A case in a list: what it is, between whom, where it stands and what the screen said. */
export const CaseSummarySchema = z
  .object({
    id: z.string(),
    state: z.enum(CASE_STATES),
    type: z.enum(REQUEST_TYPES),
    instrument: z.string(),
    channel: z.string(),
    urgency: z.string(),
    requesting: z.string(),
    requested: z.string(),
    direction: z.enum(['incoming', 'outgoing']),
    createdAt: z.string(),
    updatedAt: z.string(),
    deadline: DeadlineSchema.nullable(),
    verdict: z.enum(VERDICTS).nullable(),
  })
  .meta({ id: 'CaseSummary' });
export type CaseSummary = z.infer<typeof CaseSummarySchema>;

/** One step of a case's history, on either side. */
export const HistoryEntrySchema = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    action: z.string(),
    fromState: z.string().nullable(),
    toState: z.string().nullable(),
    party: z.string(),
    actor: z.object({ kind: z.string(), id: z.string().nullable(), name: z.string().nullable() }),
    details: z.unknown().meta({ description: "the action's details, as its body schema in this document" }),
    messageId: z.string().nullable(),
    ledger: z
      .object({
        index: z.number().int().meta({ description: "the event's entry in this node's ledger" }),
        signed: z.boolean().meta({ description: 'whether a signed checkpoint covers the entry yet' }),
      })
      .nullable()
      .optional(),
  })
  .meta({ id: 'HistoryEntry' });
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

/** What stands in for names, facts and free text in what an oversight body sees (./redact.ts). */
export const REDACTED = '[redacted]';

/**
 * The request as an oversight body sees it: type, parties, offences and categories, with no names, identifiers,
 * facts or authority (./redact.ts).
 */
export const RedactedRequestSchema = InterchangeRequestFields.omit({
  authority: true,
  facts: true,
  purpose: true,
  offences: true,
  subjects: true,
  data: true,
})
  .extend({
    authority: z.object({}).strict(),
    facts: z.literal(REDACTED),
    purpose: z.literal(REDACTED),
    offences: z.array(
      z.object({ code: z.enum(OFFENCE_CODES), maxPenaltyYears: z.number().optional() }).strict(),
    ),
    subjects: z.array(z.object({ name: z.literal(REDACTED), role: z.string() }).strict()),
    data: z.array(
      z
        .object({
          category: z.string(),
          identifiers: z.array(z.string()).max(0),
          identifierCount: z.number().int(),
          from: z.string().optional(),
          to: z.string().optional(),
        })
        .strict(),
    ),
  })
  .meta({ id: 'RedactedRequest', description: 'A request without names, identifiers, facts or free text' });

/** A case in full: its request, screening, history and messages, and the actions open to the user. */
export const CaseSchema = CaseSummarySchema.extend({
  redacted: z
    .boolean()
    .optional()
    .meta({ description: 'true for an oversight body: no names, identifiers, facts or free text' }),
  request: z.union([InterchangeRequestSchema, RedactedRequestSchema]),
  restrictedTo: z
    .array(z.string())
    .nullable()
    .meta({ description: 'need-to-know: the only users of this node who see the case, or null' }),
  vouchedBy: z
    .object({ kid: z.string(), name: z.string(), party: z.string(), at: z.string() })
    .nullable()
    .meta({
      description: 'an emergency request received: the officer of the requesting party who vouched for it',
    }),
  availableActions: z.array(z.enum(ACTIONS)),
  screening: z
    .object({ at: z.string(), verdict: z.enum(VERDICTS), findings: z.array(FindingSchema) })
    .nullable()
    .meta({ description: "the requested party's latest screening; null for the requesting party" }),
  history: z.array(HistoryEntrySchema),
  messages: z.array(
    z.object({
      direction: z.enum(['sent', 'received']),
      id: z.string(),
      type: z.string(),
      status: z.string(),
      at: z.string(),
      deliveredAt: z.string().nullable(),
      attempts: z.number().nullable(),
      lastError: z.string().nullable(),
    }),
  ),
}).meta({ id: 'Case' });
export type CaseView = z.infer<typeof CaseSchema>;

export function summaryOf(
  row: CaseRow,
  party: string,
  now: Date,
  verdict: Verdict | null = null,
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
    type: row.type as RequestType,
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

/** Response shapes of the API, shared by validation, serialisation and the OpenAPI document. */
import { z } from 'zod';
import { CASE_STATES } from '../domain/lifecycle.ts';
import { ROLES } from '../domain/roles.ts';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .loose()
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export const UserSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string(),
    party: z.string(),
    roles: z.array(z.enum(ROLES)),
  })
  .meta({ id: 'User' });

export const DeadlineSchema = z
  .object({
    kind: z.enum(['decision', 'answer', 'execution', 'preservation-expiry']),
    dueAt: z.string(),
    waitingOn: z.enum(['requesting', 'requested']),
    overdue: z.boolean(),
  })
  .meta({ id: 'Deadline' });

export const CaseSummarySchema = z
  .object({
    id: z.string(),
    state: z.enum(CASE_STATES),
    type: z.string(),
    instrument: z.string(),
    channel: z.string(),
    urgency: z.string(),
    requesting: z.string(),
    requested: z.string(),
    direction: z.enum(['incoming', 'outgoing']),
    createdAt: z.string(),
    updatedAt: z.string(),
    deadline: DeadlineSchema.nullable(),
    verdict: z.string().nullable(),
  })
  .meta({ id: 'CaseSummary' });

export const HistoryEntrySchema = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    action: z.string(),
    fromState: z.string().nullable(),
    toState: z.string().nullable(),
    party: z.string(),
    actor: z.object({ kind: z.string(), id: z.string().nullable(), name: z.string().nullable() }),
    details: z.unknown(),
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

export const CaseSchema = CaseSummarySchema.extend({
  redacted: z
    .boolean()
    .optional()
    .meta({ description: 'true for an oversight body: no names, identifiers, facts or free text' }),
  request: z.record(z.string(), z.unknown()),
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
  availableActions: z.array(z.string()),
  screening: z
    .object({
      at: z.string(),
      verdict: z.string(),
      findings: z.unknown(),
    })
    .nullable(),
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

export const problemResponses = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  422: ProblemSchema,
} as const;

export const FindingSchema = z.object({
  rule: z.string(),
  outcome: z.enum(['clear', 'concern', 'ground', 'missing']),
  article: z.string(),
  reason: z.string(),
  evidence: z.array(z.string()),
});
export const ScreeningSchema = z
  .object({
    verdict: z.enum(['clear', 'review', 'refuse-recommended', 'incomplete']),
    findings: z.array(FindingSchema),
    context: z.object({ party: z.string(), source: z.enum(['node', 'registry']), note: z.string() }),
  })
  .meta({ id: 'Screening' });

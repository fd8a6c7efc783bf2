/** Case routes: thin wrappers that validate, call one case function and shape the answer. */
import type { FastifySchemaCompiler } from 'fastify';
import { type FastifyPluginAsyncZod, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createCase } from '../../cases/create-case.ts';
import { getCase } from '../../cases/get-case.ts';
import { loadCaseFor } from '../../cases/guard.ts';
import { listCases } from '../../cases/list-cases.ts';
import { preflight } from '../../cases/preflight.ts';
import { restrictCase, restrictionCandidates } from '../../cases/restrict.ts';
import { statistics } from '../../cases/statistics.ts';
import { takeAction } from '../../cases/take-action.ts';
import { updateDraft } from '../../cases/update-draft.ts';
import { CaseSchema, CaseSummarySchema } from '../../cases/view.ts';
import type { NodeCore } from '../../core.ts';
import { REQUEST_TYPES, URGENCIES } from '../../domain/catalogue.ts';
import { AppError } from '../../domain/errors.ts';
import { ActionDetailSchemas, CASE_STATES, TRANSITIONS, USER_ACTIONS } from '../../domain/lifecycle.ts';
import { type InterchangeRequest, InterchangeRequestSchema } from '../../domain/request.ts';
import { ctxOf } from '../context.ts';
import { problemResponses, ScreeningSchema } from '../schemas.ts';

const csv = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .max(1000)
    .transform((s) =>
      s
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(values)))
    .optional()
    .meta({ description: `comma-separated: ${values.join(', ')}` });

/** Checks a route's path and query as usual, and leaves its body to the handler. */
// biome-ignore lint/suspicious/noExplicitAny: fastify types a route's compiler by that route's whole schema
const bodyCheckedLater: FastifySchemaCompiler<any> = (route) =>
  route.httpPart === 'body' ? (value: unknown) => ({ value }) : validatorCompiler(route as never);

const CaseId = z.object({ id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'a case id is a ULID') });

export function caseRoutes(core: NodeCore): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/v1/cases',
      {
        schema: {
          tags: ['cases'],
          summary: "List the cases of the user's party",
          querystring: z.object({
            direction: z.enum(['incoming', 'outgoing']).optional(),
            state: csv(CASE_STATES),
            type: csv(REQUEST_TYPES),
            urgency: csv(URGENCIES),
            q: z
              .string()
              .max(200)
              .optional()
              .meta({ description: 'text searched in facts, purpose, subjects and identifiers' }),
            overdue: z.enum(['true', 'false']).optional(),
            sort: z.enum(['updated', 'due']).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z
              .string()
              .regex(/^\d{1,9}$/)
              .optional(),
          }),
          response: {
            200: z.object({
              items: z.array(CaseSummarySchema),
              total: z.number().int(),
              nextCursor: z.string().nullable(),
            }),
            ...problemResponses,
          },
        },
      },
      async (req) => {
        const q = req.query;
        return listCases(core, ctxOf(req), {
          direction: q.direction,
          state: q.state,
          type: q.type,
          urgency: q.urgency,
          q: q.q,
          overdue: q.overdue === 'true',
          sort: q.sort,
          limit: q.limit,
          offset: q.cursor ? Number(q.cursor) : 0,
        });
      },
    );

    const Count = z.object({ key: z.string(), incoming: z.number().int(), outgoing: z.number().int() });
    app.get(
      '/api/v1/statistics',
      {
        schema: {
          tags: ['oversight'],
          summary:
            'Counts of this node’s cases for oversight: by type, party, offence, outcome, month; refusal grounds; median time to decision',
          response: {
            200: z.object({
              party: z.string(),
              generatedAt: z.string(),
              total: z.number().int(),
              byType: z.array(Count),
              byParty: z.array(Count),
              byOutcome: z.array(Count),
              byOffence: z.array(Count),
              byMonth: z.array(Count),
              refusalGrounds: z.array(Count),
              decisionHours: z.object({ median: z.number().nullable(), decisions: z.number().int() }),
            }),
            ...problemResponses,
          },
        },
      },
      async (req) => statistics(core, ctxOf(req)),
    );

    app.post(
      '/api/v1/cases',
      {
        schema: {
          tags: ['cases'],
          summary: 'Create a draft case from an interchange request',
          body: InterchangeRequestSchema,
          response: { 201: CaseSchema, ...problemResponses },
        },
      },
      async (req, reply) => {
        const ctx = ctxOf(req);
        const row = await createCase(core, ctx, req.body);
        reply.code(201).header('location', `/api/v1/cases/${row.id}`);
        return getCase(core, ctx, row.id);
      },
    );

    app.get(
      '/api/v1/cases/:id',
      {
        schema: {
          tags: ['cases'],
          summary: 'One case with its history',
          params: CaseId,
          response: { 200: CaseSchema, ...problemResponses },
        },
      },
      async (req) => getCase(core, ctxOf(req), req.params.id),
    );

    app.get(
      '/api/v1/cases/:id/preflight',
      {
        schema: {
          tags: ['screening'],
          summary: "Pre-flight of one of your party's requests: what the requested party's screen will say",
          params: CaseId,
          response: { 200: ScreeningSchema, ...problemResponses },
        },
      },
      async (req) => {
        const ctx = ctxOf(req);
        const row = await loadCaseFor(core, ctx, req.params.id, { action: 'read', logRead: true });
        if (row.requesting !== ctx.user.party)
          throw new AppError(
            'forbidden',
            'Pre-flight is for the requesting party; the requested party sees its own screening.',
          );
        return preflight(core, ctx, row.request as InterchangeRequest);
      },
    );

    app.put(
      '/api/v1/cases/:id',
      {
        schema: {
          tags: ['cases'],
          summary: 'Replace the request of a draft',
          params: CaseId,
          body: InterchangeRequestSchema,
          response: { 200: CaseSchema, ...problemResponses },
        },
      },
      async (req) => {
        const ctx = ctxOf(req);
        await updateDraft(core, ctx, req.params.id, req.body);
        return getCase(core, ctx, req.params.id);
      },
    );

    app.get(
      '/api/v1/cases/:id/restriction/candidates',
      {
        schema: {
          tags: ['cases'],
          summary: 'Need-to-know: the users of this node the case can be restricted to',
          description:
            'Active accounts of this node with a role that reads cases; only for those who may restrict the case.',
          params: CaseId,
          response: {
            200: z.object({
              items: z.array(
                z.object({ id: z.string(), name: z.string(), email: z.string(), roles: z.array(z.string()) }),
              ),
            }),
            ...problemResponses,
          },
        },
      },
      async (req) => ({ items: await restrictionCandidates(core, ctxOf(req), req.params.id) }),
    );

    app.put(
      '/api/v1/cases/:id/restriction',
      {
        schema: {
          tags: ['cases'],
          summary:
            'Need-to-know: restrict the case to named users of this node, or lift the restriction (null)',
          description:
            'Everyone else on this node loses sight of the case, whatever their role; oversight still sees it redacted. The restriction stays on this node.',
          params: CaseId,
          body: z
            .object({
              users: z.array(z.string().max(64)).min(1).max(200).nullable(),
              note: z.string().max(2000).optional(),
            })
            .strict(),
          response: { 200: CaseSchema, ...problemResponses },
        },
      },
      async (req) => {
        const ctx = ctxOf(req);
        await restrictCase(core, ctx, req.params.id, req.body);
        return getCase(core, ctx, req.params.id);
      },
    );

    // One operation per action, each with its body schema, so that the OpenAPI document (and a client made from
    // it) knows what each action takes. The parametric route stays, undocumented, to name an unknown action.
    // The body is checked by takeAction after the case is found and the action allowed, as for every case
    // route: someone who may not see a case learns nothing from how a body is wrong.
    for (const action of USER_ACTIONS) {
      const t = TRANSITIONS[action];
      app.post(
        `/api/v1/cases/:id/actions/${action}`,
        {
          schema: {
            tags: ['cases'],
            operationId: `case-${action}`,
            summary: `Action "${action}": ${t.summary}`,
            description: `Taken by the ${t.side} side (roles: ${t.roles.join(', ')}) from ${t.from.join(', ')}; the case then is ${t.to}.`,
            params: CaseId,
            body: ActionDetailSchemas[action].optional(),
            response: { 200: CaseSchema, ...problemResponses },
          },
          validatorCompiler: bodyCheckedLater,
        },
        async (req) => {
          const ctx = ctxOf(req);
          await takeAction(core, ctx, req.params.id, action, req.body);
          return getCase(core, ctx, req.params.id);
        },
      );
    }
    app.post(
      '/api/v1/cases/:id/actions/:action',
      {
        schema: {
          hide: true,
          params: CaseId.extend({ action: z.string().max(40) }),
          body: z.unknown(),
          response: { 200: CaseSchema, ...problemResponses },
        },
      },
      async (req) => {
        const ctx = ctxOf(req);
        await takeAction(core, ctx, req.params.id, req.params.action, req.body);
        return getCase(core, ctx, req.params.id);
      },
    );
  };
}

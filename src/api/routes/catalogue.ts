/** The registry and the treaty catalogue: parties, offences, request types. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAllowed } from '../../access/guard.ts';
import type { NodeCore } from '../../core.ts';
import { offences, requestTypes } from '../../domain/catalogue.ts';
import { AppError } from '../../domain/errors.ts';
import { allParties, partyProfile } from '../../domain/parties.ts';
import { ctxOf } from '../context.ts';
import { problemResponses } from '../schemas.ts';

const PartySchema = z
  .object({
    code: z.string(),
    name: z.string(),
    fictional: z.boolean(),
    instruments: z.record(z.string(), z.string()),
    instrumentFacts: z.record(z.string(), z.unknown()).optional(),
    abolitionist: z.boolean().optional(),
    declarations: z.record(z.string(), z.boolean()).optional(),
    law: z.record(z.string(), z.unknown()).optional(),
    languages: z.array(z.string()).optional(),
    centralAuthority: z.string().optional(),
    contact247: z.string().optional(),
    node: z.object({ url: z.string() }).nullable(),
  })
  .meta({ id: 'Party' });

export function catalogueRoutes(core: NodeCore): FastifyPluginAsyncZod {
  const withNode = (p: ReturnType<typeof allParties>[number]) => {
    const trusted = core.trust.party(p.code);
    return { ...p, node: trusted ? { url: trusted.url } : null };
  };
  const registryGuard = async (req: Parameters<typeof ctxOf>[0]) =>
    requireAllowed(core, ctxOf(req), 'read-registry', { kind: 'node', party: core.party });

  return async (app) => {
    app.get(
      '/api/v1/parties',
      {
        schema: {
          tags: ['registry'],
          summary: 'The registry: real states and the demo federation, with treaty status and node',
          querystring: z.object({
            federation: z
              .enum(['true', 'false'])
              .optional()
              .meta({ description: 'only parties with a node in the trust list' }),
          }),
          response: { 200: z.object({ items: z.array(PartySchema) }), ...problemResponses },
        },
      },
      async (req) => {
        await registryGuard(req);
        const items = allParties().map(withNode);
        return { items: req.query.federation === 'true' ? items.filter((p) => p.node) : items };
      },
    );

    app.get(
      '/api/v1/parties/:code',
      {
        schema: {
          tags: ['registry'],
          summary: 'One party',
          params: z.object({ code: z.string().regex(/^[A-Z]{3}$/) }),
          response: { 200: PartySchema, ...problemResponses },
        },
      },
      async (req) => {
        await registryGuard(req);
        const p = partyProfile(req.params.code);
        if (!p) throw new AppError('not-found', `No party ${req.params.code} in the registry.`);
        return withNode(p);
      },
    );

    app.get(
      '/api/v1/offences',
      {
        schema: {
          tags: ['registry'],
          summary: 'The offence catalogue (design §5)',
          response: {
            200: z.object({ items: z.array(z.record(z.string(), z.unknown())) }),
            ...problemResponses,
          },
        },
      },
      async (req) => {
        await registryGuard(req);
        return { items: offences.map((o) => ({ ...o })) };
      },
    );

    app.get(
      '/api/v1/request-types',
      {
        schema: {
          tags: ['registry'],
          summary: 'Request types with articles, channel, required fields and default deadlines',
          response: {
            200: z.object({ items: z.array(z.record(z.string(), z.unknown())) }),
            ...problemResponses,
          },
        },
      },
      async (req) => {
        await registryGuard(req);
        return { items: requestTypes.map((t) => ({ ...t })) };
      },
    );
  };
}

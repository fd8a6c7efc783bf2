/** The trust list in force (read by any user of the node) and its replacement by an administrator. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAllowed } from '../../access/guard.ts';
import type { NodeCore } from '../../core.ts';
import type { TrustList } from '../../crypto/trust-list.ts';
import { installTrustList } from '../../exchange/trust-install.ts';
import { ctxOf } from '../context.ts';
import { problemResponses } from '../schemas.ts';

const KeySchema = z.object({ kid: z.string(), use: z.enum(['sig', 'enc', 'wit']), status: z.string() });
const TrustListViewSchema = z
  .object({
    digest: z.string().meta({ description: 'SHA-256 of the list, as recorded in the ledger' }),
    serial: z.number().nullable(),
    issuedAt: z.string().nullable(),
    signedBy: z
      .string()
      .nullable()
      .meta({ description: 'the administrator key that signed it, or null if unsigned' }),
    parties: z.array(
      z.object({
        code: z.string(),
        name: z.string(),
        url: z.string(),
        origin: z.string().meta({ description: "the origin of the party's ledger" }),
        witnessName: z.string().meta({ description: "the name the party's witness cosigns under" }),
        keys: z.array(KeySchema),
        officers: z.array(z.object({ kid: z.string(), name: z.string(), status: z.string() })),
      }),
    ),
  })
  .meta({ id: 'TrustList' });

function viewOf(trust: TrustList): z.infer<typeof TrustListViewSchema> {
  return {
    digest: trust.digest(),
    serial: trust.file.serial ?? null,
    issuedAt: trust.file.issuedAt ?? null,
    signedBy: trust.signedBy,
    parties: trust.file.parties.map((p) => ({
      code: p.code,
      name: p.name,
      url: p.url,
      origin: trust.party(p.code)!.ledger.origin,
      witnessName: trust.party(p.code)!.witness.name,
      keys: p.keys.map((k) => ({ kid: k.kid, use: k.use, status: k.status })),
      officers: p.officers.map((o) => ({ kid: o.kid, name: o.name, status: o.status })),
    })),
  };
}

export function trustRoutes(core: NodeCore): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/v1/node/trust-list',
      {
        schema: {
          tags: ['node'],
          summary: 'The trust list in force: parties, their keys with status, and officers who may vouch',
          response: { 200: TrustListViewSchema, ...problemResponses },
        },
      },
      async (req) => {
        await requireAllowed(core, ctxOf(req), 'read-registry', { kind: 'node', party: core.party });
        return viewOf(core.trust);
      },
    );
    app.put(
      '/api/v1/node/trust-list',
      {
        schema: {
          tags: ['node'],
          summary: 'Install a new trust list, signed with the administrator key (`comity trust sign`)',
          description:
            'Refused unless it verifies with the configured trustListSigner, holds this node’s current keys, and its serial does not go back; a revoked key cannot become trusted again. The change is recorded in the ledger.',
          body: z.object({ trustList: z.string().min(1).max(1_000_000) }).strict(),
          response: { 200: TrustListViewSchema, ...problemResponses },
        },
      },
      async (req) => {
        const ctx = ctxOf(req);
        await requireAllowed(core, ctx, 'administer', { kind: 'node', party: core.party });
        return viewOf(await installTrustList(core, req.body.trustList, ctx.user.id));
      },
    );
  };
}

/**
 * The ledger over HTTP (design §7, issue 4). Readable without sign-in: the signed checkpoint, the verifier key,
 * the entries (the exact bytes hashed) and inclusion and consistency proofs, so that anyone can hold the node to
 * its log without seeing confidential content. Behind sign-in: the full record behind an entry, for those who
 * may see it, and the witness view (peers' checkpoints and alarms).
 */
import { createHash } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  acceptCosignature,
  latestCheckpoint,
  ledgerVerifierKey,
  signLatestCheckpoint,
} from '../../audit/checkpoints.ts';
import {
  b64,
  canonicalJson,
  ledgerPage,
  ledgerTree,
  storedInclusionProof,
  subtreeLookup,
} from '../../audit/ledger.ts';
import { latestPeerCheckpoint } from '../../audit/witness.ts';
import { loadCaseFor, requireAllowed } from '../../cases/guard.ts';
import { consistencyProof, consistencyProofRanges, proofSubtrees } from '../../ledger/merkle.ts';
import type { NodeCore } from '../../node/core.ts';
import { ledgerAlarms, ledgerEntries } from '../../store/schema.ts';
import { ctxOf } from '../context.ts';
import { AppError } from '../errors.ts';
import { problemResponses } from '../schemas.ts';

const PAGE = 1000;
const count = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const Hashes = z.object({
  hashes: z.array(z.string()).meta({ description: 'base64 hashes, as in the checkpoint' }),
});
const open = { config: { public: true } } as const;

export function ledgerRoutes(core: NodeCore): FastifyPluginAsyncZod {
  const size = async () => (await ledgerTree(core.db)).size;
  return async (app) => {
    app.get(
      '/ledger/checkpoint',
      {
        ...open,
        schema: {
          tags: ['ledger'],
          summary: 'The latest signed checkpoint (C2SP tlog-checkpoint, signed note), with cosignatures',
          security: [],
        },
      },
      async (_req, reply) => {
        let cp = await latestCheckpoint(core);
        if (!cp) {
          await signLatestCheckpoint(core);
          cp = await latestCheckpoint(core);
        }
        return reply.type('text/plain; charset=utf-8').send(cp!.note);
      },
    );

    app.get(
      '/ledger/key',
      {
        ...open,
        schema: {
          tags: ['ledger'],
          summary: "The node's verifier key, signed-note form name+hash+key",
          security: [],
        },
      },
      async (_req, reply) => reply.type('text/plain; charset=utf-8').send(`${ledgerVerifierKey(core)}\n`),
    );

    app.get(
      '/ledger/entries',
      {
        ...open,
        schema: {
          tags: ['ledger'],
          summary: `Entries [start, end), at most ${PAGE} a page; each is the exact string that was hashed`,
          security: [],
          querystring: z
            .object({ start: count, end: count })
            .refine((q) => q.start < q.end, { message: 'start must be below end', path: ['end'] }),
          response: {
            200: z.object({ entries: z.array(z.object({ index: z.number().int(), entry: z.string() })) }),
            400: problemResponses[400],
          },
        },
      },
      async (req) => {
        const end = Math.min(req.query.end, req.query.start + PAGE, await size());
        const rows = req.query.start < end ? await ledgerPage(core.db, req.query.start, end) : [];
        return { entries: rows.map((r) => ({ index: r.seq, entry: r.entry })) };
      },
    );

    app.get(
      '/ledger/proof/inclusion',
      {
        ...open,
        schema: {
          tags: ['ledger'],
          summary: 'RFC 9162 inclusion proof of entry `index` in the tree of `size` entries',
          security: [],
          querystring: z.object({ index: count, size: count }),
          response: {
            200: z.object({ index: z.number(), size: z.number() }).extend(Hashes.shape),
            400: problemResponses[400],
          },
        },
      },
      async (req) => {
        const { index, size: n } = req.query;
        const current = await size();
        if (n > current)
          throw new AppError('bad-request', `The tree has ${current} entries; no proof for size ${n}.`, {
            errors: [{ field: 'size', message: `at most ${current}` }],
          });
        if (index >= n)
          throw new AppError('bad-request', `Entry ${index} is not in a tree of ${n} entries.`, {
            errors: [{ field: 'index', message: `below ${n}` }],
          });
        return { index, size: n, hashes: await storedInclusionProof(core.db, index, n) };
      },
    );

    app.get(
      '/ledger/proof/consistency',
      {
        ...open,
        schema: {
          tags: ['ledger'],
          summary: 'RFC 9162 consistency proof between the trees of `from` and `to` entries',
          security: [],
          querystring: z.object({ from: count, to: count }),
          response: {
            200: z.object({ from: z.number(), to: z.number() }).extend(Hashes.shape),
            400: problemResponses[400],
          },
        },
      },
      async (req) => {
        const { from, to } = req.query;
        const current = await size();
        if (to > current)
          throw new AppError('bad-request', `The tree has ${current} entries; no proof to size ${to}.`, {
            errors: [{ field: 'to', message: `at most ${current}` }],
          });
        if (from > to)
          throw new AppError('bad-request', '`from` is larger than `to`.', {
            errors: [{ field: 'from', message: `at most ${to}` }],
          });
        const lookup = await subtreeLookup(core.db, proofSubtrees(consistencyProofRanges(from, to)));
        return { from, to, hashes: consistencyProof(from, to, lookup).map(b64) };
      },
    );

    app.post(
      '/ledger/cosignatures',
      {
        ...open,
        schema: {
          tags: ['ledger'],
          summary:
            "A peer witness's cosignature of one of this node's checkpoints (verified against the trust list)",
          security: [],
          body: z
            .object({
              witness: z.string().regex(/^[A-Z]{3}$/),
              origin: z.string().max(200),
              note: z.string().max(20_000),
            })
            .strict(),
        },
      },
      async (req, reply) => {
        const refused = await acceptCosignature(core, req.body.witness, req.body.origin, req.body.note);
        if (refused) throw new AppError('bad-request', `Cosignature refused: ${refused}.`);
        return reply.code(204).send();
      },
    );

    app.get(
      '/api/v1/ledger/entries/:seq/record',
      {
        schema: {
          tags: ['ledger'],
          summary:
            'The full record behind an entry, for a user who may see it, checked against the entry digest',
          params: z.object({ seq: count }),
          response: {
            200: z.object({
              index: z.number(),
              entry: z.string(),
              record: z.unknown(),
              digestMatches: z.boolean(),
            }),
            ...problemResponses,
          },
        },
      },
      async (req) => {
        const ctx = ctxOf(req);
        const row = (
          await core.db.select().from(ledgerEntries).where(eq(ledgerEntries.seq, req.params.seq))
        )[0];
        if (!row) throw new AppError('not-found', `No ledger entry ${req.params.seq}.`);
        if (row.caseId)
          await loadCaseFor(core, ctx, row.caseId, {
            action: 'read',
            logRead: true,
            notFound: `No ledger entry ${req.params.seq}.`,
          });
        else await requireAllowed(core, ctx, 'audit', { kind: 'node', party: core.party });
        const digest = createHash('sha256').update(canonicalJson(row.record)).digest('hex');
        return {
          index: row.seq,
          entry: row.entry,
          record: row.record,
          digestMatches: JSON.parse(row.entry).digest === digest,
        };
      },
    );

    app.get(
      '/api/v1/ledger/witness',
      {
        schema: {
          tags: ['ledger'],
          summary:
            "This node's checkpoint with cosignatures, peers' checkpoints it checked, and alarms (administrators and oversight)",
          response: { 200: z.record(z.string(), z.unknown()), ...problemResponses },
        },
      },
      async (req) => {
        await requireAllowed(core, ctxOf(req), 'audit', { kind: 'node', party: core.party });
        const peers = [];
        for (const p of core.trust.parties()) {
          if (p.code === core.party) continue;
          const last = await latestPeerCheckpoint(core, p.code);
          peers.push({
            party: p.code,
            checkpoint: last
              ? { size: last.size, rootHash: last.rootHash, at: last.at.toISOString(), note: last.note }
              : null,
          });
        }
        const alarms = await core.db.select().from(ledgerAlarms).orderBy(desc(ledgerAlarms.id)).limit(100);
        return {
          origin: core.ledger.origin,
          key: ledgerVerifierKey(core),
          checkpoint: await latestCheckpoint(core),
          peers,
          alarms: alarms.map((a) => ({
            at: a.at.toISOString(),
            party: a.party,
            kind: a.kind,
            detail: a.detail,
          })),
        };
      },
    );
  };
}

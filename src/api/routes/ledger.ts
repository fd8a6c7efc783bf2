/**
 * The ledger over HTTP (design §7, issue 4). Readable without sign-in: the published checkpoint with its
 * cosignatures, the verifier key, the entries (the exact bytes hashed) and inclusion and consistency proofs, so
 * that anyone can hold the node to its log without seeing confidential content; and the node's witness (C2SP
 * tlog-witness: add-checkpoint, its key, the checkpoints it cosigned). Behind sign-in: the full record behind an
 * entry, for those who may see it, and the witness view (witnesses of this log, logs it witnesses, alarms).
 */
import { createHash } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAllowed } from '../../access/guard.ts';
import {
  latestCheckpoint,
  ledgerVerifierKey,
  publishedCheckpoint,
  signLatestCheckpoint,
  witnessVerifierKey,
} from '../../audit/checkpoints.ts';
import { b64, ledgerPage, ledgerTree, storedInclusionProof, subtreeLookup } from '../../audit/ledger.ts';
import { witnessStatus } from '../../audit/log-witnesses.ts';
import { addCheckpoint, witnessedCheckpoint, witnessedState } from '../../audit/witness.ts';
import { loadCaseFor } from '../../cases/guard.ts';
import type { NodeCore } from '../../core.ts';
import { AppError } from '../../domain/errors.ts';
import { canonicalJson } from '../../ledger/canonical.ts';
import { consistencyProof, consistencyProofRanges, proofSubtrees } from '../../ledger/merkle.ts';
import { formatTlogSize, TLOG_SIZE_TYPE } from '../../ledger/tlog-witness.ts';
import { ledgerAlarms, ledgerEntries } from '../../store/schema.ts';
import { ctxOf } from '../context.ts';
import { problemResponses } from '../schemas.ts';

const PAGE = 1000;
const count = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const Hashes = z.object({
  hashes: z.array(z.string()).meta({ description: 'base64 hashes, as in the checkpoint' }),
});
const open = { config: { public: true } } as const;
/** An add-checkpoint body: the old size, at most 63 proof lines and a checkpoint with a few signatures. */
const ADD_CHECKPOINT_LIMIT = 64 * 1024;

export function ledgerRoutes(core: NodeCore): FastifyPluginAsyncZod {
  const size = async () => (await ledgerTree(core.db)).size;
  return async (app) => {
    app.get(
      '/ledger/checkpoint',
      {
        ...open,
        schema: {
          tags: ['ledger'],
          summary:
            'The published checkpoint (C2SP tlog-checkpoint, signed note): the newest one the quorum of witnesses cosigned, with their C2SP tlog-cosignature lines; until one is, the newest signed one',
          security: [],
        },
      },
      async (_req, reply) => {
        let cp = await publishedCheckpoint(core);
        if (!cp) {
          await signLatestCheckpoint(core);
          cp = await publishedCheckpoint(core);
        }
        return reply
          .type('text/plain; charset=utf-8')
          .header('comity-witnessed', `${cp!.cosignatures}/${core.witnessing.quorum}`)
          .send(cp!.note);
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

    // The witness (C2SP tlog-witness), with the spec's status codes. Its body is text, whatever type the log
    // declares, so this scope reads every body as a string.
    await app.register(async (witness) => {
      witness.removeAllContentTypeParsers();
      witness.addContentTypeParser(
        '*',
        { parseAs: 'string', bodyLimit: ADD_CHECKPOINT_LIMIT },
        (_req, body, done) => done(null, body),
      );
      witness.post(
        '/ledger/witness/add-checkpoint',
        {
          ...open,
          bodyLimit: ADD_CHECKPOINT_LIMIT,
          schema: {
            tags: ['ledger'],
            summary:
              "C2SP tlog-witness add-checkpoint: a peer's signed checkpoint and a consistency proof; answers this node's tlog-cosignature",
            description:
              'The checkpoint must be signed with the key the trust list gives the party whose origin it carries; this node never cosigns its own log. 409 (text/x.tlog.size) gives the size this witness last cosigned; 422 a proof or root that does not hold; 403 a signature that is not the party’s; 404 an origin it does not witness.',
            security: [],
          },
        },
        async (req, reply) => {
          const answer = await addCheckpoint(core, typeof req.body === 'string' ? req.body : '');
          if (answer.status === 200) return reply.type('text/plain; charset=utf-8').send(answer.cosignature);
          if (answer.status === 409)
            return reply.code(409).type(TLOG_SIZE_TYPE).send(formatTlogSize(answer.size));
          const code = (
            { 400: 'bad-request', 403: 'forbidden', 404: 'not-found', 422: 'unprocessable' } as const
          )[answer.status];
          throw new AppError(code, `Not cosigned: ${answer.detail}.`);
        },
      );
    });

    app.get(
      '/ledger/witness/key',
      {
        ...open,
        schema: {
          tags: ['ledger'],
          summary:
            "The witness's verifier key (C2SP tlog-cosignature v1, signed-note type 0x04): name+hash+key",
          security: [],
        },
      },
      async (_req, reply) => reply.type('text/plain; charset=utf-8').send(`${witnessVerifierKey(core)}\n`),
    );

    app.get(
      '/ledger/witness/:originHash/checkpoint',
      {
        ...open,
        schema: {
          tags: ['ledger'],
          summary:
            'The checkpoint this witness last cosigned for the log whose origin has this SHA-256 (hex), with the log’s signature and its cosignature',
          security: [],
          params: z.object({ originHash: z.string().regex(/^[0-9a-f]{64}$/) }),
        },
      },
      async (req, reply) => {
        const note = await witnessedCheckpoint(core, req.params.originHash);
        if (!note) throw new AppError('not-found', 'This witness has cosigned no checkpoint of that log.');
        return reply.type('text/plain; charset=utf-8').send(note);
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
            "This node's published and newest checkpoints with cosignatures, its witnesses and how each answered, the peers' checkpoints its witness cosigned, and alarms (administrators and oversight)",
          response: { 200: z.record(z.string(), z.unknown()), ...problemResponses },
        },
      },
      async (req) => {
        await requireAllowed(core, ctxOf(req), 'audit', { kind: 'node', party: core.party });
        const peers = [];
        for (const p of core.trust.parties()) {
          if (p.code === core.party) continue;
          const last = await witnessedState(core, p);
          peers.push({
            party: p.code,
            origin: p.ledger.origin,
            checkpoint: last
              ? { size: last.size, rootHash: last.rootHash, at: last.at.toISOString(), note: last.note }
              : null,
          });
        }
        const alarms = await core.db.select().from(ledgerAlarms).orderBy(desc(ledgerAlarms.id)).limit(100);
        return {
          origin: core.ledger.origin,
          key: ledgerVerifierKey(core),
          witnessKey: witnessVerifierKey(core),
          quorum: core.witnessing.quorum,
          checkpoint: await publishedCheckpoint(core),
          latest: await latestCheckpoint(core),
          witnesses: await witnessStatus(core),
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

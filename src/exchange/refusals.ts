/**
 * What a node keeps of the messages it refuses (design §8). Anyone can post to the public message endpoint, so
 * nothing a stranger sends may make the database or the ledger grow with it: a refusal before the sender is
 * authenticated (not a JWE, not for this node, unknown key, bad signature) is only counted, per hour and reason,
 * with the hash and size of the last one. A refusal of a message whose signature verified with a trust-listed key
 * is evidence about that peer: it is kept with a bounded body and recorded in the ledger, and its body is purged
 * after `refusalRetentionDays`.
 */
import { and, eq, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { appendLedger } from '../audit/ledger.ts';
import type { NodeCore } from '../core.ts';
import { type EnvelopeError, sha256b64url } from '../crypto/envelope.ts';
import { storable } from '../domain/untrusted.ts';
import type { Tx } from '../store/db.ts';
import { inboundRefusalCounts, inboundRefusals } from '../store/schema.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** The most of a refused peer message's JWE that is kept. */
const MAX_BODY = 200_000;

export interface PeerRefusal {
  /** The party whose key verified the signature. */
  signer: string;
  claimedSender: string | null;
  messageId: string | null;
  /** Already made storable by the caller. */
  reason: string;
}

/** A refusal of a message signed by a trust-listed peer: kept with its body, and a ledger entry. */
export async function keepPeerRefusal(
  core: NodeCore,
  jwe: string,
  remoteAddress: string,
  r: PeerRefusal,
): Promise<void> {
  const bodySha256 = sha256b64url(jwe);
  await core.db.transaction(async (tx) => {
    await tx.insert(inboundRefusals).values({
      at: core.now(),
      remoteAddress,
      signer: r.signer,
      claimedSender: r.claimedSender,
      messageId: r.messageId,
      reason: r.reason,
      bodySha256,
      bodySize: Buffer.byteLength(jwe),
      body: storable(jwe.slice(0, MAX_BODY)),
    });
    await appendLedger(core, tx, {
      type: 'message-refused',
      party: r.signer,
      record: {
        reason: r.reason,
        messageId: r.messageId,
        remoteAddress: storable(remoteAddress),
        body: bodySha256,
      },
    });
  });
}

/** A refusal before the sender is authenticated: one more in the counter of the hour and reason. */
export async function countStrangerRefusal(
  core: NodeCore,
  jwe: string,
  remoteAddress: string,
  code: EnvelopeError['code'],
): Promise<void> {
  const now = core.now();
  const size = Buffer.byteLength(jwe);
  const last = {
    lastAt: now,
    lastRemoteAddress: storable(remoteAddress),
    lastSha256: sha256b64url(jwe),
    lastSize: size,
  };
  await core.db
    .insert(inboundRefusalCounts)
    .values({
      period: new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS),
      code,
      count: 1,
      bytes: size,
      ...last,
    })
    .onConflictDoUpdate({
      target: [inboundRefusalCounts.period, inboundRefusalCounts.code],
      set: {
        count: sql`${inboundRefusalCounts.count} + 1`,
        bytes: sql`${inboundRefusalCounts.bytes} + ${size}`,
        ...last,
      },
    });
}

/** Purges the bodies of refusals older than `refusalRetentionDays` (hash, size and reason stay); returns how many. */
export async function purgeRefusalBodies(core: NodeCore): Promise<number> {
  const before = new Date(core.now().getTime() - core.settings.refusalRetentionDays * DAY_MS);
  const purged = await core.db
    .update(inboundRefusals)
    .set({ body: null })
    .where(and(isNotNull(inboundRefusals.body), lt(inboundRefusals.at, before)))
    .returning({ id: inboundRefusals.id });
  if (purged.length)
    core.log.info({ refusals: purged.length }, 'bodies of refused messages purged at end of retention');
  return purged.length;
}

/**
 * Destroys the kept bodies of every refused delivery of one message from `signer` (a peer's outbox sends the
 * same bytes on every attempt), replacing them with `note`: they held what is being crypto-shredded. Rows from
 * before signers were recorded count too: those had a message id only when the signature had verified.
 */
export async function destroyRefusedBodies(
  tx: Tx,
  signer: string,
  messageId: string,
  note: string,
): Promise<void> {
  await tx
    .update(inboundRefusals)
    .set({ body: note })
    .where(
      and(
        eq(inboundRefusals.messageId, messageId),
        or(eq(inboundRefusals.signer, signer), isNull(inboundRefusals.signer)),
        isNotNull(inboundRefusals.body),
      ),
    );
}

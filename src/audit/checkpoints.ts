/**
 * Signed checkpoints of this node's ledger (design §7). A checkpoint (C2SP tlog-checkpoint) is signed with the
 * node's signing key under the ledger's fixed origin whenever the tree has grown, and stored; the witnesses
 * cosign it (cosignatures.ts). A checkpoint is published as witnessed once the configured quorum of witnesses
 * has cosigned it.
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { NodeCore } from '../core.ts';
import { signCheckpoint } from '../ledger/checkpoint.ts';
import { ed25519PublicKeyBytes, verifierKey } from '../ledger/note.ts';
import { ledgerCheckpoints, ledgerCosignatures } from '../store/schema.ts';
import { b64, ledgerTree } from './ledger.ts';
import { logWitnesses } from './log-witnesses.ts';

/** The node's log verifier key in signed-note form: `name+hash+key` (Ed25519, type 0x01). */
export function ledgerVerifierKey(core: NodeCore): string {
  return verifierKey(core.ledger.origin, ed25519PublicKeyBytes(core.keys.signing.privateKey));
}

/** The node's witness verifier key (tlog-cosignature v1, type 0x04) under the name the trust list gives it. */
export function witnessVerifierKey(core: NodeCore): string {
  return verifierKey(
    core.trust.party(core.party)!.witness.name,
    ed25519PublicKeyBytes(core.keys.witness.privateKey),
    'cosignature/v1',
  );
}

/** Signs a checkpoint if the tree grew since the last one; returns its size. */
export async function signLatestCheckpoint(core: NodeCore): Promise<number> {
  const { size, root } = await ledgerTree(core.db);
  const last = (
    await core.db
      .select({ size: ledgerCheckpoints.size })
      .from(ledgerCheckpoints)
      .orderBy(desc(ledgerCheckpoints.size))
      .limit(1)
  )[0];
  if (last && last.size >= size) return last.size;
  const note = signCheckpoint(
    { origin: core.ledger.origin, size, rootHash: root },
    { name: core.ledger.origin, privateKey: core.keys.signing.privateKey },
  );
  await core.db
    .insert(ledgerCheckpoints)
    .values({ size, rootHash: b64(root), note, at: core.now() })
    .onConflictDoNothing();
  return size;
}

type Published = { size: number; rootHash: string; note: string; cosignatures: number; witnessed: boolean };

/** A checkpoint with the cosignature lines stored for it from the witnesses now configured. */
async function withCosignatures(
  core: NodeCore,
  cp: { size: number; rootHash: string; note: string },
  quorum: number,
): Promise<Published> {
  const names = logWitnesses(core).map((w) => w.name);
  const lines = names.length
    ? await core.db
        .select({ line: ledgerCosignatures.line })
        .from(ledgerCosignatures)
        .where(and(eq(ledgerCosignatures.size, cp.size), inArray(ledgerCosignatures.witness, names)))
        .orderBy(ledgerCosignatures.witness)
    : [];
  return {
    ...cp,
    note: cp.note + lines.map((c) => `${c.line}\n`).join(''),
    cosignatures: lines.length,
    witnessed: lines.length >= quorum,
  };
}

/** The columns a published checkpoint is read from. */
const CHECKPOINT = {
  size: ledgerCheckpoints.size,
  rootHash: ledgerCheckpoints.rootHash,
  note: ledgerCheckpoints.note,
};

/**
 * The checkpoint the node publishes: the newest one that the quorum of its witnesses has cosigned, with their
 * cosignatures. Until one has (a new node; witnesses unreachable), the newest signed one with what it has, which
 * a client that requires the quorum refuses, as it should. Null before the first checkpoint.
 */
export async function publishedCheckpoint(core: NodeCore): Promise<Published | null> {
  const quorum = core.witnessing.quorum;
  const names = logWitnesses(core).map((w) => w.name);
  if (quorum > 0 && names.length > 0) {
    const witnessed = (
      await core.db
        .select(CHECKPOINT)
        .from(ledgerCheckpoints)
        .innerJoin(ledgerCosignatures, eq(ledgerCosignatures.size, ledgerCheckpoints.size))
        .where(inArray(ledgerCosignatures.witness, names))
        .groupBy(ledgerCheckpoints.size)
        .having(sql`count(*) >= ${quorum}`)
        .orderBy(desc(ledgerCheckpoints.size))
        .limit(1)
    )[0];
    if (witnessed) return withCosignatures(core, witnessed, quorum);
  }
  const newest = await newestCheckpoint(core);
  return newest ? withCosignatures(core, newest, quorum) : null;
}

/** The newest signed checkpoint, with the cosignatures it has so far; null before the first. */
export async function latestCheckpoint(core: NodeCore): Promise<Published | null> {
  const newest = await newestCheckpoint(core);
  return newest ? withCosignatures(core, newest, core.witnessing.quorum) : null;
}

/** The newest signed checkpoint, as stored; undefined before the first. */
export async function newestCheckpoint(core: NodeCore) {
  return (
    await core.db.select(CHECKPOINT).from(ledgerCheckpoints).orderBy(desc(ledgerCheckpoints.size)).limit(1)
  )[0];
}

/**
 * Signed checkpoints of this node's ledger (design §7): a C2SP tlog-checkpoint, signed as a C2SP signed note
 * with the node's Ed25519 key under the ledger's origin. A new one is signed whenever the tree has grown,
 * checked every few seconds. Cosignatures that witnesses send are verified and served with the checkpoint.
 */
import { desc, eq } from 'drizzle-orm';
import { openCheckpoint, signCheckpoint } from '../ledger/checkpoint.ts';
import { addSignature, ed25519PublicKeyBytes, verifierKey } from '../ledger/note.ts';
import type { NodeCore } from '../node/core.ts';
import { ledgerCheckpoints, ledgerCosignatures } from '../store/schema.ts';
import { b64, ledgerTree } from './ledger.ts';

/** The node's verifier key in signed-note form: `name+hash+key`. */
export function ledgerVerifierKey(core: NodeCore): string {
  return verifierKey(core.ledger.origin, ed25519PublicKeyBytes(core.keys.signing.privateKey));
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

/** The latest checkpoint with the cosignatures collected for it, or null before the first. */
export async function latestCheckpoint(
  core: NodeCore,
): Promise<{ size: number; rootHash: string; note: string } | null> {
  const cp = (
    await core.db.select().from(ledgerCheckpoints).orderBy(desc(ledgerCheckpoints.size)).limit(1)
  )[0];
  if (!cp) return null;
  const cosigs = await core.db
    .select({ line: ledgerCosignatures.line })
    .from(ledgerCosignatures)
    .where(eq(ledgerCosignatures.size, cp.size));
  return { size: cp.size, rootHash: cp.rootHash, note: cp.note + cosigs.map((c) => `${c.line}\n`).join('') };
}

/**
 * Records a witness's cosignature of one of this node's checkpoints: the note must be one of ours, signed by
 * us, and carry a valid signature of the witness under its origin. Returns a reason when it is refused.
 */
export async function acceptCosignature(
  core: NodeCore,
  witness: string,
  witnessOrigin: string,
  note: string,
): Promise<string | null> {
  const peer = core.trust.party(witness);
  if (!peer) return `${witness} is not in the trust list`;
  const ownKey = ed25519PublicKeyBytes(core.keys.signing.privateKey);
  const witnessKey = ed25519PublicKeyBytes(peer.signing.key);
  let opened: ReturnType<typeof openCheckpoint>;
  try {
    opened = openCheckpoint(note, [
      { name: core.ledger.origin, publicKey: ownKey },
      { name: witnessOrigin, publicKey: witnessKey },
    ]);
  } catch (e) {
    return `malformed cosigned checkpoint: ${(e as Error).message}`;
  }
  const cp = opened.checkpoint;
  if (cp.origin !== core.ledger.origin)
    return `the checkpoint is for ${cp.origin}, not ${core.ledger.origin}`;
  const ours = (await core.db.select().from(ledgerCheckpoints).where(eq(ledgerCheckpoints.size, cp.size)))[0];
  if (!ours || ours.rootHash !== b64(cp.rootHash))
    return `no checkpoint of size ${cp.size} with that root here`;
  if (!opened.signatures.some((s) => s.name === core.ledger.origin && s.verified === true))
    return 'our own signature is missing or invalid';
  const theirs = opened.signatures.find((s) => s.name === witnessOrigin && s.verified === true);
  if (!theirs) return `no valid signature of ${witnessOrigin}`;
  const line = note.split('\n').find((l) => l.startsWith(`\u2014 ${witnessOrigin} `));
  if (!line) return 'cosignature line not found';
  await core.db
    .insert(ledgerCosignatures)
    .values({ size: cp.size, witness, line, at: core.now() })
    .onConflictDoUpdate({
      target: [ledgerCosignatures.size, ledgerCosignatures.witness],
      set: { line, at: core.now() },
    });
  return null;
}

/** Adds this node's signature to a peer's checkpoint it has checked. */
export function cosign(core: NodeCore, note: string): string {
  return addSignature(note, { name: core.ledger.origin, privateKey: core.keys.signing.privateKey });
}

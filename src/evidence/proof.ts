/**
 * Ledger proofs that travel with an evidence package: that a ledger entry recording the manifest's hash is in a
 * node's log, as of a checkpoint that node signed. Checking one needs nothing but the proof file, the manifest
 * and the trust list: the checkpoint key is the party's signing key, under the ledger origin the trust list fixes
 * for the party (never the origin the proof file names: the key signs nothing else under that name).
 */
import { createHash, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { quoteUntrusted } from '../domain/untrusted.ts';
import { canonicalJson } from '../ledger/canonical.ts';
import { openCheckpoint } from '../ledger/checkpoint.ts';
import { leafHash, verifyInclusion } from '../ledger/merkle.ts';
import { ed25519PublicKeyBytes } from '../ledger/note.ts';

export const LedgerProofSchema = z
  .object({
    version: z.literal(1),
    /** The party whose ledger this is, and the ledger's origin (checkpoint origin and note key name). */
    party: z.string().regex(/^[A-Z]{3}$/),
    origin: z.string().max(200),
    /** The entry exactly as hashed into the tree, and the record its digest commits to. */
    index: z.number().int().min(0),
    entry: z.string().max(10_000),
    record: z.record(z.string(), z.unknown()),
    /** The signed checkpoint (C2SP signed note) and the RFC 9162 inclusion proof against it. */
    checkpoint: z.string().max(20_000),
    hashes: z.array(z.string().max(100)).max(64),
  })
  .strict();
export type LedgerProof = z.infer<typeof LedgerProofSchema>;

const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Checks a proof; returns the problems found (none when it holds). `manifestSha256` is what the record must
 * commit to; `ledger` is the party's signing key and ledger origin from the trust list.
 */
export function checkLedgerProof(
  proof: LedgerProof,
  manifestSha256: string,
  ledger: { key: KeyObject; origin: string } | undefined,
): string[] {
  const problems: string[] = [];
  if (!ledger) return [`${proof.party} is not in the trust list, so its checkpoint cannot be checked`];
  if (proof.origin !== ledger.origin)
    return [
      `the proof is for the log ${quoteUntrusted(proof.origin)}, not ${proof.party}'s log ${ledger.origin}`,
    ];
  const signingKey = ledger.key;
  let entry: { seq?: unknown; digest?: unknown };
  try {
    entry = JSON.parse(proof.entry);
  } catch {
    return ['the ledger entry is not JSON'];
  }
  if (entry.seq !== proof.index)
    problems.push(`the entry says it is number ${quoteUntrusted(entry.seq)}, not ${proof.index}`);
  if (entry.digest !== sha256hex(canonicalJson(proof.record)))
    problems.push('the ledger entry does not commit to the record given with it');
  const detail = (proof.record as { detail?: { manifest?: unknown } }).detail;
  if (detail?.manifest !== manifestSha256)
    problems.push('the ledger record does not name this manifest’s hash');
  let opened: ReturnType<typeof openCheckpoint>;
  try {
    opened = openCheckpoint(proof.checkpoint, [
      { name: proof.origin, publicKey: ed25519PublicKeyBytes(signingKey) },
    ]);
  } catch (e) {
    return [...problems, `the checkpoint cannot be read: ${(e as Error).message}`];
  }
  if (opened.checkpoint.origin !== proof.origin)
    problems.push(`the checkpoint is for ${opened.checkpoint.origin}, not ${proof.origin}`);
  if (!opened.signatures.some((s) => s.name === proof.origin && s.verified === true))
    problems.push(`the checkpoint is not signed by ${proof.party}'s key`);
  const ok = verifyInclusion(
    leafHash(new TextEncoder().encode(proof.entry)),
    proof.index,
    opened.checkpoint.size,
    proof.hashes.map((h) => new Uint8Array(Buffer.from(h, 'base64'))),
    opened.checkpoint.rootHash,
  );
  if (!ok)
    problems.push(
      `the inclusion proof does not lead to the checkpoint's root (tree of ${opened.checkpoint.size})`,
    );
  return problems;
}

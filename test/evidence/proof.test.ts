/**
 * Ledger proofs in evidence packages (issue 14, finding 1): the origin a proof is checked under is the one the
 * trust list fixes for the party, never the one the proof file names. Otherwise any note the party's key signed
 * under some other name (as a witness, say) would pass for a state of its log.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkLedgerProof, type LedgerProof } from '../../src/evidence/proof.ts';
import { canonicalJson } from '../../src/ledger/canonical.ts';
import { signCheckpoint } from '../../src/ledger/checkpoint.ts';
import { leafHash } from '../../src/ledger/merkle.ts';

const manifestSha256 = 'a'.repeat(64);
const arc = generateKeyPairSync('ed25519');

/** A one-entry log whose entry records the manifest, signed by ARC's key under `name` with origin `origin`. */
function proof(origin: string, name = origin): LedgerProof {
  const record = { type: 'evidence-sealed', detail: { manifest: manifestSha256 } };
  const entry = JSON.stringify({
    seq: 0,
    digest: createHash('sha256').update(canonicalJson(record)).digest('hex'),
  });
  const checkpoint = signCheckpoint(
    { origin, size: 1, rootHash: leafHash(new TextEncoder().encode(entry)) },
    { name, privateKey: arc.privateKey },
  );
  return { version: 1, party: 'ARC', origin, index: 0, entry, record, checkpoint, hashes: [] };
}

describe('checkLedgerProof', () => {
  it('holds a proof of the party’s own log, under the origin the trust list gives it', () => {
    expect(
      checkLedgerProof(proof('comity/ARC'), manifestSha256, { key: arc.publicKey, origin: 'comity/ARC' }),
    ).toEqual([]);
  });

  it('refuses a note the party’s key signed under another origin', () => {
    const problems = checkLedgerProof(proof('comity/BOR'), manifestSha256, {
      key: arc.publicKey,
      origin: 'comity/ARC',
    });
    expect(problems.join('; ')).toMatch(/comity\/BOR.*not.*comity\/ARC|origin/);
  });

  it('refuses a checkpoint whose origin line differs from the name it is signed under', () => {
    const problems = checkLedgerProof(proof('comity/ARC', 'other/name'), manifestSha256, {
      key: arc.publicKey,
      origin: 'comity/ARC',
    });
    expect(problems.length).toBeGreaterThan(0);
  });
});

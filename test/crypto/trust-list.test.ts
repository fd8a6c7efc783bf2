/**
 * The trust list's namespaces (issue 14, finding 9): key ids, log origins and witness names each belong to one
 * party. A peer's entry that reused another party's key id used to take its place silently.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyId, officerKid, type PublicJwk } from '../../src/crypto/keys.ts';
import { TrustList } from '../../src/crypto/trust-list.ts';
import type { TrustListFile } from '../../src/crypto/trust-list-schema.ts';

const jwkOf = (type: 'ed25519' | 'x25519'): PublicJwk => {
  const { x, crv } = (
    type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('x25519')
  ).publicKey.export({ format: 'jwk' }) as { x: string; crv: PublicJwk['crv'] };
  return { kty: 'OKP', crv, x };
};

type Entry = TrustListFile['parties'][number];

function entry(
  code: string,
): Entry & { keys: NonNullable<Entry['keys']>; officers: NonNullable<Entry['officers']> } {
  const sig = jwkOf('ed25519');
  const enc = jwkOf('x25519');
  const wit = jwkOf('ed25519');
  const officer = jwkOf('ed25519');
  return {
    code,
    name: `Party ${code}`,
    url: `https://${code.toLowerCase()}.example`,
    keys: [
      { kid: keyId(code, 'sig', sig), use: 'sig', jwk: sig },
      { kid: keyId(code, 'enc', enc), use: 'enc', jwk: enc },
      { kid: keyId(code, 'wit', wit), use: 'wit', jwk: wit },
    ],
    officers: [{ kid: officerKid(code, officer), name: `Officer of ${code}`, jwk: officer }],
  };
}

const list = (...parties: Entry[]): TrustListFile => ({ version: 1, parties });

describe('the trust list’s namespaces', () => {
  it('holds a list in which every party owns its ids and names', () => {
    const trust = new TrustList(list(entry('ARC'), entry('BOR')));
    expect(trust.party('ARC')!.ledger.origin).toBe('comity/ARC');
    expect(trust.party('BOR')!.witness.name).toBe('comity/BOR/witness');
    expect(trust.partyOfOrigin('comity/BOR')!.code).toBe('BOR');
  });

  it('refuses a peer’s key that takes another party’s key id', () => {
    const arc = entry('ARC');
    const bor = entry('BOR');
    // BOR lists its own key under ARC's signing kid: a message BOR signs would pass for ARC's.
    bor.keys.push({ kid: arc.keys[0]!.kid, use: 'sig', jwk: bor.keys[0]!.jwk });
    expect(() => new TrustList(list(arc, bor))).toThrow(/ARC:sig:/);
    const officerTaken = entry('BOR');
    officerTaken.officers.push({ ...arc.officers[0]!, name: 'An impostor' });
    expect(() => new TrustList(list(arc, officerTaken))).toThrow(/officer key|already/);
  });

  it('refuses a key id that is not the one its party, use and key give', () => {
    const arc = entry('ARC');
    arc.keys[0]!.kid = 'ARC:sig:made-up';
    expect(() => new TrustList(list(arc))).toThrow(/must have the id ARC:sig:/);
    const moved = entry('ARC');
    moved.keys[1]!.kid = keyId('ARC', 'sig', moved.keys[1]!.jwk);
    expect(() => new TrustList(list(moved))).toThrow();
    const officer = entry('ARC');
    officer.officers[0]!.kid = officerKid('BOR', officer.officers[0]!.jwk);
    expect(() => new TrustList(list(officer))).toThrow(/must have the id ARC:officer:/);
  });

  it('refuses a key whose curve does not fit its use', () => {
    const arc = entry('ARC');
    const x = jwkOf('x25519');
    arc.keys[2] = { kid: keyId('ARC', 'wit', x), use: 'wit', jwk: x };
    expect(() => new TrustList(list(arc))).toThrow(/not an Ed25519 key/);
  });

  it('refuses a party listed twice, and an origin or witness name taken by another party', () => {
    expect(() => new TrustList(list(entry('ARC'), entry('ARC')))).toThrow(/ARC is listed twice/);
    expect(() => new TrustList(list(entry('ARC'), { ...entry('BOR'), origin: 'comity/ARC' }))).toThrow(
      /ledger origin .*comity\/ARC.* is already ARC's/,
    );
    expect(
      () => new TrustList(list(entry('ARC'), { ...entry('BOR'), witnessName: 'comity/ARC/witness' })),
    ).toThrow(/witness name/);
    // A witness name that is another log's origin would let a cosignature pass for that log's signature.
    expect(() => new TrustList(list(entry('ARC'), { ...entry('BOR'), witnessName: 'comity/ARC' }))).toThrow(
      /already ARC's/,
    );
    expect(() => new TrustList(list({ ...entry('ARC'), origin: 'has space' }))).toThrow();
  });

  it('reads a plain JSON list with two dots in it as JSON, not as a signed one', () => {
    const text = JSON.stringify(list(entry('ARC'), entry('BOR')));
    expect(text.split('.')).toHaveLength(3);
    expect(TrustList.inspect(text)).toMatchObject({ claimedSigner: null });
    expect(TrustList.inspect(text).trust.party('BOR')!.url).toBe('https://bor.example');
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ed25519FromSeed,
  ed25519PublicKeyBytes,
  keyHash,
  openNote,
  parseVerifierKey,
  signNote,
  verifierKey,
} from '../../src/ledger/note.ts';

// Vectors from Go's golang.org/x/mod/sumdb/note: the package documentation (sumdb/note/note.go) and
// sumdb/note/note_test.go (TestNewVerifier, TestSign, TestOpen, TestVerifierList) in github.com/golang/mod.
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG =
  '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG =
  '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
const SIGNED = `${TEXT}\n${PETER_SIG}`;

/** Go's note.NewSigner key format: PRIVATE+KEY+<name>+<hash>+base64(0x01 ‖ seed); the base64 may hold '+'. */
function parseSignerKey(skey: string) {
  const [priv, key, name, hash, ...rest] = skey.split('+');
  expect([priv, key]).toEqual(['PRIVATE', 'KEY']);
  const data = Buffer.from(rest.join('+'), 'base64');
  expect(data[0]).toBe(0x01);
  return { name: name!, hash: Number.parseInt(hash!, 16), privateKey: ed25519FromSeed(data.subarray(1)) };
}

const peter = parseSignerKey(PETER_SKEY);
const peterPub = ed25519PublicKeyBytes(peter.privateKey);
const peterVerifier = parseVerifierKey(PETER_VKEY);
const enochVerifier = parseVerifierKey(ENOCH_VKEY);

describe('keys (Go sumdb/note vectors)', () => {
  it('derives the documented key hash and verifier key from the private key', () => {
    expect(keyHash('PeterNeumann', peterPub)).toBe(0xc74f20a3);
    expect(peter.hash).toBe(0xc74f20a3);
    expect(verifierKey('PeterNeumann', peterPub)).toBe(PETER_VKEY);
    expect(peterVerifier).toEqual({
      name: 'PeterNeumann',
      hash: 0xc74f20a3,
      publicKey: peterPub,
      type: 'ed25519',
    });
    expect(enochVerifier.hash).toBe(0xaf0cfe78);
    expect(verifierKey(enochVerifier.name, enochVerifier.publicKey)).toBe(ENOCH_VKEY);
  });

  it('rejects every truncation and every single-character change of a verifier key (TestNewVerifier)', () => {
    for (let i = 0; i <= PETER_VKEY.length; i++) {
      for (let j = i + 1; j <= PETER_VKEY.length; j++) {
        if (i === 0 && j === PETER_VKEY.length) continue;
        expect(() => parseVerifierKey(PETER_VKEY.slice(i, j)), PETER_VKEY.slice(i, j)).toThrow(Error);
      }
    }
    for (let i = 0; i < PETER_VKEY.length; i++) {
      const changed =
        PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1);
      expect(() => parseVerifierKey(changed), changed).toThrow(Error);
    }
  });

  it('explains why a verifier key is rejected', () => {
    // Wrong key length and unknown algorithm, each with a key hash adjusted to match (TestNewVerifier). The
    // first has non-zero padding bits, which Go's lenient base64 decoder accepts and our strict one refuses.
    expect(() =>
      parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='),
    ).toThrow(/not valid base64/);
    const long = Buffer.concat([Buffer.of(1), peterPub, Buffer.of(0)]).toString('base64');
    expect(() => parseVerifierKey(`PeterNeumann+00000000+${long}`)).toThrow(/32 bytes/);
    expect(() =>
      parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
    ).toThrow(/unknown algorithm/);
    expect(() => parseVerifierKey(PETER_VKEY.replace('c74f20a3', 'c74f20a4'))).toThrow(/does not match/);
    expect(() => parseVerifierKey(`Peter Neumann${PETER_VKEY.slice('PeterNeumann'.length)}`)).toThrow(
      /key name/,
    );
    expect(() => parseVerifierKey('PeterNeumann')).toThrow(/<name>\+<hash>\+<key>/);
    expect(() => verifierKey('a+b', peterPub)).toThrow(/key name/);
    expect(() => verifierKey('', peterPub)).toThrow(/key name/);
    expect(() => verifierKey('a\u00a0b', peterPub)).toThrow(/key name/);
    expect(() => keyHash('x', new Uint8Array(31))).toThrow(/32 bytes/);
  });

  it('round-trips Ed25519 keys through seed and raw public key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
    const again = ed25519FromSeed(seed);
    expect(ed25519PublicKeyBytes(again)).toEqual(ed25519PublicKeyBytes(publicKey));
    expect(ed25519PublicKeyBytes(privateKey)).toEqual(ed25519PublicKeyBytes(publicKey));
    expect(() => ed25519FromSeed(new Uint8Array(31))).toThrow(/32 bytes/);
    expect(() => ed25519PublicKeyBytes(generateKeyPairSync('x25519').publicKey)).toThrow(/Ed25519/);
  });
});

describe('signNote (TestSign)', () => {
  it('produces the documented signed note byte for byte', () => {
    expect(signNote(TEXT, [peter])).toBe(SIGNED);
  });

  it('signs with several keys, one line each, in order', () => {
    const other = { name: 'example.com/witness', privateKey: generateKeyPairSync('ed25519').privateKey };
    const note = signNote(TEXT, [peter, other]);
    expect(note.startsWith(SIGNED)).toBe(true);
    const opened = openNote(note, [
      peterVerifier,
      { name: other.name, publicKey: ed25519PublicKeyBytes(other.privateKey) },
    ]);
    expect(opened.signatures.map((s) => [s.name, s.verified])).toEqual([
      ['PeterNeumann', true],
      ['example.com/witness', true],
    ]);
  });

  it('refuses text and signers the format cannot carry', () => {
    expect(() => signNote('abc', [peter])).toThrow(/end with a newline/);
    expect(() => signNote('a\tb\n', [peter])).toThrow(/U\+0009/);
    expect(() => signNote('a\ud800\n', [peter])).toThrow(/U\+d800/);
    expect(() => signNote(TEXT, [])).toThrow(/at least one signer/);
    expect(() => signNote(TEXT, [{ ...peter, name: 'bad name' }])).toThrow(/key name/);
    expect(() => signNote(TEXT, [{ ...peter, name: 'a+b' }])).toThrow(/key name/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(() => signNote(TEXT, [{ name: 'x', privateKey: ec }])).toThrow(/Ed25519/);
  });
});

describe('openNote (TestOpen)', () => {
  it('verifies the documented note', () => {
    expect(openNote(SIGNED, [peterVerifier])).toEqual({
      text: TEXT,
      signatures: [
        {
          name: 'PeterNeumann',
          hash: 0xc74f20a3,
          verified: true,
          type: 'ed25519',
          line: PETER_SIG.trimEnd(),
        },
      ],
    });
    expect(openNote(new TextEncoder().encode(SIGNED), [peterVerifier]).signatures[0]!.verified).toBe(true);
  });

  it('reports signatures without a matching verifier as null', () => {
    const note = `${TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
    expect(openNote(note, [peterVerifier]).signatures).toEqual([
      { name: 'PeterNeumann', hash: 0xc74f20a3, verified: true, type: 'ed25519', line: PETER_SIG.trimEnd() },
      { name: 'EnochRoot', hash: 0xaf0cfe78, verified: null, line: ENOCH_SIG.trimEnd() },
    ]);
    expect(openNote(note, [peterVerifier, enochVerifier]).signatures.map((s) => s.verified)).toEqual([
      true,
      true,
    ]);
    expect(openNote(note, []).signatures.map((s) => s.verified)).toEqual([null, null]);
    // Same name, other key: the key ID differs, so it is an unknown key, not a failed signature.
    const impostor = { name: 'PeterNeumann', publicKey: enochVerifier.publicKey };
    expect(openNote(SIGNED, [impostor]).signatures[0]!.verified).toBeNull();
  });

  it('fails a signature when the text or the signature changes', () => {
    const changedText = SIGNED.replace('cryptography', 'cryptographY');
    expect(openNote(changedText, [peterVerifier]).signatures[0]!.verified).toBe(false);
    const changedSig = `${TEXT}\n${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`;
    expect(openNote(changedSig, [peterVerifier]).signatures[0]!.verified).toBe(false);
    const flipped = SIGNED.replace('JnAM=', 'JnAQ=');
    expect(openNote(flipped, [peterVerifier]).signatures[0]!.verified).toBe(false);
  });

  it('counts repeated identical signature lines once', () => {
    const note = `${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}`;
    expect(openNote(note, [peterVerifier]).signatures.map((s) => s.name)).toEqual([
      'PeterNeumann',
      'EnochRoot',
    ]);
  });

  it('throws on ambiguous verifiers: two different keys with the same name and key ID', () => {
    // Two 32-byte values whose "EnochRoot" key IDs collide (both e9255ede), found by a birthday search over
    // counters; key IDs are identifiers, not strong hashes (signed-note "Signatures").
    const a = { name: 'EnochRoot', publicKey: new Uint8Array(32) };
    const b = { name: 'EnochRoot', publicKey: new Uint8Array(32) };
    new DataView(a.publicKey.buffer).setUint32(28, 0x98a1);
    new DataView(b.publicKey.buffer).setUint32(28, 0x14696);
    expect(keyHash(a.name, a.publicKey)).toBe(0xe9255ede);
    expect(keyHash(b.name, b.publicKey)).toBe(0xe9255ede);
    expect(() => openNote(SIGNED, [a, b])).toThrow(/ambiguous verifier key EnochRoot\+e9255ede/);
    expect(() => openNote(SIGNED, [enochVerifier, enochVerifier, peterVerifier])).not.toThrow();
  });

  it('rejects malformed notes with a readable error', () => {
    const bytes = (s: string) => new TextEncoder().encode(s);
    const malformed: [string | Uint8Array, RegExp][] = [
      [TEXT, /no blank line/],
      [`${TEXT}\n`, /no signature lines/],
      [`${TEXT}\n${PETER_SIG.slice(0, -1)}`, /does not end in a newline/],
      [`\x01${TEXT}\n${PETER_SIG}`, /U\+0001/],
      [Uint8Array.of(0xff, ...bytes(`${TEXT}\n${PETER_SIG}`)), /UTF-8/],
      [
        `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
        /does not end in a newline/,
      ],
      [
        `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
        /base64/,
      ],
      [`${TEXT}\n${PETER_SIG}Unexpected line.\n`, /line 2 does not start/],
      [`${TEXT}\n${'— PeterNeumann\n'}`, /no space/],
      [`${TEXT}\n— a+b ${PETER_SIG.split(' ')[2]}`, /invalid key name/],
      [`${TEXT}\n— PeterNeumann AAAA\n`, /base64 key ID/],
      [`${TEXT}\n${PETER_SIG}`.replace('JnAM=', 'JnAM'), /base64/],
      [`${TEXT}\n${PETER_SIG.repeat(101)}`, /more than 100 signatures/],
    ];
    for (const [note, message] of malformed) {
      expect(() => openNote(note, [peterVerifier]), String(note)).toThrow(message);
    }
  });

  it('splits at the last blank line, so the text may hold blank lines (signed-note spec example)', () => {
    // The example at the top of https://c2sp.org/signed-note (C2SP/C2SP signed-note.md); its key is not published.
    const note =
      'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n' +
      '— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n';
    const opened = openNote(note, [peterVerifier]);
    expect(opened.text).toBe(
      'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n',
    );
    expect(opened.signatures).toEqual([
      {
        name: 'quasimodo.example/salvatore',
        hash: 0x367ba04b,
        verified: null,
        line: expect.stringMatching(/^— quasimodo\.example\/salvatore /),
      },
    ]);
  });
});

/**
 * C2SP tlog-cosignature v1 and the tlog-witness add-checkpoint wire format, byte for byte against the examples
 * of the specs (C2SP/C2SP tlog-cosignature.md and tlog-witness.md at 5ba5ee8). The examples' keys are not
 * published, so their signatures are parsed, not verified; signing and verifying is checked with keys made here,
 * against an independent computation of the key ID and the signed message with node:crypto alone.
 */
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../src/ledger/checkpoint.ts';
import {
  cosignatureLine,
  cosignedMessage,
  ed25519PublicKeyBytes,
  keyHash,
  openNote,
  parseVerifierKey,
  signNote,
  verifierKey,
} from '../../src/ledger/note.ts';
import {
  formatAddCheckpoint,
  formatTlogSize,
  MalformedRequest,
  parseAddCheckpoint,
} from '../../src/ledger/tlog-witness.ts';

const TEXT = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const LOG_LINE =
  '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=';
// tlog-cosignature's example cosignature line.
const COSIGNATURE_LINE =
  '— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==';
// tlog-cosignature's example of the Ed25519 signed message.
const SPEC_SIGNED_MESSAGE =
  'cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
// tlog-witness's example add-checkpoint request body.
const SPEC_ADD_CHECKPOINT = `old 20852014
PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
— example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=
`;

const witness = { name: 'witness.example/w1', privateKey: generateKeyPairSync('ed25519').privateKey };
const witnessKey = ed25519PublicKeyBytes(witness.privateKey);
const cosigner = { name: witness.name, publicKey: witnessKey, type: 'cosignature/v1' as const };

/** The key ID the spec defines, computed here independently: SHA-256(name ‖ "\n" ‖ 0x04 ‖ key)[:4]. */
const specKeyId = (name: string, key: Uint8Array) =>
  createHash('sha256').update(`${name}\n`).update(Uint8Array.of(0x04)).update(key).digest().subarray(0, 4);

describe('tlog-cosignature v1', () => {
  it('reads the spec example: key ID, big-endian timestamp, 64-byte signature', () => {
    const bytes = Buffer.from(COSIGNATURE_LINE.split(' ')[2]!, 'base64');
    expect(bytes).toHaveLength(4 + 8 + 64);
    expect(bytes.readBigUInt64BE(4)).toBe(1679315147n);
    // An unknown cosigner's line is ignored, not a failure (the spec: ignore lines of unknown name and key ID).
    const opened = openCheckpoint(`${TEXT}\n${LOG_LINE}\n${COSIGNATURE_LINE}\n`, [cosigner]);
    expect(opened.signatures.map((s) => [s.name, s.verified])).toEqual([
      ['example.com/behind-the-sofa', null],
      ['witness.example.com/w1', null],
    ]);
  });

  it('signs the message the spec gives, byte for byte', () => {
    expect(cosignedMessage(TEXT, 1679315147)).toBe(SPEC_SIGNED_MESSAGE);
  });

  it('makes a line with the spec’s key ID and timestamp that verifies independently', () => {
    const line = cosignatureLine(TEXT, witness, 1679315147);
    expect(line.startsWith(`— ${witness.name} `)).toBe(true);
    expect(line.endsWith('\n')).toBe(true);
    const bytes = Buffer.from(line.trimEnd().split(' ')[2]!, 'base64');
    expect(bytes.subarray(0, 4)).toEqual(specKeyId(witness.name, witnessKey));
    expect(bytes.readUInt32BE(0)).toBe(keyHash(witness.name, witnessKey, 'cosignature/v1'));
    expect(bytes.readBigUInt64BE(4)).toBe(1679315147n);
    expect(verify(null, Buffer.from(SPEC_SIGNED_MESSAGE), witness.privateKey, bytes.subarray(12))).toBe(true);
    const opened = openNote(`${TEXT}\n${line}`, [cosigner]);
    expect(opened.signatures).toEqual([
      {
        name: witness.name,
        hash: keyHash(witness.name, witnessKey, 'cosignature/v1'),
        verified: true,
        type: 'cosignature/v1',
        timestamp: 1679315147,
        line: line.trimEnd(),
      },
    ]);
  });

  it('keeps the two signature types apart: the same key and name have two key IDs', () => {
    const plain = signNote(TEXT, [witness]);
    // A plain Ed25519 signature is not a cosignature (its key ID differs), and a cosignature is no plain signature.
    expect(openNote(plain, [cosigner]).signatures[0]!.verified).toBeNull();
    const cosigned = `${TEXT}\n${cosignatureLine(TEXT, witness, 1700000000)}`;
    expect(
      openNote(cosigned, [{ name: witness.name, publicKey: witnessKey }]).signatures[0]!.verified,
    ).toBeNull();
    expect(keyHash(witness.name, witnessKey)).not.toBe(keyHash(witness.name, witnessKey, 'cosignature/v1'));
  });

  it('fails a cosignature whose timestamp, text or signature was changed', () => {
    const line = cosignatureLine(TEXT, witness, 1700000000).trimEnd();
    const bytes = Buffer.from(line.split(' ')[2]!, 'base64');
    const retimed = Buffer.from(bytes);
    retimed.writeBigUInt64BE(1700000001n, 4);
    const flipped = Buffer.from(bytes);
    flipped[40]! ^= 1;
    for (const [text, b] of [
      [TEXT, retimed],
      [TEXT, flipped],
      [TEXT.replace('20852163', '20852164'), bytes],
      // Over 2^63 - 1: refused whatever the signature.
      [
        TEXT,
        Buffer.concat([bytes.subarray(0, 4), Buffer.from('8000000000000000', 'hex'), bytes.subarray(12)]),
      ],
    ] as const)
      expect(
        openNote(`${text}\n— ${witness.name} ${b.toString('base64')}\n`, [cosigner]).signatures[0]!.verified,
      ).toBe(false);
  });

  it('encodes and parses a witness verifier key of type 0x04', () => {
    const vkey = verifierKey(witness.name, witnessKey, 'cosignature/v1');
    const data = Buffer.from(vkey.split('+')[2]!, 'base64');
    expect(data[0]).toBe(0x04);
    expect(vkey.split('+')[1]).toBe(specKeyId(witness.name, witnessKey).toString('hex'));
    expect(parseVerifierKey(vkey)).toEqual({
      name: witness.name,
      hash: keyHash(witness.name, witnessKey, 'cosignature/v1'),
      publicKey: witnessKey,
      type: 'cosignature/v1',
    });
  });

  it('refuses what the spec forbids: a zero timestamp, text without its final newline', () => {
    expect(() => cosignatureLine(TEXT, witness, 0)).toThrow(/positive/);
    expect(() => cosignatureLine('no newline', witness, 1)).toThrow(/newline/);
  });
});

describe('tlog-witness add-checkpoint', () => {
  const proof = SPEC_ADD_CHECKPOINT.split('\n')
    .slice(1, 5)
    .map((h) => new Uint8Array(Buffer.from(h, 'base64')));
  const checkpoint = SPEC_ADD_CHECKPOINT.slice(SPEC_ADD_CHECKPOINT.indexOf('\n\n') + 2);

  it('writes the spec’s example request byte for byte', () => {
    expect(formatAddCheckpoint(20852014, proof, checkpoint)).toBe(SPEC_ADD_CHECKPOINT);
    expect(formatAddCheckpoint(0, [], `${TEXT}\n${LOG_LINE}\n`)).toBe(`old 0\n\n${TEXT}\n${LOG_LINE}\n`);
  });

  it('parses the spec’s example request', () => {
    const parsed = parseAddCheckpoint(SPEC_ADD_CHECKPOINT);
    expect(parsed.oldSize).toBe(20852014);
    expect(parsed.proof).toEqual(proof);
    expect(parsed.checkpoint).toBe(checkpoint);
    expect(openCheckpoint(parsed.checkpoint, []).checkpoint.size).toBe(20852163);
  });

  it('refuses malformed requests', () => {
    const bad = [
      '',
      'old 1\n',
      `old 01\n\n${checkpoint}`,
      `old -1\n\n${checkpoint}`,
      `new 1\n\n${checkpoint}`,
      `old 1\nnot base64\n\n${checkpoint}`,
      `old 1\n${Buffer.alloc(31).toString('base64')}\n\n${checkpoint}`,
      `old 1\n${`${Buffer.alloc(32).toString('base64')}\n`.repeat(64)}\n${checkpoint}`,
      'old 1\n\n',
    ];
    for (const body of bad) expect(() => parseAddCheckpoint(body), body).toThrow(MalformedRequest);
  });

  it('answers a size conflict with the size and a newline', () => {
    expect(formatTlogSize(20852014)).toBe('20852014\n');
  });
});

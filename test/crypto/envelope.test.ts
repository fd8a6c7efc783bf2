import type { KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactEncrypt, CompactSign, decodeProtectedHeader } from 'jose';
import { ulid } from 'ulid';
import { afterAll, describe, expect, it } from 'vitest';
import {
  EnvelopeError,
  type MessageClaims,
  openMessage,
  type ReceiptClaims,
  sealMessage,
  sha256b64url,
  signReceipt,
  verifyReceipt,
} from '../../src/crypto/envelope.ts';
import { loadOrCreateNodeKeys, type NodeKeys, publicKeyFromJwk } from '../../src/crypto/keys.ts';

const dirs: string[] = [];
function keysFor(party: string): NodeKeys {
  const dir = mkdtempSync(join(tmpdir(), `comity-envelope-${party}-`));
  dirs.push(dir);
  return loadOrCreateNodeKeys(dir, party);
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const arc = keysFor('ARC');
const bor = keysFor('BOR');
const cal = keysFor('CAL');
/** A second key pair that claims ARC's identity. */
const impostor = keysFor('ARC');

const encoder = new TextEncoder();
const pub = (k: NodeKeys) => publicKeyFromJwk(k.signing.publicJwk);
const encPub = (k: NodeKeys) => publicKeyFromJwk(k.encryption.publicJwk);

/** BOR's trust list: signing kids of ARC and CAL. */
function trust(kid: string): { party: string; key: KeyObject } | undefined {
  if (kid === arc.signing.kid) return { party: 'ARC', key: pub(arc) };
  if (kid === cal.signing.kid) return { party: 'CAL', key: pub(cal) };
  return undefined;
}

function claims(overrides: Partial<MessageClaims> = {}): MessageClaims {
  return {
    id: ulid(),
    type: 'request',
    from: 'ARC',
    to: 'BOR',
    case: ulid(),
    created: '2026-03-02T09:00:00.000Z',
    expires: '2026-03-09T09:00:00.000Z',
    prev: null,
    action: 'submit',
    actor: { name: 'A. Officer', role: 'officer' },
    body: { request: { type: 'stored-data' } },
    ...overrides,
  };
}

/** ARC seals `c` to BOR. */
const sealFromArc = (c: MessageClaims) =>
  sealMessage({
    claims: c,
    signingKey: arc.signing.privateKey,
    signingKid: arc.signing.kid,
    recipientKey: encPub(bor),
    recipientKid: bor.encryption.kid,
  });

/** BOR opens a message. */
const openAtBor = (jwe: string) =>
  openMessage({ jwe, ownKid: bor.encryption.kid, ownKey: bor.encryption.privateKey, signerKey: trust });

async function refusal(p: Promise<unknown>): Promise<EnvelopeError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(EnvelopeError);
    return e as EnvelopeError;
  }
  throw new Error('the message was accepted');
}

/** Encrypts an arbitrary JWS to BOR, as sealMessage would. */
const encryptToBor = (jws: string) =>
  new CompactEncrypt(encoder.encode(jws))
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: bor.encryption.kid, cty: 'JWS' })
    .encrypt(encPub(bor));

const signAsArc = (payload: string) =>
  new CompactSign(encoder.encode(payload))
    .setProtectedHeader({ alg: 'EdDSA', kid: arc.signing.kid })
    .sign(arc.signing.privateKey);

describe('sealMessage and openMessage', () => {
  it('round-trip: the receiver gets the claims, the inner JWS, its hash and the signer kid', async () => {
    const c = claims({ prev: sha256b64url('the previous message') });
    const sealed = await sealFromArc(c);
    const opened = await openAtBor(sealed.jwe);
    expect(opened.claims).toEqual(c);
    expect(opened.jws).toBe(sealed.jws);
    expect(opened.hash).toBe(sealed.hash);
    expect(opened.hash).toBe(sha256b64url(sealed.jws));
    expect(opened.kid).toBe(arc.signing.kid);
  });

  it('produce a compact JWE with the algorithms of design §8 addressed to the recipient key', async () => {
    const { jwe, jws } = await sealFromArc(claims());
    expect(jwe.split('.')).toHaveLength(5);
    expect(decodeProtectedHeader(jwe)).toMatchObject({
      alg: 'ECDH-ES+A256KW',
      enc: 'A256GCM',
      kid: bor.encryption.kid,
    });
    expect(decodeProtectedHeader(jws)).toMatchObject({ alg: 'EdDSA', kid: arc.signing.kid });
    expect(jwe).not.toContain(jws.split('.')[1]!);
  });

  it('encrypt afresh each time, so two seals of the same claims differ', async () => {
    const c = claims();
    const a = await sealFromArc(c);
    const b = await sealFromArc(c);
    expect(a.jwe).not.toBe(b.jwe);
    expect(a.hash).toBe(b.hash);
  });

  it('refuse a message encrypted to another node: not-for-us', async () => {
    const { jwe } = await sealMessage({
      claims: claims({ to: 'CAL' }),
      signingKey: arc.signing.privateKey,
      signingKid: arc.signing.kid,
      recipientKey: encPub(cal),
      recipientKid: cal.encryption.kid,
    });
    expect((await refusal(openAtBor(jwe))).code).toBe('not-for-us');
  });

  it('refuse a message that names this node’s kid but was encrypted to another key: undecryptable', async () => {
    const { jwe } = await sealMessage({
      claims: claims(),
      signingKey: arc.signing.privateKey,
      signingKid: arc.signing.kid,
      recipientKey: encPub(cal),
      recipientKid: bor.encryption.kid,
    });
    expect((await refusal(openAtBor(jwe))).code).toBe('undecryptable');
  });

  it('refuse a message whose signer is not in the trust list: unknown-signer', async () => {
    const { jwe } = await sealMessage({
      claims: claims({ from: 'DUN' }),
      signingKey: keysFor('DUN').signing.privateKey,
      signingKid: 'DUN:sig:0000000000000000',
      recipientKey: encPub(bor),
      recipientKid: bor.encryption.kid,
    });
    const e = await refusal(openAtBor(jwe));
    expect(e.code).toBe('unknown-signer');
    expect(e.message).toContain('DUN:sig:0000000000000000');
  });

  it('refuse a message signed by another key under a trusted kid: bad-signature', async () => {
    const { jwe } = await sealMessage({
      claims: claims(),
      signingKey: impostor.signing.privateKey,
      signingKid: arc.signing.kid,
      recipientKey: encPub(bor),
      recipientKid: bor.encryption.kid,
    });
    expect((await refusal(openAtBor(jwe))).code).toBe('bad-signature');
  });

  it('refuse a message whose claimed sender is not the signer’s party: sender-mismatch', async () => {
    const { jwe } = await sealFromArc(claims({ from: 'CAL' }));
    const e = await refusal(openAtBor(jwe));
    expect(e.code).toBe('sender-mismatch');
    expect(e.message).toContain('CAL');
    expect(e.message).toContain('ARC');
  });

  it.each([
    ['an empty body', ''],
    ['plain text', 'hello, this is not a JWE'],
    ['three dots of nothing', '...'],
    ['a JSON object', '{"type":"request"}'],
    ['a header that is not JSON', 'bm90IGpzb24.a.b.c.d'],
  ])('refuse %s as malformed', async (_what, jwe) => {
    expect((await refusal(openAtBor(jwe))).code).toBe('malformed');
  });

  it('refuse a JWE with other algorithms as malformed', async () => {
    const jwe = await new CompactEncrypt(encoder.encode('x'))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A128GCM', kid: bor.encryption.kid })
      .encrypt(encPub(bor));
    expect((await refusal(openAtBor(jwe))).code).toBe('malformed');
  });

  it('refuse a message whose ciphertext was altered: undecryptable', async () => {
    const { jwe } = await sealFromArc(claims());
    const parts = jwe.split('.');
    const ct = parts[3]!;
    const i = Math.floor(ct.length / 2);
    parts[3] = ct.slice(0, i) + (ct[i] === 'A' ? 'B' : 'A') + ct.slice(i + 1);
    expect((await refusal(openAtBor(parts.join('.')))).code).toBe('undecryptable');
  });

  it('refuse a message whose authentication tag was altered: undecryptable', async () => {
    const { jwe } = await sealFromArc(claims());
    const parts = jwe.split('.');
    const tag = parts[4]!;
    parts[4] = (tag[0] === 'A' ? 'B' : 'A') + tag.slice(1);
    expect((await refusal(openAtBor(parts.join('.')))).code).toBe('undecryptable');
  });

  it('refuse a decrypted payload that is not a JWS as malformed', async () => {
    const jwe = await encryptToBor('just some text');
    expect((await refusal(openAtBor(jwe))).code).toBe('malformed');
  });

  it('refuse signed claims that fail the schema: bad-claims, naming the field', async () => {
    const bad = { ...claims(), id: 'not-a-ulid' };
    const jwe = await encryptToBor(await signAsArc(JSON.stringify(bad)));
    const e = await refusal(openAtBor(jwe));
    expect(e.code).toBe('bad-claims');
    expect(e.message).toContain('id');
  });

  it.each([
    ['an unknown message type', { type: 'gossip' }],
    ['a lower-case sender', { from: 'arc' }],
    ['a created time that is not ISO', { created: 'yesterday' }],
    ['a prev that is not a SHA-256 hash', { prev: 'abc' }],
    ['an extra claim', { secret: 'x' }],
  ])('refuse claims with %s: bad-claims', async (_what, overrides) => {
    const jwe = await encryptToBor(await signAsArc(JSON.stringify({ ...claims(), ...overrides })));
    expect((await refusal(openAtBor(jwe))).code).toBe('bad-claims');
  });

  it('refuse a signed payload that is not JSON: bad-claims', async () => {
    const jwe = await encryptToBor(await signAsArc('not json'));
    expect((await refusal(openAtBor(jwe))).code).toBe('bad-claims');
  });

  it('refuse claims missing a field: bad-claims', async () => {
    const { body: _body, ...rest } = claims();
    const jwe = await encryptToBor(await signAsArc(JSON.stringify(rest)));
    expect((await refusal(openAtBor(jwe))).code).toBe('bad-claims');
  });
});

describe('receipts', () => {
  const receipt = (): ReceiptClaims => ({
    type: 'receipt',
    ref: ulid(),
    from: 'BOR',
    to: 'ARC',
    hash: sha256b64url('the compact JWE as received'),
    received: '2026-03-02T09:00:01.000Z',
    outcome: 'accepted',
  });

  it('round-trip through signReceipt and verifyReceipt', async () => {
    const r = receipt();
    const jws = await signReceipt(r, bor.signing.privateKey, bor.signing.kid);
    expect(decodeProtectedHeader(jws)).toMatchObject({ alg: 'EdDSA', kid: bor.signing.kid });
    expect(await verifyReceipt(jws, pub(bor))).toEqual(r);
  });

  it('do not verify with another party’s key', async () => {
    const jws = await signReceipt(receipt(), bor.signing.privateKey, bor.signing.kid);
    await expect(verifyReceipt(jws, pub(arc))).rejects.toThrow();
  });

  it('do not verify once their claims are altered', async () => {
    const jws = await signReceipt(receipt(), bor.signing.privateKey, bor.signing.kid);
    const [h, , s] = jws.split('.');
    const forged = Buffer.from(JSON.stringify({ ...receipt(), outcome: 'duplicate' })).toString('base64url');
    await expect(verifyReceipt(`${h}.${forged}.${s}`, pub(bor))).rejects.toThrow();
  });

  it('reject a correctly signed receipt whose claims fail the schema', async () => {
    const jws = await new CompactSign(encoder.encode(JSON.stringify({ ...receipt(), outcome: 'lost' })))
      .setProtectedHeader({ alg: 'EdDSA', kid: bor.signing.kid })
      .sign(bor.signing.privateKey);
    await expect(verifyReceipt(jws, pub(bor))).rejects.toThrow();
  });
});

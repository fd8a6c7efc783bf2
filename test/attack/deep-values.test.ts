/**
 * Values nested far deeper than any real one, where a verifier only expects a short string (a key id, an
 * algorithm): each verifier refuses them with its own reason. Found by `npm run fuzz`: a JWE header whose `alg`
 * was an array nested 100,000 levels deep overflowed the stack when quoted in the refusal, and the node
 * answered 500.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactEncrypt } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { EnvelopeError, openMessage } from '../../src/crypto/envelope.ts';
import { loadOrCreateNodeKeys, publicKeyFromJwk } from '../../src/crypto/keys.ts';
import { verifyNodeAuthorization } from '../../src/crypto/node-token.ts';
import { TrustList } from '../../src/crypto/trust-list.ts';
import { signTrustList } from '../../src/crypto/trust-list-jws.ts';
import { checkVouch } from '../../src/crypto/vouch.ts';
import { quoteUntrusted, stringOrEmpty } from '../../src/domain/untrusted.ts';
import { verifyManifest } from '../../src/evidence/manifest.ts';

const dir = mkdtempSync(join(tmpdir(), 'comity-deep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bor = loadOrCreateNodeKeys(dir, 'BOR');
const trust = new TrustList({
  version: 1,
  parties: [
    {
      code: 'BOR',
      name: 'Borealis',
      url: 'http://127.0.0.1:1',
      keys: [
        { kid: bor.signing.kid, use: 'sig', jwk: bor.signing.publicJwk },
        { kid: bor.encryption.kid, use: 'enc', jwk: bor.encryption.publicJwk },
      ],
    },
  ],
});

const DEPTH = 100_000;
const deep = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;
const b64 = (text: string) => Buffer.from(text).toString('base64url');
/** A compact JWS whose header holds `header` as written (no signature worth the name). */
const jwsWith = (header: string, payload = '{}') => `${b64(header)}.${b64(payload)}.AAAA`;

/** Runs `check` and returns what it threw; fails if it threw a stack overflow or nothing. */
async function refusal(check: () => unknown): Promise<Error> {
  try {
    await check();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect(e).not.toBeInstanceOf(RangeError);
    return e as Error;
  }
  throw new Error('accepted');
}

describe('a value nested 100,000 levels deep where a key id or an algorithm belongs', () => {
  const open = (jwe: string) =>
    openMessage({
      jwe,
      ownKid: bor.encryption.kid,
      ownKey: bor.encryption.privateKey,
      signerKey: (kid) => trust.signer(kid),
      isRevoked: (kid) => trust.isRevoked(kid),
    });

  it.each([
    ['alg', `{"alg":${deep},"enc":"A256GCM"}`, /unsupported JWE algorithms \(an array\)\/A256GCM/],
    [
      'enc',
      `{"alg":"ECDH-ES+A256KW","enc":${deep}}`,
      /unsupported JWE algorithms ECDH-ES\+A256KW\/\(an array\)/,
    ],
    ['kid', `{"alg":"ECDH-ES+A256KW","enc":"A256GCM","kid":${deep}}`, /encrypted to key \(an array\)/],
  ])('in the JWE header (%s): the message is refused as an EnvelopeError', async (_, header, reason) => {
    const e = await refusal(() => open(`${b64(header)}....`));
    expect(e).toBeInstanceOf(EnvelopeError);
    expect(e.message).toMatch(reason);
  });

  it('as the signer of the message inside: unknown signer', async () => {
    const inner = jwsWith(`{"alg":"EdDSA","kid":${deep}}`);
    const jwe = await new CompactEncrypt(new TextEncoder().encode(inner))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: bor.encryption.kid })
      .encrypt(publicKeyFromJwk(bor.encryption.publicJwk));
    const e = await refusal(() => open(jwe));
    expect((e as EnvelopeError).code).toBe('unknown-signer');
  });

  it('as the key of a node token, a manifest, an officer vouch and a trust list', async () => {
    const header = `{"alg":"EdDSA","kid":${deep}}`;
    // A node token's header is limited by its pattern (4,000 characters): nested as deep as fits.
    const shallow = `${'['.repeat(1_000)}${']'.repeat(1_000)}`;
    const token = await refusal(() =>
      verifyNodeAuthorization(`Comity-Node ${jwsWith(`{"alg":"EdDSA","kid":${shallow}}`)}`, {
        self: 'BOR',
        trust,
        now: new Date(),
        skewSeconds: 60,
      }),
    );
    expect(token.message).toMatch(/signed with key \(an array\), not in the trust list/);
    const manifest = await refusal(() => verifyManifest(jwsWith(header), (kid) => trust.signer(kid)));
    expect(manifest.message).toMatch(/signed with key \(an array\), which is not in the trust list/);
    const vouch = await refusal(() =>
      checkVouch(
        jwsWith(`{"alg":"EdDSA","typ":"comity-vouch+jws","kid":${deep}}`),
        {
          case: 'x',
          from: 'BOR',
          request: {} as never,
        },
        trust,
      ),
    );
    expect(vouch.message).toMatch(/officer key \(an array\) is not in the trust list/);
    const admin = generateKeyPairSync('ed25519');
    const jwk = admin.publicKey.export({ format: 'jwk' }) as { x: string };
    const list = signTrustList(trust.file, admin.privateKey).split('.');
    const forged = `${b64(`{"alg":"EdDSA","typ":"comity-trust-list+jws","kid":${deep}}`)}.${list[1]}.${list[2]}`;
    const installed = await refusal(() => TrustList.parse(forged, { kty: 'OKP', crv: 'Ed25519', x: jwk.x }));
    expect(installed.message).toMatch(/signed with \(an array\), not with the configured administrator key/);
  });
});

describe('quoteUntrusted and stringOrEmpty', () => {
  it('quote strings up to a length and name every other kind without turning it into text', () => {
    expect(quoteUntrusted('ARC:sig:1')).toBe('ARC:sig:1');
    expect(quoteUntrusted('x'.repeat(500), 10)).toBe(`${'x'.repeat(10)}…`);
    expect([1, true, null, undefined].map((v) => quoteUntrusted(v))).toEqual(['1', 'true', 'null', '(none)']);
    expect(quoteUntrusted(JSON.parse(deep))).toBe('(an array)');
    expect(quoteUntrusted({ toString: () => 'forged' })).toBe('(an object)');
    expect(stringOrEmpty(['k'])).toBe('');
    expect(stringOrEmpty('k')).toBe('k');
  });
});

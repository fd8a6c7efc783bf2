/**
 * The signature of a trust list: the node's administrator signs it with an offline Ed25519 key (a compact JWS,
 * typ `comity-trust-list+jws`); the node is configured with that key's public half and refuses a list that does
 * not verify.
 */
import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { quoteUntrusted, stringOrEmpty } from '../domain/untrusted.ts';
import { jwkThumbprint, type PublicJwk, publicKeyFromJwk } from './keys.ts';
import { type TrustListFile, TrustListSchema } from './trust-list-schema.ts';

const JWS_TYP = 'comity-trust-list+jws';
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** Whether a trust list's text is a compact JWS (signed), not plain JSON (which may well hold two dots). */
export const isCompactJws = (text: string) => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text);

/** The key id of an administrator key: `trust-admin:<thumbprint prefix>`. */
export const trustAdminKid = (jwk: PublicJwk) => `trust-admin:${jwkThumbprint(jwk).slice(0, 16)}`;

/** Signs a trust list with the administrator's Ed25519 private key. */
export function signTrustList(list: TrustListFile, privateKey: KeyObject): string {
  const parsed = TrustListSchema.parse(list);
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as PublicJwk;
  const header = b64(
    JSON.stringify({
      alg: 'EdDSA',
      typ: JWS_TYP,
      kid: trustAdminKid({ kty: 'OKP', crv: 'Ed25519', x: jwk.x }),
    }),
  );
  const payload = b64(JSON.stringify(parsed, null, 2));
  const signature = sign(null, Buffer.from(`${header}.${payload}`), privateKey);
  return `${header}.${payload}.${b64(signature)}`;
}

/**
 * Checks a signed trust list against the administrator keys it may be signed with: returns its payload and the
 * key id of the key that signed it.
 */
export function verifyTrustListJws(jws: string, signers: PublicJwk[]): { payload: string; kid: string } {
  const [h, p, s] = jws.split('.') as [string, string, string];
  let header: { alg?: string; typ?: string; kid?: string };
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
  } catch {
    throw new Error('the JWS header is not JSON');
  }
  if (header.alg !== 'EdDSA' || header.typ !== JWS_TYP)
    throw new Error(
      `not a signed trust list (alg ${quoteUntrusted(header.alg)}, typ ${quoteUntrusted(header.typ)})`,
    );
  if (signers.length === 0)
    throw new Error('the trust list is signed, but this node has no trustListSigner configured to check it');
  const signer = signers.find((k) => trustAdminKid(k) === stringOrEmpty(header.kid));
  if (!signer)
    throw new Error(
      `signed with ${quoteUntrusted(header.kid)}, not with the configured administrator key ${signers.map(trustAdminKid).join(' or ')}`,
    );
  const expected = trustAdminKid(signer);
  const ok = verify(null, Buffer.from(`${h}.${p}`), publicKeyFromJwk(signer), Buffer.from(s, 'base64url'));
  if (!ok) throw new Error(`the signature does not verify with the administrator key ${expected}`);
  return { payload: Buffer.from(p, 'base64url').toString('utf8'), kid: expected };
}

/**
 * Emergency requests vouched for by a named officer (issue 7). Forged emergency data requests sent from
 * compromised police mailboxes are a known attack (FBI, November 2024): here an `emergency` request is accepted
 * only when, besides the node's signature on the message, it carries the signature of an officer whose key the
 * requesting party lists in the trust list. The receiving side shows who vouched for it.
 *
 * The vouch is a compact JWS (EdDSA, typ `comity-vouch+jws`, kid = the officer's key id) over the case id, the
 * parties, and the SHA-256 of the request in canonical JSON: it cannot be moved to another case or request.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import type { InterchangeRequest } from '../domain/request.ts';
import { quoteUntrusted, stringOrEmpty } from '../domain/untrusted.ts';
import { canonicalJson } from '../ledger/canonical.ts';
import { officerKid, type PublicJwk } from './keys.ts';
import type { TrustList } from './trust-list.ts';

const TYP = 'comity-vouch+jws';
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export interface Vouch {
  kid: string;
  name: string;
  party: string;
  at: string;
}

export interface VouchClaims {
  case: string;
  from: string;
  to: string;
  request: string;
  officer: string;
  at: string;
}

export const requestDigest = (request: InterchangeRequest) =>
  createHash('sha256').update(canonicalJson(request)).digest('hex');

/** An officer key id names the party and the key: `ARC:officer:<thumbprint prefix>`. */
export { officerKid };

export function officerPublicJwk(key: KeyObject): PublicJwk {
  const { x } = createPublicKey(key).export({ format: 'jwk' }) as { x: string };
  return { kty: 'OKP', crv: 'Ed25519', x };
}

/** A new officer key pair as PKCS#8 PEM (to be sealed at rest) with its key id. */
export function newOfficerKey(party: string): { pem: string; kid: string; jwk: PublicJwk } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = officerPublicJwk(privateKey);
  return {
    pem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    kid: officerKid(party, jwk),
    jwk,
  };
}

export function signVouch(
  key: { pem: string; kid: string },
  officer: string,
  c: { case: string; request: InterchangeRequest },
  at: Date,
): string {
  const header = b64(JSON.stringify({ alg: 'EdDSA', typ: TYP, kid: key.kid }));
  const claims: VouchClaims = {
    case: c.case,
    from: c.request.from,
    to: c.request.to,
    request: requestDigest(c.request),
    officer,
    at: at.toISOString(),
  };
  const payload = b64(JSON.stringify(claims));
  const sig = sign(null, Buffer.from(`${header}.${payload}`), createPrivateKey(key.pem));
  return `${header}.${payload}.${b64(sig)}`;
}

/**
 * Checks the vouch of an emergency request received from `from`; returns who vouched, or throws with the
 * reason. The officer's key must be active in the trust list under the sending party.
 */
/** Why a vouch was refused; `retry` when the same vouch may be accepted later (a key not listed yet). */
export class VouchError extends Error {
  constructor(
    message: string,
    readonly retry = false,
  ) {
    super(message);
  }
}

export function checkVouch(
  jws: unknown,
  c: { case: string; from: string; request: InterchangeRequest },
  trust: TrustList,
): Vouch {
  if (typeof jws !== 'string' || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(jws))
    throw new Error('an emergency request must carry the signature of the officer who vouches for it');
  const [h, p, s] = jws.split('.') as [string, string, string];
  let header: { alg?: string; typ?: string; kid?: string };
  let claims: VouchClaims;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    throw new Error('the officer signature is not a readable JWS');
  }
  if (header.alg !== 'EdDSA' || header.typ !== TYP)
    throw new Error('the officer signature is not a Comity vouch');
  const kid = stringOrEmpty(header.kid);
  const officer = trust.officer(kid);
  if (!officer) {
    const status = trust.officerStatus(kid);
    if (status === 'revoked') throw new VouchError(`the officer key ${quoteUntrusted(kid)} was revoked`);
    if (status === 'retired') throw new VouchError(`the officer key ${quoteUntrusted(kid)} was retired`);
    // A key the list does not name yet may be a new officer's whose entry is on its way: the sender may retry.
    throw new VouchError(
      `the officer key ${quoteUntrusted(header.kid)} is not in the trust list (yet)`,
      true,
    );
  }
  if (officer.party !== c.from)
    throw new Error(`the officer key ${officer.kid} belongs to ${officer.party}, not ${c.from}`);
  if (!verify(null, Buffer.from(`${h}.${p}`), officer.key, Buffer.from(s, 'base64url')))
    throw new Error(`the officer signature does not verify with ${officer.kid}`);
  if (claims.case !== c.case || claims.from !== c.request.from || claims.to !== c.request.to)
    throw new Error('the officer signature is for another case');
  if (claims.request !== requestDigest(c.request))
    throw new Error('the officer signed a different request than the one sent');
  return { kid: officer.kid, name: officer.name, party: officer.party, at: claims.at };
}

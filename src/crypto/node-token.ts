/**
 * Short-lived bearer tokens between nodes, for the exchange endpoints that are not messages (evidence
 * transfers): a compact JWS signed with the sending node's key, naming the audience node and a scope. The
 * receiver accepts it only when the key is in the trust list and belongs to the party the token names.
 */
import type { KeyObject } from 'node:crypto';
import { CompactSign, compactVerify } from 'jose';
import { z } from 'zod';
import { quoteUntrusted } from '../domain/untrusted.ts';
import { claimedKid } from './jws-kid.ts';
import type { TrustList } from './trust-list.ts';

const NodeTokenSchema = z
  .object({
    iss: z.string().regex(/^[A-Z]{3}$/),
    aud: z.string().regex(/^[A-Z]{3}$/),
    scope: z.string().max(200),
    iat: z.number().int(),
    exp: z.number().int(),
  })
  .strict();
export type NodeToken = z.infer<typeof NodeTokenSchema>;

const SCHEME = 'Comity-Node';
const TTL_SECONDS = 300;

/** The `Authorization` header value for a request from `from` to `to` within `scope`. */
export async function nodeAuthorization(opts: {
  from: string;
  to: string;
  scope: string;
  key: KeyObject;
  kid: string;
  now?: Date;
}): Promise<string> {
  const iat = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const claims: NodeToken = { iss: opts.from, aud: opts.to, scope: opts.scope, iat, exp: iat + TTL_SECONDS };
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: 'EdDSA', kid: opts.kid, typ: 'comity-node+jws' })
    .sign(opts.key);
  return `${SCHEME} ${jws}`;
}

/** Checks a node token; returns its claims or throws with the reason. */
export async function verifyNodeAuthorization(
  header: string | null | undefined,
  opts: { self: string; trust: TrustList; now: Date; skewSeconds: number },
): Promise<NodeToken> {
  const match = header ? /^Comity-Node\s+([A-Za-z0-9_.-]{20,4000})$/.exec(header) : null;
  if (!match) throw new Error(`send a node token as "Authorization: ${SCHEME} <jws>"`);
  const jws = match[1]!;
  const read = claimedKid(jws);
  if (!read) throw new Error('the node token is not a compact JWS');
  const { kid, claimed } = read;
  const signer = opts.trust.signer(kid);
  if (!signer)
    throw new Error(`the node token is signed with key ${quoteUntrusted(claimed)}, not in the trust list`);
  // A retired key signs no new token: tokens live minutes, so any token signed with it now is new.
  if (signer.validUntil && opts.now > signer.validUntil)
    throw new Error(
      `the node token is signed with key ${kid}, retired at ${signer.validUntil.toISOString()}`,
    );
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(jws, signer.key, { algorithms: ['EdDSA'] }));
  } catch {
    throw new Error('the node token signature does not verify');
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    throw new Error('the node token claims are not JSON');
  }
  const parsed = NodeTokenSchema.safeParse(json);
  if (!parsed.success) throw new Error('the node token claims are malformed');
  const claims = parsed.data;
  const now = Math.floor(opts.now.getTime() / 1000);
  if (claims.iss !== signer.party)
    throw new Error(`the node token names ${claims.iss} but ${signer.party} signed it`);
  if (claims.aud !== opts.self) throw new Error(`the node token is for ${claims.aud}, not ${opts.self}`);
  if (claims.exp < now - opts.skewSeconds) throw new Error('the node token has expired');
  if (claims.iat > now + opts.skewSeconds) throw new Error('the node token is issued in the future');
  return claims;
}

/**
 * Messages and node tokens as sent: seals a generated message spec (message-specs.ts) into the JWE a peer
 * would send, with the federation's real keys, ids and case chains, or signs a node token with the key its
 * signer names.
 */

import { type KeyObject, sign } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { CompactEncrypt, CompactSign } from 'jose';
import { ulid } from 'ulid';
import { nodeAuthorization } from '../../../src/crypto/node-token.ts';
import { TRANSITIONS } from '../../../src/domain/lifecycle.ts';
import { cases } from '../../../src/store/schema.ts';
import { applyEdits, applyMutations, clone, toJson } from './mutate.ts';
import {
  type ClaimsSpec,
  type Identity,
  type MessageSpec,
  peerOf,
  type Signer,
  type Target,
} from './request.ts';
import { type FuzzState, nodeOf } from './state.ts';

/** The key, key id and party a signer signs with, as seen from the node `t` that receives. */
function signingKey(
  state: FuzzState,
  t: Target,
  signer: Signer,
): { key: KeyObject; kid: string; party: string } {
  const peer = nodeOf(state, peerOf(t)).core.keys;
  const pick = (keys: typeof peer) => ({
    key: keys.signing.privateKey,
    kid: keys.signing.kid,
    party: keys.party,
  });
  if (signer === 'peer') return pick(peer);
  if (signer === 'third') return pick(nodeOf(state, 'CAL').core.keys);
  if (signer === 'self') return pick(nodeOf(state, t).core.keys);
  if (signer === 'forged') return { key: state.forgedKey, kid: peer.signing.kid, party: peer.party };
  return { key: state.forgedKey, kid: 'XXX:sig:unknown', party: 'XXX' };
}

/** The Authorization header of a node identity. */
export async function nodeToken(
  state: FuzzState,
  t: Target,
  identity: Extract<Identity, { kind: 'node' }>,
): Promise<string> {
  const { key, kid, party } = signingKey(state, t, identity.signer);
  if (identity.payload === undefined)
    return nodeAuthorization({ from: party, to: t, scope: identity.scope, key, kid });
  const jws = await new CompactSign(new TextEncoder().encode(identity.payload))
    .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'comity-node+jws' })
    .sign(key);
  return `Comity-Node ${jws}`;
}

/** The message as sent, and what is inside it (signed and encrypted, it says nothing when printed). */
export async function seal(
  state: FuzzState,
  t: Target,
  spec: MessageSpec,
): Promise<{ jwe: string; inside: string }> {
  const target = nodeOf(state, t).core;
  const known = state.known.get(t)!;
  if (spec.layer === 'text') return { jwe: spec.text, inside: '' };
  if (spec.layer === 'genuine') {
    const g = known.genuine[spec.pick % Math.max(1, known.genuine.length)];
    const edits = spec.edits.map((e) => JSON.stringify(e)).join(', ');
    return {
      jwe: applyEdits(g?.jwe ?? 'no.genuine.message.to.edit', spec.edits),
      inside: `a genuine ${String(g?.claims.type)} message${edits ? `, edited: ${edits}` : ''}`,
    };
  }
  if (spec.layer === 'crafted') {
    const header = applyMutations(spec.header, []);
    const withKid =
      header !== null && typeof header === 'object' && (header as Record<string, unknown>).kid === '$target'
        ? { ...(header as object), kid: target.keys.encryption.kid }
        : header;
    const text = toJson(withKid);
    return {
      jwe: [Buffer.from(text).toString('base64url'), ...spec.segments].join('.'),
      inside: `header ${text}`,
    };
  }
  let plaintext: string;
  let inside: string;
  if (spec.layer === 'inner') {
    const inner = spec.inner;
    if ('text' in inner) {
      plaintext = inner.text;
      inside = `encrypted to ${spec.recipient}: ${inner.text}`;
    } else {
      const { key, kid } = signingKey(state, t, inner.signer);
      const header =
        inner.header !== null &&
        typeof inner.header === 'object' &&
        (inner.header as Record<string, unknown>).kid === '$peer'
          ? { ...(inner.header as object), kid }
          : inner.header;
      plaintext = signRaw(toJson(header), inner.payload, key);
      inside = `encrypted to ${spec.recipient}, signed by ${inner.signer}: header ${toJson(header)}, payload ${inner.payload}`;
    }
  } else {
    const { key, kid } = signingKey(state, t, spec.signer);
    const payload = applyEdits(toJson(await claimsOf(state, t, spec.claims)), spec.claims.edits);
    plaintext = signRaw(JSON.stringify({ alg: 'EdDSA', kid, typ: 'comity-message+jws' }), payload, key);
    inside = `encrypted to ${spec.recipient}, signed by ${spec.signer}: ${payload}`;
  }
  const encryptTo =
    spec.recipient === 'wrong-key'
      ? { key: nodeOf(state, 'CAL').core.trust.party('CAL')!.encryption.key, kid: target.keys.encryption.kid }
      : {
          key: target.trust.party(t)!.encryption.key,
          kid:
            spec.recipient === 'wrong-kid'
              ? nodeOf(state, peerOf(t)).core.keys.encryption.kid
              : target.keys.encryption.kid,
        };
  const jwe = await new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: encryptTo.kid, cty: 'JWS' })
    .encrypt(encryptTo.key);
  return { jwe, inside };
}

/** The claims a spec describes, on the target's real cases and chains. */
async function claimsOf(state: FuzzState, t: Target, spec: ClaimsSpec): Promise<unknown> {
  const known = state.known.get(t)!;
  const base =
    'genuine' in spec.base && known.genuine.length
      ? known.genuine[spec.base.genuine % known.genuine.length]!.claims
      : 'generated' in spec.base
        ? spec.base.generated
        : {};
  let claims = clone(base) as Record<string, unknown>;
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) claims = {};
  const now = Date.now();
  if (spec.fresh)
    Object.assign(claims, {
      id: ulid(),
      from: peerOf(t),
      to: t,
      created: new Date(now).toISOString(),
      expires: new Date(now + 3_600_000).toISOString(),
    });
  if (spec.action) {
    const transition = (TRANSITIONS as Record<string, { message: string | null } | undefined>)[
      spec.action.action
    ];
    Object.assign(claims, {
      action: spec.action.action,
      type: transition?.message ?? (spec.action.action === 'send-evidence' ? 'evidence-manifest' : 'status'),
      body: clone(spec.action.body),
    });
  }
  if (spec.onCase && known.shared.length) {
    const id = known.shared[spec.onCase.known % known.shared.length]!;
    claims.case = id;
    if (spec.onCase.chained) {
      const row = (
        await nodeOf(state, t).core.db.select({ chainIn: cases.chainIn }).from(cases).where(eq(cases.id, id))
      )[0];
      claims.prev = row?.chainIn ?? null;
    }
  }
  return applyMutations(claims, spec.mutations);
}

function signRaw(headerJson: string, payload: string, key: KeyObject): string {
  // jose only signs well-formed headers; a raw JWS lets the header be anything. Ed25519 signs the input as is.
  const input = `${Buffer.from(headerJson).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
  let signature: string;
  try {
    signature = sign(null, Buffer.from(input), key).toString('base64url');
  } catch {
    signature = 'AAAA';
  }
  return `${input}.${signature}`;
}

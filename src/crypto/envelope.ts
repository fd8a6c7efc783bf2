/**
 * Messages between nodes (design §8): a JWS (EdDSA over Ed25519) nested in a JWE (ECDH-ES+A256KW with the
 * recipient's X25519 key, A256GCM). Signed by the sender, readable only by the receiver. Receipts are JWS only:
 * they carry nothing secret, just the hash of what was received.
 */

import { createHash, type KeyObject } from 'node:crypto';
import { CompactEncrypt, CompactSign, compactDecrypt, compactVerify, decodeProtectedHeader } from 'jose';
import { z } from 'zod';
import { issuesLine } from '../domain/errors.ts';
import { quoteUntrusted, stringOrEmpty, unstorableTextAt } from '../domain/untrusted.ts';
import { claimedKid } from './jws-kid.ts';

export const MESSAGE_TYPES = [
  'request',
  'status',
  'consultation',
  'decision',
  'evidence-manifest',
  'withdrawal',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const MessageClaimsSchema = z
  .object({
    id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'a ULID'),
    type: z.enum(MESSAGE_TYPES),
    from: z.string().regex(/^[A-Z]{3}$/),
    to: z.string().regex(/^[A-Z]{3}$/),
    case: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/),
    created: z.iso.datetime(),
    expires: z.iso.datetime(),
    /** Hash of the sender's previous message on this case (base64url SHA-256 of its JWS), or null for the first. */
    prev: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/)
      .nullable(),
    /** The lifecycle action the message carries and its details. */
    action: z.string().max(64),
    /** Who took the action, for the other side's history. */
    actor: z
      .object({ name: z.string().max(300), role: z.string().max(64).optional() })
      .strict()
      .nullable(),
    body: z.record(z.string(), z.unknown()),
  })
  .strict();
export type MessageClaims = z.infer<typeof MessageClaimsSchema>;

export const ReceiptClaimsSchema = z
  .object({
    type: z.literal('receipt'),
    ref: z.string(),
    from: z.string(),
    to: z.string(),
    /** base64url SHA-256 of the compact JWE exactly as received. */
    hash: z.string(),
    received: z.iso.datetime(),
    /** `accepted` (stored now) or `duplicate` (the same message had been stored before). */
    outcome: z.enum(['accepted', 'duplicate']),
  })
  .strict();
export type ReceiptClaims = z.infer<typeof ReceiptClaimsSchema>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** base64url SHA-256 of a string. */
export function sha256b64url(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('base64url');
}

export interface SealOptions {
  claims: MessageClaims;
  signingKey: KeyObject;
  signingKid: string;
  recipientKey: KeyObject;
  recipientKid: string;
}

/** Signs and encrypts a message; returns the compact JWE and the hash of the inner JWS (the chain link). */
export async function sealMessage(opts: SealOptions): Promise<{ jwe: string; jws: string; hash: string }> {
  const jws = await new CompactSign(encoder.encode(JSON.stringify(opts.claims)))
    .setProtectedHeader({ alg: 'EdDSA', kid: opts.signingKid, typ: 'comity-message+jws' })
    .sign(opts.signingKey);
  const jwe = await new CompactEncrypt(encoder.encode(jws))
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: opts.recipientKid, cty: 'JWS' })
    .encrypt(opts.recipientKey);
  return { jwe, jws, hash: sha256b64url(jws) };
}

/**
 * Why a message was refused at the door; `code` is stable, `message` is for people. `signer` is the party whose
 * trust-listed key verified the signature, when it did: only then does the refusal say anything about a peer.
 */
export class EnvelopeError extends Error {
  constructor(
    readonly code:
      | 'malformed'
      | 'not-for-us'
      | 'undecryptable'
      | 'unknown-signer'
      | 'revoked-signer'
      | 'bad-signature'
      | 'bad-claims'
      | 'sender-mismatch',
    message: string,
    readonly signer?: string,
  ) {
    super(message);
  }
}

export interface OpenOptions {
  jwe: string;
  ownKid: string;
  ownKey: KeyObject;
  /**
   * Resolves a signer's public key by `kid`, or undefined when the kid is not in the trust list (or revoked).
   * `validUntil` marks a retired key: it verifies only messages created up to then.
   */
  signerKey: (kid: string) => { party: string; key: KeyObject; validUntil?: Date } | undefined;
  /** Whether a key was revoked, for a clearer refusal. */
  isRevoked?: (kid: string) => boolean;
  /** Earlier encryption keys of this node, still able to open messages sent before a rotation was known. */
  previousKeys?: ReadonlyMap<string, KeyObject>;
}

/** Decrypts and verifies a message; throws EnvelopeError with the reason when anything is wrong. */
export async function openMessage(
  opts: OpenOptions,
): Promise<{ claims: MessageClaims; jws: string; hash: string; kid: string }> {
  let outer: ReturnType<typeof decodeProtectedHeader>;
  try {
    outer = decodeProtectedHeader(opts.jwe);
  } catch {
    throw new EnvelopeError('malformed', 'the body is not a compact JWE');
  }
  if (outer.alg !== 'ECDH-ES+A256KW' || outer.enc !== 'A256GCM')
    throw new EnvelopeError(
      'malformed',
      `unsupported JWE algorithms ${quoteUntrusted(outer.alg)}/${quoteUntrusted(outer.enc)}`,
    );
  const decryptionKey =
    outer.kid === opts.ownKid ? opts.ownKey : opts.previousKeys?.get(stringOrEmpty(outer.kid));
  if (!decryptionKey)
    throw new EnvelopeError(
      'not-for-us',
      `the message is encrypted to key ${quoteUntrusted(outer.kid)}, not to this node`,
    );
  let jws: string;
  try {
    const { plaintext } = await compactDecrypt(opts.jwe, decryptionKey, {
      keyManagementAlgorithms: ['ECDH-ES+A256KW'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    jws = decoder.decode(plaintext);
  } catch {
    throw new EnvelopeError('undecryptable', 'the message cannot be decrypted with this node key');
  }
  const read = claimedKid(jws);
  if (!read) throw new EnvelopeError('malformed', 'the decrypted content is not a compact JWS');
  const { kid, claimed } = read;
  const signer = opts.signerKey(kid);
  if (!signer)
    throw opts.isRevoked?.(kid)
      ? new EnvelopeError('revoked-signer', `signing key ${quoteUntrusted(kid)} was revoked`)
      : new EnvelopeError(
          'unknown-signer',
          `signing key ${quoteUntrusted(claimed)} is not in the trust list`,
        );
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(jws, signer.key, { algorithms: ['EdDSA'] }));
  } catch {
    throw new EnvelopeError('bad-signature', `the signature does not verify with key ${kid}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(payload));
  } catch {
    throw new EnvelopeError('bad-claims', 'the signed payload is not JSON', signer.party);
  }
  const unstorable = unstorableTextAt(parsed);
  if (unstorable)
    throw new EnvelopeError(
      'bad-claims',
      `invalid claims: ${unstorable.at}: ${unstorable.why}`,
      signer.party,
    );
  const claims = MessageClaimsSchema.safeParse(parsed);
  if (!claims.success)
    throw new EnvelopeError('bad-claims', `invalid claims: ${issuesLine(claims.error.issues)}`, signer.party);
  if (signer.validUntil && new Date(claims.data.created) > signer.validUntil)
    throw new EnvelopeError(
      'revoked-signer',
      `signing key ${kid} was retired at ${signer.validUntil.toISOString()} and signs no newer message`,
      signer.party,
    );
  if (claims.data.from !== signer.party)
    throw new EnvelopeError(
      'sender-mismatch',
      `the message claims to come from ${claims.data.from} but is signed by ${signer.party}`,
      signer.party,
    );
  return { claims: claims.data, jws, hash: sha256b64url(jws), kid };
}

/** Signs a receipt. */
export async function signReceipt(claims: ReceiptClaims, key: KeyObject, kid: string): Promise<string> {
  return new CompactSign(encoder.encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'comity-receipt+jws' })
    .sign(key);
}

/** Verifies a receipt against the expected signer key; returns its claims. */
export async function verifyReceipt(receipt: string, key: KeyObject): Promise<ReceiptClaims> {
  const { payload } = await compactVerify(receipt, key, { algorithms: ['EdDSA'] });
  return ReceiptClaimsSchema.parse(JSON.parse(decoder.decode(payload)));
}

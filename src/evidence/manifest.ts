/**
 * Evidence package manifests (design §9): what a package holds (each file's name, size, media type, SHA-256 of
 * plaintext and ciphertext, who collected it and when, its custody events), the package's age recipient and the
 * conditions that travel with it. Signed by the producing node (JWS).
 *
 * The package identity, wrapped to the requesting party's node key, travels beside the manifest in the same
 * signed message, not inside it: the manifest is kept and exported for as long as anyone needs to verify the
 * package, while the wrapped identity must be destroyable when retention ends (crypto-shredding).
 */
import type { KeyObject } from 'node:crypto';
import { CompactEncrypt, CompactSign, compactDecrypt, compactVerify } from 'jose';
import { z } from 'zod';
import { claimedKid } from '../crypto/jws-kid.ts';
import { quoteUntrusted } from '../domain/untrusted.ts';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const CustodyEventSchema = z
  .object({
    at: z.iso.datetime(),
    event: z.string().max(200),
    by: z.string().max(300),
    party: z.string().regex(/^[A-Z]{3}$/),
  })
  .strict();

export const ManifestFileSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(255)
      .refine((n) => !/[/\\]|^\.\.?$/.test(n), 'a plain file name, no path'),
    size: z.number().int().min(0),
    mediaType: z.string().max(200),
    sha256: hex64,
    cipherSize: z.number().int().min(0),
    cipherSha256: hex64,
    collectedBy: z.string().max(300),
    collectedAt: z.iso.datetime(),
    custody: z.array(CustodyEventSchema).max(1000),
  })
  .strict();

export const ManifestConditionsSchema = z
  .object({
    /** After this day the receiving node destroys the package identity. */
    retentionUntil: z.iso.date().optional(),
    useLimitation: z.string().max(20_000).optional(),
    /** Other conditions of the decision, verbatim. */
    other: z
      .array(z.object({ kind: z.string().max(64), text: z.string().max(5000) }).strict())
      .max(50)
      .optional(),
  })
  .strict();
export type ManifestConditions = z.infer<typeof ManifestConditionsSchema>;

export const ManifestSchema = z
  .object({
    version: z.literal(1),
    package: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/),
    case: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/),
    from: z.string().regex(/^[A-Z]{3}$/),
    to: z.string().regex(/^[A-Z]{3}$/),
    createdAt: z.iso.datetime(),
    /** The package's age recipient (`age1…`); the identity that opens it travels wrapped beside the manifest. */
    recipient: z.string().regex(/^age1[0-9a-z]+$/),
    /** The conditions of the decision that bind the receiving party (UNCC art. 40(19), 40(20)). */
    conditions: ManifestConditionsSchema,
    files: z.array(ManifestFileSchema).min(1).max(10_000),
  })
  .strict();
export type Manifest = z.infer<typeof ManifestSchema>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encrypts a package identity to a node's X25519 key. */
export async function wrapIdentity(
  identity: string,
  recipientKey: KeyObject,
  recipientKid: string,
): Promise<string> {
  return new CompactEncrypt(encoder.encode(identity))
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: recipientKid, cty: 'age-identity' })
    .encrypt(recipientKey);
}

/** Decrypts a wrapped package identity with the node's own X25519 key. */
export async function unwrapIdentity(wrapped: string, ownKey: KeyObject): Promise<string> {
  const { plaintext } = await compactDecrypt(wrapped, ownKey, {
    keyManagementAlgorithms: ['ECDH-ES+A256KW'],
    contentEncryptionAlgorithms: ['A256GCM'],
  });
  const identity = decoder.decode(plaintext);
  if (!identity.startsWith('AGE-SECRET-KEY-1')) throw new Error('the wrapped value is not an age identity');
  return identity;
}

/** Signs a manifest with the producing node's Ed25519 key. */
export async function signManifest(manifest: Manifest, key: KeyObject, kid: string): Promise<string> {
  return new CompactSign(encoder.encode(JSON.stringify(ManifestSchema.parse(manifest))))
    .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'comity-manifest+jws' })
    .sign(key);
}

/** Verifies a signed manifest; `signer` resolves the key id against the trust list. Throws with the reason. */
export async function verifyManifest(
  jws: string,
  signer: (kid: string) => { party: string; key: KeyObject } | undefined,
): Promise<Manifest> {
  const read = claimedKid(jws);
  if (!read) throw new Error('the manifest is not a compact JWS');
  const { kid, claimed } = read;
  const trusted = signer(kid);
  if (!trusted)
    throw new Error(
      `the manifest is signed with key ${quoteUntrusted(claimed)}, which is not in the trust list`,
    );
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(jws, trusted.key, { algorithms: ['EdDSA'] }));
  } catch {
    throw new Error(`the manifest signature does not verify with ${kid}`);
  }
  const manifest = ManifestSchema.parse(JSON.parse(decoder.decode(payload)));
  if (manifest.from !== trusted.party)
    throw new Error(`the manifest says it comes from ${manifest.from} but is signed by ${trusted.party}`);
  return manifest;
}

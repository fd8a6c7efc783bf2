/**
 * The trust-list document (design §1, issue 7), as an administrator writes it and signs it (trust-list-jws.ts):
 * its schema, and the rules a list keeps beyond it, each key id, log origin and witness name owned by one party.
 * trust-list.ts reads it.
 */
import { z } from 'zod';
import { quoteUntrusted } from '../domain/untrusted.ts';
import { keyId, officerKid, type PublicJwk } from './keys.ts';

const JwkSchema = z.object({ kty: z.literal('OKP'), crv: z.enum(['Ed25519', 'X25519']), x: z.string() });
/** An administrator key: Ed25519, public half only. */
export const AdminKeySchema = z
  .object({
    kty: z.literal('OKP'),
    crv: z.literal('Ed25519'),
    x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  })
  .strict();
const KeyStatusSchema = z.enum(['active', 'retired', 'revoked']);
/** A signed-note key name (C2SP signed-note "Format"): no spaces, no '+', no control characters. */
const NoteNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s+\p{Cc}]+$/u, 'a key name has no spaces, "+" or control characters');

export const TrustListSchema = z.object({
  version: z.literal(1),
  /** Increases with every change; a node refuses to go back to a lower serial. */
  serial: z.number().int().min(0).optional(),
  issuedAt: z.iso.datetime().optional(),
  /** The administrator key that signs the lists after this one (a planned handover of the signing key). */
  nextSigner: AdminKeySchema.optional(),
  parties: z.array(
    z.object({
      code: z.string().regex(/^[A-Z]{3}$/),
      name: z.string(),
      url: z.url(),
      /**
       * The origin of the party's ledger: the first line of its checkpoints, and the only log whose checkpoints
       * its signing key may sign. Default `comity/<code>`.
       */
      origin: NoteNameSchema.optional(),
      /** The name the party's witness cosigns under (C2SP tlog-cosignature key name). Default `comity/<code>/witness`. */
      witnessName: NoteNameSchema.optional(),
      keys: z
        .array(
          z.object({
            kid: z.string(),
            /** `sig`: messages and ledger checkpoints; `enc`: encryption; `wit`: cosigning others' checkpoints. */
            use: z.enum(['sig', 'enc', 'wit']),
            jwk: JwkSchema,
            status: KeyStatusSchema.default('active'),
            /**
             * For a retired signing key: messages created after this are not accepted with it; for a retired witness
             * key, cosignatures timestamped after it.
             */
            retiredAt: z.iso.datetime().optional(),
            revokedAt: z.iso.datetime().optional(),
          }),
        )
        .min(2),
      /** Officers of the party whose signature vouches for an emergency request (UNCC art. 41-43). */
      officers: z
        .array(
          z.object({
            kid: z.string(),
            name: z.string(),
            jwk: JwkSchema,
            status: KeyStatusSchema.default('active'),
          }),
        )
        .default([]),
    }),
  ),
});
export type TrustListFile = z.input<typeof TrustListSchema>;
export type ParsedList = z.output<typeof TrustListSchema>;

/** The ledger origin a party's checkpoints carry when the trust list names none. */
export const defaultLedgerOrigin = (code: string) => `comity/${code}`;
/** The name a party's witness cosigns under when the trust list names none. */
export const defaultWitnessName = (code: string) => `comity/${code}/witness`;

/**
 * One namespace for key ids, log origins and witness names, each owned by one party (issue 14): a peer's entry
 * that reused another party's kid would silently take its place, and a reused origin or name would let one
 * party's signature pass for another's. Every key's id must also be the one its party, use and key give, and its
 * curve the one its use needs.
 */
export function checkNamespaces(list: ParsedList): void {
  const owners = new Map<string, string>();
  const claim = (what: string, value: string, party: string) => {
    const owner = owners.get(value);
    if (owner !== undefined)
      throw new Error(
        `trust list: ${what} ${quoteUntrusted(value)} of ${party} is already ${owner === party ? 'used' : `${owner}'s`}`,
      );
    owners.set(value, party);
  };
  for (const p of list.parties) {
    if (owners.has(`party:${p.code}`)) throw new Error(`trust list: ${p.code} is listed twice`);
    owners.set(`party:${p.code}`, p.code);
    for (const k of p.keys) {
      const curve = k.use === 'enc' ? 'X25519' : 'Ed25519';
      if (k.jwk.crv !== curve)
        throw new Error(
          `trust list: ${p.code}'s ${k.use} key ${quoteUntrusted(k.kid)} is not an ${curve} key`,
        );
      const expected = keyId(p.code, k.use, k.jwk as PublicJwk);
      if (k.kid !== expected)
        throw new Error(`trust list: ${p.code}'s key ${quoteUntrusted(k.kid)} must have the id ${expected}`);
      claim('key id', k.kid, p.code);
    }
    for (const o of p.officers) {
      if (o.jwk.crv !== 'Ed25519')
        throw new Error(`trust list: ${p.code}'s officer key ${quoteUntrusted(o.kid)} is not an Ed25519 key`);
      const expected = officerKid(p.code, o.jwk as PublicJwk);
      if (o.kid !== expected)
        throw new Error(
          `trust list: ${p.code}'s officer key ${quoteUntrusted(o.kid)} must have the id ${expected}`,
        );
      claim('key id', o.kid, p.code);
    }
    claim('ledger origin', `name:${p.origin ?? defaultLedgerOrigin(p.code)}`, p.code);
    claim('witness name', `name:${p.witnessName ?? defaultWitnessName(p.code)}`, p.code);
  }
}

/**
 * The trust list (design §1, issue 7): each party's node URL, node keys and the keys of the officers who may
 * vouch for emergency requests. A message is accepted only when signed by a key listed here, and sent only to a
 * party listed here.
 *
 * The list is signed by the node's administrator with an offline Ed25519 key (a compact JWS, typ
 * `comity-trust-list+jws`); the node is configured with that key's public half and refuses a list that does
 * not verify. Keys rotate and are revoked in the list itself: the last `active` key of each use is the current
 * one; a `retired` key still verifies what it signed before `retiredAt`; a `revoked` key verifies nothing.
 *
 * The administrator key itself is handed over in band: a list signed with the current key names the next one
 * (`nextSigner`); a list signed with that next key is then accepted, and from that moment the old key signs
 * nothing the node accepts. The node keeps the list that named the new key (`<trust list>.handovers`), so
 * that at start it can walk from the configured key to the one in force.
 */
import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { issuesLine } from '../domain/errors.ts';
import { quoteUntrusted, stringOrEmpty } from '../domain/untrusted.ts';
import { claimedKid } from './jws-kid.ts';
import { jwkThumbprint, type KeyUse, keyId, officerKid, type PublicJwk, publicKeyFromJwk } from './keys.ts';

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
type ParsedList = z.output<typeof TrustListSchema>;

export interface TrustedParty {
  code: string;
  name: string;
  url: string;
  encryption: { kid: string; key: KeyObject };
  signing: { kid: string; key: KeyObject };
  /** The party's ledger: its fixed origin, and the keys its checkpoints may be signed with (the active signing keys). */
  ledger: { origin: string; keys: KeyObject[] };
  /**
   * The party's witness: the name it cosigns under and its keys; a retired key verifies cosignatures timestamped up
   * to `validUntil`. No keys when the list names none (a list from before witnesses had keys of their own).
   */
  witness: { name: string; keys: { kid: string; key: KeyObject; validUntil?: Date }[] };
}

/** The ledger origin a party's checkpoints carry when the trust list names none. */
export const defaultLedgerOrigin = (code: string) => `comity/${code}`;
/** The name a party's witness cosigns under when the trust list names none. */
export const defaultWitnessName = (code: string) => `comity/${code}/witness`;

export interface Signer {
  party: string;
  key: KeyObject;
  /** A retired key: it verifies only what was created up to this moment. */
  validUntil?: Date;
}

export interface Officer {
  party: string;
  kid: string;
  name: string;
  key: KeyObject;
}

const JWS_TYP = 'comity-trust-list+jws';
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export class TrustList {
  private readonly byCode = new Map<string, TrustedParty>();
  private readonly signers = new Map<string, Signer>();
  private readonly revokedKids = new Set<string>();
  private readonly officers = new Map<string, Officer>();
  private readonly officerStatuses = new Map<string, 'active' | 'retired' | 'revoked'>();
  private cachedDigest: string | undefined;
  readonly file: ParsedList;

  /**
   * @param signedBy the key id of the administrator key that signed the list, or null for an unsigned list
   *   (accepted only where no signer is configured, e.g. a trust list inside an exported evidence package).
   * @param text the text it was parsed from (the signed JWS), kept for the other processes of the node and for
   *   the handover file; null for a list made in code.
   */
  constructor(
    file: TrustListFile,
    readonly signedBy: string | null = null,
    readonly text: string | null = null,
  ) {
    this.file = TrustListSchema.parse(file);
    checkNamespaces(this.file);
    for (const p of this.file.parties) {
      const usable = (use: KeyUse) => p.keys.filter((k) => k.use === use && k.status === 'active');
      const sig = usable('sig');
      const enc = usable('enc');
      if (sig.length === 0 || enc.length === 0)
        throw new Error(`trust list: ${p.code} needs an active signing and an active encryption key`);
      for (const k of p.keys) {
        if (k.use !== 'sig') continue;
        if (k.status === 'revoked') this.revokedKids.add(k.kid);
        else
          this.signers.set(k.kid, {
            party: p.code,
            key: publicKeyFromJwk(k.jwk as PublicJwk),
            ...(k.status === 'retired' ? { validUntil: new Date(k.retiredAt ?? 0) } : {}),
          });
      }
      for (const o of p.officers) this.officerStatuses.set(o.kid, o.status);
      for (const o of p.officers)
        if (o.status === 'active')
          this.officers.set(o.kid, {
            party: p.code,
            kid: o.kid,
            name: o.name,
            key: publicKeyFromJwk(o.jwk as PublicJwk),
          });
        else if (o.status === 'revoked') this.revokedKids.add(o.kid);
      // The last listed active keys are the current ones: new messages are signed with, and encrypted to, them.
      const currentEnc = enc.at(-1)!;
      const currentSig = sig.at(-1)!;
      this.byCode.set(p.code, {
        code: p.code,
        name: p.name,
        url: p.url.replace(/\/$/, ''),
        encryption: { kid: currentEnc.kid, key: publicKeyFromJwk(currentEnc.jwk as PublicJwk) },
        signing: { kid: currentSig.kid, key: publicKeyFromJwk(currentSig.jwk as PublicJwk) },
        ledger: {
          origin: p.origin ?? defaultLedgerOrigin(p.code),
          keys: sig.map((k) => publicKeyFromJwk(k.jwk as PublicJwk)),
        },
        witness: {
          name: p.witnessName ?? defaultWitnessName(p.code),
          keys: p.keys
            .filter((k) => k.use === 'wit' && k.status !== 'revoked')
            .map((k) => ({
              kid: k.kid,
              key: publicKeyFromJwk(k.jwk as PublicJwk),
              ...(k.status === 'retired' ? { validUntil: new Date(k.retiredAt ?? 0) } : {}),
            })),
        },
      });
    }
  }

  /**
   * Loads a trust list file: a signed JWS, or plain JSON. With `signer` (the administrator's public key in
   * force: see `walkHandovers`), only a JWS that verifies with it is accepted.
   */
  static load(path: string, signer?: PublicJwk): TrustList {
    let text: string;
    try {
      text = readFileSync(path, 'utf8').trim();
    } catch (e) {
      throw new Error(`cannot read the trust list ${path}: ${(e as Error).message}`);
    }
    try {
      return TrustList.parse(text, signer);
    } catch (e) {
      throw new Error(`invalid trust list ${path}: ${(e as Error).message}`);
    }
  }

  /**
   * Parses the text of a trust list (see `load`). `signer` is the administrator key it must be signed with, or
   * the keys it may be signed with.
   */
  static parse(text: string, signer?: PublicJwk | PublicJwk[]): TrustList {
    const signers = signer === undefined ? [] : Array.isArray(signer) ? signer : [signer];
    const signed = isCompactJws(text);
    if (signers.length && !signed)
      throw new Error('the trust list is not signed, and this node requires a signed one');
    const { payload, kid } = signed
      ? verifyTrustListJws(text, signers)
      : { payload: text, kid: null as string | null };
    let raw: unknown;
    try {
      raw = JSON.parse(payload);
    } catch (e) {
      throw new Error(`not JSON: ${(e as Error).message}`);
    }
    const parsed = TrustListSchema.safeParse(raw);
    if (!parsed.success) throw new Error(issuesLine(parsed.error.issues));
    return new TrustList(parsed.data, kid, text);
  }

  /**
   * Reads a list WITHOUT checking its signature (for showing it to an administrator who has no key at hand):
   * the list and the key id its header claims. Never for putting a list in force.
   */
  static inspect(text: string): { trust: TrustList; claimedSigner: string | null } {
    if (!isCompactJws(text.trim())) return { trust: TrustList.parse(text.trim()), claimedSigner: null };
    const trust = TrustList.parse(Buffer.from(text.trim().split('.')[1]!, 'base64url').toString('utf8'));
    return { trust, claimedSigner: claimedKid(text.trim())?.kid || null };
  }

  party(code: string): TrustedParty | undefined {
    return this.byCode.get(code);
  }

  /** The party and public key of a signing key; undefined when the key is unknown or revoked. */
  signer(kid: string): Signer | undefined {
    return this.signers.get(kid);
  }

  isRevoked(kid: string): boolean {
    return this.revokedKids.has(kid);
  }

  /** An active officer key, by key id. */
  officer(kid: string): Officer | undefined {
    return this.officers.get(kid);
  }

  /** The status of an officer key in the list, or undefined when the list does not name it. */
  officerStatus(kid: string): 'active' | 'retired' | 'revoked' | undefined {
    return this.officerStatuses.get(kid);
  }

  parties(): TrustedParty[] {
    return [...this.byCode.values()];
  }

  /** The party whose ledger has this origin, if any. */
  partyOfOrigin(origin: string): TrustedParty | undefined {
    return this.parties().find((p) => p.ledger.origin === origin);
  }

  /** SHA-256 of the list's canonical content: what the ledger records. */
  digest(): string {
    // The list never changes once made: hashed once (the trust loop asks every few seconds).
    this.cachedDigest ??= createHash('sha256').update(JSON.stringify(this.file)).digest('hex');
    return this.cachedDigest;
  }

  /** Every key of the list with its status, for the ledger's record of a change. */
  keyStatuses(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of this.file.parties) {
      for (const k of p.keys) out[k.kid] = k.status;
      for (const o of p.officers) out[o.kid] = o.status;
    }
    return out;
  }
}

/**
 * One namespace for key ids, log origins and witness names, each owned by one party (issue 14): a peer's entry
 * that reused another party's kid would silently take its place, and a reused origin or name would let one
 * party's signature pass for another's. Every key's id must also be the one its party, use and key give, and its
 * curve the one its use needs.
 */
function checkNamespaces(list: ParsedList): void {
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

/** Where a node keeps the lists that handed the administrator key over, oldest first, one JWS per line. */
export const handoversPath = (trustListPath: string) => `${trustListPath}.handovers`;

/**
 * The administrator key in force: from the configured one, through every kept list that the key then in force
 * signed and that names a next key. Lines signed by other keys are skipped: an operator who configures a new
 * key by hand (after a compromise, say) starts the walk there. A line signed by the key in force that does not
 * verify or parse stops the node with the file and line named.
 *
 * Also returns the last handover taken and the key that signed it: a node stopped between keeping that line
 * and writing the new list still holds that list in force, and may load it.
 */
export function walkHandovers(
  path: string,
  configured: PublicJwk,
): { signer: PublicJwk; last: { text: string; signer: PublicJwk } | null } {
  let lines: string[];
  try {
    lines = readFileSync(path, 'utf8').split('\n');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { signer: configured, last: null };
    throw new Error(`cannot read the trust-list handovers ${path}: ${(e as Error).message}`);
  }
  let signer = configured;
  let last: { text: string; signer: PublicJwk } | null = null;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || claimedKid(line)?.kid !== trustAdminKid(signer)) return;
    let list: TrustList;
    try {
      list = TrustList.parse(line, signer);
    } catch (e) {
      throw new Error(`${path}, line ${i + 1}: ${(e as Error).message}`);
    }
    if (!list.file.nextSigner) throw new Error(`${path}, line ${i + 1}: the list names no next key`);
    last = { text: line, signer };
    signer = list.file.nextSigner;
  });
  return { signer, last };
}

/**
 * What a node puts in force at start: the administrator key it walks to from the configured one (see
 * `walkHandovers`) and the list signed with it; or, after a stop in the middle of a handover, the list that
 * named that key, exactly as kept. Without a configured key, the list as it is.
 */
export function loadTrustListInForce(
  path: string,
  configured: PublicJwk | undefined,
): { trust: TrustList; signer?: PublicJwk } {
  if (!configured) return { trust: TrustList.load(path) };
  const walk = walkHandovers(handoversPath(path), configured);
  let text: string | null = null;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    // TrustList.load says what is wrong with the file.
  }
  const signedBy = walk.last && text === walk.last.text ? walk.last.signer : walk.signer;
  return { trust: TrustList.load(path, signedBy), signer: walk.signer };
}

function verifyTrustListJws(jws: string, signers: PublicJwk[]): { payload: string; kid: string } {
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

/**
 * The trust list (design §1, issue 7): each party's node URL, node keys and the keys of the officers who may
 * vouch for emergency requests. A message is accepted only when signed by a key listed here, and sent only to a
 * party listed here.
 *
 * Keys rotate and are revoked in the list itself: the last `active` key of each use is the current one; a
 * `retired` key still verifies what it signed before `retiredAt`; a `revoked` key verifies nothing. The document
 * is in trust-list-schema.ts, its signature in trust-list-jws.ts, the handover of the key that signs it in
 * trust-list-handovers.ts.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { issuesLine } from '../domain/errors.ts';
import { claimedKid } from './jws-kid.ts';
import { type KeyUse, type PublicJwk, publicKeyFromJwk } from './keys.ts';
import { isCompactJws, verifyTrustListJws } from './trust-list-jws.ts';
import {
  checkNamespaces,
  defaultLedgerOrigin,
  defaultWitnessName,
  type ParsedList,
  type TrustListFile,
  TrustListSchema,
} from './trust-list-schema.ts';

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

/**
 * A software WebAuthn authenticator for integration tests: it plays the part of the browser and a platform
 * authenticator together, so the server's passkey enrolment and sign-in can be driven from Vitest.
 *
 * `register()` and `authenticate()` take the JSON options that @simplewebauthn/server's
 * `generateRegistrationOptions()` / `generateAuthenticationOptions()` produce and return the JSON that
 * @simplewebauthn/browser's `startRegistration()` / `startAuthentication()` would send back.
 *
 * Byte layouts follow WebAuthn Level 3 (https://www.w3.org/TR/webauthn-3/):
 * - §5.8.1 client data (clientDataJSON),
 * - §6.1 authenticator data, §6.5.1 attested credential data,
 * - §6.5.4 the attestation object, §8.7 the "none" attestation format,
 * - §6.3.3 the assertion signature over authenticatorData || SHA-256(clientDataJSON).
 * Keys are ES256 (ECDSA P-256 with SHA-256, COSE alg -7, RFC 9053 §2.1), signatures in ASN.1 DER as WebAuthn
 * requires for EC2 keys (§6.5.6).
 *
 * The misbehaviour switches make it produce what a phishing page, a cloned authenticator or a tampering client
 * would send, so tests can show the server refuses each one. TEST CODE ONLY: keys live in memory, unprotected.
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

/** COSE algorithm ES256 (RFC 9053 §2.1): the only one this authenticator can make keys for. */
const COSE_ALG_ES256 = -7;

/** Authenticator data flag bits (WebAuthn §6.1). */
const FLAG_USER_PRESENT = 0x01;
const FLAG_USER_VERIFIED = 0x04;
const FLAG_ATTESTED_CREDENTIAL_DATA = 0x40;

/** One credential (passkey) held by the authenticator. */
interface SoftCredential {
  /** Raw credential id; the server sees it as base64url. */
  id: Buffer;
  /** The RP ID the credential is scoped to, as the authenticator was asked at registration. */
  rpId: string;
  /** The user handle (`options.user.id`) the RP gave at registration, raw bytes. */
  userHandle: Buffer;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public key as a CBOR-encoded COSE_Key: the bytes the server stores. */
  cosePublicKey: Buffer;
  /** Signature counter (WebAuthn §6.1.1); starts at 0 and goes up by one per assertion. */
  signCount: number;
}

/** What a test can read about a credential the authenticator holds. */
export interface SoftCredentialInfo {
  /** Credential id, base64url (the `id` of the responses). */
  id: string;
  rpId: string;
  /** User handle, base64url (as in `options.user.id` and the assertion's `userHandle`). */
  userHandle: string;
  /** The CBOR-encoded COSE_Key; should equal the server's stored `credential.publicKey`. */
  cosePublicKey: Uint8Array<ArrayBuffer>;
  /** The signature counter the authenticator last reported. */
  signCount: number;
}

/**
 * Ways to misbehave in one ceremony. With none set the authenticator behaves like an honest browser
 * and platform authenticator.
 */
export interface Misbehaviour {
  /** Write this origin into clientDataJSON instead of the real one (a phishing page, or a relay). */
  origin?: string;
  /** Hash this RP ID into authenticatorData instead of the one in the options (a credential for another site). */
  rpId?: string;
  /**
   * Report a counter that is not fresh, as a cloned authenticator would (WebAuthn §6.1.1):
   * 'repeat' sends the last counter again without incrementing, 'decrease' sends one less than the last,
   * a number sends exactly that. The authenticator's own counter is left unchanged.
   */
  counter?: 'repeat' | 'decrease' | number;
  /** Sign something other than authenticatorData || hash(clientDataJSON): a well-formed but wrong signature. */
  tamperSignature?: boolean;
  /** Clear the UP flag: no user was present (e.g. a silent, malware-driven assertion). */
  clearUserPresence?: boolean;
  /** Clear the UV flag: the user was not verified by PIN or biometrics. */
  clearUserVerification?: boolean;
}

/** Extra choices for `authenticate()`. */
export interface AuthenticateOptions extends Misbehaviour {
  /**
   * Which credential to use (base64url id) when more than one would do. By default the first one allowed by
   * `options.allowCredentials`, or for a discoverable sign-in the first one held for the RP ID.
   */
  credentialId?: string;
}

/** A software authenticator with its own ES256 credentials; see the module comment. */
export class SoftAuthenticator {
  /** AAGUID of the authenticator model (WebAuthn §6.5.1): all zeros, as for "none" attestation. */
  readonly aaguid = Buffer.alloc(16);

  readonly #credentials: SoftCredential[] = [];

  /** The credentials this authenticator holds, for assertions in tests. */
  get credentials(): SoftCredentialInfo[] {
    return this.#credentials.map((c) => ({
      id: c.id.toString('base64url'),
      rpId: c.rpId,
      userHandle: c.userHandle.toString('base64url'),
      cosePublicKey: new Uint8Array(c.cosePublicKey),
      signCount: c.signCount,
    }));
  }

  /**
   * Creates a new credential, as `navigator.credentials.create()` then `startRegistration()` would
   * (WebAuthn §5.1.3 on the client, §6.3.2 authenticatorMakeCredential).
   *
   * Throws, as a browser would, if the RP ID does not fit the origin, ES256 is not offered, or this
   * authenticator already holds a credential listed in `options.excludeCredentials`.
   */
  register(
    options: PublicKeyCredentialCreationOptionsJSON,
    origin: string,
    misbehave: Misbehaviour = {},
  ): RegistrationResponseJSON {
    // The browser defaults the RP ID to the origin's host (§5.1.3 step 8) and checks it fits the origin.
    const rpId = options.rp.id ?? new URL(origin).hostname;
    assertRpIdFitsOrigin(rpId, origin);

    if (!options.pubKeyCredParams.some((p) => p.type === 'public-key' && p.alg === COSE_ALG_ES256)) {
      throw new Error('NotSupportedError: the relying party does not offer ES256 (-7)');
    }
    // §6.3.2 step 3: an authenticator already holding an excluded credential must refuse to make another.
    const excluded = new Set(options.excludeCredentials?.map((c) => c.id) ?? []);
    if (this.#credentials.some((c) => c.rpId === rpId && excluded.has(c.id.toString('base64url')))) {
      throw new Error('InvalidStateError: this authenticator already holds an excluded credential');
    }

    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const credential: SoftCredential = {
      id: randomBytes(32),
      rpId,
      userHandle: Buffer.from(options.user.id, 'base64url'),
      privateKey,
      publicKey,
      cosePublicKey: coseEc2PublicKey(publicKey),
      signCount: 0,
    };

    const clientDataJSON = clientData('webauthn.create', options.challenge, misbehave.origin ?? origin);

    // §6.5.1 attested credential data: AAGUID (16) | credential id length (2, big-endian) | id | COSE_Key.
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credential.id.length);
    const attestedCredentialData = Buffer.concat([
      this.aaguid,
      idLength,
      credential.id,
      credential.cosePublicKey,
    ]);
    const authenticatorData = Buffer.concat([
      authenticatorDataHeader(misbehave.rpId ?? rpId, flagsFor(misbehave) | FLAG_ATTESTED_CREDENTIAL_DATA, 0),
      attestedCredentialData,
    ]);

    // §6.5.4 attestation object with the "none" format (§8.7): an empty attestation statement.
    // Keys in CTAP2 canonical order (shorter encoding first): "fmt", "attStmt", "authData".
    const attestationObject = encodeCbor(
      new Map<CborKey, CborValue>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authenticatorData],
      ]),
    );

    this.#credentials.push(credential);
    const id = credential.id.toString('base64url');
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        attestationObject: attestationObject.toString('base64url'),
        transports: ['internal'],
        publicKeyAlgorithm: COSE_ALG_ES256,
        // What AuthenticatorAttestationResponse.getPublicKey() returns: SubjectPublicKeyInfo, DER.
        publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64url'),
        authenticatorData: authenticatorData.toString('base64url'),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /**
   * Signs in with a held credential, as `navigator.credentials.get()` then `startAuthentication()` would
   * (WebAuthn §5.1.4 on the client, §6.3.3 authenticatorGetAssertion).
   *
   * Throws NotAllowedError, as a browser would, if no held credential is allowed for the RP ID.
   */
  authenticate(
    options: PublicKeyCredentialRequestOptionsJSON,
    origin: string,
    choices: AuthenticateOptions = {},
  ): AuthenticationResponseJSON {
    const rpId = options.rpId ?? new URL(origin).hostname;
    assertRpIdFitsOrigin(rpId, origin);

    const credential = this.#pickCredential(rpId, options, choices.credentialId);

    // §6.1.1: the counter goes up by one per assertion. A misbehaving authenticator reports a stale value
    // and does not move its own counter, so an honest sign-in afterwards still works.
    let signCount: number;
    if (choices.counter === undefined) {
      credential.signCount += 1;
      signCount = credential.signCount;
    } else if (choices.counter === 'repeat') {
      signCount = credential.signCount;
    } else if (choices.counter === 'decrease') {
      signCount = Math.max(0, credential.signCount - 1);
    } else {
      signCount = choices.counter;
    }

    const clientDataJSON = clientData('webauthn.get', options.challenge, choices.origin ?? origin);
    const authenticatorData = authenticatorDataHeader(choices.rpId ?? rpId, flagsFor(choices), signCount);

    // §6.3.3 step 11: sign authenticatorData || SHA-256(clientDataJSON). Node's ECDSA output is DER by default.
    const signed = Buffer.concat([authenticatorData, sha256(clientDataJSON)]);
    // To tamper, sign different bytes: the signature stays well-formed DER, so the server reaches the
    // signature check itself instead of failing earlier on a parse error.
    const toSign = choices.tamperSignature ? Buffer.concat([signed, Buffer.from([0])]) : signed;
    const signature = sign('sha256', toSign, { key: credential.privateKey, dsaEncoding: 'der' });

    const id = credential.id.toString('base64url');
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authenticatorData.toString('base64url'),
        signature: signature.toString('base64url'),
        userHandle: credential.userHandle.toString('base64url'),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** §6.3.3 step 4–6: only credentials for this RP ID, and only allowed ones when a list is given. */
  #pickCredential(
    rpId: string,
    options: PublicKeyCredentialRequestOptionsJSON,
    wantedId: string | undefined,
  ): SoftCredential {
    const allowed = options.allowCredentials?.length
      ? new Set(options.allowCredentials.map((c) => c.id))
      : undefined; // discoverable sign-in: any credential for the RP ID
    const candidates = this.#credentials.filter(
      (c) =>
        c.rpId === rpId &&
        (allowed === undefined || allowed.has(c.id.toString('base64url'))) &&
        (wantedId === undefined || c.id.toString('base64url') === wantedId),
    );
    const chosen = candidates[0];
    if (!chosen) throw new Error(`NotAllowedError: no credential for RP ID "${rpId}" is allowed`);
    return chosen;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Client-side rules a browser enforces before the authenticator is even asked.

/**
 * The browser's RP ID check (WebAuthn §5.1.3 step 8, HTML "is a registrable domain suffix of"): the RP ID
 * must be a domain, equal to the origin's host or a parent of it, and the origin a secure context
 * (https, or http on localhost). Browsers refuse IP addresses as RP IDs, so tests must use 'localhost'.
 * Public-suffix checks (e.g. RP ID "com") are left out.
 */
function assertRpIdFitsOrigin(rpId: string, origin: string): void {
  const url = new URL(origin);
  if (isIP(rpId) !== 0) throw new Error(`SecurityError: RP ID "${rpId}" is an IP address, not a domain`);
  const host = url.hostname;
  if (host !== rpId && !host.endsWith(`.${rpId}`)) {
    throw new Error(`SecurityError: RP ID "${rpId}" is not a registrable suffix of origin ${origin}`);
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && host === 'localhost');
  if (!secure) throw new Error(`SecurityError: origin ${origin} is not a secure context`);
}

// ---------------------------------------------------------------------------------------------------------------
// Byte structures.

/**
 * clientDataJSON (§5.8.1), with the members in the order browsers write them, which the spec's
 * "limited verification algorithm" (§5.8.1.2) relies on.
 */
function clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
}

/** The fixed 37-byte start of authenticator data (§6.1): rpIdHash (32) | flags (1) | signCount (4, big-endian). */
function authenticatorDataHeader(rpId: string, flags: number, signCount: number): Buffer {
  const tail = Buffer.alloc(5);
  tail.writeUInt8(flags, 0);
  tail.writeUInt32BE(signCount, 1);
  return Buffer.concat([sha256(Buffer.from(rpId, 'utf8')), tail]);
}

/** UP and UV set, as a platform authenticator after a biometric check, minus what the misbehaviour clears. */
function flagsFor(misbehave: Misbehaviour): number {
  let flags = FLAG_USER_PRESENT | FLAG_USER_VERIFIED;
  if (misbehave.clearUserPresence) flags &= ~FLAG_USER_PRESENT;
  if (misbehave.clearUserVerification) flags &= ~FLAG_USER_VERIFIED;
  return flags;
}

/**
 * The credential public key as a COSE_Key (RFC 9052 §7, RFC 9053 §7.1.1) for an EC2 P-256 key:
 * { 1 (kty): 2 (EC2), 3 (alg): -7 (ES256), -1 (crv): 1 (P-256), -2 (x): 32 bytes, -3 (y): 32 bytes }.
 * Keys in CTAP2 canonical order (1, 3, -1, -2, -3). The server re-encodes what it parses and advances
 * by the re-encoded length, so this must be canonical CBOR or the authenticator data will not parse.
 */
function coseEc2PublicKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  if (!jwk.x || !jwk.y) throw new Error('expected an EC public key');
  return encodeCbor(
    new Map<CborKey, CborValue>([
      [1, 2],
      [3, COSE_ALG_ES256],
      [-1, 1],
      [-2, Buffer.from(jwk.x, 'base64url')],
      [-3, Buffer.from(jwk.y, 'base64url')],
    ]),
  );
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

// ---------------------------------------------------------------------------------------------------------------
// A minimal CBOR encoder (RFC 8949) for what WebAuthn needs: integers, byte strings, text strings and maps.
// Always the shortest head (RFC 8949 §4.2.1 preferred serialisation). Map entries are written in insertion
// order; callers insert them in canonical order.

type CborKey = number | string;
type CborValue = number | string | Uint8Array | Map<CborKey, CborValue>;

const MAJOR_UNSIGNED = 0;
const MAJOR_NEGATIVE = 1;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_MAP = 5;

/** Encodes one CBOR data item. */
export function encodeCbor(value: CborValue): Buffer {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`CBOR: only integers are supported, got ${value}`);
    // A negative integer n is written as major type 1 with argument -1 - n (RFC 8949 §3.1).
    return value >= 0 ? cborHead(MAJOR_UNSIGNED, value) : cborHead(MAJOR_NEGATIVE, -1 - value);
  }
  if (typeof value === 'string') {
    const utf8 = Buffer.from(value, 'utf8');
    return Buffer.concat([cborHead(MAJOR_TEXT, utf8.length), utf8]);
  }
  if (value instanceof Uint8Array) {
    return Buffer.concat([cborHead(MAJOR_BYTES, value.length), value]);
  }
  const parts = [cborHead(MAJOR_MAP, value.size)];
  for (const [k, v] of value) parts.push(encodeCbor(k), encodeCbor(v));
  return Buffer.concat(parts);
}

/** The initial byte (major type, additional info) and argument of a data item (RFC 8949 §3). */
function cborHead(major: number, argument: number): Buffer {
  const type = major << 5;
  if (argument < 24) return Buffer.from([type | argument]);
  if (argument < 0x100) return Buffer.from([type | 24, argument]);
  if (argument < 0x10000) {
    const b = Buffer.alloc(3);
    b.writeUInt8(type | 25, 0);
    b.writeUInt16BE(argument, 1);
    return b;
  }
  if (argument < 0x100000000) {
    const b = Buffer.alloc(5);
    b.writeUInt8(type | 26, 0);
    b.writeUInt32BE(argument, 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b.writeUInt8(type | 27, 0);
  b.writeBigUInt64BE(BigInt(argument), 1);
  return b;
}

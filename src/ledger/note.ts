/**
 * C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys, byte-compatible with Go's
 * golang.org/x/mod/sumdb/note: a text ending in a newline, a blank line, then one line per signature
 * "— <key name> base64(key ID ‖ signature)". Also C2SP tlog-cosignature v1 (https://c2sp.org/tlog-cosignature),
 * the timestamped Ed25519 signatures that witnesses add to a checkpoint (signature type 0x04). Pure: no I/O, only
 * node:crypto.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

/**
 * The two signature types this module speaks: plain Ed25519 note signatures (0x01) and tlog-cosignature v1
 * (0x04: Ed25519 over a timestamped message). The same key under another type has another key ID.
 */
export type SignatureType = 'ed25519' | 'cosignature/v1';
/** A key that signs notes under a key name. */
export type NoteSigner = { name: string; privateKey: KeyObject };
/** A trusted key: its name, raw 32-byte Ed25519 public key and signature type (plain Ed25519 by default). */
export type NoteVerifier = { name: string; publicKey: Uint8Array; type?: SignatureType };
/**
 * One signature line, exactly as it appears (without its newline); `verified` is null when no verifier has this
 * name and key ID (an unknown key or signature type, which the spec says to ignore). A verified cosignature also
 * gives its timestamp (POSIX seconds).
 */
export type NoteSignature = {
  name: string;
  hash: number;
  verified: boolean | null;
  line: string;
  type?: SignatureType;
  timestamp?: number;
};
/** A parsed note: its text (with the final newline) and its signatures in order. */
export type OpenedNote = { text: string; signatures: NoteSignature[] };

// signed-note "Signature types": 0x01 is Ed25519; tlog-cosignature gives 0x04 to timestamped Ed25519.
const ALG_ED25519 = 0x01;
const ALG_COSIGNATURE_V1 = 0x04;
const ALG_OF: Record<SignatureType, number> = { ed25519: ALG_ED25519, 'cosignature/v1': ALG_COSIGNATURE_V1 };
// tlog-cosignature: "It MUST NOT exceed 2^63 - 1".
const MAX_TIMESTAMP = 2n ** 63n - 1n;
const SIG_PREFIX = '— ';
// The spec asks verifiers for a limit of at least 16 signatures; Go's sumdb/note allows 100.
const MAX_SIGNATURES = 100;
// PKCS#8 DER for an Ed25519 private key (RFC 8410 §7), followed by the 32-byte seed.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const utf8 = new TextEncoder();

/** A control character other than newline, or a lone surrogate (not encodable as UTF-8). */
function badChar(s: string): string | null {
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if ((c < 0x20 && c !== 0x0a) || (c >= 0xd800 && c <= 0xdfff))
      return `U+${c.toString(16).padStart(4, '0')}`;
  }
  return null;
}

/** signed-note "Format": key names are non-empty, without Unicode spaces or '+', and fit in a note. */
function isValidName(name: string): boolean {
  return name !== '' && !/[+\p{White_Space}]/u.test(name) && badChar(name) === null;
}

function checkName(name: string): void {
  if (!isValidName(name))
    throw new Error(`invalid key name ${JSON.stringify(name)}: empty, or has a space or '+'`);
}

/** Strict standard base64 (RFC 4648 §4): canonical padding, nothing Buffer would silently skip. */
function decodeBase64(s: string): Uint8Array | null {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
  const bytes = Buffer.from(s, 'base64');
  return bytes.toString('base64') === s ? new Uint8Array(bytes) : null;
}

function checkPublicKey(publicKey: Uint8Array): void {
  if (publicKey.length !== 32) throw new Error(`an Ed25519 public key is 32 bytes, not ${publicKey.length}`);
}

/**
 * The signed-note key ID: SHA-256(name ‖ "\n" ‖ type byte ‖ publicKey)[:4] as a big-endian uint32; the type
 * byte is 0x01 for plain Ed25519 and 0x04 for a tlog-cosignature v1 key.
 */
export function keyHash(name: string, publicKey: Uint8Array, type: SignatureType = 'ed25519'): number {
  checkPublicKey(publicKey);
  const digest = createHash('sha256')
    .update(utf8.encode(`${name}\n`))
    .update(Uint8Array.of(ALG_OF[type]))
    .update(publicKey)
    .digest();
  return digest.readUInt32BE(0);
}

const hex8 = (hash: number) => hash.toString(16).padStart(8, '0');

/**
 * The verifier key "<name>+<key ID hex>+<base64(type byte ‖ key)>": what Go's note.NewVerifier accepts for
 * Ed25519 (0x01), and what tlog-cosignature allows for a witness's key (0x04).
 */
export function verifierKey(name: string, publicKey: Uint8Array, type: SignatureType = 'ed25519'): string {
  checkName(name);
  const keyData = Buffer.concat([Uint8Array.of(ALG_OF[type]), publicKey]).toString('base64');
  return `${name}+${hex8(keyHash(name, publicKey, type))}+${keyData}`;
}

/**
 * Parses and checks a verifier key (name rules, an Ed25519 or cosignature/v1 type byte, key ID); throws a
 * readable Error.
 */
export function parseVerifierKey(vkey: string): {
  name: string;
  hash: number;
  publicKey: Uint8Array;
  type: SignatureType;
} {
  // The key data is base64 and may itself contain '+', so split only at the first two.
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  if (first < 0 || second < 0) throw new Error('invalid verifier key: expected <name>+<hash>+<key>');
  const name = vkey.slice(0, first);
  const hashHex = vkey.slice(first + 1, second);
  checkName(name);
  if (!/^[0-9a-fA-F]{8}$/.test(hashHex))
    throw new Error('invalid verifier key: the hash is not 8 hex digits');
  const keyData = decodeBase64(vkey.slice(second + 1));
  if (keyData === null) throw new Error('invalid verifier key: the key is not valid base64');
  const type = (Object.keys(ALG_OF) as SignatureType[]).find((t) => ALG_OF[t] === keyData[0]);
  if (!type) throw new Error(`invalid verifier key: unknown algorithm ${keyData[0]}`);
  const publicKey = keyData.slice(1);
  checkPublicKey(publicKey);
  const hash = Number.parseInt(hashHex, 16);
  if (hash !== keyHash(name, publicKey, type))
    throw new Error('invalid verifier key: the hash does not match the key');
  return { name, hash, publicKey, type };
}

/** The raw 32-byte Ed25519 public key of a private or public KeyObject. */
export function ed25519PublicKeyBytes(key: KeyObject): Uint8Array {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== 'ed25519')
    throw new Error(`expected an Ed25519 key, got ${pub.asymmetricKeyType}`);
  const { x } = pub.export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(x!, 'base64url'));
}

/** The Ed25519 private KeyObject for a 32-byte seed (RFC 8032 §5.1.5), as Go's ed25519.NewKeyFromSeed. */
export function ed25519FromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new Error(`an Ed25519 seed is 32 bytes, not ${seed.length}`);
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

function checkText(text: string): void {
  if (!text.endsWith('\n')) throw new Error('note text must end with a newline');
  const bad = badChar(text);
  if (bad) throw new Error(`note text must not contain ${bad}`);
}

/** One signature line for `text` (signed-note "Signatures"): the 4-byte key ID then the 64-byte signature. */
function signatureLine(text: string, signer: NoteSigner): { line: string; name: string; hash: number } {
  checkName(signer.name);
  if (signer.privateKey.type !== 'private') throw new Error('a note signer needs a private key');
  const hash = keyHash(signer.name, ed25519PublicKeyBytes(signer.privateKey));
  const id = Buffer.alloc(4);
  id.writeUInt32BE(hash);
  const signature = sign(null, utf8.encode(text), signer.privateKey);
  return {
    line: `${SIG_PREFIX}${signer.name} ${Buffer.concat([id, signature]).toString('base64')}\n`,
    name: signer.name,
    hash,
  };
}

/** Signs `text` (which must end in a newline) with each signer, one signature line per signer. */
export function signNote(text: string, signers: NoteSigner[]): string {
  checkText(text);
  if (signers.length === 0) throw new Error('a signed note needs at least one signer');
  if (signers.length > MAX_SIGNATURES) throw new Error(`a note carries at most ${MAX_SIGNATURES} signatures`);
  return `${text}\n${signers.map((s) => signatureLine(text, s).line).join('')}`;
}

type ParsedLine = { line: string; name: string; hash: number; signature: Uint8Array };

/** Splits a note into text and signature lines, checking the signed-note "Format" rules; throws if malformed. */
function parseNote(note: string | Uint8Array): { text: string; lines: ParsedLine[] } {
  let msg: string;
  if (typeof note === 'string') msg = note;
  else {
    try {
      msg = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(note);
    } catch {
      throw new Error('malformed note: not valid UTF-8');
    }
  }
  const bad = badChar(msg);
  if (bad) throw new Error(`malformed note: contains ${bad}`);
  // The text is separated from the signatures by the last blank line, and keeps its own final newline.
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) throw new Error('malformed note: no blank line before the signatures');
  const text = msg.slice(0, split + 1);
  const block = msg.slice(split + 2);
  if (block === '') throw new Error('malformed note: no signature lines');
  if (!block.endsWith('\n'))
    throw new Error('malformed note: the last signature line does not end in a newline');
  const rawLines = block.slice(0, -1).split('\n');
  if (rawLines.length > MAX_SIGNATURES)
    throw new Error(`malformed note: more than ${MAX_SIGNATURES} signatures`);
  const lines = rawLines.map((line, i) => {
    const where = `malformed note: signature line ${i + 1}`;
    if (!line.startsWith(SIG_PREFIX)) throw new Error(`${where} does not start with "— "`);
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.indexOf(' ');
    if (space < 0) throw new Error(`${where} has no space between name and signature`);
    const name = rest.slice(0, space);
    if (!isValidName(name)) throw new Error(`${where} has an invalid key name`);
    const bytes = decodeBase64(rest.slice(space + 1));
    if (bytes === null || bytes.length < 5)
      throw new Error(`${where} does not hold a base64 key ID and signature`);
    const hash = Buffer.from(bytes).readUInt32BE(0);
    return { line, name, hash, signature: bytes.slice(4) };
  });
  return { text, lines };
}

/**
 * The message a tlog-cosignature v1 signs: the header line, the timestamp line, then the whole note text
 * (tlog-cosignature "Ed25519 signed message").
 */
export function cosignedMessage(text: string, timestamp: number | bigint): string {
  return `cosignature/v1\ntime ${BigInt(timestamp)}\n${text}`;
}

/**
 * Parses a signed note and checks each signature against the verifiers with the same name and key ID.
 * Per the spec, callers MUST reject the note unless a trusted signature has `verified: true`, and SHOULD
 * reject it if any has `verified: false`. Throws only for malformed notes and ambiguous verifiers.
 */
export function openNote(note: string | Uint8Array, verifiers: NoteVerifier[]): OpenedNote {
  const { text, lines } = parseNote(note);
  const known = new Map<string, { publicKey: Uint8Array; type: SignatureType }>();
  for (const v of verifiers) {
    checkName(v.name);
    const type = v.type ?? 'ed25519';
    const id = `${v.name}+${hex8(keyHash(v.name, v.publicKey, type))}`;
    const other = known.get(id);
    if (other && (Buffer.compare(other.publicKey, v.publicKey) !== 0 || other.type !== type))
      throw new Error(`ambiguous verifier key ${id}`);
    known.set(id, { publicKey: v.publicKey, type });
  }
  const seen = new Set<string>();
  const signatures: NoteSignature[] = [];
  for (const { line, name, hash, signature } of lines) {
    // Like Go, a repeated identical line counts once.
    if (seen.has(line)) continue;
    seen.add(line);
    const key = known.get(`${name}+${hex8(hash)}`);
    if (!key) {
      signatures.push({ name, hash, verified: null, line });
      continue;
    }
    const publicKey = createPublicKey({ key: jwk(key.publicKey), format: 'jwk' });
    if (key.type === 'ed25519') {
      const verified = signature.length === 64 && verify(null, utf8.encode(text), publicKey, signature);
      signatures.push({ name, hash, verified, line, type: key.type });
      continue;
    }
    // cosignature/v1: a big-endian u64 timestamp, then the Ed25519 signature of the timestamped message.
    const bytes = Buffer.from(signature);
    const timestamp = bytes.length === 72 ? bytes.readBigUInt64BE(0) : null;
    const verified =
      timestamp !== null &&
      timestamp <= MAX_TIMESTAMP &&
      verify(null, utf8.encode(cosignedMessage(text, timestamp)), publicKey, bytes.subarray(8));
    signatures.push({
      name,
      hash,
      verified,
      line,
      type: key.type,
      ...(verified ? { timestamp: Number(timestamp) } : {}),
    });
  }
  return { text, signatures };
}

function jwk(publicKey: Uint8Array) {
  return { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') };
}

/**
 * A tlog-cosignature v1 line for a checkpoint's note text: "— <name> base64(key ID ‖ timestamp ‖ signature)",
 * with its newline. `timestamp` is POSIX seconds; the witness protocol forbids zero.
 */
export function cosignatureLine(text: string, signer: NoteSigner, timestamp: number): string {
  checkName(signer.name);
  checkText(text);
  if (!Number.isSafeInteger(timestamp) || timestamp <= 0)
    throw new Error('a cosignature timestamp is a positive number of seconds');
  if (signer.privateKey.type !== 'private') throw new Error('a cosigner needs a private key');
  const head = Buffer.alloc(12);
  head.writeUInt32BE(keyHash(signer.name, ed25519PublicKeyBytes(signer.privateKey), 'cosignature/v1'), 0);
  head.writeBigUInt64BE(BigInt(timestamp), 4);
  const signature = sign(null, utf8.encode(cosignedMessage(text, timestamp)), signer.privateKey);
  return `${SIG_PREFIX}${signer.name} ${Buffer.concat([head, signature]).toString('base64')}\n`;
}

/** The text of a signed note (everything before the signatures), checked to be well formed. */
export function noteText(note: string | Uint8Array): string {
  return parseNote(note).text;
}

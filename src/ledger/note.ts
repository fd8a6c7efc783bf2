/**
 * C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys, byte-compatible with Go's
 * golang.org/x/mod/sumdb/note: a text ending in a newline, a blank line, then one line per signature
 * "— <key name> base64(key ID ‖ signature)". Pure: no I/O, only node:crypto.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

/** A key that signs notes under a key name. */
export type NoteSigner = { name: string; privateKey: KeyObject };
/** A trusted key: its name and raw 32-byte Ed25519 public key. */
export type NoteVerifier = { name: string; publicKey: Uint8Array };
/** One signature line; `verified` is null when no verifier has this name and key ID. */
export type NoteSignature = { name: string; hash: number; verified: boolean | null };
/** A parsed note: its text (with the final newline) and its signatures in order. */
export type OpenedNote = { text: string; signatures: NoteSignature[] };

// signed-note "Signature types": 0x01 is Ed25519.
const ALG_ED25519 = 0x01;
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

/** The signed-note key ID: SHA-256(name ‖ "\n" ‖ 0x01 ‖ publicKey)[:4] as a big-endian uint32. */
export function keyHash(name: string, publicKey: Uint8Array): number {
  checkPublicKey(publicKey);
  const digest = createHash('sha256')
    .update(utf8.encode(`${name}\n`))
    .update(Uint8Array.of(ALG_ED25519))
    .update(publicKey)
    .digest();
  return digest.readUInt32BE(0);
}

const hex8 = (hash: number) => hash.toString(16).padStart(8, '0');

/** The verifier key "<name>+<key ID hex>+<base64(0x01 ‖ key)>" that Go's note.NewVerifier accepts. */
export function verifierKey(name: string, publicKey: Uint8Array): string {
  checkName(name);
  const keyData = Buffer.concat([Uint8Array.of(ALG_ED25519), publicKey]).toString('base64');
  return `${name}+${hex8(keyHash(name, publicKey))}+${keyData}`;
}

/** Parses and checks a verifier key (name rules, Ed25519 algorithm byte, key ID); throws a readable Error. */
export function parseVerifierKey(vkey: string): { name: string; hash: number; publicKey: Uint8Array } {
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
  if (keyData[0] !== ALG_ED25519) throw new Error(`invalid verifier key: unknown algorithm ${keyData[0]}`);
  const publicKey = keyData.slice(1);
  checkPublicKey(publicKey);
  const hash = Number.parseInt(hashHex, 16);
  if (hash !== keyHash(name, publicKey))
    throw new Error('invalid verifier key: the hash does not match the key');
  return { name, hash, publicKey };
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
 * Parses a signed note and checks each signature against the verifiers with the same name and key ID.
 * Per the spec, callers MUST reject the note unless a trusted signature has `verified: true`, and SHOULD
 * reject it if any has `verified: false`. Throws only for malformed notes and ambiguous verifiers.
 */
export function openNote(note: string | Uint8Array, verifiers: NoteVerifier[]): OpenedNote {
  const { text, lines } = parseNote(note);
  const known = new Map<string, Uint8Array>();
  for (const v of verifiers) {
    checkName(v.name);
    const id = `${v.name}+${hex8(keyHash(v.name, v.publicKey))}`;
    const other = known.get(id);
    if (other && Buffer.compare(other, v.publicKey) !== 0) throw new Error(`ambiguous verifier key ${id}`);
    known.set(id, v.publicKey);
  }
  const message = utf8.encode(text);
  const seen = new Set<string>();
  const signatures: NoteSignature[] = [];
  for (const { line, name, hash, signature } of lines) {
    // Like Go, a repeated identical line counts once.
    if (seen.has(line)) continue;
    seen.add(line);
    const publicKey = known.get(`${name}+${hex8(hash)}`);
    const verified =
      publicKey === undefined
        ? null
        : signature.length === 64 &&
          verify(null, message, createPublicKey({ key: jwk(publicKey), format: 'jwk' }), signature);
    signatures.push({ name, hash, verified });
  }
  return { text, signatures };
}

function jwk(publicKey: Uint8Array) {
  return { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') };
}

/** Cosigns an already-signed note: keeps its signatures and appends one by `signer` (replacing that key's own). */
export function addSignature(note: string | Uint8Array, signer: NoteSigner): string {
  const { text, lines } = parseNote(note);
  const added = signatureLine(text, signer);
  // As Go's note.Sign: a key's earlier signature is dropped rather than listed twice.
  const kept = lines.filter((l) => l.name !== added.name || l.hash !== added.hash).map((l) => `${l.line}\n`);
  if (kept.length + 1 > MAX_SIGNATURES)
    throw new Error(`a note carries at most ${MAX_SIGNATURES} signatures`);
  return `${text}\n${kept.join('')}${added.line}`;
}

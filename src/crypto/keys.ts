/**
 * Node identity (design §1, §8): an Ed25519 signing key and an X25519 encryption key, created at first start and
 * kept as PKCS#8 PEM files (mode 0600) in the node's data folder, never in the database or the logs.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519' | 'X25519';
  x: string;
}

export interface NodeKeys {
  party: string;
  signing: { kid: string; privateKey: KeyObject; publicJwk: PublicJwk };
  encryption: { kid: string; privateKey: KeyObject; publicJwk: PublicJwk };
  /**
   * The key the node cosigns other logs' checkpoints with as their witness (C2SP tlog-cosignature): kept apart
   * from the signing key, so that nothing the witness signs can pass for a message or a checkpoint of the node.
   */
  witness: { kid: string; privateKey: KeyObject; publicJwk: PublicJwk };
  /** Encryption keys from before a rotation, by key id: peers that have not yet seen the new list use them. */
  previousEncryption: ReadonlyMap<string, KeyObject>;
}

/** RFC 7638 thumbprint of an OKP public key, base64url. */
export function jwkThumbprint(jwk: PublicJwk): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** What a node key is for: signing messages and checkpoints, decryption, or cosigning as a witness. */
export type KeyUse = 'sig' | 'enc' | 'wit';

/** Key ids name the party and the key: `ARC:sig:<thumbprint prefix>`. */
export function keyId(party: string, use: KeyUse, jwk: PublicJwk): string {
  return `${party}:${use}:${jwkThumbprint(jwk).slice(0, 16)}`;
}

/** The key id of an officer's vouching key: `ARC:officer:<thumbprint prefix>`. */
export function officerKid(party: string, jwk: PublicJwk): string {
  return `${party}:officer:${jwkThumbprint(jwk).slice(0, 16)}`;
}

function publicJwkOf(privateKey: KeyObject): PublicJwk {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as {
    kty: string;
    crv: string;
    x: string;
  };
  return { kty: 'OKP', crv: jwk.crv as PublicJwk['crv'], x: jwk.x };
}

function loadOrCreate(path: string, type: 'ed25519' | 'x25519'): KeyObject {
  if (existsSync(path)) return createPrivateKey(readFileSync(path, 'utf8'));
  const { privateKey } = type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('x25519');
  writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
  chmodSync(path, 0o600);
  return privateKey;
}

/** Loads the node's keys from `<dir>`, creating them on first start. */
export function loadOrCreateNodeKeys(dir: string, party: string): NodeKeys {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const sig = loadOrCreate(join(dir, 'signing-ed25519.pem'), 'ed25519');
  const enc = loadOrCreate(join(dir, 'encryption-x25519.pem'), 'x25519');
  const wit = loadOrCreate(join(dir, 'witness-ed25519.pem'), 'ed25519');
  const sigJwk = publicJwkOf(sig);
  const encJwk = publicJwkOf(enc);
  const witJwk = publicJwkOf(wit);
  const previousEncryption = new Map<string, KeyObject>();
  const previous = join(dir, 'previous');
  if (existsSync(previous))
    for (const name of readdirSync(previous)
      .filter((n) => n.startsWith('encryption-'))
      .sort()) {
      const key = createPrivateKey(readFileSync(join(previous, name), 'utf8'));
      previousEncryption.set(keyId(party, 'enc', publicJwkOf(key)), key);
    }
  return {
    party,
    signing: { kid: keyId(party, 'sig', sigJwk), privateKey: sig, publicJwk: sigJwk },
    encryption: { kid: keyId(party, 'enc', encJwk), privateKey: enc, publicJwk: encJwk },
    witness: { kid: keyId(party, 'wit', witJwk), privateKey: wit, publicJwk: witJwk },
    previousEncryption,
  };
}

/** The trust-list entries of a node's current keys, as an administrator copies them into the list. */
export function trustListEntries(keys: NodeKeys) {
  return (['signing', 'encryption', 'witness'] as const).map((which) => ({
    kid: keys[which].kid,
    use: ({ signing: 'sig', encryption: 'enc', witness: 'wit' } as const)[which],
    jwk: keys[which].publicJwk,
    status: 'active' as const,
  }));
}

/**
 * Rotates a node's keys: the current ones move to `<dir>/previous/` (the encryption key keeps opening messages
 * encrypted to it; the signing and witness keys are kept for the record only) and new ones are made. The trust list must then
 * list the new keys as active and the old signing key as retired, and be signed again; the node refuses to
 * start until it is.
 */
export function rotateNodeKeys(dir: string, party: string): { before: NodeKeys; after: NodeKeys } {
  const before = loadOrCreateNodeKeys(dir, party);
  const previous = join(dir, 'previous');
  mkdirSync(previous, { recursive: true, mode: 0o700 });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  renameSync(join(dir, 'signing-ed25519.pem'), join(previous, `signing-${stamp}.pem`));
  renameSync(join(dir, 'encryption-x25519.pem'), join(previous, `encryption-${stamp}.pem`));
  renameSync(join(dir, 'witness-ed25519.pem'), join(previous, `witness-${stamp}.pem`));
  return { before, after: loadOrCreateNodeKeys(dir, party) };
}

/** A public KeyObject from a JWK of the trust list. */
export function publicKeyFromJwk(jwk: PublicJwk): KeyObject {
  return createPublicKey({ key: { ...jwk }, format: 'jwk' });
}

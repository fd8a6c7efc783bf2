import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jwkThumbprint, keyId, loadOrCreateNodeKeys, publicKeyFromJwk } from '../../src/crypto/keys.ts';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'comity-keys-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('loadOrCreateNodeKeys', () => {
  it('creates an Ed25519 signing key and an X25519 encryption key with kids naming the party', () => {
    const keys = loadOrCreateNodeKeys(tmp(), 'ARC');
    expect(keys.party).toBe('ARC');
    expect(keys.signing.privateKey.asymmetricKeyType).toBe('ed25519');
    expect(keys.encryption.privateKey.asymmetricKeyType).toBe('x25519');
    expect(keys.signing.publicJwk.crv).toBe('Ed25519');
    expect(keys.encryption.publicJwk.crv).toBe('X25519');
    expect(keys.signing.kid).toMatch(/^ARC:sig:[A-Za-z0-9_-]{16}$/);
    expect(keys.encryption.kid).toMatch(/^ARC:enc:[A-Za-z0-9_-]{16}$/);
  });

  it('loads the same keys, with the same kids, when called again on the same folder', () => {
    const dir = tmp();
    const first = loadOrCreateNodeKeys(dir, 'ARC');
    const second = loadOrCreateNodeKeys(dir, 'ARC');
    expect(second.signing.kid).toBe(first.signing.kid);
    expect(second.encryption.kid).toBe(first.encryption.kid);
    expect(second.signing.publicJwk).toEqual(first.signing.publicJwk);
    expect(second.encryption.publicJwk).toEqual(first.encryption.publicJwk);
  });

  it('creates different keys in different folders', () => {
    const a = loadOrCreateNodeKeys(tmp(), 'ARC');
    const b = loadOrCreateNodeKeys(tmp(), 'ARC');
    expect(a.signing.kid).not.toBe(b.signing.kid);
    expect(a.encryption.kid).not.toBe(b.encryption.kid);
    expect(a.witness.kid).not.toBe(b.witness.kid);
    // The witness key is a key of its own, never the signing key.
    expect(a.witness.publicJwk.x).not.toBe(a.signing.publicJwk.x);
    expect(a.witness.kid.startsWith('ARC:wit:')).toBe(true);
  });

  it('keeps the private keys in files only the owner can read and write', () => {
    const dir = tmp();
    loadOrCreateNodeKeys(dir, 'ARC');
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['encryption-x25519.pem', 'signing-ed25519.pem', 'witness-ed25519.pem']);
    for (const f of files) expect((statSync(join(dir, f)).mode & 0o777).toString(8), f).toBe('600');
  });

  it('creates the key folder when it does not exist yet', () => {
    const dir = join(tmp(), 'nested', 'keys');
    const keys = loadOrCreateNodeKeys(dir, 'BOR');
    expect(keys.signing.kid.startsWith('BOR:sig:')).toBe(true);
    expect(readdirSync(dir)).toHaveLength(3);
  });

  it('publishes public keys that hold no private part', () => {
    const keys = loadOrCreateNodeKeys(tmp(), 'ARC');
    for (const jwk of [keys.signing.publicJwk, keys.encryption.publicJwk, keys.witness.publicJwk]) {
      expect(Object.keys(jwk).sort()).toEqual(['crv', 'kty', 'x']);
      expect(publicKeyFromJwk(jwk).type).toBe('public');
    }
  });
});

describe('key ids', () => {
  it('derive from the RFC 7638 thumbprint of the public key', () => {
    const keys = loadOrCreateNodeKeys(tmp(), 'CAL');
    const jwk = keys.signing.publicJwk;
    expect(keys.signing.kid).toBe(`CAL:sig:${jwkThumbprint(jwk).slice(0, 16)}`);
    expect(keyId('CAL', 'enc', keys.encryption.publicJwk)).toBe(keys.encryption.kid);
  });

  it('computes the RFC 7638 thumbprint of the RFC 8037 example key', () => {
    // RFC 8037 appendix A.3: the thumbprint of the Ed25519 key of appendix A.2.
    const jwk = {
      kty: 'OKP' as const,
      crv: 'Ed25519' as const,
      x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
    };
    expect(jwkThumbprint(jwk)).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });
});

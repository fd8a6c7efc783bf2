/**
 * Evidence sealing (design §9, issue 5): streaming age encryption with plaintext and ciphertext hashes, package
 * identities wrapped to a node key, signed manifests; the reference `age` command decrypts what Comity seals.
 */
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateNodeKeys, publicKeyFromJwk } from '../../src/crypto/keys.ts';
import {
  type Manifest,
  signManifest,
  unwrapIdentity,
  verifyManifest,
  wrapIdentity,
} from '../../src/evidence/manifest.ts';
import { newPackageIdentity, openFile, SealError, sealFile } from '../../src/evidence/seal.ts';
import { hasAge } from '../helpers/age.ts';

const dir = mkdtempSync(join(tmpdir(), 'comity-seal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function sealed(size: number) {
  const plain = randomBytes(size);
  const input = join(dir, `plain-${size}-${ulid()}`);
  writeFileSync(input, plain);
  const { identity, recipient } = await newPackageIdentity();
  const output = `${input}.age`;
  const result = await sealFile({ input, output, recipient });
  return { plain, input, output, identity, recipient, result };
}

describe('sealing a file', () => {
  // Below 8 MiB the hashes run on the sealing thread, above it on a worker thread: both must agree.
  it.each([
    ['on the sealing thread', 3 * 1024 * 1024 + 17],
    ['on a worker thread, through its ring buffer many times over', 40 * 1024 * 1024 + 5],
  ])(
    'hashes the plaintext and the ciphertext while encrypting (%s), and opens back to the same bytes',
    async (_where, size) => {
      const s = await sealed(size);
      expect(s.result.size).toBe(s.plain.length);
      expect(s.result.sha256).toBe(sha256(s.plain));
      const cipher = readFileSync(s.output);
      expect(s.result.cipherSize).toBe(cipher.length);
      expect(s.result.cipherSha256).toBe(sha256(cipher));
      expect(cipher.subarray(0, 21).toString()).toBe('age-encryption.org/v1');
      const out = join(dir, 'opened');
      const opened = await openFile({
        input: s.output,
        output: out,
        identity: s.identity,
        expectSha256: s.result.sha256,
        expectCipherSha256: s.result.cipherSha256,
      });
      expect(opened.sha256).toBe(s.result.sha256);
      expect(readFileSync(out).equals(s.plain)).toBe(true);
    },
  );

  it('seals an empty file', async () => {
    const s = await sealed(0);
    expect(s.result).toMatchObject({ size: 0, sha256: sha256(Buffer.alloc(0)) });
  });

  it('refuses a ciphertext that was altered, or that does not match the manifest', async () => {
    const s = await sealed(200_000);
    const cipher = readFileSync(s.output);
    cipher[cipher.length - 100]! ^= 1;
    writeFileSync(s.output, cipher);
    await expect(
      openFile({ input: s.output, output: join(dir, 'x'), identity: s.identity }),
    ).rejects.toBeInstanceOf(SealError);
    await expect(
      openFile({
        input: s.output,
        output: join(dir, 'y'),
        identity: s.identity,
        expectCipherSha256: s.result.cipherSha256,
      }),
    ).rejects.toThrow(/ciphertext hash/);
  });

  it('cannot be opened with another package’s identity', async () => {
    const s = await sealed(1000);
    const other = await newPackageIdentity();
    await expect(
      openFile({ input: s.output, output: join(dir, 'z'), identity: other.identity }),
    ).rejects.toBeInstanceOf(SealError);
  });

  it.skipIf(!hasAge)(
    'matches the age format at chunk boundaries: the reference age command decrypts every size',
    async () => {
      for (const size of [0, 1, 65_535, 65_536, 65_537, 131_072, 200_000]) {
        const s = await sealed(size);
        const keyFile = join(dir, `identity-${ulid()}.txt`);
        writeFileSync(keyFile, `${s.identity}\n`, { mode: 0o600 });
        const out = execFileSync('age', ['-d', '-i', keyFile, s.output], { maxBuffer: 1024 * 1024 });
        expect(out.equals(s.plain), `size ${size}`).toBe(true);
      }
    },
  );

  it.skipIf(!hasAge)('is decrypted by the reference age command with the package identity', async () => {
    const s = await sealed(1024 * 1024);
    const keyFile = join(dir, `identity-${ulid()}.txt`);
    writeFileSync(keyFile, `${s.identity}\n`, { mode: 0o600 });
    const out = execFileSync('age', ['-d', '-i', keyFile, s.output], { maxBuffer: 8 * 1024 * 1024 });
    expect(out.equals(s.plain)).toBe(true);
  });
});

describe('package identities and manifests', () => {
  const requesting = loadOrCreateNodeKeys(join(dir, 'arc-keys'), 'ARC');
  const producing = loadOrCreateNodeKeys(join(dir, 'bor-keys'), 'BOR');

  it('wraps the package identity to the requesting node key, which alone unwraps it', async () => {
    const { identity } = await newPackageIdentity();
    const wrapped = await wrapIdentity(identity, generateKeyPairSync('x25519').publicKey, 'other');
    await expect(unwrapIdentity(wrapped, requesting.encryption.privateKey)).rejects.toThrow();
    const forArc = await wrapIdentity(
      identity,
      publicKeyFromJwk(requesting.encryption.publicJwk),
      requesting.encryption.kid,
    );
    expect(await unwrapIdentity(forArc, requesting.encryption.privateKey)).toBe(identity);
  });

  it('signs a manifest that verifies against the producing node, and refuses a changed or misattributed one', async () => {
    const { recipient } = await newPackageIdentity();
    const manifest: Manifest = {
      version: 1,
      package: ulid(),
      case: ulid(),
      from: 'BOR',
      to: 'ARC',
      createdAt: new Date().toISOString(),
      recipient,
      conditions: {
        retentionUntil: '2027-12-31',
        useLimitation: 'Only for the investigation named in the request.',
      },
      files: [
        {
          name: 'mailbox.mbox',
          size: 10,
          mediaType: 'application/mbox',
          sha256: 'a'.repeat(64),
          cipherSize: 200,
          cipherSha256: 'b'.repeat(64),
          collectedBy: 'Executor, Borealis',
          collectedAt: new Date().toISOString(),
          custody: [
            {
              at: new Date().toISOString(),
              event: 'collected from Mail BOR Ltd',
              by: 'Executor, Borealis',
              party: 'BOR',
            },
          ],
        },
      ],
    };
    const jws = await signManifest(manifest, producing.signing.privateKey, producing.signing.kid);
    const signer = (kid: string) =>
      kid === producing.signing.kid
        ? { party: 'BOR', key: publicKeyFromJwk(producing.signing.publicJwk) }
        : undefined;
    expect(await verifyManifest(jws, signer)).toEqual(manifest);
    const [h, p, s] = jws.split('.');
    const changed = JSON.parse(Buffer.from(p!, 'base64url').toString());
    changed.files[0].sha256 = 'c'.repeat(64);
    await expect(
      verifyManifest(`${h}.${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${s}`, signer),
    ).rejects.toThrow(/does not verify/);
    await expect(verifyManifest(jws, () => undefined)).rejects.toThrow(/not in the trust list/);
    await expect(
      verifyManifest(jws, () => ({ party: 'CAL', key: publicKeyFromJwk(producing.signing.publicJwk) })),
    ).rejects.toThrow(/signed by CAL/);
  });
});

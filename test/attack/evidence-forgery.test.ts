/**
 * Issue 14, item 2: the offline evidence verifier trusted the trust list inside the very package it checked, so
 * a package made with a forger's own keys (and a trust list naming them) came out VERIFIED. A package is now
 * VERIFIED only against a trust list something outside the folder vouches for: the administrator's public key
 * (`--admin-key`, with the handovers it made) or a trust list the verifier names (`--trust-list`).
 *
 * The packages here are made the way a forger (or the genuine producer) makes one: node keys, a trust list
 * signed by an administrator key, a signed manifest, a ledger of one entry and a checkpoint signed by the node.
 */
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyId, type PublicJwk } from '../../src/crypto/keys.ts';
import { signTrustList } from '../../src/crypto/trust-list-jws.ts';
import type { TrustListFile } from '../../src/crypto/trust-list-schema.ts';
import { signManifest } from '../../src/evidence/manifest.ts';
import { PACKAGE_FILES, sealedFileName, verifyPackageDir } from '../../src/evidence/package-dir.ts';
import { canonicalJson } from '../../src/ledger/canonical.ts';
import { signCheckpoint } from '../../src/ledger/checkpoint.ts';
import { leafHash } from '../../src/ledger/merkle.ts';

const scratch = mkdtempSync(join(tmpdir(), 'comity-forgery-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const jwkOf = (k: KeyObject) => k.export({ format: 'jwk' }) as unknown as PublicJwk;

function adminKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const { x } = jwkOf(publicKey);
  return { privateKey, publicJwk: { kty: 'OKP', crv: 'Ed25519', x } as PublicJwk & { crv: 'Ed25519' } };
}

interface NodeKeys {
  party: string;
  sig: { privateKey: KeyObject; publicKey: KeyObject };
  enc: { publicKey: KeyObject };
}
function nodeKeys(party: string): NodeKeys {
  return { party, sig: generateKeyPairSync('ed25519'), enc: generateKeyPairSync('x25519') };
}

const publicJwk = (k: KeyObject): PublicJwk => {
  const { crv, x } = jwkOf(k);
  return { kty: 'OKP', crv, x };
};
const sigKid = (n: NodeKeys) => keyId(n.party, 'sig', publicJwk(n.sig.publicKey));

/** A trust list naming these nodes, each key under the id its party, use and key give. */
function trustList(nodes: NodeKeys[], extra: Partial<TrustListFile> = {}): TrustListFile {
  return {
    version: 1,
    serial: 1,
    ...extra,
    parties: nodes.map((n) => ({
      code: n.party,
      name: n.party,
      url: `https://${n.party.toLowerCase()}.example`,
      keys: [
        { kid: sigKid(n), use: 'sig', jwk: publicJwk(n.sig.publicKey) },
        {
          kid: keyId(n.party, 'enc', publicJwk(n.enc.publicKey)),
          use: 'enc',
          jwk: publicJwk(n.enc.publicKey),
        },
      ],
    })),
  };
}

const sealed = Buffer.from('age-encryption.org/v1 … the sealed bytes of the file');

/**
 * Writes a package folder as `comity evidence export` does: manifest signed by BOR's key, one sealed file, BOR's
 * ledger proof (a ledger of one entry, its checkpoint signed by BOR's key), and the trust list texts given.
 */
async function writePackage(
  name: string,
  bor: NodeKeys,
  trust: { jws?: string; json?: string; handovers?: string[] },
  fileName = 'mailbox.mbox',
): Promise<string> {
  const dir = join(scratch, name);
  mkdirSync(join(dir, PACKAGE_FILES.files), { recursive: true });
  mkdirSync(join(dir, PACKAGE_FILES.proofs), { recursive: true });
  const manifest = {
    version: 1 as const,
    package: '01J00000000000000000000000',
    case: '01J00000000000000000000001',
    from: 'BOR',
    to: 'ARC',
    createdAt: '2026-11-02T10:00:00.000Z',
    recipient: 'age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj',
    conditions: {},
    files: [
      {
        name: fileName,
        size: 10,
        mediaType: 'application/mbox',
        sha256: 'a'.repeat(64),
        cipherSize: sealed.length,
        cipherSha256: sha256(sealed),
        collectedBy: 'Mail BOR Ltd',
        collectedAt: '2026-11-01T10:00:00.000Z',
        custody: [],
      },
    ],
  };
  const jws = await signManifest(manifest, bor.sig.privateKey, sigKid(bor));
  writeFileSync(join(dir, PACKAGE_FILES.manifestJws), `${jws}\n`);
  writeFileSync(join(dir, PACKAGE_FILES.manifestJson), JSON.stringify(manifest));
  writeFileSync(join(dir, PACKAGE_FILES.files, sealedFileName(0, fileName)), sealed);
  const record = { type: 'evidence-event', detail: { manifest: sha256(jws) } };
  const entry = JSON.stringify({ seq: 0, digest: sha256(canonicalJson(record)) });
  const checkpoint = signCheckpoint(
    { origin: 'comity/BOR', size: 1, rootHash: leafHash(new TextEncoder().encode(entry)) },
    { name: 'comity/BOR', privateKey: bor.sig.privateKey },
  );
  const proof = {
    version: 1,
    party: 'BOR',
    origin: 'comity/BOR',
    index: 0,
    entry,
    record,
    checkpoint,
    hashes: [],
  };
  writeFileSync(join(dir, PACKAGE_FILES.proofs, 'BOR.json'), JSON.stringify(proof));
  if (trust.jws) writeFileSync(join(dir, 'trust-list.jws'), `${trust.jws}\n`);
  if (trust.json) writeFileSync(join(dir, 'trust-list.json'), trust.json);
  if (trust.handovers)
    writeFileSync(join(dir, 'trust-list.jws.handovers'), trust.handovers.map((l) => `${l}\n`).join(''));
  return dir;
}

function file(name: string, text: string): string {
  writeFileSync(join(scratch, name), text);
  return join(scratch, name);
}

/** `comity evidence verify` as a court's clerk runs it. */
function comityVerify(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/comity.mjs', 'evidence', 'verify', ...args],
      { env: { ...process.env, COMITY_CONFIG_DIR: join(scratch, 'cli') } },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

// The federation as it is: ARC and BOR, and the administrator who signs the trust list.
const admin = adminKey();
const arc = nodeKeys('ARC');
const bor = nodeKeys('BOR');
const realList = trustList([arc, bor]);
const realJws = signTrustList(realList, admin.privateKey);
const realJwsFile = file('real-trust-list.jws', `${realJws}\n`);
const adminJwk = JSON.stringify(admin.publicJwk);

// The forger: keys of its own for "BOR", and a trust list naming them, signed with an administrator key of its own.
const forgerAdmin = adminKey();
const fakeBor = nodeKeys('BOR');
const forgedList = trustList([arc, fakeBor]);
const forgedJws = signTrustList(forgedList, forgerAdmin.privateKey);

describe('offline verification of an evidence package', () => {
  it('a package made with a forger’s own keys and trust list is not VERIFIED', async () => {
    // The forged folder carries the forger's list both as an older export does (plain JSON) and signed.
    const forged = await writePackage('forged', fakeBor, {
      jws: forgedJws,
      json: JSON.stringify(forgedList),
    });

    const bare = await comityVerify([forged]);
    expect(bare.stdout).not.toMatch(/: VERIFIED$/m);
    expect(bare.stdout).toMatch(/: UNVERIFIED: nothing vouches for the package’s own trust list/);
    expect(bare.code).toBe(1);

    const withKey = await comityVerify([forged, '--admin-key', adminJwk]);
    expect(withKey.stdout, withKey.stderr).toMatch(/: FAILED$/m);
    expect(withKey.stdout).toMatch(
      /FAIL trust list: .*it is signed with trust-admin:\S+, not with the administrator key given/,
    );
    expect(withKey.code).toBe(1);

    const withList = await comityVerify([forged, '--trust-list', realJwsFile]);
    expect(withList.stdout, withList.stderr).toMatch(/: FAILED$/m);
    expect(withList.stdout).toMatch(
      /FAIL manifest signature: the manifest is signed with key BOR:sig:\S+, which is not in the trust list/,
    );
    expect(withList.code).toBe(1);

    const both = await verifyPackageDir(forged, { adminKey: admin.publicJwk, trustList: realJwsFile });
    expect(both.status).toBe('failed');

    // Handover lines that claim the real administrator key but were not signed with it lead nowhere.
    const [h, , s] = realJws.split('.');
    const fakeHandover = `${h}.${Buffer.from(JSON.stringify({ ...realList, nextSigner: forgerAdmin.publicJwk })).toString('base64url')}.${s}`;
    const walked = await writePackage('forged-handover', fakeBor, {
      jws: forgedJws,
      handovers: [fakeHandover],
    });
    const r = await verifyPackageDir(walked, { adminKey: admin.publicJwk });
    expect(r.status).toBe('failed');
    expect(r.checks[0]?.detail).toMatch(/line 1: the signature does not verify/);
  });

  it('a genuine package is VERIFIED with the administrator key or a trust list the verifier names, and UNVERIFIED alone', async () => {
    const genuine = await writePackage('genuine', bor, { jws: realJws });
    const bare = await comityVerify([genuine]);
    expect(bare.code).toBe(1);
    expect(bare.stdout).toMatch(/: UNVERIFIED: .*it claims to be signed by trust-admin:/);
    // What could be checked was checked, and is reported.
    expect(bare.stdout).toMatch(/ok {3}manifest signature: signed by BOR/);
    expect(bare.stdout).toMatch(/ok {3}ledger proof BOR\.json/);

    const withKey = await comityVerify([genuine, '--admin-key', adminJwk]);
    expect(withKey.code, withKey.stdout + withKey.stderr).toBe(0);
    expect(withKey.stdout).toMatch(/: VERIFIED$/m);
    expect(withKey.stdout).toMatch(
      /ok {3}trust list: the package’s trust list, signed by trust-admin:\S+, the administrator key given/,
    );

    // A key in a file, as `comity trust keygen` prints it.
    const keyFile = file('admin.jwk', adminJwk);
    expect((await comityVerify([genuine, '--admin-key', keyFile])).code).toBe(0);

    // A signed trust list the verifier names works, with or without the key.
    const named = await comityVerify([genuine, '--trust-list', realJwsFile]);
    expect(named.code, named.stdout + named.stderr).toBe(0);
    expect(
      (await verifyPackageDir(genuine, { trustList: realJwsFile, adminKey: admin.publicJwk })).status,
    ).toBe('verified');
    // A plain JSON list the verifier vouches for, too.
    const plain = file('real-trust-list.json', JSON.stringify(realList));
    expect((await verifyPackageDir(genuine, { trustList: plain })).status).toBe('verified');
    // But a plain list cannot be checked with a key.
    const mixed = await verifyPackageDir(genuine, { trustList: plain, adminKey: admin.publicJwk });
    expect(mixed.status).toBe('failed');
    expect(mixed.checks[0]?.detail).toMatch(/is not signed, so --admin-key cannot check it/);

    // Another administrator's key verifies nothing.
    const other = await verifyPackageDir(genuine, { adminKey: forgerAdmin.publicJwk });
    expect(other.status).toBe('failed');

    const bad = await comityVerify([genuine, '--admin-key', '{"kty":"OKP"}']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('error: --admin-key: not an Ed25519 public JWK: {"kty":"OKP"}');
  });

  it('follows the administrator key’s handovers the package carries', async () => {
    // The administrator handed the key over: list 1 (signed with the first key) names the next, list 2 is signed with it.
    const second = adminKey();
    const handover = signTrustList({ ...realList, nextSigner: second.publicJwk }, admin.privateKey);
    const now = signTrustList({ ...realList, serial: 2 }, second.privateKey);
    const dir = await writePackage('handed-over', bor, { jws: now, handovers: [handover] });
    const first = await verifyPackageDir(dir, { adminKey: admin.publicJwk });
    expect(first.status).toBe('verified');
    expect(first.checks[0]?.detail).toMatch(
      /to which the administrator key given \(trust-admin:\S+\) handed over/,
    );
    expect((await verifyPackageDir(dir, { adminKey: second.publicJwk })).status).toBe('verified');
    // A node stopped in the middle of a handover has the list that named the next key in force.
    const midway = await writePackage('midway', bor, { jws: handover, handovers: [handover] });
    expect((await verifyPackageDir(midway, { adminKey: admin.publicJwk })).status).toBe('verified');
    // Without the handovers, the first key leads nowhere.
    rmSync(join(dir, 'trust-list.jws.handovers'));
    const lost = await verifyPackageDir(dir, { adminKey: admin.publicJwk });
    expect(lost.status).toBe('failed');
    expect(lost.checks[0]?.detail).toMatch(/not with the administrator key given/);
  });

  it('an older export with a plain trust list verifies only with --trust-list', async () => {
    const older = await writePackage('older', bor, { json: JSON.stringify(realList, null, 2) });
    expect((await verifyPackageDir(older)).status).toBe('unverified');
    const withKey = await verifyPackageDir(older, { adminKey: admin.publicJwk });
    expect(withKey.status).toBe('failed');
    expect(withKey.checks[0]?.detail).toMatch(
      /not signed .* give a trust list obtained independently with --trust-list/,
    );
    expect((await verifyPackageDir(older, { trustList: realJwsFile })).status).toBe('verified');
  });

  it('a package whose ledger proof is not the manifest signer’s, under that party’s origin, is not VERIFIED', async () => {
    const dir = await writePackage('wrong-proof', bor, { jws: realJws });
    const path = join(dir, PACKAGE_FILES.proofs, 'BOR.json');
    const proof = JSON.parse(readFileSync(path, 'utf8'));
    // ARC's key signing "BOR's log": a note ARC's key made under another name must not pass for BOR's ledger.
    const asArc = {
      ...proof,
      party: 'ARC',
      checkpoint: signCheckpoint(
        { origin: 'comity/BOR', size: 1, rootHash: leafHash(new TextEncoder().encode(proof.entry)) },
        { name: 'comity/BOR', privateKey: arc.sig.privateKey },
      ),
    };
    writeFileSync(path, JSON.stringify(asArc));
    const result = await verifyPackageDir(dir, { adminKey: admin.publicJwk });
    expect(result.status).toBe('failed');
    expect(result.checks.filter((c) => !c.ok).map((c) => c.detail)).toEqual([
      expect.stringMatching(/the proof is for the log .*comity\/BOR.*, not ARC's log comity\/ARC/),
      'no valid proof that BOR, who signed the manifest, recorded it in its ledger',
    ]);
    writeFileSync(path, JSON.stringify({ ...proof, party: 'CAL' }));
    const stranger = await verifyPackageDir(dir, { adminKey: admin.publicJwk });
    expect(stranger.checks.filter((c) => !c.ok).map((c) => c.detail)).toEqual([
      'CAL is neither the producer nor the recipient of this package',
      'no valid proof that BOR, who signed the manifest, recorded it in its ledger',
    ]);
    writeFileSync(path, JSON.stringify(proof));
    expect((await verifyPackageDir(dir, { adminKey: admin.publicJwk })).status).toBe('verified');
  });
});

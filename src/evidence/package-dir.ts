/**
 * An evidence package on disk, as `comity evidence export` writes it and `comity evidence verify` checks it,
 * with nothing but the folder (and optionally an independently obtained trust list):
 *
 *   manifest.jws        the manifest signed by the producing node (compact JWS)
 *   manifest.json       the same manifest, readable
 *   trust-list.json     the trust list the exporting node used
 *   files/N-NAME.age    the sealed files, as the producer sealed them
 *   proofs/PARTY.json   ledger inclusion proofs of the manifest (src/evidence/proof.ts)
 *   custody.json/.html  the chain of custody
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TrustList } from '../exchange/trust-list.ts';
import { type Manifest, verifyManifest } from './manifest.ts';
import { checkLedgerProof, LedgerProofSchema } from './proof.ts';
import { hashFile } from './seal.ts';

export const PACKAGE_FILES = {
  manifestJws: 'manifest.jws',
  manifestJson: 'manifest.json',
  trustList: 'trust-list.json',
  files: 'files',
  proofs: 'proofs',
  custodyJson: 'custody.json',
  custodyHtml: 'custody.html',
} as const;

/** Where file `idx` of a manifest lives in a package folder. */
export function sealedFileName(idx: number, name: string): string {
  return `${idx}-${name}.age`;
}

export interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

export interface PackageVerification {
  dir: string;
  package: string | null;
  ok: boolean;
  checks: Check[];
}

/** Whether `dir` looks like one package (rather than an export folder of several). */
export function isPackageDir(dir: string): boolean {
  return existsSync(join(dir, PACKAGE_FILES.manifestJws));
}

/** The package folders under an export folder, or the folder itself. */
export function packageDirs(dir: string): string[] {
  if (isPackageDir(dir)) return [dir];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .map((n) => join(dir, n))
    .filter((d) => statSync(d).isDirectory() && isPackageDir(d))
    .sort();
}

/**
 * Checks a package folder offline: the manifest's signature against the trust list, each sealed file's size and
 * SHA-256 against the manifest, and each ledger proof of the manifest against its node's signed checkpoint.
 */
export async function verifyPackageDir(
  dir: string,
  opts: { trustList?: string; onBytes?: (n: number) => void } = {},
): Promise<PackageVerification> {
  const checks: Check[] = [];
  const result = (pkg: string | null): PackageVerification => ({
    dir,
    package: pkg,
    ok: checks.length > 0 && checks.every((c) => c.ok),
    checks,
  });
  const trustPath = opts.trustList ?? join(dir, PACKAGE_FILES.trustList);
  let trust: TrustList;
  try {
    trust = TrustList.load(trustPath);
  } catch (e) {
    checks.push({ what: 'trust list', ok: false, detail: (e as Error).message });
    return result(null);
  }
  const jwsPath = join(dir, PACKAGE_FILES.manifestJws);
  if (!existsSync(jwsPath)) {
    checks.push({ what: 'manifest', ok: false, detail: `${PACKAGE_FILES.manifestJws} is missing` });
    return result(null);
  }
  const jws = readFileSync(jwsPath, 'utf8').trim();
  let manifest: Manifest;
  try {
    manifest = await verifyManifest(jws, (kid) => trust.signer(kid));
    checks.push({
      what: 'manifest signature',
      ok: true,
      detail: `signed by ${manifest.from} (${trust.party(manifest.from)?.name ?? manifest.from}) with a key in ${opts.trustList ? 'the given trust list' : 'the package’s trust list'}; for ${manifest.to}, case ${manifest.case}`,
    });
  } catch (e) {
    checks.push({ what: 'manifest signature', ok: false, detail: (e as Error).message });
    return result(null);
  }
  for (const [idx, f] of manifest.files.entries()) {
    const path = join(dir, PACKAGE_FILES.files, sealedFileName(idx, f.name));
    const what = `file ${idx} ${f.name}`;
    if (!existsSync(path)) {
      checks.push({
        what,
        ok: false,
        detail: `missing: ${join(PACKAGE_FILES.files, sealedFileName(idx, f.name))}`,
      });
      continue;
    }
    const size = statSync(path).size;
    if (size !== f.cipherSize) {
      checks.push({
        what,
        ok: false,
        detail: `${size} bytes, the manifest says ${f.cipherSize}: truncated or altered`,
      });
      continue;
    }
    const hash = await hashFile(path, opts.onBytes);
    checks.push(
      hash === f.cipherSha256
        ? {
            what,
            ok: true,
            detail: `sealed SHA-256 ${hash} matches the manifest (plaintext SHA-256 ${f.sha256})`,
          }
        : { what, ok: false, detail: `sealed SHA-256 ${hash}, the manifest says ${f.cipherSha256}: altered` },
    );
  }
  const manifestSha256 = createHash('sha256').update(jws).digest('hex');
  const proofDir = join(dir, PACKAGE_FILES.proofs);
  const proofFiles = existsSync(proofDir)
    ? readdirSync(proofDir)
        .filter((n) => n.endsWith('.json'))
        .sort()
    : [];
  if (proofFiles.length === 0)
    checks.push({ what: 'ledger inclusion', ok: false, detail: 'no ledger proof in the package' });
  for (const name of proofFiles) {
    const what = `ledger proof ${name}`;
    let parsed: ReturnType<typeof LedgerProofSchema.safeParse>;
    try {
      parsed = LedgerProofSchema.safeParse(JSON.parse(readFileSync(join(proofDir, name), 'utf8')));
    } catch {
      checks.push({ what, ok: false, detail: 'not JSON' });
      continue;
    }
    if (!parsed.success) {
      checks.push({ what, ok: false, detail: 'not a ledger proof' });
      continue;
    }
    const proof = parsed.data;
    const party = trust.party(proof.party);
    const problems = checkLedgerProof(
      proof,
      manifestSha256,
      party && { key: party.signing.key, origin: party.ledger.origin },
    );
    checks.push(
      problems.length === 0
        ? {
            what,
            ok: true,
            detail: `entry ${proof.index} of ${proof.origin} records this manifest and is in the tree signed by ${proof.party}`,
          }
        : { what, ok: false, detail: problems.join('; ') },
    );
  }
  return result(manifest.package);
}

/**
 * An evidence package on disk, as `comity evidence export` writes it and `comity evidence verify` checks it,
 * with nothing but the folder and what vouches for its trust list (the administrator's public key, or a trust
 * list obtained independently):
 *
 *   manifest.jws                  the manifest signed by the producing node (compact JWS)
 *   manifest.json                 the same manifest, readable
 *   trust-list.jws                the trust list the exporting node had in force, as its administrator signed it
 *   trust-list.jws.handovers      the lists that handed the administrator key over, if any (one JWS a line)
 *   trust-list.json               instead of trust-list.jws: an unsigned list (older exports, a node without an
 *                                 administrator key), checked only against a list the verifier names
 *   files/N-NAME.age              the sealed files, as the producer sealed them
 *   proofs/PARTY.json             ledger inclusion proofs of the manifest (src/evidence/proof.ts)
 *   custody.json/.html            the chain of custody
 *
 * Whoever made the folder could have written any trust list into it: the package's own list vouches for
 * nothing. Only a list signed with the administrator's key (or one it handed over to) or a list the verifier
 * names makes a package VERIFIED.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PublicJwk } from '../crypto/keys.ts';
import { TrustList } from '../crypto/trust-list.ts';
import { handoversPath, walkHandovers } from '../crypto/trust-list-handovers.ts';
import { isCompactJws, trustAdminKid } from '../crypto/trust-list-jws.ts';
import { quoteUntrusted } from '../domain/untrusted.ts';
import { type Manifest, verifyManifest } from './manifest.ts';
import { checkLedgerProof, LedgerProofSchema } from './proof.ts';
import { hashFile } from './seal.ts';

export const PACKAGE_FILES = {
  manifestJws: 'manifest.jws',
  manifestJson: 'manifest.json',
  trustList: 'trust-list.jws',
  trustListHandovers: handoversPath('trust-list.jws'),
  unsignedTrustList: 'trust-list.json',
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
  /**
   * verified: every check passed, against a trust list the verifier vouched for; unverified: every check that
   * could be made passed, but only against the package's own trust list, which nothing vouches for; failed: a
   * check failed.
   */
  status: 'verified' | 'unverified' | 'failed';
  /** Whether the package is verified. */
  ok: boolean;
  /** Why the package is not verified although no check failed (status unverified), else null. */
  unverified: string | null;
  checks: Check[];
}

/** What vouches for a package's trust list. */
export interface TrustAnchor {
  /** The administrator's public key: the signed list (the package's, or the one given) must verify with it. */
  adminKey?: PublicJwk;
  /** A trust list file the verifier names (obtained independently): signed, or plain JSON. */
  trustList?: string;
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

/** Where a package keeps the text of its trust list: trust-list.jws when signed, trust-list.json when not. */
export const trustListFileName = (text: string) =>
  isCompactJws(text) ? PACKAGE_FILES.trustList : PACKAGE_FILES.unsignedTrustList;

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * A signed trust list checked as a node checks the one it starts with (`loadTrustListInForce`): with the
 * administrator key given, or the key that one handed over to through the package's handover lists. Throws with
 * the reason.
 */
function signedList(text: string, handovers: string, adminKey: PublicJwk): TrustList {
  const walk = walkHandovers(handovers, adminKey);
  const signer = walk.last && text === walk.last.text ? walk.last.signer : walk.signer;
  const claimed = TrustList.inspect(text).claimedSigner;
  if (claimed !== trustAdminKid(signer))
    throw new Error(
      `it is signed with ${quoteUntrusted(claimed)}, not with the administrator key given (${trustAdminKid(adminKey)})${trustAdminKid(signer) === trustAdminKid(adminKey) ? '' : ` nor with ${trustAdminKid(signer)}, to which that key handed over`}`,
    );
  return TrustList.parse(text, signer);
}

/** Who signed a list, said of the key the verifier gave. */
const signedByLine = (trust: TrustList, adminKey: PublicJwk) =>
  trust.signedBy === trustAdminKid(adminKey)
    ? `signed by ${trust.signedBy}, the administrator key given`
    : `signed by ${trust.signedBy}, to which the administrator key given (${trustAdminKid(adminKey)}) handed over`;

const HOW_TO_VOUCH =
  'give the administrator’s public key with --admin-key, or a trust list obtained independently with --trust-list';

/**
 * The trust list a package is checked against, and what vouches for it (`vouched`), or why nothing does
 * (`unvouched`: the package's own list, taken as it is). Throws with the reason when the list cannot be had or
 * does not verify with the administrator key given.
 */
function trustFor(
  dir: string,
  anchor: TrustAnchor,
): { trust: TrustList; vouched: string } | { trust: TrustList; unvouched: string } {
  const handovers = join(dir, PACKAGE_FILES.trustListHandovers);
  if (anchor.trustList) {
    const text = readText(anchor.trustList);
    const given = `the trust list given (${anchor.trustList})`;
    if (anchor.adminKey) {
      if (!isCompactJws(text)) throw new Error(`${given} is not signed, so --admin-key cannot check it`);
      const trust = signedList(text, handovers, anchor.adminKey);
      return { trust, vouched: `${given}, ${signedByLine(trust, anchor.adminKey)}` };
    }
    const { trust, claimedSigner } = TrustList.inspect(text);
    return {
      trust,
      vouched: `${given}, taken as it is${claimedSigner ? ` (its signature is not checked without --admin-key)` : ''}`,
    };
  }
  const signedPath = join(dir, PACKAGE_FILES.trustList);
  const unsignedPath = join(dir, PACKAGE_FILES.unsignedTrustList);
  const path = existsSync(signedPath) ? signedPath : existsSync(unsignedPath) ? unsignedPath : null;
  if (!path) throw new Error(`the package holds no trust list: give one with --trust-list`);
  const text = readText(path);
  if (anchor.adminKey) {
    if (!isCompactJws(text))
      throw new Error(
        'the package’s trust list is not signed (an older export, or a node without an administrator key), so --admin-key cannot check it: give a trust list obtained independently with --trust-list',
      );
    const trust = signedList(text, handovers, anchor.adminKey);
    return { trust, vouched: `the package’s trust list, ${signedByLine(trust, anchor.adminKey)}` };
  }
  const { trust, claimedSigner } = TrustList.inspect(text);
  return {
    trust,
    unvouched: `nothing vouches for the package’s own trust list (${claimedSigner ? `it claims to be signed by ${quoteUntrusted(claimedSigner)}` : 'it is not signed'}), and whoever made the folder could have written it: ${HOW_TO_VOUCH}`,
  };
}

/**
 * Checks a package folder offline: the trust list against what vouches for it (`anchor`), the manifest's
 * signature against that list, each sealed file's size and SHA-256 against the manifest, and each ledger proof of
 * the manifest against its node's signed checkpoint. With nothing to vouch for the trust list, the checks are
 * made against the package's own list and the package is at best unverified.
 */
export async function verifyPackageDir(
  dir: string,
  opts: TrustAnchor & { onBytes?: (n: number) => void } = {},
): Promise<PackageVerification> {
  const checks: Check[] = [];
  let unverified: string | null = null;
  const result = (pkg: string | null): PackageVerification => {
    const failed = checks.length === 0 || checks.some((c) => !c.ok);
    const status = failed ? 'failed' : unverified ? 'unverified' : 'verified';
    return { dir, package: pkg, status, ok: status === 'verified', unverified, checks };
  };
  let trust: TrustList;
  try {
    const found = trustFor(dir, opts);
    trust = found.trust;
    if ('vouched' in found) checks.push({ what: 'trust list', ok: true, detail: found.vouched });
    else unverified = found.unvouched;
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
  const proven = new Set<string>();
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
    // Only the two parties of the manifest have ledger entries about it; each proof is checked under the origin
    // the trust list fixes for its party.
    const party = [manifest.from, manifest.to].includes(proof.party) ? trust.party(proof.party) : undefined;
    const problems = party
      ? checkLedgerProof(proof, manifestSha256, { key: party.signing.key, origin: party.ledger.origin })
      : [`${proof.party} is neither the producer nor the recipient of this package`];
    if (problems.length === 0) proven.add(proof.party);
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
  if (proofFiles.length > 0 && !proven.has(manifest.from))
    checks.push({
      what: 'ledger inclusion',
      ok: false,
      detail: `no valid proof that ${manifest.from}, who signed the manifest, recorded it in its ledger`,
    });
  return result(manifest.package);
}

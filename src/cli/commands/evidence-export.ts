/**
 * `comity evidence export CASE --out DIR` writes every package of a case for court (sealed files, signed manifest,
 * trust list, ledger proofs, custody report); `comity evidence verify DIR` checks such a folder offline.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { PackageExport } from '../../evidence/access.ts';
import { renderCustodyReport } from '../../evidence/custody-report.ts';
import {
  PACKAGE_FILES,
  type PackageVerification,
  packageDirs,
  sealedFileName,
  trustListFileName,
  verifyPackageDir,
} from '../../evidence/package-dir.ts';
import type { PackageView } from '../../evidence/view.ts';
import { type CommonOptions, signedInClient, withCommonOptions } from '../connect.ts';
import { CliError } from '../errors.ts';
import { printable } from '../format.ts';
import { emit, warn } from '../output.ts';
import { byteProgress } from '../progress.ts';
import { adminKeyOf } from './trust.ts';

async function exportCase(caseId: string, opts: CommonOptions & { out: string }): Promise<void> {
  const client = signedInClient(opts);
  const { items } = await client.get<{ items: PackageView[] }>(`/api/v1/cases/${caseId}/evidence`);
  const exportable = items.filter(
    (p) => p.manifestSha256 && (p.side === 'produced' || p.status !== 'announced'),
  );
  if (exportable.length === 0)
    throw new CliError(`case ${caseId} has no complete evidence package to export`);
  mkdirSync(opts.out, { recursive: true });
  const written: { package: string; dir: string; status: PackageVerification['status'] }[] = [];
  for (const p of exportable) {
    const exp = await client.get<PackageExport>(`/api/v1/evidence/${p.id}/export`);
    const dir = join(opts.out, p.id);
    mkdirSync(join(dir, PACKAGE_FILES.files), { recursive: true });
    mkdirSync(join(dir, PACKAGE_FILES.proofs), { recursive: true });
    writeFileSync(join(dir, PACKAGE_FILES.manifestJws), `${exp.manifestJws}\n`);
    writeFileSync(join(dir, PACKAGE_FILES.manifestJson), `${JSON.stringify(exp.manifest, null, 2)}\n`);
    // The list exactly as the administrator signed it: a re-serialised one would verify with nothing.
    writeFileSync(join(dir, trustListFileName(exp.trustList.text)), `${exp.trustList.text}\n`);
    if (exp.trustList.handovers.length)
      writeFileSync(
        join(dir, PACKAGE_FILES.trustListHandovers),
        exp.trustList.handovers.map((l) => `${l}\n`).join(''),
      );
    for (const proof of exp.proofs)
      writeFileSync(
        join(dir, PACKAGE_FILES.proofs, `${proof.party}.json`),
        `${JSON.stringify(proof, null, 2)}\n`,
      );
    for (const [idx, f] of exp.manifest.files.entries()) {
      const bar = byteProgress(`exporting ${f.name}`, f.cipherSize);
      try {
        await client.download(
          `/api/v1/evidence/${p.id}/files/${idx}/sealed`,
          join(dir, PACKAGE_FILES.files, sealedFileName(idx, f.name)),
          (n) => bar.update(n),
        );
      } finally {
        bar.stop();
      }
    }
    const verification = await verifyPackageDir(dir);
    writeFileSync(
      join(dir, PACKAGE_FILES.custodyJson),
      `${JSON.stringify({ package: exp.package, proofs: exp.proofs.map((x) => ({ party: x.party, index: x.index })), missing: exp.missing, exportedAt: exp.exportedAt, exportedBy: exp.exportedBy }, null, 2)}\n`,
    );
    writeFileSync(join(dir, PACKAGE_FILES.custodyHtml), renderCustodyReport(exp, verification));
    written.push({ package: p.id, dir, status: verification.status });
    for (const m of exp.missing) warn(m);
  }
  // Checked against the node's own trust list: that nothing was lost on the way, not that the list is genuine.
  emit({ case: caseId, packages: written }, () =>
    written.map((w) =>
      w.status === 'failed'
        ? `${w.dir}: exported, but a check FAILED (see custody.html)`
        : `${w.dir}: exported; every check passes against this node's trust list (verify it independently with: comity evidence verify ${w.dir} --admin-key KEY)`,
    ),
  );
  if (written.some((w) => w.status === 'failed')) process.exitCode = 1;
}

async function verify(
  dir: string,
  opts: { adminKey?: string; trustList?: string; json?: boolean },
): Promise<void> {
  const dirs = packageDirs(dir);
  if (dirs.length === 0)
    throw new CliError(`${dir} holds no evidence package (no ${PACKAGE_FILES.manifestJws})`);
  const anchor = {
    ...(opts.adminKey ? { adminKey: adminKeyOf(opts.adminKey, '--admin-key') } : {}),
    ...(opts.trustList ? { trustList: opts.trustList } : {}),
  };
  const results: Awaited<ReturnType<typeof verifyPackageDir>>[] = [];
  for (const d of dirs) results.push(await verifyPackageDir(d, anchor));
  emit({ ok: results.every((r) => r.ok), packages: results }, () =>
    results.flatMap((r) => [
      `${printable(r.package ?? r.dir)}: ${r.status === 'unverified' ? `UNVERIFIED: ${printable(r.unverified ?? '')}` : r.ok ? 'VERIFIED' : 'FAILED'}`,
      ...r.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${printable(c.what)}: ${printable(c.detail)}`),
    ]),
  );
  if (!results.every((r) => r.ok)) process.exitCode = 1;
}

export function registerEvidenceExport(evidence: Command): void {
  withCommonOptions(
    evidence
      .command('export')
      .description(
        'write every package of a case for court: sealed files, signed manifest, ledger proofs, custody report',
      )
      .argument('<case>', 'case id')
      .requiredOption('--out <dir>', 'folder to write to'),
  ).action(exportCase);
  evidence
    .command('verify')
    .description(
      'check an exported package offline: trust list, signature, hashes, ledger inclusion (UNVERIFIED unless --admin-key or --trust-list vouches for the trust list)',
    )
    .argument('<dir>', 'a package folder, or an export folder of several')
    .option(
      '--admin-key <key>',
      "the trust-list administrator's public key (JWK, or a file holding it): the package's signed trust list must verify with it, or with a key it handed over to",
    )
    .option(
      '--trust-list <file>',
      'check against this trust list, obtained independently, instead of the one in the package (signed: checked with --admin-key if given)',
    )
    .option('--json', 'print JSON')
    .action(verify);
}

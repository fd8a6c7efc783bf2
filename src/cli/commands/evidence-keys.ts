/**
 * `comity evidence key export CASE`: the package identities of a case in age format, to decrypt its sealed files
 * outside Comity. The node records every such export in the ledger.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type CommonOptions, signedInClient, withCommonOptions } from '../connect.ts';
import { emit } from '../output.ts';

async function keyExport(caseId: string, opts: CommonOptions & { out?: string }): Promise<void> {
  const res = await signedInClient(opts).post<{
    exportedAt: string;
    exportedBy: string;
    keys: { package: string; recipient: string; identity: string }[];
    unavailable: { package: string; reason: string }[];
  }>(`/api/v1/cases/${caseId}/evidence/keys`);
  const text = [
    `# Comity evidence package identities of case ${caseId}`,
    `# exported ${res.exportedAt} by ${res.exportedBy}; this export is recorded in the ledger`,
    '# decrypt a sealed file with: age -d -i THIS_FILE FILE.age > FILE',
    ...res.keys.flatMap((k) => [`# package ${k.package}, recipient ${k.recipient}`, k.identity]),
    ...res.unavailable.map((u) => `# package ${u.package}: no key, ${u.reason}`),
    '',
  ].join('\n');
  if (opts.out) {
    writeFileSync(opts.out, text, { mode: 0o600 });
    emit(
      { ...res, keys: res.keys.map(({ identity: _, ...k }) => k), out: opts.out },
      () => `${res.keys.length} identity(ies) written to ${opts.out} (mode 600).`,
    );
  } else emit(res, () => text.trimEnd());
}

export function registerEvidenceKeys(evidence: Command): void {
  const key = evidence.command('key').description('package identities');
  withCommonOptions(
    key
      .command('export')
      .description(
        'print the package identities of a case in age format (administrators of the requesting node; recorded in the ledger)',
      )
      .argument('<case>', 'case id')
      .option('--out <file>', 'write to this file (mode 600) instead of printing'),
  ).action(keyExport);
}

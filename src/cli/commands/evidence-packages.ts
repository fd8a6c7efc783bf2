/** `comity evidence list CASE`, `evidence show PACKAGE`, `evidence seal PACKAGE`: following packages on the node. */
import type { Command } from 'commander';
import type { PackageView } from '../../evidence/view.ts';
import { type CommonOptions, signedInClient, withCommonOptions } from '../connect.ts';
import { emit } from '../output.ts';
import { showPackage } from './evidence-render.ts';

async function list(caseId: string, opts: CommonOptions): Promise<void> {
  const res = await signedInClient(opts).get<{ items: PackageView[] }>(`/api/v1/cases/${caseId}/evidence`);
  emit(res, () => (res.items.length ? res.items.flatMap(showPackage) : `No evidence on case ${caseId}.`));
}

async function show(pkg: string, opts: CommonOptions): Promise<void> {
  const view = await signedInClient(opts).get<PackageView>(`/api/v1/evidence/${pkg}`);
  emit(view, () => showPackage(view));
}

async function seal(pkg: string, opts: CommonOptions & { discardIncomplete?: boolean }): Promise<void> {
  const view = await signedInClient(opts).post<PackageView>(`/api/v1/evidence/${pkg}/seal`, {
    discardIncomplete: Boolean(opts.discardIncomplete),
  });
  emit(view, () => showPackage(view));
}

export function registerEvidencePackages(evidence: Command): void {
  withCommonOptions(
    evidence.command('list').description('the evidence packages of a case').argument('<case>', 'case id'),
  ).action(list);
  withCommonOptions(
    evidence
      .command('show')
      .description('one package: files, hashes, custody')
      .argument('<package>', 'package id'),
  ).action(show);
  withCommonOptions(
    evidence
      .command('seal')
      .description('sign the manifest of an open package and send it')
      .argument('<package>', 'package id')
      .option('--discard-incomplete', 'drop uploads that never finished'),
  ).action(seal);
}

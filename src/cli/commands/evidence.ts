/** `comity evidence …`: evidence packages, one file per concern: attach, follow, open, export and verify, keys. */
import type { Command } from 'commander';
import { registerEvidenceExport } from './evidence-export.ts';
import { registerEvidenceKeys } from './evidence-keys.ts';
import { registerEvidenceOpen } from './evidence-open.ts';
import { registerEvidencePackages } from './evidence-packages.ts';
import { registerEvidenceAdd } from './evidence-upload.ts';

export function registerEvidence(program: Command): void {
  const evidence = program
    .command('evidence')
    .description('evidence packages: attach, follow, open, export, verify');
  registerEvidenceAdd(evidence);
  registerEvidencePackages(evidence);
  registerEvidenceOpen(evidence);
  registerEvidenceExport(evidence);
  registerEvidenceKeys(evidence);
}

/** `comity evidence open PACKAGE FILE`: decrypts a received file, checked against the manifest before it is kept. */
import { existsSync, renameSync, rmSync } from 'node:fs';
import type { Command } from 'commander';
import type { PackageView } from '../../evidence/view.ts';
import { type CommonOptions, signedInClient, withCommonOptions } from '../connect.ts';
import { CliError } from '../errors.ts';
import { printable } from '../format.ts';
import { emit } from '../output.ts';
import { byteProgress } from '../progress.ts';
import { sha256Of } from './evidence-hash.ts';
import { human } from './evidence-render.ts';

async function open(pkg: string, idx: string, opts: CommonOptions & { out?: string }): Promise<void> {
  const client = signedInClient(opts);
  const view = await client.get<PackageView>(`/api/v1/evidence/${pkg}`);
  const file = view.files.find((f) => String(f.idx) === idx || f.name === idx);
  if (!file) throw new CliError(`package ${pkg} has no file ${idx}`);
  const dest = opts.out ?? file.name;
  if (existsSync(dest)) throw new CliError(`${dest} exists; choose another --out`);
  const partial = `${dest}.partial`;
  const bar = byteProgress(`opening ${file.name}`, file.size);
  try {
    await client.download(`/api/v1/evidence/${pkg}/files/${file.idx}/content`, partial, (n) => bar.update(n));
  } finally {
    bar.stop();
  }
  const sha256 = await sha256Of(partial, file.size);
  if (sha256 !== file.sha256) {
    rmSync(partial, { force: true });
    throw new CliError(
      `the file received does not match the manifest (SHA-256 ${sha256}, expected ${file.sha256})`,
    );
  }
  renameSync(partial, dest);
  emit(
    { package: pkg, file: file.idx, path: dest, sha256 },
    () => `${printable(dest)}: ${human(file.size)}, SHA-256 ${sha256} matches the manifest.`,
  );
}

export function registerEvidenceOpen(evidence: Command): void {
  withCommonOptions(
    evidence
      .command('open')
      .description('decrypt a received file (checked against the manifest; recorded in the ledger)')
      .argument('<package>', 'package id')
      .argument('<file>', 'file number or name')
      .option('--out <path>', 'where to write it (default: its name)'),
  ).action(open);
}

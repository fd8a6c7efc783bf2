import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
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
import { hashFile } from '../../evidence/seal.ts';
import { TusError, tusCreate, tusOffset, tusSend } from '../../evidence/tus-client.ts';
import type { PackageView } from '../../evidence/view.ts';
import { type CommonOptions, signedInClient, withCommonOptions } from '../connect.ts';
import { CliError } from '../errors.ts';
import { printable, utc } from '../format.ts';
import type { ApiClient } from '../http.ts';
import { emit, println, table, warn } from '../output.ts';
import { byteProgress } from '../progress.ts';
import { configDir } from '../session.ts';
import { adminKeyOf } from './trust.ts';

const MiB = 1024 * 1024;
const human = (n: number | null | undefined) =>
  n == null
    ? '-'
    : n >= MiB
      ? `${(n / MiB).toFixed(1)} MiB`
      : n >= 1024
        ? `${(n / 1024).toFixed(1)} KiB`
        : `${n} B`;

// ---- resumable uploads: what this machine has started, so a second run continues instead of restarting ----

interface PendingUpload {
  package: string;
  upload: string;
}

function pendingPath(): string {
  return join(configDir(), 'uploads.json');
}

function readPending(): Record<string, PendingUpload> {
  try {
    return JSON.parse(readFileSync(pendingPath(), 'utf8')) as Record<string, PendingUpload>;
  } catch {
    return {};
  }
}

function writePending(all: Record<string, PendingUpload>): void {
  mkdirSync(configDir(), { recursive: true, mode: 0o700 });
  const tmp = `${pendingPath()}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, pendingPath());
}

/** The same file (path, size, modification time) uploaded to the same node and case. */
function uploadKey(url: string, caseId: string, path: string): string {
  const s = statSync(path);
  return `${url}|${caseId}|${resolve(path)}|${s.size}|${Math.floor(s.mtimeMs)}`;
}

async function sha256Of(path: string, size: number): Promise<string> {
  const bar = byteProgress(`hashing ${basename(path)}`, size);
  let done = 0;
  try {
    return await hashFile(path, (n) => {
      done += n;
      bar.update(done);
    });
  } finally {
    bar.stop();
  }
}

function tusFailure(e: unknown, what: string): never {
  if (e instanceof TusError) throw new CliError(`${what}: ${e.message}`);
  throw e;
}

interface AddOptions extends CommonOptions {
  package?: string;
  seal: boolean;
  collectedBy?: string;
  collectedAt?: string;
  mediaType?: string;
}

async function uploadOne(
  client: ApiClient,
  caseId: string,
  pkg: string,
  path: string,
  opts: AddOptions,
): Promise<void> {
  const size = statSync(path).size;
  if (size === 0) throw new CliError(`${path} is empty; an empty file is not evidence`);
  const key = uploadKey(client.url, caseId, path);
  const pending = readPending();
  const headers = client.authHeaders();
  let url = pending[key]?.package === pkg ? pending[key].upload : null;
  let offset = url ? await tusOffset(url, { headers }).catch(() => null) : null;
  if (url && offset !== null) println(`resuming ${basename(path)} at ${human(offset)} of ${human(size)}`);
  if (!url || offset === null) {
    const sha256 = await sha256Of(path, size);
    url = await tusCreate(
      `${client.url}/api/v1/evidence/uploads`,
      size,
      {
        package: pkg,
        filename: basename(path),
        sha256,
        mediaType: opts.mediaType ?? 'application/octet-stream',
        ...(opts.collectedBy ? { collectedBy: opts.collectedBy } : {}),
        ...(opts.collectedAt ? { collectedAt: opts.collectedAt } : {}),
      },
      { headers },
    ).catch((e) => tusFailure(e, `cannot start the upload of ${path}`));
    offset = 0;
    writePending({ ...readPending(), [key]: { package: pkg, upload: url } });
  }
  const bar = byteProgress(`uploading ${basename(path)}`, size);
  try {
    await tusSend(url, path, offset, { headers, onProgress: (n) => bar.update(n) });
  } catch (e) {
    bar.stop();
    if (e instanceof TusError && e.status === 422) {
      const { [key]: _, ...rest } = readPending();
      writePending(rest);
    }
    tusFailure(
      e,
      e instanceof TusError && e.retryable
        ? `the upload of ${path} was interrupted (run the same command again to resume)`
        : `the upload of ${path} was refused`,
    );
  }
  bar.stop();
  const { [key]: _, ...rest } = readPending();
  writePending(rest);
}

async function add(caseId: string, files: string[], opts: AddOptions): Promise<void> {
  for (const f of files)
    if (!existsSync(f) || !statSync(f).isFile()) throw new CliError(`${f} is not a file`);
  const client = signedInClient(opts);
  // A package this machine already started for these files is continued, unless one is named.
  const started = files.map((f) => readPending()[uploadKey(client.url, caseId, f)]?.package).find(Boolean);
  let pkg = opts.package ?? started;
  if (pkg) {
    const current = await client.get<PackageView>(`/api/v1/evidence/${pkg}`);
    if (current.status !== 'open') {
      if (opts.package)
        throw new CliError(`package ${pkg} is ${current.status}; files go into an open package`);
      pkg = undefined;
    } else if (!opts.package) println(`continuing package ${pkg}`);
  }
  if (!pkg) {
    pkg = (await client.post<PackageView>(`/api/v1/cases/${caseId}/evidence`)).id;
    println(`opened package ${pkg}`);
  }
  for (const f of files) await uploadOne(client, caseId, pkg, f, opts);
  const view = opts.seal
    ? await client.post<PackageView>(`/api/v1/evidence/${pkg}/seal`, {})
    : await client.get<PackageView>(`/api/v1/evidence/${pkg}`);
  emit(view, () => [
    opts.seal
      ? `Package ${view.id} sealed and sent to ${view.receiver}: manifest SHA-256 ${view.manifestSha256}.`
      : `Package ${view.id} is open; seal it with: comity evidence seal ${view.id}`,
    ...fileTable(view),
  ]);
}

function fileTable(view: PackageView): string[] {
  return table(
    ['#', 'FILE', 'SIZE', 'STATUS', 'SHA-256'],
    view.files.map((f) => [
      String(f.idx),
      f.name,
      human(f.size),
      f.bytesHeld != null ? `${f.status} (${human(f.bytesHeld)} held)` : f.status,
      f.sha256,
    ]),
  );
}

function showPackage(view: PackageView): string[] {
  return [
    `Package ${view.id} (${view.side === 'produced' ? `produced here for ${view.receiver}` : `from ${view.producer}`}): ${view.status}`,
    `  case ${view.caseId}, sealed to ${view.recipient}`,
    ...(view.manifestSha256 ? [`  manifest SHA-256 ${view.manifestSha256}`] : []),
    ...(view.retentionUntil ? [`  retention until ${view.retentionUntil}`] : []),
    ...(view.shreddedAt ? [`  identity destroyed ${utc(view.shreddedAt)}`] : []),
    ...fileTable(view).map((l) => `  ${l}`),
    '  custody:',
    ...view.custody.map(
      (e) =>
        `    ${utc(e.at)} ${e.party} ${printable(e.by)}: ${printable(e.description)}${e.file != null ? ` (file ${e.file})` : ''} [ledger ${e.ledgerIndex}]`,
    ),
  ];
}

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

export function registerEvidence(program: Command): void {
  const evidence = program
    .command('evidence')
    .description('evidence packages: attach, follow, open, export, verify');
  withCommonOptions(
    evidence
      .command('add')
      .description(
        'upload files into an evidence package on a case being executed, then seal and send it (resumes an interrupted upload when run again)',
      )
      .argument('<case>', 'case id')
      .argument('<files...>', 'files as collected')
      .option('--package <id>', 'add to this open package instead of opening a new one')
      .option('--no-seal', 'leave the package open for more files')
      .option('--collected-by <who>', 'who collected the files (default: you)')
      .option('--collected-at <iso>', 'when they were collected (ISO 8601; default: now)')
      .option('--media-type <type>', 'media type of the files', 'application/octet-stream'),
  ).action(add);
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
  withCommonOptions(
    evidence
      .command('open')
      .description('decrypt a received file (checked against the manifest; recorded in the ledger)')
      .argument('<package>', 'package id')
      .argument('<file>', 'file number or name')
      .option('--out <path>', 'where to write it (default: its name)'),
  ).action(open);
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

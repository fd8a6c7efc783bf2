/**
 * `comity evidence add CASE FILES…`: uploads files into an evidence package over tus (resumable uploads), then
 * seals and sends it. What this machine has started is remembered, so a second run continues instead of restarting.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { TusError, tusCreate, tusOffset, tusSend } from '../../evidence/tus-client.ts';
import type { PackageView } from '../../evidence/view.ts';
import { type CommonOptions, signedInClient, withCommonOptions } from '../connect.ts';
import { CliError } from '../errors.ts';
import type { ApiClient } from '../http.ts';
import { emit, println } from '../output.ts';
import { byteProgress } from '../progress.ts';
import { configDir } from '../session.ts';
import { sha256Of } from './evidence-hash.ts';
import { fileTable, human } from './evidence-render.ts';

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

export function registerEvidenceAdd(evidence: Command): void {
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
}

import { mkdirSync, rmSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { eq, sql } from 'drizzle-orm';
import { lockCase } from '../cases/guard.ts';
import type { NodeCore } from '../core.ts';
import type { RequestContext } from '../domain/actor.ts';
import { AppError } from '../domain/errors.ts';
import { evidenceFiles, evidencePackages } from '../store/schema.ts';
import { recordEvidenceEvent } from './custody.ts';
import { ManifestFileSchema } from './manifest.ts';
import { evidencePaths, type FileRow, fileStep, loadPackageFor, requireExecuting } from './packages.ts';
import { sealFile } from './seal.ts';
/** What an uploader declares about a file when the upload is created (tus Upload-Metadata). */
export interface UploadDeclaration {
  package: string;
  filename: string;
  mediaType: string;
  sha256: string;
  collectedBy: string;
  collectedAt: string;
}

/** Reads and checks the upload metadata; every problem is named. */
export function parseUploadMetadata(
  metadata: Record<string, string | null | undefined> | undefined,
  user: { name: string },
  now: Date,
): UploadDeclaration {
  const m = metadata ?? {};
  const problems: { field: string; message: string }[] = [];
  const get = (k: string) => (typeof m[k] === 'string' ? (m[k] as string).trim() : '');
  const pkg = get('package');
  if (!/^[0-9A-HJKMNP-TV-Z]{26}$/.test(pkg))
    problems.push({ field: 'package', message: 'an evidence package id' });
  const sha256 = get('sha256').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(sha256))
    problems.push({ field: 'sha256', message: 'the SHA-256 of the file as collected, 64 hex digits' });
  const declared = {
    name: get('filename'),
    mediaType: get('mediaType') || get('filetype') || 'application/octet-stream',
    collectedBy: get('collectedBy') || user.name,
    collectedAt: get('collectedAt') || now.toISOString(),
  };
  const file = ManifestFileSchema.pick({
    name: true,
    mediaType: true,
    collectedBy: true,
    collectedAt: true,
  }).safeParse(declared);
  if (!file.success)
    for (const i of file.error.issues)
      problems.push({ field: String(i.path[0] ?? 'metadata'), message: i.message });
  if (problems.length)
    throw new AppError(
      'bad-request',
      `The upload metadata is not valid: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
      {
        errors: problems,
      },
    );
  return {
    package: pkg,
    filename: declared.name,
    mediaType: declared.mediaType,
    sha256,
    collectedBy: declared.collectedBy,
    collectedAt: declared.collectedAt,
  };
}

/** Registers a new upload into an open package: the file gets its index now, and stays `uploading`. */
export async function registerUpload(
  core: NodeCore,
  ctx: RequestContext,
  uploadId: string,
  length: number | undefined,
  metadata: Record<string, string | null | undefined> | undefined,
): Promise<FileRow> {
  const d = parseUploadMetadata(metadata, ctx.user, core.now());
  if (length === undefined || !Number.isSafeInteger(length) || length <= 0)
    throw new AppError(
      'bad-request',
      'Declare the file size (Upload-Length); an empty file is not evidence.',
    );
  const { pkg } = await loadPackageFor(core, ctx, d.package, 'add-evidence');
  if (pkg.side !== 'produced' || pkg.status !== 'open')
    throw new AppError(
      'conflict',
      `Package ${pkg.id} is ${pkg.status}; files are added to an open package only.`,
    );
  return core.db.transaction(async (tx) => {
    requireExecuting(await lockCase(tx, pkg.caseId));
    const next =
      (
        await tx
          .select({ n: sql<number>`coalesce(max(${evidenceFiles.idx}), -1) + 1` })
          .from(evidenceFiles)
          .where(eq(evidenceFiles.packageId, pkg.id))
      )[0]?.n ?? 0;
    const file = (
      await tx
        .insert(evidenceFiles)
        .values({
          packageId: pkg.id,
          idx: Number(next),
          name: d.filename,
          mediaType: d.mediaType,
          size: length,
          sha256: d.sha256,
          collectedBy: d.collectedBy,
          collectedAt: new Date(d.collectedAt),
          status: 'uploading',
          uploadId,
        })
        .returning()
    )[0]!;
    await recordEvidenceEvent(core, tx, {
      packageId: pkg.id,
      caseId: pkg.caseId,
      fileIdx: file.idx,
      event: 'file-upload-started',
      actor: ctx.user,
      detail: {
        name: file.name,
        size: length,
        sha256: d.sha256,
        collectedBy: d.collectedBy,
        collectedAt: d.collectedAt,
      },
    });
    return file;
  });
}

/** The upload's file row, for a user who may add evidence to its case. */
export async function uploadFor(core: NodeCore, ctx: RequestContext, uploadId: string): Promise<FileRow> {
  const file = (await core.db.select().from(evidenceFiles).where(eq(evidenceFiles.uploadId, uploadId)))[0];
  if (!file) throw new AppError('not-found', `No upload ${uploadId}.`);
  await loadPackageFor(core, ctx, file.packageId, 'add-evidence', { notFound: `No upload ${uploadId}.` });
  return file;
}

/** The uploader cancelled an upload (tus DELETE): the file leaves the package, recorded. */
export async function cancelUpload(core: NodeCore, ctx: RequestContext, uploadId: string): Promise<void> {
  const file = await uploadFor(core, ctx, uploadId);
  await core.db.transaction(async (tx) => {
    const pkg = (await tx.select().from(evidencePackages).where(eq(evidencePackages.id, file.packageId)))[0]!;
    await fileStep(
      core,
      tx,
      pkg,
      file.idx,
      { status: 'discarded', uploadId: null },
      { event: 'file-discarded', actor: ctx.user, detail: { reason: 'upload cancelled' } },
    );
  });
}

/**
 * A completed upload: streams the plaintext once through the hashes and age, checks the declared hash, and
 * records the sealed file. The plaintext is deleted either way. On a mismatch the file is refused and logged.
 */
export async function finishUpload(
  core: NodeCore,
  ctx: RequestContext,
  uploadId: string,
  plaintextPath: string,
): Promise<FileRow> {
  const file = await uploadFor(core, ctx, uploadId);
  const pkg = (
    await core.db.select().from(evidencePackages).where(eq(evidencePackages.id, file.packageId))
  )[0]!;
  const paths = evidencePaths(core);
  mkdirSync(paths.sealedDir(pkg.id), { recursive: true });
  const target = paths.sealed(pkg.id, file.idx);
  const partial = `${target}.partial`;
  let sealed: Awaited<ReturnType<typeof sealFile>>;
  try {
    sealed = await sealFile({ input: plaintextPath, output: partial, recipient: pkg.recipient });
  } finally {
    rmSync(plaintextPath, { force: true });
  }
  const refusal =
    sealed.size !== file.size
      ? `the file has ${sealed.size} bytes, not the ${file.size} declared`
      : sealed.sha256 !== file.sha256
        ? `the file's SHA-256 is ${sealed.sha256}, not the ${file.sha256} declared by the collector: it was altered or is not the file collected`
        : null;
  if (refusal) {
    rmSync(partial, { force: true });
    await core.db.transaction((tx) =>
      fileStep(
        core,
        tx,
        pkg,
        file.idx,
        { status: 'refused', lastError: refusal, uploadId: null },
        {
          event: 'file-refused',
          actor: ctx.user,
          detail: { reason: refusal, sha256: sealed.sha256, size: sealed.size },
        },
      ),
    );
    throw new AppError('unprocessable', `Upload refused: ${refusal}. Nothing was added to the package.`);
  }
  await rename(partial, target);
  return core.db.transaction((tx) =>
    fileStep(
      core,
      tx,
      pkg,
      file.idx,
      {
        status: 'sealed',
        cipherSize: sealed.cipherSize,
        cipherSha256: sealed.cipherSha256,
        doneAt: core.now(),
      },
      {
        event: 'file-sealed',
        actor: { kind: 'system', party: core.party },
        detail: {
          sha256: sealed.sha256,
          size: sealed.size,
          cipherSha256: sealed.cipherSha256,
          cipherSize: sealed.cipherSize,
        },
      },
    ),
  );
}

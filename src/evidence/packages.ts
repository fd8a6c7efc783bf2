/**
 * Evidence at the requested node (design §9): an executor opens a package on a case being executed, uploads
 * files into it (tus, see src/api/routes/evidence.ts), each sealed as it completes, and seals the package: the
 * manifest is signed, recorded in the ledger and sent to the requesting node, and the files follow by a
 * resumable transfer (transfer.ts).
 *
 * The producing node never keeps the package identity: it encrypts to the package's recipient and stores the
 * identity only wrapped to the requesting node's key, so once a file is sealed not even its producer can read
 * it back.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { ulid } from 'ulid';
import { caseResource, requireAllowed } from '../access/guard.ts';
import type { AuthzAction } from '../authz/authorize.ts';
import { loadCaseFor, lockCase } from '../cases/guard.ts';
import { appendNote } from '../cases/record-transition.ts';
import type { NodeCore } from '../core.ts';
import type { RequestContext } from '../domain/actor.ts';
import { AppError } from '../domain/errors.ts';
import { ConditionSchema } from '../domain/lifecycle.ts';
import { enqueueMessage } from '../exchange/enqueue-message.ts';
import type { Tx } from '../store/db.ts';
import type { CaseRow } from '../store/schema.ts';
import {
  caseEvents,
  evidenceEvents,
  evidenceFiles,
  evidencePackages,
  ledgerEntries,
} from '../store/schema.ts';
import { type CustodyEvent, type EvidenceEventInput, recordEvidenceEvent } from './custody.ts';
import {
  type Manifest,
  type ManifestConditions,
  ManifestFileSchema,
  signManifest,
  wrapIdentity,
} from './manifest.ts';
import { newPackageIdentity, sealFile } from './seal.ts';

export type PackageRow = typeof evidencePackages.$inferSelect;

/** The row of file `idx` of a package. */
export const fileKey = (packageId: string, idx: number) =>
  and(eq(evidenceFiles.packageId, packageId), eq(evidenceFiles.idx, idx));

/**
 * One step of a file's custody: its row changes and the step is recorded (custody event and ledger entry) in
 * the caller's transaction. Returns the updated row.
 */
export async function fileStep(
  core: NodeCore,
  tx: Tx,
  pkg: { id: string; caseId: string },
  idx: number,
  set: PgUpdateSetSource<typeof evidenceFiles>,
  step: Pick<EvidenceEventInput, 'event' | 'actor' | 'detail'>,
): Promise<FileRow> {
  const row = (await tx.update(evidenceFiles).set(set).where(fileKey(pkg.id, idx)).returning())[0]!;
  await recordEvidenceEvent(core, tx, { packageId: pkg.id, caseId: pkg.caseId, fileIdx: idx, ...step });
  return row;
}
export type FileRow = typeof evidenceFiles.$inferSelect;

/**
 * The files a sealed package sent, in manifest order: a file's position in this list is its number in the
 * manifest and at the receiving node (refused or discarded uploads leave gaps in the producer's own numbering).
 */
export async function manifestFiles(db: NodeCore['db'] | Tx, packageId: string): Promise<FileRow[]> {
  return db
    .select()
    .from(evidenceFiles)
    .where(
      and(
        eq(evidenceFiles.packageId, packageId),
        inArray(evidenceFiles.status, ['sealed', 'transferred', 'failed']),
      ),
    )
    .orderBy(asc(evidenceFiles.idx));
}

/** Where a node keeps evidence on disk. */
export function evidencePaths(core: Pick<NodeCore, 'evidenceDir'>) {
  const root = core.evidenceDir;
  return {
    /** Plaintext uploads from collectors, in progress (tus). */
    uploads: join(root, 'uploads'),
    /** Sealed files arriving from another node, in progress (tus). */
    inbound: join(root, 'inbound'),
    sealedDir: (pkg: string) => join(root, 'sealed', pkg),
    sealed: (pkg: string, idx: number) => join(root, 'sealed', pkg, `${idx}.age`),
    tmp: join(root, 'tmp'),
  };
}

export const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Loads a package with its case for a user: 404 when the case is not visible (logged), 403 when the role may
 * not take `action` on it (logged).
 */
export async function loadPackageFor(
  core: NodeCore,
  ctx: RequestContext,
  packageId: string,
  action: AuthzAction,
  opts: { logRead?: boolean; notFound?: string } = {},
): Promise<{ pkg: PackageRow; row: CaseRow }> {
  const pkg = (await core.db.select().from(evidencePackages).where(eq(evidencePackages.id, packageId)))[0];
  if (!pkg) throw new AppError('not-found', `No evidence package ${packageId}.`);
  const row = await loadCaseFor(core, ctx, pkg.caseId, {
    action,
    logRead: opts.logRead ?? false,
    notFound: opts.notFound ?? `No evidence package ${packageId}.`,
  });
  if (action !== 'read') await requireAllowed(core, ctx, action, caseResource(core, row));
  return { pkg, row };
}

/** The conditions of the decision that accepted the request, in the form a manifest carries. */
async function decisionConditions(tx: Tx, caseId: string): Promise<ManifestConditions> {
  const decision = (
    await tx
      .select({ details: caseEvents.details })
      .from(caseEvents)
      .where(and(eq(caseEvents.caseId, caseId), eq(caseEvents.action, 'accept-with-conditions')))
      .orderBy(desc(caseEvents.seq))
      .limit(1)
  )[0];
  const conditions = ConditionSchema.array()
    .catch([])
    .parse((decision?.details as { conditions?: unknown } | undefined)?.conditions ?? []);
  const retention = conditions
    .filter((c) => c.kind === 'retention' && c.until)
    .map((c) => c.until!)
    .sort()[0];
  const use = conditions.filter((c) => c.kind === 'use-limitation').map((c) => c.text);
  const other = conditions
    .filter((c) => c.kind !== 'use-limitation' && !(c.kind === 'retention' && c.until))
    .map((c) => ({ kind: c.kind, text: c.text }));
  return {
    ...(retention ? { retentionUntil: retention } : {}),
    ...(use.length ? { useLimitation: use.join('\n') } : {}),
    ...(other.length ? { other } : {}),
  };
}

/** Opens a package on a case this node is executing. */
export async function createPackage(
  core: NodeCore,
  ctx: RequestContext,
  caseId: string,
): Promise<PackageRow> {
  const found = await loadCaseFor(core, ctx, caseId, { action: 'add-evidence' });
  await requireAllowed(core, ctx, 'add-evidence', caseResource(core, found));
  const requester = core.trust.party(found.requesting);
  if (!requester)
    throw new AppError(
      'conflict',
      `${found.requesting} has no node in the trust list; evidence cannot be sent.`,
    );
  const { identity, recipient } = await newPackageIdentity();
  const wrappedIdentity = await wrapIdentity(identity, requester.encryption.key, requester.encryption.kid);
  return core.db.transaction(async (tx) => {
    const row = await lockCase(tx, caseId);
    requireExecuting(row);
    const id = ulid(core.now().getTime());
    const conditions = await decisionConditions(tx, caseId);
    const pkg = (
      await tx
        .insert(evidencePackages)
        .values({
          id,
          caseId,
          side: 'produced',
          producer: core.party,
          receiver: row.requesting,
          status: 'open',
          recipient,
          wrappedIdentity,
          conditions,
          retentionUntil: conditions.retentionUntil ?? null,
          createdBy: ctx.user.id,
          createdAt: core.now(),
        })
        .returning()
    )[0]!;
    await recordEvidenceEvent(core, tx, {
      packageId: id,
      caseId,
      event: 'package-created',
      actor: ctx.user,
      detail: { recipient, conditions },
    });
    return pkg;
  });
}

function requireExecuting(row: CaseRow): void {
  if (row.state !== 'executing')
    throw new AppError(
      'conflict',
      `Evidence is attached while a request is being executed; case ${row.id} is ${row.state}.`,
    );
}

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

const MANIFEST_EVENTS: readonly CustodyEvent[] = ['file-upload-started', 'file-sealed'];

/**
 * Seals a package: signs the manifest, records it in the ledger and sends it to the requesting node in one
 * transaction; the transfer worker then pushes the files. Refused while a file is still uploading, unless the
 * caller discards the incomplete uploads.
 */
export async function sealPackage(
  core: NodeCore,
  ctx: RequestContext,
  packageId: string,
  opts: { discardIncomplete?: boolean } = {},
): Promise<PackageRow> {
  const { pkg } = await loadPackageFor(core, ctx, packageId, 'add-evidence');
  if (pkg.side !== 'produced' || pkg.status !== 'open')
    throw new AppError('conflict', `Package ${pkg.id} is ${pkg.status}; only an open package can be sealed.`);
  const result = await core.db.transaction(async (tx) => {
    const row = await lockCase(tx, pkg.caseId);
    requireExecuting(row);
    const current = (
      await tx.select().from(evidencePackages).where(eq(evidencePackages.id, pkg.id)).for('update')
    )[0]!;
    if (current.status !== 'open')
      throw new AppError('conflict', `Package ${pkg.id} is already ${current.status}.`);
    const files = await tx
      .select()
      .from(evidenceFiles)
      .where(eq(evidenceFiles.packageId, pkg.id))
      .orderBy(asc(evidenceFiles.idx));
    const uploading = files.filter((f) => f.status === 'uploading');
    if (uploading.length && !opts.discardIncomplete)
      throw new AppError(
        'conflict',
        `${uploading.length} file(s) are still uploading (${uploading.map((f) => f.name).join(', ')}); finish or resume the upload, or seal with discardIncomplete.`,
      );
    for (const f of uploading)
      await fileStep(
        core,
        tx,
        pkg,
        f.idx,
        { status: 'discarded', uploadId: null },
        {
          event: 'file-discarded',
          actor: ctx.user,
        },
      );
    const sealed = files.filter((f) => f.status === 'sealed');
    if (sealed.length === 0) throw new AppError('conflict', `Package ${pkg.id} holds no sealed file yet.`);
    const events = await tx
      .select()
      .from(evidenceEvents)
      .where(and(eq(evidenceEvents.packageId, pkg.id), inArray(evidenceEvents.event, [...MANIFEST_EVENTS])))
      .orderBy(asc(evidenceEvents.id));
    const now = core.now();
    const manifest: Manifest = {
      version: 1,
      package: pkg.id,
      case: pkg.caseId,
      from: core.party,
      to: row.requesting,
      createdAt: now.toISOString(),
      recipient: pkg.recipient,
      conditions: pkg.conditions as ManifestConditions,
      files: sealed.map((f) => ({
        name: f.name,
        size: f.size,
        mediaType: f.mediaType,
        sha256: f.sha256,
        cipherSize: f.cipherSize!,
        cipherSha256: f.cipherSha256!,
        collectedBy: f.collectedBy,
        collectedAt: f.collectedAt.toISOString(),
        custody: [
          { at: f.collectedAt.toISOString(), event: 'collected', by: f.collectedBy, party: core.party },
          ...events
            .filter((e) => e.fileIdx === f.idx)
            .map((e) => ({
              at: e.at.toISOString(),
              event: e.event === 'file-sealed' ? 'hashed and sealed' : 'uploaded to the node',
              by: e.actorName ?? `node ${e.party}`,
              party: e.party,
            })),
        ],
      })),
    };
    const jws = await signManifest(manifest, core.keys.signing.privateKey, core.keys.signing.kid);
    const manifestSha256 = sha256Hex(jws);
    const seq = await recordEvidenceEvent(core, tx, {
      packageId: pkg.id,
      caseId: pkg.caseId,
      event: 'package-sealed',
      actor: ctx.user,
      detail: { manifest: manifestSha256, files: sealed.length, to: row.requesting },
    });
    const entry = (await tx.select().from(ledgerEntries).where(eq(ledgerEntries.seq, seq)))[0]!;
    const producerLedger = {
      origin: core.ledger.origin,
      index: seq,
      entry: entry.entry,
      record: entry.record,
    };
    const message = await enqueueMessage(core, tx, {
      caseId: pkg.caseId,
      to: row.requesting,
      type: 'evidence-manifest',
      action: 'send-evidence',
      actor: { name: ctx.user.name, role: ctx.user.roles[0] },
      body: { manifest: jws, wrappedIdentity: pkg.wrappedIdentity, ledger: producerLedger },
      prev: row.chainOut,
    });
    await appendNote(core, tx, {
      caseId: pkg.caseId,
      action: 'send-evidence',
      actor: ctx.user,
      details: { package: pkg.id, files: sealed.length, manifest: manifestSha256 },
      messageId: message.id,
      at: now,
    });
    return (
      await tx
        .update(evidencePackages)
        .set({
          status: 'sealed',
          // From here on the identity travels only in the message; the producer keeps no copy of its own.
          wrappedIdentity: null,
          manifest,
          manifestJws: jws,
          manifestSha256,
          producerLedger,
          messageId: message.id,
          sealedAt: now,
        })
        .where(eq(evidencePackages.id, pkg.id))
        .returning()
    )[0]!;
  });
  core.wakeOutbox();
  return result;
}

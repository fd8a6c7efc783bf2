/**
 * Evidence at the requested node (design §9): an executor opens a package on a case being executed (here),
 * uploads files into it (uploads.ts; tus, see src/api/routes/evidence.ts), each sealed as it completes, and
 * seals the package (seal-package.ts): the manifest is signed, recorded in the ledger and sent to the requesting
 * node, and the files follow by a resumable transfer (transfer.ts). This module holds the package and file rows
 * and what the others share.
 *
 * The producing node never keeps the package identity: it encrypts to the package's recipient and stores the
 * identity only wrapped to the requesting node's key, so once a file is sealed not even its producer can read
 * it back.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { ulid } from 'ulid';
import { caseResource, requireAllowed } from '../access/guard.ts';
import type { AuthzAction } from '../authz/authorize.ts';
import { loadCaseFor, lockCase } from '../cases/guard.ts';
import type { NodeCore } from '../core.ts';
import type { RequestContext } from '../domain/actor.ts';
import { AppError } from '../domain/errors.ts';
import { ConditionSchema } from '../domain/lifecycle.ts';
import type { Tx } from '../store/db.ts';
import type { CaseRow } from '../store/schema.ts';
import { caseEvents, evidenceFiles, evidencePackages } from '../store/schema.ts';
import { type EvidenceEventInput, recordEvidenceEvent } from './custody.ts';
import { type ManifestConditions, wrapIdentity } from './manifest.ts';
import { newPackageIdentity } from './seal.ts';

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

export function requireExecuting(row: CaseRow): void {
  if (row.state !== 'executing')
    throw new AppError(
      'conflict',
      `Evidence is attached while a request is being executed; case ${row.id} is ${row.state}.`,
    );
}

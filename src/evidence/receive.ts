import { mkdirSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { and, eq, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { appendNote } from '../cases/record-transition.ts';
import type { NodeCore } from '../core.ts';
import type { MessageClaims } from '../crypto/envelope.ts';
import { AppError, issuesLine } from '../domain/errors.ts';
import type { MessageHandler } from '../exchange/receive-message.ts';
import { Refusal } from '../exchange/refusal.ts';
import type { Tx } from '../store/db.ts';
import type { CaseRow } from '../store/schema.ts';
import { evidenceFiles, evidencePackages } from '../store/schema.ts';
import { recordEvidenceEvent } from './custody.ts';
import { unwrapIdentity, verifyManifest } from './manifest.ts';
import { evidencePaths, type FileRow, fileKey, fileStep, type PackageRow, sha256Hex } from './packages.ts';
import { hashFile, identityRecipient } from './seal.ts';

export const ProducerLedgerSchema = z
  .object({
    origin: z.string().max(200),
    index: z.number().int().min(0),
    entry: z.string().max(10_000),
    record: z.record(z.string(), z.unknown()),
  })
  .strict();

const ManifestBodySchema = z
  .object({
    manifest: z.string().max(5_000_000),
    wrappedIdentity: z.string().max(10_000),
    ledger: ProducerLedgerSchema,
  })
  .strict();

/** Applies an `evidence-manifest` message inside the receiving transaction; a Refusal leaves nothing behind. */
export async function receiveEvidenceManifest(
  core: NodeCore,
  tx: Tx,
  row: CaseRow,
  claims: MessageClaims,
): Promise<void> {
  if (claims.from !== row.requested || row.requesting !== core.party)
    throw new Refusal(
      400,
      `evidence on case ${row.id} comes from ${row.requested} to ${row.requesting} only`,
    );
  if (!['executing', 'delivered'].includes(row.state))
    throw new Refusal(
      409,
      `case ${row.id} is ${row.state}, not being executed; evidence is not expected`,
      true,
    );
  const parsed = ManifestBodySchema.safeParse(claims.body);
  if (!parsed.success) throw new Refusal(400, `invalid evidence message: ${issuesLine(parsed.error.issues)}`);
  const body = parsed.data;
  let manifest: Awaited<ReturnType<typeof verifyManifest>>;
  try {
    manifest = await verifyManifest(body.manifest, (kid) => core.trust.signer(kid));
  } catch (e) {
    throw new Refusal(400, `evidence manifest refused: ${(e as Error).message}`);
  }
  if (manifest.to !== core.party)
    throw new Refusal(400, `the evidence package is for ${manifest.to}, not ${core.party}`);
  if (manifest.from !== claims.from)
    throw new Refusal(400, `the manifest is from ${manifest.from}, the message from ${claims.from}`);
  if (manifest.case !== row.id)
    throw new Refusal(400, `the manifest is for case ${manifest.case}, not ${row.id}`);
  let identity: string;
  try {
    identity = await unwrapIdentity(body.wrappedIdentity, core.keys.encryption.privateKey);
  } catch {
    throw new Refusal(400, 'the package identity is not wrapped to this node’s key');
  }
  if ((await identityRecipient(identity)) !== manifest.recipient)
    throw new Refusal(400, 'the wrapped package identity does not match the manifest’s recipient');
  const manifestSha256 = sha256Hex(body.manifest);
  const record = body.ledger.record as {
    package?: unknown;
    event?: unknown;
    detail?: { manifest?: unknown };
  };
  if (record.package !== manifest.package || record.detail?.manifest !== manifestSha256)
    throw new Refusal(400, 'the producer’s ledger record does not commit to this manifest');
  const existing = (
    await tx.select().from(evidencePackages).where(eq(evidencePackages.id, manifest.package))
  )[0];
  if (existing) throw new Refusal(400, `evidence package ${manifest.package} was announced before`);
  const now = core.now();
  await tx.insert(evidencePackages).values({
    id: manifest.package,
    caseId: row.id,
    side: 'received',
    producer: manifest.from,
    receiver: core.party,
    status: 'announced',
    recipient: manifest.recipient,
    wrappedIdentity: body.wrappedIdentity,
    conditions: manifest.conditions,
    retentionUntil: manifest.conditions.retentionUntil ?? null,
    manifest,
    manifestJws: body.manifest,
    manifestSha256,
    producerLedger: body.ledger,
    messageId: claims.id,
    createdAt: now,
  });
  await tx.insert(evidenceFiles).values(
    manifest.files.map((f, idx) => ({
      packageId: manifest.package,
      idx,
      name: f.name,
      mediaType: f.mediaType,
      size: f.size,
      sha256: f.sha256,
      cipherSize: f.cipherSize,
      cipherSha256: f.cipherSha256,
      collectedBy: f.collectedBy,
      collectedAt: new Date(f.collectedAt),
      status: 'pending',
    })),
  );
  const peer = {
    kind: 'peer' as const,
    party: claims.from,
    ...(claims.actor ? { name: claims.actor.name } : {}),
  };
  await recordEvidenceEvent(core, tx, {
    packageId: manifest.package,
    caseId: row.id,
    event: 'package-announced',
    actor: peer,
    detail: {
      manifest: manifestSha256,
      files: manifest.files.length,
      bytes: manifest.files.reduce((n, f) => n + f.cipherSize, 0),
      producerLedger: { origin: body.ledger.origin, index: body.ledger.index },
      conditions: manifest.conditions,
    },
  });
  await appendNote(core, tx, {
    caseId: row.id,
    action: 'send-evidence',
    actor: peer,
    details: { package: manifest.package, files: manifest.files.length, manifest: manifestSha256 },
    messageId: claims.id,
    at: new Date(claims.created),
  });
}

/** The inbound upload id of a file: `<package>.<index>`. */
export function inboundUploadId(packageId: string, idx: number): string {
  return `${packageId}.${idx}`;
}

export function parseInboundUploadId(id: string): { packageId: string; idx: number } | null {
  const m = /^([0-9A-HJKMNP-TV-Z]{26})\.(\d{1,5})$/.exec(id);
  return m ? { packageId: m[1]!, idx: Number(m[2]) } : null;
}

/** File `idx` of a package that `from` announced here by a signed manifest; 404 otherwise. */
export async function inboundFile(
  core: NodeCore,
  from: string,
  packageId: string,
  idx: number,
): Promise<{ pkg: PackageRow; file: typeof evidenceFiles.$inferSelect }> {
  const pkg = (await core.db.select().from(evidencePackages).where(eq(evidencePackages.id, packageId)))[0];
  if (pkg?.side !== 'received' || pkg.producer !== from)
    throw new AppError('not-found', `No evidence package ${packageId} from ${from} is expected here.`);
  const file = (await core.db.select().from(evidenceFiles).where(fileKey(packageId, idx)))[0];
  if (!file) throw new AppError('not-found', `Package ${packageId} has no file ${idx}.`);
  return { pkg, file };
}

/**
 * Whether `from` may push file `idx` of package `packageId` here: announced by that party's signed manifest,
 * and not arrived yet. Returns the file's expected ciphertext size.
 */
export async function inboundFileFor(
  core: NodeCore,
  from: string,
  packageId: string,
  idx: number,
): Promise<{ pkg: PackageRow; file: FileRow; cipherSize: number }> {
  const { pkg, file } = await inboundFile(core, from, packageId, idx);
  if (file.status === 'received')
    throw new AppError('conflict', `File ${idx} of package ${packageId} was already received.`);
  if (pkg.status === 'shredded')
    throw new AppError('gone', `Package ${packageId} was destroyed at the end of its retention.`);
  return { pkg, file, cipherSize: file.cipherSize! };
}

/**
 * A sealed file has arrived in full: it counts only if its ciphertext hash is the manifest's. A mismatch is
 * refused, logged and deleted, so the sender can try again from zero.
 */
export async function finishInboundFile(
  core: NodeCore,
  from: string,
  packageId: string,
  idx: number,
  path: string,
): Promise<{ packageComplete: boolean }> {
  const { pkg, file } = await inboundFileFor(core, from, packageId, idx);
  const actual = await hashFile(path);
  const peer = { kind: 'peer' as const, party: from };
  if (actual !== file.cipherSha256) {
    await rm(path, { force: true });
    const reason = `file ${idx} (${file.name}) has ciphertext SHA-256 ${actual}, but the signed manifest says ${file.cipherSha256}`;
    await core.db.transaction((tx) =>
      fileStep(
        core,
        tx,
        pkg,
        idx,
        { attempts: sql`${evidenceFiles.attempts} + 1`, lastError: reason },
        { event: 'file-transfer-refused', actor: peer, detail: { reason, cipherSha256: actual } },
      ),
    );
    core.log.warn({ package: packageId, file: idx, from }, 'evidence file refused: hash mismatch');
    throw new AppError('unprocessable', `Refused: ${reason}.`);
  }
  const paths = evidencePaths(core);
  mkdirSync(paths.sealedDir(packageId), { recursive: true });
  await rename(path, paths.sealed(packageId, idx));
  return core.db.transaction(async (tx) => {
    await fileStep(
      core,
      tx,
      pkg,
      idx,
      { status: 'received', doneAt: core.now(), lastError: null },
      { event: 'file-received', actor: peer, detail: { cipherSha256: actual, cipherSize: file.cipherSize } },
    );
    const waiting = (
      await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(evidenceFiles)
        .where(and(eq(evidenceFiles.packageId, packageId), ne(evidenceFiles.status, 'received')))
    )[0]!.n;
    if (Number(waiting) > 0) return { packageComplete: false };
    const locked = (
      await tx.select().from(evidencePackages).where(eq(evidencePackages.id, packageId)).for('update')
    )[0]!;
    if (locked.status !== 'announced') return { packageComplete: false };
    await tx
      .update(evidencePackages)
      .set({ status: 'received', receivedAt: core.now() })
      .where(eq(evidencePackages.id, packageId));
    await recordEvidenceEvent(core, tx, {
      packageId,
      caseId: pkg.caseId,
      event: 'package-received',
      actor: { kind: 'system', party: core.party },
      detail: { manifest: pkg.manifestSha256 },
    });
    await appendNote(core, tx, {
      caseId: pkg.caseId,
      action: 'receive-evidence',
      actor: { kind: 'system', party: core.party },
      details: { package: packageId, manifest: pkg.manifestSha256 },
      at: core.now(),
    });
    return { packageComplete: true };
  });
}

/**
 * The handler for `evidence-manifest` messages: on the case's message chain (the exchange has checked `prev`),
 * but not a lifecycle step.
 */
const receiveManifest: MessageHandler = async (core, tx, { claims, row }) => {
  if (!row) throw new Refusal(409, `no case ${claims.case} here (yet)`, true);
  if (claims.action !== 'send-evidence')
    throw new Refusal(400, `an evidence-manifest message carries "send-evidence", not "${claims.action}"`);
  await receiveEvidenceManifest(core, tx, row, claims);
  return { row, status: 'applied', note: null };
};

export const evidenceMessageHandlers = { 'evidence-manifest': receiveManifest } satisfies Record<
  string,
  MessageHandler
>;

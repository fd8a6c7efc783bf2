/**
 * What a user sees of an evidence package (design §9), declared once as schemas with ids: the API validates and
 * documents its answers with them, and the web's types are generated from that document.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { asc, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { NodeCore } from '../core.ts';
import { evidenceEvents, evidenceFiles } from '../store/schema.ts';
import { actorLabel, CUSTODY_EVENTS, type CustodyEvent } from './custody.ts';
import type { Manifest } from './manifest.ts';
import { evidencePaths, type FileRow, type PackageRow } from './packages.ts';

/** A file of a package, on either side. */
export const FileViewSchema = z
  .object({
    idx: z.number().int(),
    name: z.string(),
    mediaType: z.string(),
    size: z.number(),
    sha256: z.string(),
    cipherSize: z.number().nullable(),
    cipherSha256: z.string().nullable(),
    collectedBy: z.string(),
    collectedAt: z.string(),
    status: z.string().meta({
      description:
        'produced side: uploading, sealed, transferred, failed, refused, discarded; received side: pending, received',
    }),
    bytesHeld: z
      .number()
      .nullable()
      .meta({ description: 'bytes held so far of a file still uploading or arriving' }),
    lastError: z.string().nullable(),
    doneAt: z.string().nullable(),
  })
  .meta({ id: 'EvidenceFile' });

/** An evidence package as either side sees it: its files, conditions and chain of custody. */
export const PackageViewSchema = z
  .object({
    id: z.string(),
    caseId: z.string(),
    side: z.enum(['produced', 'received']),
    producer: z.string(),
    receiver: z.string(),
    status: z
      .string()
      .meta({ description: 'produced: open, sealed, shredded; received: announced, received, shredded' }),
    recipient: z.string(),
    conditions: z.record(z.string(), z.unknown()),
    retentionUntil: z.string().nullable(),
    manifestSha256: z.string().nullable(),
    createdAt: z.string(),
    sealedAt: z.string().nullable(),
    receivedAt: z.string().nullable(),
    shreddedAt: z.string().nullable(),
    files: z.array(FileViewSchema),
    custody: z.array(
      z.object({
        at: z.string(),
        event: z.string(),
        description: z.string(),
        file: z.number().nullable(),
        party: z.string(),
        by: z.string(),
        detail: z.record(z.string(), z.unknown()),
        ledgerIndex: z.number(),
      }),
    ),
  })
  .meta({ id: 'EvidencePackage' });
export type PackageView = z.infer<typeof PackageViewSchema>;

/** How many bytes of a file in progress this node holds (an upload here, or a transfer arriving). */
function bytesHeld(core: NodeCore, pkg: PackageRow, f: FileRow): number | null {
  const paths = evidencePaths(core);
  const path =
    pkg.side === 'produced' && f.status === 'uploading' && f.uploadId
      ? join(paths.uploads, f.uploadId)
      : pkg.side === 'received' && f.status === 'pending'
        ? join(paths.inbound, `${pkg.id}.${f.idx}`)
        : null;
  if (!path) return null;
  return existsSync(path) ? statSync(path).size : 0;
}

export function packageView(
  core: NodeCore,
  pkg: PackageRow,
  files: FileRow[],
  events: (typeof evidenceEvents.$inferSelect)[],
): PackageView {
  return {
    id: pkg.id,
    caseId: pkg.caseId,
    side: pkg.side as 'produced' | 'received',
    producer: pkg.producer,
    receiver: pkg.receiver,
    status: pkg.status,
    recipient: pkg.recipient,
    conditions: pkg.conditions as Manifest['conditions'],
    retentionUntil: pkg.retentionUntil,
    manifestSha256: pkg.manifestSha256,
    createdAt: pkg.createdAt.toISOString(),
    sealedAt: pkg.sealedAt?.toISOString() ?? null,
    receivedAt: pkg.receivedAt?.toISOString() ?? null,
    shreddedAt: pkg.shreddedAt?.toISOString() ?? null,
    files: files.map((f) => ({
      idx: f.idx,
      name: f.name,
      mediaType: f.mediaType,
      size: f.size,
      sha256: f.sha256,
      cipherSize: f.cipherSize,
      cipherSha256: f.cipherSha256,
      collectedBy: f.collectedBy,
      collectedAt: f.collectedAt.toISOString(),
      status: f.status,
      bytesHeld: bytesHeld(core, pkg, f),
      lastError: f.lastError,
      doneAt: f.doneAt?.toISOString() ?? null,
    })),
    custody: events.map((e) => ({
      at: e.at.toISOString(),
      event: e.event,
      description: CUSTODY_EVENTS[e.event as CustodyEvent] ?? e.event,
      file: e.fileIdx,
      party: e.party,
      by: actorLabel(e),
      detail: e.detail as Record<string, unknown>,
      ledgerIndex: e.ledgerSeq,
    })),
  };
}

export async function viewsOf(core: NodeCore, pkgs: PackageRow[]): Promise<PackageView[]> {
  if (pkgs.length === 0) return [];
  const ids = pkgs.map((p) => p.id);
  const files = await core.db
    .select()
    .from(evidenceFiles)
    .where(inArray(evidenceFiles.packageId, ids))
    .orderBy(asc(evidenceFiles.idx));
  const events = await core.db
    .select()
    .from(evidenceEvents)
    .where(inArray(evidenceEvents.packageId, ids))
    .orderBy(asc(evidenceEvents.id));
  return pkgs.map((p) =>
    packageView(
      core,
      p,
      files.filter((f) => f.packageId === p.id),
      events.filter((e) => e.packageId === p.id),
    ),
  );
}

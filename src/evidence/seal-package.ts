import { and, asc, eq, inArray } from 'drizzle-orm';
import { lockCase } from '../cases/guard.ts';
import { appendNote } from '../cases/record-transition.ts';
import type { NodeCore } from '../core.ts';
import type { RequestContext } from '../domain/actor.ts';
import { AppError } from '../domain/errors.ts';
import { enqueueMessage } from '../exchange/enqueue-message.ts';
import { evidenceEvents, evidenceFiles, evidencePackages, ledgerEntries } from '../store/schema.ts';
import { type CustodyEvent, recordEvidenceEvent } from './custody.ts';
import { type Manifest, type ManifestConditions, signManifest } from './manifest.ts';
import { fileStep, loadPackageFor, type PackageRow, requireExecuting, sha256Hex } from './packages.ts';

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

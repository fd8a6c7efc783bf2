/**
 * What people do with evidence once it has arrived (design §9): see packages and their custody, open a file
 * (decrypted, checked against the manifest, logged), export a package with its ledger proofs for court, export
 * the package identity for decryption outside Comity, and, when retention ends, lose the key for good.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { and, asc, eq, inArray, isNotNull, lt, ne } from 'drizzle-orm';
import { ulid } from 'ulid';
import { caseResource, requireAllowed } from '../access/guard.ts';
import { latestCheckpoint, signLatestCheckpoint } from '../audit/checkpoints.ts';
import { storedInclusionProof } from '../audit/ledger.ts';
import { loadCaseFor } from '../cases/guard.ts';
import { appendNote } from '../cases/record-transition.ts';
import type { NodeCore } from '../core.ts';
import { handoversPath } from '../crypto/trust-list-handovers.ts';
import type { RequestContext } from '../domain/actor.ts';
import { AppError } from '../domain/errors.ts';
import { destroyRefusedBodies } from '../exchange/refusals.ts';
import {
  evidenceEvents,
  evidenceFiles,
  evidencePackages,
  inbox,
  ledgerEntries,
  outbox,
} from '../store/schema.ts';
import { recordEvidenceEvent } from './custody.ts';
import type { Manifest } from './manifest.ts';
import { unwrapIdentity } from './manifest.ts';
import { evidencePaths, type FileRow, fileKey, loadPackageFor, type PackageRow } from './packages.ts';
import type { LedgerProof } from './proof.ts';
import { ProducerLedgerSchema } from './receive.ts';
import { openFile, SealError } from './seal.ts';
import { type PackageView, viewsOf } from './view.ts';

/** The packages of a case, for anyone who may read the case (logged as a read). */
export async function listPackages(
  core: NodeCore,
  ctx: RequestContext,
  caseId: string,
): Promise<PackageView[]> {
  await loadCaseFor(core, ctx, caseId, { action: 'read', logRead: true });
  const pkgs = await core.db
    .select()
    .from(evidencePackages)
    .where(eq(evidencePackages.caseId, caseId))
    .orderBy(asc(evidencePackages.createdAt));
  return viewsOf(core, pkgs);
}

export async function getPackage(
  core: NodeCore,
  ctx: RequestContext,
  packageId: string,
): Promise<PackageView> {
  const { pkg } = await loadPackageFor(core, ctx, packageId, 'read', { logRead: true });
  return (await viewsOf(core, [pkg]))[0]!;
}

/** One file's row, checked to exist. */
async function fileOf(core: NodeCore, pkg: PackageRow, idx: number): Promise<FileRow> {
  const f = (await core.db.select().from(evidenceFiles).where(fileKey(pkg.id, idx)))[0];
  if (!f) throw new AppError('not-found', `Package ${pkg.id} has no file ${idx}.`);
  return f;
}

function requireKey(pkg: PackageRow): string {
  if (pkg.status === 'shredded' || !pkg.wrappedIdentity)
    throw new AppError(
      'gone',
      `The identity of package ${pkg.id} was destroyed on ${pkg.shreddedAt?.toISOString().slice(0, 10) ?? '?'} when its retention period ended; its files can no longer be opened here.`,
    );
  return pkg.wrappedIdentity;
}

/**
 * The sealed (encrypted) file, for download or export: anyone who may read the case. Only complete files: a
 * file still arriving or uploading is not offered.
 */
export async function sealedFile(core: NodeCore, ctx: RequestContext, packageId: string, idx: number) {
  const { pkg } = await loadPackageFor(core, ctx, packageId, 'read', { logRead: true });
  const f = await fileOf(core, pkg, idx);
  const complete =
    pkg.side === 'received'
      ? f.status === 'received'
      : ['sealed', 'transferred', 'failed'].includes(f.status);
  if (!complete)
    throw new AppError('conflict', `File ${idx} of package ${pkg.id} is ${f.status}, not complete.`);
  return {
    path: evidencePaths(core).sealed(pkg.id, idx),
    name: `${f.name}.age`,
    size: f.cipherSize!,
    sha256: f.cipherSha256!,
  };
}

/**
 * Decrypts one received file into a temporary file, after checking the ciphertext against the manifest, and
 * checks the plaintext too. The opening is a custody event in the ledger; so is a refusal. The caller streams
 * the file and calls `done` to delete it.
 */
export async function openEvidenceFile(core: NodeCore, ctx: RequestContext, packageId: string, idx: number) {
  const { pkg } = await loadPackageFor(core, ctx, packageId, 'open-evidence');
  if (pkg.side !== 'received')
    throw new AppError(
      'forbidden',
      'Evidence is opened by the requesting party; the producing node cannot decrypt it.',
    );
  const wrapped = requireKey(pkg);
  if (pkg.status !== 'received')
    throw new AppError(
      'conflict',
      `Package ${pkg.id} is ${pkg.status}: not every file has arrived and matched the manifest.`,
    );
  const f = await fileOf(core, pkg, idx);
  const paths = evidencePaths(core);
  mkdirSync(paths.tmp, { recursive: true, mode: 0o700 });
  const out = join(paths.tmp, `${ulid()}.open`);
  try {
    const identity = await unwrapIdentity(wrapped, core.keys.encryption.privateKey);
    await openFile({
      input: paths.sealed(pkg.id, idx),
      output: out,
      identity,
      expectSha256: f.sha256,
      expectCipherSha256: f.cipherSha256!,
    });
  } catch (e) {
    await rm(out, { force: true });
    const reason = e instanceof SealError ? e.message : 'the package identity could not be unwrapped';
    await core.db.transaction((tx) =>
      recordEvidenceEvent(core, tx, {
        packageId: pkg.id,
        caseId: pkg.caseId,
        fileIdx: idx,
        event: 'file-open-failed',
        actor: ctx.user,
        detail: { reason },
      }),
    );
    throw new AppError('unprocessable', `File ${idx} of package ${pkg.id} was not opened: ${reason}.`);
  }
  await core.db.transaction((tx) =>
    recordEvidenceEvent(core, tx, {
      packageId: pkg.id,
      caseId: pkg.caseId,
      fileIdx: idx,
      event: 'file-opened',
      actor: ctx.user,
      detail: { sha256: f.sha256, requestId: ctx.requestId },
    }),
  );
  return {
    path: out,
    name: f.name,
    mediaType: f.mediaType,
    size: f.size,
    sha256: f.sha256,
    done: () => rm(out, { force: true }),
  };
}

/** The package identities of a case in age's own format, for an administrator of the requesting node (logged). */
export async function exportPackageKeys(core: NodeCore, ctx: RequestContext, caseId: string) {
  const row = await loadCaseFor(core, ctx, caseId, { action: 'export-evidence-key' });
  await requireAllowed(core, ctx, 'export-evidence-key', caseResource(core, row));
  const pkgs = await core.db
    .select()
    .from(evidencePackages)
    .where(and(eq(evidencePackages.caseId, caseId), eq(evidencePackages.side, 'received')))
    .orderBy(asc(evidencePackages.createdAt));
  const keys: { package: string; recipient: string; identity: string }[] = [];
  const unavailable: { package: string; reason: string }[] = [];
  for (const p of pkgs) {
    if (!p.wrappedIdentity) {
      unavailable.push({
        package: p.id,
        reason: `destroyed on ${p.shreddedAt?.toISOString().slice(0, 10)} (retention ended)`,
      });
      continue;
    }
    keys.push({
      package: p.id,
      recipient: p.recipient,
      identity: await unwrapIdentity(p.wrappedIdentity, core.keys.encryption.privateKey),
    });
  }
  if (keys.length === 0)
    throw new AppError(
      'not-found',
      pkgs.length
        ? `No package of case ${caseId} has a key left: ${unavailable.map((u) => `${u.package} ${u.reason}`).join('; ')}.`
        : `Case ${caseId} has no evidence received here.`,
    );
  await core.db.transaction(async (tx) => {
    for (const k of keys)
      await recordEvidenceEvent(core, tx, {
        packageId: k.package,
        caseId,
        event: 'key-exported',
        actor: ctx.user,
        detail: { recipient: k.recipient, requestId: ctx.requestId },
      });
  });
  return { caseId, exportedAt: core.now().toISOString(), exportedBy: ctx.user.name, keys, unavailable };
}

/** An inclusion proof of this node's own entry `index`, against a checkpoint this node signed. */
async function ownProof(core: NodeCore, index: number): Promise<LedgerProof> {
  await signLatestCheckpoint(core);
  const cp = await latestCheckpoint(core);
  if (!cp || cp.size <= index) throw new Error('no checkpoint covers the entry yet');
  const entry = (await core.db.select().from(ledgerEntries).where(eq(ledgerEntries.seq, index)))[0]!;
  return {
    version: 1,
    party: core.party,
    origin: core.ledger.origin,
    index,
    entry: entry.entry,
    record: entry.record as Record<string, unknown>,
    checkpoint: cp.note,
    hashes: await storedInclusionProof(core.db, index, cp.size),
  };
}

/** The producer's proof of its sealing entry, fetched from its public ledger endpoints. */
async function producerProof(core: NodeCore, pkg: PackageRow): Promise<LedgerProof> {
  const peer = core.trust.party(pkg.producer);
  if (!peer) throw new Error(`${pkg.producer} is not in the trust list`);
  const ledger = ProducerLedgerSchema.parse(pkg.producerLedger);
  const get = async (path: string) => {
    const res = await fetch(`${peer.url}${path}`, { signal: AbortSignal.timeout(15_000) });
    if (!res.ok) throw new Error(`${peer.url}${path} answered ${res.status}`);
    return res;
  };
  // The producer signs a checkpoint every few seconds; a package sealed just now may not be covered yet.
  let checkpoint = '';
  let size = 0;
  for (let attempt = 0; attempt < 6; attempt++) {
    if (attempt) await new Promise((r) => setTimeout(r, 1000));
    checkpoint = await (await get('/ledger/checkpoint')).text();
    size = Number(checkpoint.split('\n')[1]);
    if (Number.isSafeInteger(size) && size > ledger.index) break;
  }
  if (!Number.isSafeInteger(size) || size <= ledger.index)
    throw new Error(`${pkg.producer}'s checkpoint does not cover entry ${ledger.index} yet`);
  const proof = (await (await get(`/ledger/proof/inclusion?index=${ledger.index}&size=${size}`)).json()) as {
    hashes: string[];
  };
  return {
    version: 1,
    party: pkg.producer,
    origin: ledger.origin,
    index: ledger.index,
    entry: ledger.entry,
    record: ledger.record,
    checkpoint,
    hashes: proof.hashes,
  };
}

/**
 * The trust list in force exactly as the administrator signed it (a compact JWS; plain JSON on a node without
 * an administrator key), and the kept lists that handed the administrator key over, oldest first: with them a
 * verifier who holds the administrator key the node was first given walks to the key that signed the list, as
 * the node does at start (`walkHandovers`).
 */
function trustListAsSigned(core: NodeCore): { text: string; handovers: string[] } {
  const path = handoversPath(core.trustSource.path);
  const handovers = existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
    : [];
  return { text: core.trust.text ?? JSON.stringify(core.trust.file), handovers };
}

/**
 * Everything a package export holds besides the sealed files: the signed manifest, the signed trust list to
 * check it with (and its handovers), ledger proofs from this node and (when reachable) from the producer, and
 * the custody record. The export itself is a custody event.
 */
export async function exportPackage(core: NodeCore, ctx: RequestContext, packageId: string) {
  const { pkg } = await loadPackageFor(core, ctx, packageId, 'read', { logRead: true });
  if (!pkg.manifestJws || !pkg.manifestSha256)
    throw new AppError('conflict', `Package ${pkg.id} is ${pkg.status}; it has no signed manifest yet.`);
  const own = (
    await core.db
      .select({ seq: evidenceEvents.ledgerSeq })
      .from(evidenceEvents)
      .where(
        and(
          eq(evidenceEvents.packageId, pkg.id),
          inArray(evidenceEvents.event, pkg.side === 'received' ? ['package-announced'] : ['package-sealed']),
        ),
      )
  )[0];
  const proofs: LedgerProof[] = [];
  const missing: string[] = [];
  if (own) proofs.push(await ownProof(core, own.seq));
  if (pkg.side === 'received')
    try {
      proofs.push(await producerProof(core, pkg));
    } catch (e) {
      missing.push(`${pkg.producer}'s proof could not be fetched: ${(e as Error).message}`);
    }
  await core.db.transaction((tx) =>
    recordEvidenceEvent(core, tx, {
      packageId: pkg.id,
      caseId: pkg.caseId,
      event: 'package-exported',
      actor: ctx.user,
      detail: { proofs: proofs.map((p) => `${p.party}#${p.index}`), requestId: ctx.requestId },
    }),
  );
  const view = (await viewsOf(core, [pkg]))[0]!;
  return {
    package: view,
    manifest: pkg.manifest as Manifest,
    manifestJws: pkg.manifestJws,
    trustList: trustListAsSigned(core),
    proofs,
    missing,
    exportedAt: core.now().toISOString(),
    exportedBy: `${ctx.user.name} (${ctx.user.party})`,
  };
}
export type PackageExport = Awaited<ReturnType<typeof exportPackage>>;

/**
 * Crypto-shredding (design §9): packages whose retention period has ended lose every copy of their wrapped
 * identity this node holds, so that their sealed files can no longer be opened by anyone with the requesting
 * node's key. The requesting node clears the package's identity, the stored message that brought it and any
 * refused delivery of that message; the producing node clears its package and the outbox message that carried
 * it (one not delivered by then is given up). Hashes stay (inbox, outbox, refusals, ledger). Returns how many.
 */
export async function shredExpired(core: NodeCore): Promise<number> {
  const today = core.now().toISOString().slice(0, 10);
  const due = await core.db
    .select()
    .from(evidencePackages)
    .where(
      and(
        ne(evidencePackages.status, 'shredded'),
        isNotNull(evidencePackages.retentionUntil),
        lt(evidencePackages.retentionUntil, today),
      ),
    );
  for (const pkg of due)
    await core.db.transaction(async (tx) => {
      const now = core.now();
      await tx
        .update(evidencePackages)
        .set({ wrappedIdentity: null, status: 'shredded', shreddedAt: now })
        .where(eq(evidencePackages.id, pkg.id));
      const destroyed = `destroyed ${now.toISOString()}: carried the identity of evidence package ${pkg.id}`;
      if (pkg.messageId && pkg.side === 'received') {
        await tx.update(inbox).set({ jws: destroyed }).where(eq(inbox.messageId, pkg.messageId));
        await destroyRefusedBodies(tx, pkg.producer, pkg.messageId, destroyed);
      }
      if (pkg.messageId && pkg.side === 'produced') {
        await tx
          .update(outbox)
          .set({
            status: 'failed',
            lastError: `retention of evidence package ${pkg.id} ended before delivery`,
          })
          .where(and(eq(outbox.messageId, pkg.messageId), eq(outbox.status, 'pending')));
        await tx.update(outbox).set({ payload: destroyed }).where(eq(outbox.messageId, pkg.messageId));
      }
      await recordEvidenceEvent(core, tx, {
        packageId: pkg.id,
        caseId: pkg.caseId,
        event: 'package-shredded',
        actor: { kind: 'system', party: core.party },
        detail: { retentionUntil: pkg.retentionUntil },
        at: now,
      });
      await appendNote(core, tx, {
        caseId: pkg.caseId,
        action: 'shred-evidence',
        actor: { kind: 'system', party: core.party },
        details: { package: pkg.id, retentionUntil: pkg.retentionUntil },
        at: now,
      });
    });
  if (due.length)
    core.log.info({ packages: due.map((p) => p.id) }, 'evidence identities destroyed at end of retention');
  return due.length;
}

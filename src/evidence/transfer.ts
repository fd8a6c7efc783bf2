/**
 * The producing node's transfer worker (design §9): once the requesting node has acknowledged a package's
 * manifest, each sealed file is pushed to it with tus. A broken connection or a stopped receiver costs only
 * the bytes in flight: the next attempt asks the receiver how much it holds and sends the rest.
 */
import { and, eq } from 'drizzle-orm';
import type { NodeCore } from '../core.ts';
import { nodeAuthorization } from '../crypto/node-token.ts';
import { evidenceFiles, evidencePackages, outbox } from '../store/schema.ts';
import { recordEvidenceEvent } from './custody.ts';
import {
  evidencePaths,
  type FileRow,
  fileKey,
  fileStep,
  manifestFiles,
  type PackageRow,
} from './packages.ts';
import { inboundUploadId } from './receive.ts';
import { TusError, tusCreate, tusOffset, tusSend } from './tus-client.ts';

export const INBOUND_UPLOADS_PATH = '/exchange/v1/evidence/uploads';

/** Wait before the next attempt: doubling from 2 s, capped by the node's retry ceiling. */
function backoff(core: NodeCore, attempts: number): Date {
  const ms = Math.min(core.settings.maxRetryDelayMs, 2000 * 2 ** Math.min(attempts, 16));
  return new Date(core.now().getTime() + ms);
}

async function pushFile(
  core: NodeCore,
  pkg: PackageRow,
  file: FileRow,
  position: number,
  signal: AbortSignal,
): Promise<void> {
  const peer = core.trust.party(pkg.receiver);
  if (!peer) throw new TusError(`${pkg.receiver} is not in the trust list`, null, false);
  const endpoint = `${peer.url}${INBOUND_UPLOADS_PATH}`;
  const url = `${endpoint}/${inboundUploadId(pkg.id, position)}`;
  const headers = {
    authorization: await nodeAuthorization({
      from: core.party,
      to: pkg.receiver,
      scope: 'evidence',
      key: core.keys.signing.privateKey,
      kid: core.keys.signing.kid,
      now: core.now(),
    }),
  };
  let offset = await tusOffset(url, { headers, signal });
  if (offset === null) {
    await tusCreate(
      endpoint,
      file.cipherSize!,
      { package: pkg.id, file: String(position) },
      { headers, signal },
    );
    offset = 0;
  }
  const resumedFrom = offset;
  await tusSend(url, evidencePaths(core).sealed(pkg.id, file.idx), offset, {
    headers,
    signal,
    ...(core.settings.transferBytesPerSecond > 0
      ? { bytesPerSecond: core.settings.transferBytesPerSecond }
      : {}),
  });
  await core.db.transaction((tx) =>
    fileStep(
      core,
      tx,
      pkg,
      file.idx,
      { status: 'transferred', doneAt: core.now(), lastError: null },
      {
        event: 'file-sent',
        actor: { kind: 'system', party: core.party },
        detail: { to: pkg.receiver, bytes: file.cipherSize, resumedFrom, attempts: file.attempts + 1 },
      },
    ),
  );
  core.log.info({ package: pkg.id, file: position, resumedFrom }, 'evidence file transferred');
}

async function recordFailure(core: NodeCore, pkg: PackageRow, file: FileRow, e: unknown): Promise<void> {
  const err = e instanceof TusError ? e : new TusError((e as Error).message, null, true);
  const attempts = file.attempts + 1;
  const giveUp = !err.retryable && attempts >= core.settings.transferMaxAttempts;
  await core.db.transaction(async (tx) => {
    await tx
      .update(evidenceFiles)
      .set({
        attempts,
        lastError: err.message,
        nextAttemptAt: backoff(core, attempts),
        ...(giveUp ? { status: 'failed' } : {}),
      })
      .where(fileKey(pkg.id, file.idx));
    if (giveUp)
      await recordEvidenceEvent(core, tx, {
        packageId: pkg.id,
        caseId: pkg.caseId,
        fileIdx: file.idx,
        event: 'file-transfer-failed',
        actor: { kind: 'system', party: core.party },
        detail: { reason: err.message, attempts },
      });
  });
  core.log.warn(
    { package: pkg.id, file: file.idx, attempts, reason: err.message },
    'evidence transfer attempt failed',
  );
}

/** One pass: pushes every due file of every acknowledged package. Returns how many files completed. */
export async function pushEvidence(core: NodeCore, signal: AbortSignal): Promise<number> {
  const due = await core.db
    .select({ pkg: evidencePackages })
    .from(evidencePackages)
    .innerJoin(outbox, eq(outbox.messageId, evidencePackages.messageId))
    .where(
      and(
        eq(evidencePackages.side, 'produced'),
        eq(evidencePackages.status, 'sealed'),
        eq(outbox.status, 'delivered'),
      ),
    );
  let done = 0;
  for (const { pkg } of due) {
    const files = await manifestFiles(core.db, pkg.id);
    const now = core.now();
    for (const [position, file] of files.entries()) {
      if (signal.aborted) return done;
      if (file.status !== 'sealed' || (file.nextAttemptAt && file.nextAttemptAt > now)) continue;
      try {
        await pushFile(core, pkg, file, position, signal);
        done++;
      } catch (e) {
        if (signal.aborted) return done;
        await recordFailure(core, pkg, file, e);
      }
    }
  }
  return done;
}

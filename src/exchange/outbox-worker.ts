/**
 * The outbox worker (design §8): claims due messages with FOR UPDATE SKIP LOCKED (so several node processes
 * can share one PostgreSQL), sends each until a valid signed receipt comes back, with exponential backoff.
 * Messages of one case to one party go strictly in order: a later one waits while an earlier one is pending.
 */
import { and, asc, eq, lte, sql } from 'drizzle-orm';
import type { NodeCore } from '../core.ts';
import { sha256b64url, verifyReceipt } from '../crypto/envelope.ts';
import { stringOrEmpty } from '../domain/untrusted.ts';
import { outbox } from '../store/schema.ts';

type OutboxRow = typeof outbox.$inferSelect;

/** How long a claimed message is reserved for the worker that claimed it. */
const LEASE_MS = 60_000;
const SEND_TIMEOUT_MS = 15_000;
const BATCH = 16;

/** Delay before the next attempt: 1 s doubling, capped, with ±20 % jitter so peers do not retry in lockstep. */
export function retryDelay(attempts: number, maxMs: number): number {
  const base = Math.min(maxMs, 1000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

async function claim(core: NodeCore): Promise<OutboxRow[]> {
  const now = core.now();
  return core.db.transaction(async (tx) => {
    const due = await tx
      .select({ id: outbox.id })
      .from(outbox)
      .where(
        and(
          eq(outbox.status, 'pending'),
          lte(outbox.nextAttemptAt, now),
          sql`not exists (select 1 from outbox earlier where earlier.case_id = ${outbox.caseId} and earlier.recipient = ${outbox.recipient} and earlier.status = 'pending' and earlier.id < ${outbox.id})`,
        ),
      )
      .orderBy(asc(outbox.id))
      .limit(BATCH)
      .for('update', { skipLocked: true });
    if (due.length === 0) return [];
    return tx
      .update(outbox)
      .set({ nextAttemptAt: new Date(now.getTime() + LEASE_MS), attempts: sql`${outbox.attempts} + 1` })
      .where(sql`${outbox.id} in ${due.map((d) => d.id)}`)
      .returning();
  });
}

type Outcome =
  | { kind: 'delivered'; receipt: string }
  | { kind: 'retry'; error: string }
  | { kind: 'failed'; error: string };

async function send(core: NodeCore, row: OutboxRow): Promise<Outcome> {
  if (row.expiresAt.getTime() < core.now().getTime())
    return { kind: 'failed', error: 'expired before it could be delivered' };
  const peer = core.trust.party(row.recipient);
  if (!peer) return { kind: 'failed', error: `${row.recipient} is no longer in the trust list` };
  let res: Response;
  try {
    res = await fetch(`${peer.url}/exchange/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/jose', accept: 'application/json' },
      body: row.payload,
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
  } catch (e) {
    // fetch reports network failures as "fetch failed" with the system error as its cause.
    const err = e as Error & { cause?: { message?: string } };
    return { kind: 'retry', error: `cannot reach ${peer.url}: ${err.cause?.message ?? err.message}` };
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: treated below by status */
  }
  if (res.ok) {
    try {
      const receipt = stringOrEmpty(body.receipt);
      const claims = await verifyReceipt(receipt, peer.signing.key);
      if (
        claims.ref !== row.messageId ||
        claims.hash !== sha256b64url(row.payload) ||
        claims.from !== row.recipient
      )
        return { kind: 'retry', error: 'the receipt does not match the message sent' };
      return { kind: 'delivered', receipt };
    } catch (e) {
      return { kind: 'retry', error: `invalid receipt: ${(e as Error).message}` };
    }
  }
  const detail = typeof body.detail === 'string' ? body.detail : text.slice(0, 300);
  if (res.status >= 500 || res.status === 429 || (res.status === 409 && body.retry === true))
    return { kind: 'retry', error: `${res.status}: ${detail}` };
  return { kind: 'failed', error: `${res.status}: ${detail}` };
}

async function settle(core: NodeCore, row: OutboxRow, outcome: Outcome): Promise<void> {
  const now = core.now();
  if (outcome.kind === 'delivered') {
    await core.db
      .update(outbox)
      .set({ status: 'delivered', deliveredAt: now, receipt: outcome.receipt, lastError: null })
      .where(eq(outbox.id, row.id));
    core.log.info({ messageId: row.messageId, to: row.recipient, type: row.type }, 'message delivered');
    // The receiver has accepted a package's manifest: its files can follow now.
    if (row.type === 'evidence-manifest') core.wakeTransfer();
  } else if (outcome.kind === 'retry') {
    const delay = retryDelay(row.attempts, core.settings.maxRetryDelayMs);
    await core.db
      .update(outbox)
      .set({ nextAttemptAt: new Date(now.getTime() + delay), lastError: outcome.error })
      .where(eq(outbox.id, row.id));
    core.log.warn(
      {
        messageId: row.messageId,
        to: row.recipient,
        attempts: row.attempts,
        retryInMs: delay,
        error: outcome.error,
      },
      'message not delivered; will retry',
    );
  } else {
    await core.db
      .update(outbox)
      .set({ status: 'failed', lastError: outcome.error })
      .where(eq(outbox.id, row.id));
    core.log.error(
      { messageId: row.messageId, to: row.recipient, error: outcome.error },
      'message refused by the recipient; not retried',
    );
  }
}

/** Sends every message that is due now; returns how many were attempted. */
export async function drainOutbox(core: NodeCore): Promise<number> {
  let attempted = 0;
  for (;;) {
    const batch = await claim(core);
    if (batch.length === 0) return attempted;
    attempted += batch.length;
    await Promise.all(batch.map(async (row) => settle(core, row, await send(core, row))));
  }
}

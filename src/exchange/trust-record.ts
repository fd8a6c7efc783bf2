/**
 * Recording a trust list: the ledger records every change of the list (which keys were added, retired,
 * revoked) and the database keeps its text, so that other states and oversight bodies can see when this node
 * began or stopped trusting a key, and the node's other processes can take it (trust-install.ts). A list whose
 * serial goes backwards, that trusts a revoked key again, or that is signed by an administrator key since handed
 * over, is refused.
 */
import { asc, desc, eq } from 'drizzle-orm';
import { appendLedger } from '../audit/ledger.ts';
import type { NodeCore } from '../core.ts';
import type { TrustList } from '../crypto/trust-list.ts';
import { trustAdminKid } from '../crypto/trust-list-jws.ts';
import { AppError } from '../domain/errors.ts';
import type { Tx } from '../store/db.ts';
import { ledgerEntries, ledgerHead, trustLists } from '../store/schema.ts';

/** What the ledger records of a trust list, with the entry's `seq`. */
export interface TrustRecord {
  seq: number;
  digest: string;
  serial: number | null;
  signedBy: string | null;
  keys: Record<string, string>;
}

/**
 * Two processes of one node may install at once: the ledger head's lock (taken again by appendLedger) orders
 * them, so each compares its list with the one the other recorded, not with what was in force before both.
 */
export async function lockLedgerHead(tx: Tx): Promise<void> {
  await tx.select({ id: ledgerHead.id }).from(ledgerHead).where(eq(ledgerHead.id, 1)).for('update');
}

/** The trust list the ledger recorded last, or null before the first. */
export async function lastRecorded(tx: Pick<Tx, 'select'>): Promise<TrustRecord | null> {
  const row = (
    await tx
      .select({ seq: ledgerEntries.seq, record: ledgerEntries.record })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.type, 'trust-list'))
      .orderBy(desc(ledgerEntries.seq))
      .limit(1)
  )[0];
  return row ? { ...(row.record as Omit<TrustRecord, 'seq'>), seq: row.seq } : null;
}

/** Whether a record is of this list: the same content signed by the same key (a re-signed list is a change). */
export const recordOf = (r: Pick<TrustRecord, 'digest' | 'signedBy'>, t: TrustList) =>
  r.digest === t.digest() && r.signedBy === t.signedBy;

/** The text kept for a list: its signed JWS, or its JSON where no administrator key is configured. */
export const textOf = (t: TrustList) => t.text ?? JSON.stringify(t.file);

/** What a list's record says of it: its serial and the status of each key. */
type Standing = Pick<TrustRecord, 'serial' | 'keys'>;
export const standingOf = (t: TrustList): Standing => ({
  serial: t.file.serial ?? null,
  keys: t.keyStatuses(),
});

/** Why a list may not follow another in force (a lower serial, a revoked key trusted again), or null. */
export function stepBack(before: Standing, after: Standing): string | null {
  if (before.serial != null && (after.serial === null || after.serial < before.serial))
    return `The trust list's serial ${after.serial ?? '(none)'} is lower than the one in force (${before.serial}): an old list cannot come back.`;
  const back = Object.entries(after.keys)
    .filter(([kid, status]) => before.keys[kid] === 'revoked' && status !== 'revoked')
    .map(([kid]) => kid);
  return back.length ? `A revoked key cannot be trusted again: ${back.join(', ')}.` : null;
}

/**
 * Why a list signed with this administrator key may not be recorded: the ledger shows the key handed over (a
 * list it signed named a next key, and that key has signed a list since). A process that missed the handover
 * (on another host, with no kept line) would otherwise bring the old key back. A key an operator configures by
 * hand after a compromise was never in the ledger, and is not refused.
 */
async function handedOver(tx: Pick<Tx, 'select'>, signedBy: string | null): Promise<string | null> {
  if (signedBy === null) return null;
  const records = await tx
    .select({ seq: ledgerEntries.seq, record: ledgerEntries.record })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.type, 'trust-list'))
    .orderBy(asc(ledgerEntries.seq));
  let named: string | null = null;
  for (const { seq, record } of records) {
    const r = record as { signedBy: string | null; nextSigner?: string };
    if (named && r.signedBy === named)
      return `The administrator key ${signedBy} handed over to ${named} (ledger entry ${seq}): a list it signs is not taken any more.`;
    if (r.signedBy === signedBy && r.nextSigner && r.nextSigner !== signedBy) named = r.nextSigner;
  }
  return null;
}

/** What changed between two key-status maps. */
function changes(before: Record<string, string>, after: Record<string, string>) {
  const out: {
    added: string[];
    removed: string[];
    retired: string[];
    revoked: string[];
    reactivated: string[];
  } = {
    added: [],
    removed: [],
    retired: [],
    revoked: [],
    reactivated: [],
  };
  for (const [kid, status] of Object.entries(after)) {
    const was = before[kid];
    if (was === undefined) out.added.push(kid);
    else if (was !== status) {
      if (status === 'retired') out.retired.push(kid);
      else if (status === 'revoked') out.revoked.push(kid);
      else out.reactivated.push(kid);
    }
  }
  for (const kid of Object.keys(before)) if (!(kid in after)) out.removed.push(kid);
  return out;
}

/**
 * Records the list in the ledger, with its text, when it differs from the last one recorded; refuses a lower
 * serial than the one in force, and a revoked key coming back. Returns the `seq` of the list's record.
 */
export async function recordTrustList(
  core: NodeCore,
  tx: Tx,
  trust: TrustList,
  by: string | null,
): Promise<{ seq: number; changed: boolean }> {
  await lockLedgerHead(tx);
  const previous = await lastRecorded(tx);
  if (previous && recordOf(previous, trust)) {
    // Recorded before texts were kept (migration 0007): kept now, for the node's other processes.
    await tx
      .insert(trustLists)
      .values({ seq: previous.seq, text: textOf(trust) })
      .onConflictDoNothing();
    return { seq: previous.seq, changed: false };
  }
  const digest = trust.digest();
  const { serial, keys } = standingOf(trust);
  const refusal = previous
    ? (stepBack(previous, { serial, keys }) ?? (await handedOver(tx, trust.signedBy)))
    : null;
  if (refusal) throw new AppError('conflict', refusal);
  const changed = changes(previous?.keys ?? {}, keys);
  const seq = await appendLedger(core, tx, {
    type: 'trust-list',
    party: core.party,
    record: {
      digest,
      serial,
      signedBy: trust.signedBy,
      ...(trust.file.nextSigner ? { nextSigner: trustAdminKid(trust.file.nextSigner) } : {}),
      keys,
      changes: changed,
      ...(by ? { installedBy: by } : {}),
    },
  });
  await tx.insert(trustLists).values({ seq, text: textOf(trust) });
  core.log.info({ digest, serial, changes: changed }, 'trust list recorded');
  return { seq, changed: true };
}

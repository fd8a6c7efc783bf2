/**
 * This node's ledger (design §7): every event becomes an entry in an RFC 9162 Merkle tree, written in the same
 * transaction as the change it records. An entry is the RFC 8785 canonical JSON of
 * `{ seq, time, type, party, case, digest }`: `case` is a keyed hash of the case id (outsiders cannot tell which
 * case, the node can), `digest` the SHA-256 of the full record, which stays in the database for authorised
 * readers. Appends lock one head row that holds the tree's size and right-edge frontier, so an append reads one
 * row and writes the entry plus the O(1) amortised subtree hashes it completes.
 */
import { createHash, createHmac } from 'node:crypto';
import { join } from 'node:path';
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import type { NodeCore } from '../core.ts';
import { loadOrCreateSecretFile } from '../crypto/secret-file.ts';
import { canonicalJson } from '../ledger/canonical.ts';
import {
  appendLeaf,
  type Frontier,
  frontierRoot,
  inclusionProof,
  inclusionProofRanges,
  leafHash,
  proofSubtrees,
  type SubtreeRef,
} from '../ledger/merkle.ts';
import type { Db, Tx } from '../store/db.ts';
import { ledgerEntries, ledgerHead, ledgerSubtrees } from '../store/schema.ts';

export const LEDGER_EVENT_TYPES = [
  'node-started',
  'case-event',
  'screening',
  'message-sent',
  'message-received',
  'message-refused',
  'case-read',
  'access-denied',
  'settings-changed',
  'evidence-event',
  'account-event',
  'trust-list',
] as const;
export type LedgerEventType = (typeof LEDGER_EVENT_TYPES)[number];

export interface LedgerEvent {
  type: LedgerEventType;
  /** The party on whose behalf the event happened. */
  party: string;
  caseId?: string | null;
  record: Record<string, unknown>;
  at?: Date;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const encoder = new TextEncoder();

/** Loads or creates the node's secret for keyed case hashes (mode 0600, in the keys folder). */
export function loadOrCreateCaseKey(keysDir: string): Buffer {
  return loadOrCreateSecretFile(join(keysDir, 'ledger-case-key'), 'base64');
}

/** The keyed hash of a case id that entries carry instead of the id. */
export function caseTag(caseKey: Buffer, caseId: string): string {
  return createHmac('sha256', caseKey).update(caseId).digest('base64url');
}

/** Makes sure the head row exists, so the first appends of concurrent transactions also serialise on it. */
export async function initLedger(db: Db): Promise<void> {
  await db.insert(ledgerHead).values({ id: 1, size: 0, frontier: [] }).onConflictDoNothing();
}

/** Appends one entry inside the caller's transaction; returns its index. */
export async function appendLedger(core: NodeCore, tx: Tx, e: LedgerEvent): Promise<number> {
  const first = (await appendLedgerBatch(core, tx, [e]))[0];
  return first!;
}

/** Rows to insert at most per statement (PostgreSQL allows 65,535 parameters). */
const ROWS_PER_INSERT = 2000;

/** Appends several entries in order inside the caller's transaction, in a few multi-row inserts. */
export async function appendLedgerBatch(
  core: NodeCore,
  tx: Tx,
  events: readonly LedgerEvent[],
): Promise<number[]> {
  const head = (await tx.select().from(ledgerHead).where(eq(ledgerHead.id, 1)).for('update'))[0];
  if (!head) throw new Error('ledger head missing: initLedger was not run');
  let size = head.size;
  let frontier: Frontier = head.frontier.map(unb64);
  const entries: (typeof ledgerEntries.$inferInsert)[] = [];
  const subtrees: (typeof ledgerSubtrees.$inferInsert)[] = [];
  for (const e of events) {
    const at = e.at ?? core.now();
    const record = { ...e.record, ...(e.caseId ? { caseId: e.caseId } : {}) };
    const entry = canonicalJson({
      seq: size,
      time: at.toISOString(),
      type: e.type,
      party: e.party,
      case: e.caseId ? caseTag(core.ledger.caseKey, e.caseId) : null,
      digest: createHash('sha256').update(canonicalJson(record)).digest('hex'),
    });
    const appended = appendLeaf(size, frontier, leafHash(encoder.encode(entry)));
    frontier = appended.frontier;
    for (const c of appended.completed) subtrees.push({ level: c.level, idx: c.index, hash: b64(c.hash) });
    entries.push({ seq: size, entry, type: e.type, caseId: e.caseId ?? null, record, at });
    size++;
  }
  for (let i = 0; i < entries.length; i += ROWS_PER_INSERT)
    await tx.insert(ledgerEntries).values(entries.slice(i, i + ROWS_PER_INSERT));
  for (let i = 0; i < subtrees.length; i += ROWS_PER_INSERT)
    await tx.insert(ledgerSubtrees).values(subtrees.slice(i, i + ROWS_PER_INSERT));
  await tx
    .update(ledgerHead)
    .set({ size, frontier: frontier.map(b64) })
    .where(eq(ledgerHead.id, 1));
  return entries.map((e) => e.seq as number);
}

/** Appends an entry in a transaction of its own (for events that change nothing else). */
export async function appendLedgerAlone(core: NodeCore, e: LedgerEvent): Promise<number> {
  return core.db.transaction((tx) => appendLedger(core, tx, e));
}

/** The current size and root of the tree. */
export async function ledgerTree(db: Db): Promise<{ size: number; root: Uint8Array }> {
  const head = (await db.select().from(ledgerHead).where(eq(ledgerHead.id, 1)))[0];
  const size = head?.size ?? 0;
  return { size, root: frontierRoot(size, (head?.frontier ?? []).map(unb64)) };
}

/** Looks up the stored hashes of the given subtrees, in one query. */
export async function subtreeLookup(
  db: Db,
  refs: readonly SubtreeRef[],
): Promise<(ref: SubtreeRef) => Uint8Array> {
  const found = new Map<string, Uint8Array>();
  if (refs.length > 0) {
    const rows = await db
      .select()
      .from(ledgerSubtrees)
      .where(
        sql`(${ledgerSubtrees.level}, ${ledgerSubtrees.idx}) in (${sql.join(
          refs.map((r) => sql`(${r.level}, ${r.index})`),
          sql`, `,
        )})`,
      );
    for (const r of rows) found.set(`${r.level}/${r.idx}`, unb64(r.hash));
  }
  return (ref) => {
    const hash = found.get(`${ref.level}/${ref.index}`);
    if (!hash) throw new Error(`ledger subtree ${ref.level}/${ref.index} is missing`);
    return hash;
  };
}

/** The RFC 9162 inclusion proof (base64 hashes) of entry `index` in the tree of `size`, from stored subtrees. */
export async function storedInclusionProof(db: Db, index: number, size: number): Promise<string[]> {
  const lookup = await subtreeLookup(db, proofSubtrees(inclusionProofRanges(index, size)));
  return inclusionProof(index, size, lookup).map(b64);
}

/** A page of entries [start, end). */
export async function ledgerPage(db: Db, start: number, end: number) {
  return db
    .select({ seq: ledgerEntries.seq, entry: ledgerEntries.entry })
    .from(ledgerEntries)
    .where(and(gte(ledgerEntries.seq, start), lt(ledgerEntries.seq, end)))
    .orderBy(ledgerEntries.seq);
}

export { b64, unb64 };

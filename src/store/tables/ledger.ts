import { bigint, bigserial, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

import { at } from './columns.ts';

/**
 * The ledger (design §7): one row per entry, `seq` being its leaf index. `entry` holds the exact bytes that are
 * hashed (RFC 8785 canonical JSON); `record` is the full record it commits to, for authorised readers only.
 */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    entry: text('entry').notNull(),
    type: text('type').notNull(),
    caseId: text('case_id'),
    record: jsonb('record').notNull(),
    at: at('at').notNull(),
  },
  // By type: the last entry of a kind (the trust list in force) is found without scanning the whole log.
  (t) => [index('ledger_entries_case_idx').on(t.caseId), index('ledger_entries_type_idx').on(t.type, t.seq)],
);

/** Hashes (base64) of the complete aligned subtrees of the ledger's Merkle tree: O(log n) rows per proof. */
export const ledgerSubtrees = pgTable(
  'ledger_subtrees',
  {
    level: integer('level').notNull(),
    idx: bigint('idx', { mode: 'number' }).notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.level, t.idx] })],
);

/** The tree's size and right-edge frontier; locking this row serialises appends. */
export const ledgerHead = pgTable('ledger_head', {
  id: integer('id').primaryKey(),
  size: bigint('size', { mode: 'number' }).notNull(),
  frontier: jsonb('frontier').$type<string[]>().notNull(),
});

/** Signed checkpoints of this node's ledger. */
export const ledgerCheckpoints = pgTable('ledger_checkpoints', {
  size: bigint('size', { mode: 'number' }).primaryKey(),
  rootHash: text('root_hash').notNull(),
  note: text('note').notNull(),
  at: at('at').notNull(),
});

/**
 * Cosignatures of this node's checkpoints (C2SP tlog-cosignature), one per checkpoint and witness: exactly the
 * line that verified with the witness's key, as the witness returned it from add-checkpoint.
 */
export const ledgerCosignatures = pgTable(
  'ledger_cosignatures',
  {
    size: bigint('size', { mode: 'number' }).notNull(),
    /** The witness's name (its cosignature key name). */
    witness: text('witness').notNull(),
    line: text('line').notNull(),
    at: at('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.size, t.witness] })],
);

/**
 * This node's log as each of its witnesses last answered (C2SP tlog-witness, the log's side): the size the
 * witness last cosigned (the `old` of the next add-checkpoint) and how the last attempt went.
 */
export const ledgerWitnesses = pgTable('ledger_witnesses', {
  witness: text('witness').primaryKey(),
  size: bigint('size', { mode: 'number' }).notNull(),
  cosignedAt: at('cosigned_at'),
  attemptedAt: at('attempted_at'),
  failures: integer('failures').notNull().default(0),
  error: text('error'),
});

/**
 * Other parties' logs as this node's witness last cosigned them (C2SP tlog-witness, the witness's side): one row
 * per origin, advanced only by a compare-and-set on `size`, so that two submissions cannot roll it back.
 */
export const witnessedLogs = pgTable('witnessed_logs', {
  origin: text('origin').primaryKey(),
  party: text('party').notNull(),
  size: bigint('size', { mode: 'number' }).notNull(),
  rootHash: text('root_hash').notNull(),
  /** The checkpoint with the log's signature and this witness's cosignature, as served to monitors. */
  note: text('note').notNull(),
  at: at('at').notNull(),
});

/** Fork, rollback and bad-signature alarms raised while witnessing and monitoring peers' logs, or this node's own. */
export const ledgerAlarms = pgTable('ledger_alarms', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  at: at('at').notNull(),
  party: text('party').notNull(),
  kind: text('kind').notNull(),
  detail: text('detail').notNull(),
  evidence: jsonb('evidence').notNull(),
});

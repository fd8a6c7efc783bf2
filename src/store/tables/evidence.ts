/** Tables (src/store/schema.ts): Evidence packages, their files and their chain of custody. */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { cases } from './cases.ts';
import { at } from './columns.ts';

/**
 * Evidence packages (design §9). At the requested node (`side` = `produced`) a package collects sealed files
 * until it is sealed and sent; at the requesting node (`side` = `received`) it is announced by a signed manifest
 * and complete once every file has arrived and matched the manifest. The package identity is only ever stored
 * wrapped to the requesting node's key: at the producer until the package is sealed into its manifest message,
 * at the receiver until retention ends (crypto-shredding, which also clears the messages that carried it).
 */
export const evidencePackages = pgTable(
  'evidence_packages',
  {
    id: text('id').primaryKey(),
    caseId: text('case_id')
      .notNull()
      .references(() => cases.id),
    side: text('side').notNull(),
    /** The producing (requested) party and the receiving (requesting) party. */
    producer: text('producer').notNull(),
    receiver: text('receiver').notNull(),
    /** produced: open | sealed | shredded; received: announced | received | shredded. */
    status: text('status').notNull(),
    /** The package's age recipient (`age1…`). */
    recipient: text('recipient').notNull(),
    /** The package identity as a compact JWE to the receiving node's X25519 key; null once sent or shredded. */
    wrappedIdentity: text('wrapped_identity'),
    conditions: jsonb('conditions').notNull(),
    retentionUntil: text('retention_until'),
    manifest: jsonb('manifest'),
    manifestJws: text('manifest_jws'),
    /** SHA-256 (hex) of the manifest JWS: what the ledgers record. */
    manifestSha256: text('manifest_sha256'),
    /** The producer's ledger entry for the sealed manifest: origin, index, entry and record. */
    producerLedger: jsonb('producer_ledger'),
    messageId: text('message_id'),
    createdBy: text('created_by'),
    createdAt: at('created_at').notNull(),
    sealedAt: at('sealed_at'),
    receivedAt: at('received_at'),
    shreddedAt: at('shredded_at'),
  },
  (t) => [index('evidence_packages_case_idx').on(t.caseId)],
);

export const evidenceFiles = pgTable(
  'evidence_files',
  {
    packageId: text('package_id')
      .notNull()
      .references(() => evidencePackages.id),
    idx: integer('idx').notNull(),
    name: text('name').notNull(),
    mediaType: text('media_type').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    /** SHA-256 (hex) of the plaintext: declared by the uploader, confirmed when sealed. */
    sha256: text('sha256').notNull(),
    cipherSize: bigint('cipher_size', { mode: 'number' }),
    cipherSha256: text('cipher_sha256'),
    collectedBy: text('collected_by').notNull(),
    collectedAt: at('collected_at').notNull(),
    /** produced: uploading | sealed | transferred | failed; received: pending | received. */
    status: text('status').notNull(),
    /** The tus upload that brings the plaintext (produced side). */
    uploadId: text('upload_id'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: at('next_attempt_at'),
    lastError: text('last_error'),
    doneAt: at('done_at'),
  },
  (t) => [
    primaryKey({ columns: [t.packageId, t.idx] }),
    uniqueIndex('evidence_files_upload_idx').on(t.uploadId),
  ],
);

/** The chain of custody of packages and files as this node saw it; each event is also a ledger entry. */
export const evidenceEvents = pgTable(
  'evidence_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    packageId: text('package_id').notNull(),
    caseId: text('case_id').notNull(),
    fileIdx: integer('file_idx'),
    at: at('at').notNull(),
    event: text('event').notNull(),
    party: text('party').notNull(),
    actorKind: text('actor_kind').notNull(),
    actorId: text('actor_id'),
    actorName: text('actor_name'),
    detail: jsonb('detail').notNull().default(sql`'{}'::jsonb`),
    ledgerSeq: bigint('ledger_seq', { mode: 'number' }).notNull(),
  },
  (t) => [index('evidence_events_package_idx').on(t.packageId, t.id)],
);

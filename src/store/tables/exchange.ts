import { bigint, bigserial, index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

import { at } from './columns.ts';
import { ledgerEntries } from './ledger.ts';

export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    messageId: text('message_id').notNull().unique(),
    caseId: text('case_id').notNull(),
    recipient: text('recipient').notNull(),
    type: text('type').notNull(),
    /** The compact JWE, exactly as sent on every attempt. */
    payload: text('payload').notNull(),
    /** SHA-256 (base64url) of the signed inner JWS: the `prev` of the sender's next message on the case. */
    hash: text('hash').notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: at('next_attempt_at').notNull(),
    expiresAt: at('expires_at').notNull(),
    lastError: text('last_error'),
    createdAt: at('created_at').notNull(),
    deliveredAt: at('delivered_at'),
    receipt: text('receipt'),
  },
  (t) => [index('outbox_pending_idx').on(t.status, t.nextAttemptAt)],
);

export const inbox = pgTable(
  'inbox',
  {
    messageId: text('message_id').primaryKey(),
    sender: text('sender').notNull(),
    caseId: text('case_id').notNull(),
    type: text('type').notNull(),
    /** SHA-256 (base64url) of the signed inner JWS. */
    hash: text('hash').notNull(),
    /** The signed inner JWS, kept for non-repudiation. */
    jws: text('jws').notNull(),
    /** `applied`, or `superseded` when the case had already moved on (e.g. a decision crossing a withdrawal). */
    status: text('status').notNull(),
    note: text('note'),
    receivedAt: at('received_at').notNull(),
    receipt: text('receipt').notNull(),
  },
  (t) => [index('inbox_case_idx').on(t.caseId)],
);

/**
 * Inbound messages refused after their signature verified with a trust-listed key (design §8): evidence about
 * that peer, kept for inspection. The body (at most 200,000 characters of the JWE) is purged after
 * `refusalRetentionDays`, and destroyed at once when it carried an evidence package identity that is shredded;
 * its hash and size stay.
 */
export const inboundRefusals = pgTable(
  'inbound_refusals',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: at('at').notNull(),
    remoteAddress: text('remote_address'),
    /** The party whose key verified the signature (null on rows from before it was recorded). */
    signer: text('signer'),
    claimedSender: text('claimed_sender'),
    messageId: text('message_id'),
    reason: text('reason').notNull(),
    /** base64url SHA-256 and byte size of the JWE as received. */
    bodySha256: text('body_sha256'),
    bodySize: integer('body_size'),
    body: text('body'),
  },
  (t) => [index('inbound_refusals_at_idx').on(t.at), index('inbound_refusals_message_idx').on(t.messageId)],
);

/**
 * Inbound messages refused before anyone was authenticated (not a JWE, not for this node, unknown key, bad
 * signature): anyone can send those, so they are only counted, per hour and reason, with the hash and size of
 * the last one. Nothing else of them is stored, and they are not in the ledger.
 */
export const inboundRefusalCounts = pgTable(
  'inbound_refusal_counts',
  {
    /** The start of the hour. */
    period: at('period').notNull(),
    /** The envelope's refusal code (`malformed`, `not-for-us`, `undecryptable`, `unknown-signer`, …). */
    code: text('code').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    lastAt: at('last_at').notNull(),
    lastRemoteAddress: text('last_remote_address'),
    lastSha256: text('last_sha256').notNull(),
    lastSize: integer('last_size').notNull(),
  },
  (t) => [primaryKey({ columns: [t.period, t.code] })],
);

/**
 * The signed text of every trust list the ledger records, by the `seq` of its `trust-list` entry: each process
 * of the node (on any host) reads what another one installed from here, and checks its signature again.
 */
export const trustLists = pgTable('trust_lists', {
  seq: bigint('seq', { mode: 'number' })
    .primaryKey()
    .references(() => ledgerEntries.seq),
  text: text('text').notNull(),
});

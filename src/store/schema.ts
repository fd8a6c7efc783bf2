/**
 * The one Drizzle schema behind PGlite and PostgreSQL (design §11). Migrations in ./migrations are generated
 * from it with `npm run db:generate` and run at start on either engine.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { InterchangeRequest } from '../domain/request.ts';
import type { Finding, Verdict } from '../domain/safeguards/types.ts';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  party: text('party').notNull(),
  roles: jsonb('roles').$type<string[]>().notNull(),
  passwordHash: text('password_hash').notNull(),
  disabled: boolean('disabled').notNull().default(false),
  demo: boolean('demo').notNull().default(false),
  createdAt: at('created_at').notNull().defaultNow(),
  /** RFC 6238 secret, sealed with the node's secret key (crypto/secret-box.ts); usable once confirmed. */
  totpSecret: text('totp_secret'),
  totpConfirmedAt: at('totp_confirmed_at'),
  /** The last time step accepted, so that a code is never accepted twice. */
  totpLastStep: bigint('totp_last_step', { mode: 'number' }),
  /** The officer's Ed25519 key for vouching for emergency requests (PKCS#8 PEM, sealed), and its key id. */
  officerKey: text('officer_key'),
  officerKid: text('officer_kid'),
});

/** Failed sign-ins per e-mail address (known or not, so that the answer does not tell which). */
export const loginFailures = pgTable('login_failures', {
  email: text('email').primaryKey(),
  count: integer('count').notNull(),
  lastFailedAt: at('last_failed_at').notNull(),
  lockedUntil: at('locked_until'),
});

/** WebAuthn passkeys: the credential's public key (COSE, base64url) and its signature counter. */
export const passkeys = pgTable(
  'passkeys',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    publicKey: text('public_key').notNull(),
    counter: bigint('counter', { mode: 'number' }).notNull(),
    transports: jsonb('transports').$type<string[]>().notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    lastUsedAt: at('last_used_at'),
  },
  (t) => [index('passkeys_user_idx').on(t.userId)],
);

/** One-time recovery codes, stored as SHA-256 hashes. */
export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    codeHash: text('code_hash').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    createdAt: at('created_at').notNull().defaultNow(),
    usedAt: at('used_at'),
  },
  (t) => [index('recovery_codes_user_idx').on(t.userId)],
);

export const tokens = pgTable(
  'tokens',
  {
    /** SHA-256 of the bearer token; the token itself is never stored. */
    tokenHash: text('token_hash').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    createdAt: at('created_at').notNull().defaultNow(),
    expiresAt: at('expires_at').notNull(),
    revokedAt: at('revoked_at'),
    /** 'bearer' (API, CLI: Authorization header) or 'cookie' (browser session, CSRF-checked). */
    kind: text('kind').notNull().default('bearer'),
    /** 'full'; 'mfa' (password checked, second factor pending); 'enrol' (must enrol a second factor first). */
    stage: text('stage').notNull().default('full'),
    lastUsedAt: at('last_used_at'),
    /** The WebAuthn challenge this session was last given, until it is used. */
    challenge: text('challenge'),
  },
  (t) => [index('tokens_user_idx').on(t.userId)],
);

export const cases = pgTable(
  'cases',
  {
    id: text('id').primaryKey(),
    requesting: text('requesting').notNull(),
    requested: text('requested').notNull(),
    type: text('type').notNull(),
    instrument: text('instrument').notNull(),
    channel: text('channel').notNull(),
    urgency: text('urgency').notNull(),
    state: text('state').notNull(),
    request: jsonb('request').$type<InterchangeRequest>().notNull(),
    createdBy: text('created_by'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
    deadlineAt: at('deadline_at'),
    deadlineKind: text('deadline_kind'),
    waitingOn: text('waiting_on'),
    /** Lowercased facts, purpose, subjects and identifiers, for search. */
    searchText: text('search_text').notNull().default(''),
    /** Hash of the last message this node sent on the case (the `prev` of the next one). */
    chainOut: text('chain_out'),
    /** Hash of the last message accepted from the other node on the case. */
    chainIn: text('chain_in'),
    version: integer('version').notNull().default(1),
    /** Need-to-know: when set, only these users of this node (and its oversight, redacted) see the case. */
    restrictedTo: jsonb('restricted_to').$type<string[]>(),
    /** For an emergency request received: the officer of the requesting party who vouched for it. */
    vouchedBy: jsonb('vouched_by').$type<{ kid: string; name: string; party: string; at: string }>(),
  },
  (t) => [
    index('cases_requesting_idx').on(t.requesting, t.updatedAt),
    index('cases_requested_idx').on(t.requested, t.updatedAt),
    index('cases_deadline_idx').on(t.deadlineAt),
  ],
);

/** A case as stored: the row every use case reads and writes. */
export type CaseRow = typeof cases.$inferSelect;

export const caseEvents = pgTable(
  'case_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    caseId: text('case_id')
      .notNull()
      .references(() => cases.id),
    seq: integer('seq').notNull(),
    at: at('at').notNull(),
    action: text('action').notNull(),
    fromState: text('from_state'),
    toState: text('to_state'),
    /** Which node recorded the action first: the acting party. */
    party: text('party').notNull(),
    actorKind: text('actor_kind').notNull(),
    actorId: text('actor_id'),
    actorName: text('actor_name'),
    details: jsonb('details').notNull().default(sql`'{}'::jsonb`),
    messageId: text('message_id'),
  },
  (t) => [uniqueIndex('case_events_seq_idx').on(t.caseId, t.seq)],
);

export const screenings = pgTable(
  'screenings',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    caseId: text('case_id')
      .notNull()
      .references(() => cases.id),
    at: at('at').notNull(),
    verdict: text('verdict').$type<Verdict>().notNull(),
    findings: jsonb('findings').$type<Finding[]>().notNull(),
  },
  (t) => [index('screenings_case_idx').on(t.caseId)],
);

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

/** Every read of case data by a person, and every denial (design §10, DEVELOPERS.md). */
export const accessLog = pgTable(
  'access_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: at('at').notNull(),
    userId: text('user_id'),
    party: text('party'),
    action: text('action').notNull(),
    caseId: text('case_id'),
    outcome: text('outcome').notNull(),
    requestId: text('request_id'),
    ip: text('ip'),
    detail: text('detail'),
  },
  (t) => [index('access_log_case_idx').on(t.caseId)],
);

/** The node's own settings: its party profile (over the registry's) and its screening policy (issue 3). */
export const nodeSettings = pgTable('node_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: at('updated_at').notNull(),
  updatedBy: text('updated_by'),
});

/** Every change of a node setting: who, when, what it was and what it became. */
export const settingsChanges = pgTable(
  'settings_changes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: at('at').notNull(),
    key: text('key').notNull(),
    userId: text('user_id'),
    userName: text('user_name'),
    before: jsonb('before'),
    after: jsonb('after').notNull(),
    note: text('note'),
  },
  (t) => [index('settings_changes_key_idx').on(t.key, t.at)],
);

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

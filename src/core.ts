/**
 * What every part of a running node shares: its party, database, keys, trust list, logger and clock.
 * Built once at start (node.ts) and passed down; nothing reaches for globals.
 */
import type { Logger } from 'pino';
import type { NodeKeys, PublicJwk } from './crypto/keys.ts';
import type { SecretBox } from './crypto/secret-box.ts';
import type { TrustList } from './crypto/trust-list.ts';
import type { RequestType } from './domain/catalogue.ts';
import type { Db } from './store/db.ts';

export interface NodeSettings {
  /** How long a bearer token (API, CLI) lives. */
  tokenTtlMinutes: number;
  /** How long a browser session lives at most, and how long it survives without use. */
  sessionTtlMinutes: number;
  sessionIdleMinutes: number;
  /** Requests per minute one user (or, before sign-in, one address) may make; 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** Sign-in attempts per minute from one address. */
  loginRateLimitPerMinute: number;
  /** Failed sign-ins in a row after which an account is locked, and for how long. */
  lockoutThreshold: number;
  lockoutMinutes: number;
  /**
   * How long a message stays valid after it is created (design §8 `expires`); the receiver refuses one created
   * longer ago, or valid for longer, than this and the clock skew allow.
   */
  messageTtlHours: number;
  /** Longest wait between two delivery attempts of one message. */
  maxRetryDelayMs: number;
  /** How often the workers look for due work when nothing wakes them. */
  pollIntervalMs: number;
  /** Tolerated clock difference between nodes for `created`. */
  clockSkewSeconds: number;
  /** How often a new checkpoint is signed when the ledger has grown. */
  checkpointIntervalMs: number;
  /** How often peers' published checkpoints are monitored (checked against what this node's witness cosigned). */
  witnessIntervalMs: number;
  /** How often retention periods of evidence and of refused messages' bodies are checked. */
  retentionIntervalMs: number;
  /** How long the body of a refused message is kept for inspection (its hash, size and reason stay). */
  refusalRetentionDays: number;
  /** Upper bound on the rate of evidence pushed to another node, bytes per second (0: none). */
  transferBytesPerSecond: number;
  /** Attempts at pushing one evidence file before it is marked failed. */
  transferMaxAttempts: number;
  /**
   * The request types this node's 24/7 contacts may decide (and execute) when a request comes by the 24/7
   * channel. The requested side chooses, not the requesting one: a request of any other type that names the
   * 24/7 channel is read by the 24/7 contacts but decided by the central authority's reviewers. By default
   * the types of UNCC art. 41(3)(b), 42 and 43 (expedited preservation, partial disclosure of traffic data).
   */
  contactDecides: readonly RequestType[];
}

export const DEFAULT_SETTINGS: NodeSettings = {
  tokenTtlMinutes: 60,
  sessionTtlMinutes: 12 * 60,
  sessionIdleMinutes: 30,
  rateLimitPerMinute: 600,
  loginRateLimitPerMinute: 20,
  lockoutThreshold: 5,
  lockoutMinutes: 15,
  messageTtlHours: 14 * 24,
  maxRetryDelayMs: 5 * 60_000,
  pollIntervalMs: 1_000,
  clockSkewSeconds: 300,
  checkpointIntervalMs: 2_000,
  witnessIntervalMs: 10_000,
  retentionIntervalMs: 60 * 60_000,
  refusalRetentionDays: 30,
  transferBytesPerSecond: 0,
  transferMaxAttempts: 8,
  contactDecides: ['preservation', 'traffic-disclosure'],
};

/** A C2SP tlog-witness outside the federation, named in the node's config. */
export interface ExternalWitness {
  /** Its cosignature key name. */
  name: string;
  /** Its submission prefix (add-checkpoint is `<url>/add-checkpoint`). */
  url: string;
  /** Its raw Ed25519 public key. */
  publicKey: Uint8Array;
}

export interface NodeCore {
  party: string;
  db: Db;
  keys: NodeKeys;
  /** Seals secrets the node must read back (TOTP seeds) with a key kept outside the database. */
  secrets: SecretBox;
  /** The trust list in force; replaced as a whole when an administrator installs a new signed one. */
  trust: TrustList;
  /**
   * Where the trust list lives, the administrator key it must be signed with (if configured), and the ledger
   * `seq` of the record of the list in force (set once the node has recorded or found it).
   */
  trustSource: { path: string; signer?: PublicJwk; seq?: number };
  log: Logger;
  settings: NodeSettings;
  /** Where evidence files live: uploads in progress, sealed files, temporary openings. */
  evidenceDir: string;
  /** The ledger's origin (checkpoint origin line and note key name) and the key of its case hashes. */
  ledger: { origin: string; caseKey: Buffer };
  /**
   * Who witnesses this node's log besides the peers of the trust list (external C2SP tlog-witness services), and
   * how many witnesses must cosign a checkpoint before it is published as witnessed.
   */
  witnessing: { quorum: number; external: ExternalWitness[] };
  now(): Date;
  /** Tells the outbox worker that a message is waiting. */
  wakeOutbox(): void;
  /** Tells the screening worker that a received request is waiting. */
  wakeScreening(): void;
  /** Tells the evidence transfer worker that sealed files are waiting to be pushed. */
  wakeTransfer(): void;
}

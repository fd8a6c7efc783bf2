import { bigint, boolean, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';

import { at } from './columns.ts';

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

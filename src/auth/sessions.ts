/**
 * Sessions. A sign-in gives a token of 256 random bits, stored only as its SHA-256 hash, of one of two kinds:
 * `bearer` for the API and the CLI (short-lived, sent as Authorization), `cookie` for the browser (HttpOnly,
 * SameSite=Strict, ends after a period without use, and every state-changing request must carry its CSRF
 * token). A session has a stage: `full`, or, for an account that needs a second factor, `mfa` (the password was
 * right, the second factor is pending) or `enrol` (the account has no second factor yet and may only enrol one).
 * Every check re-reads the user, so disabling an account ends all its sessions at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, lte, or, sql } from 'drizzle-orm';
import { ulid } from 'ulid';
import { appendLedger } from '../audit/ledger.ts';
import type { NodeCore } from '../core.ts';
import { newOfficerKey } from '../crypto/vouch.ts';
import type { UserActor } from '../domain/actor.ts';
import { AppError } from '../domain/errors.ts';
import { vouches } from '../domain/roles.ts';
import type { Tx } from '../store/db.ts';
import { loginFailures, passkeys, tokens, users } from '../store/schema.ts';
import { dummyHash, hashPassword, verifyPassword } from './passwords.ts';

export type SessionKind = 'bearer' | 'cookie';
export type SessionStage = 'full' | 'mfa' | 'enrol';

/** How long the password step holds while the second factor is given or enrolled. */
const PENDING_MINUTES = 10;
/** `last_used_at` is written at most this often, not on every request. */
const TOUCH_EVERY_MS = 60_000;

const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url');

/** The CSRF token of a cookie session: derived from the session token, which a cross-site page cannot read. */
export const csrfTokenOf = (token: string) =>
  createHash('sha256').update(`comity-csrf\0${token}`).digest('base64url');

export function userActorOf(u: typeof users.$inferSelect): UserActor {
  return { kind: 'user', id: u.id, name: u.name, email: u.email, party: u.party, roles: u.roles };
}

export interface Session {
  tokenHash: string;
  kind: SessionKind;
  stage: SessionStage;
  expiresAt: Date;
  challenge: string | null;
}

export interface LoginResult {
  token: string;
  expiresAt: string;
  stage: SessionStage;
  kind: SessionKind;
  user: UserActor;
  /** For a cookie session: the value to send as X-CSRF-Token on every request that changes something. */
  csrfToken?: string;
  /** For stage `mfa`: the second factors this account can use. */
  methods?: ('totp' | 'passkey' | 'recovery-code')[];
}

/** Records an account event in the ledger (sign-ins, lockouts, enrolments, administration). */
export async function recordAccountEvent(
  core: NodeCore,
  tx: Tx,
  event: string,
  record: { userId?: string; by?: string; [key: string]: unknown },
): Promise<void> {
  await appendLedger(core, tx, { type: 'account-event', party: core.party, record: { event, ...record } });
}

/** A new session token for a user (only its SHA-256 is stored); the caller has checked who it is for. */
export async function issueToken(
  core: NodeCore,
  tx: Tx,
  userId: string,
  kind: SessionKind,
  stage: SessionStage,
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const minutes =
    stage !== 'full'
      ? PENDING_MINUTES
      : kind === 'cookie'
        ? core.settings.sessionTtlMinutes
        : core.settings.tokenTtlMinutes;
  const expiresAt = new Date(core.now().getTime() + minutes * 60_000);
  await tx.insert(tokens).values({
    tokenHash: tokenHash(token),
    userId,
    expiresAt,
    kind,
    stage,
    lastUsedAt: core.now(),
  });
  return { token, expiresAt };
}

/** The second factors a user has enrolled. */
export async function secondFactors(
  core: NodeCore,
  user: typeof users.$inferSelect,
): Promise<('totp' | 'passkey' | 'recovery-code')[]> {
  const methods: ('totp' | 'passkey' | 'recovery-code')[] = [];
  if (user.totpConfirmedAt) methods.push('totp');
  const keys = await core.db.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.userId, user.id));
  if (keys.length) methods.push('passkey');
  if (methods.length) methods.push('recovery-code');
  return methods;
}

function lockedMessage(until: Date): string {
  return `Too many failed sign-ins for this account: it is locked until ${until.toISOString().slice(11, 16)} UTC.`;
}

/**
 * Checks e-mail and password. The same answer for an unknown e-mail and a wrong password; after
 * `lockoutThreshold` failures in a row the address is locked for `lockoutMinutes`, known or not. The attempt is
 * counted before the password is hashed, so no more than the threshold are ever compared, however many arrive
 * at once.
 */
export async function login(
  core: NodeCore,
  email: string,
  password: string,
  kind: SessionKind = 'bearer',
): Promise<LoginResult> {
  const address = email.trim().toLowerCase().slice(0, 320);
  const user = (await core.db.select().from(users).where(eq(users.email, address)))[0];
  const attempt = await beginAttempt(core, address, user?.id);
  const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), password);
  if (!user || !ok || user.disabled) {
    await recordFailure(core, attempt);
    throw new AppError('unauthenticated', 'Wrong e-mail or password.');
  }
  const methods = user.demo ? [] : await secondFactors(core, user);
  const stage: SessionStage = user.demo ? 'full' : methods.length ? 'mfa' : 'enrol';
  const issued = await core.db.transaction(async (tx) => {
    await clearAttempts(core, tx, attempt);
    if (stage === 'full')
      await recordAccountEvent(core, tx, 'signed-in', { userId: user.id, method: 'password' });
    return issueToken(core, tx, user.id, kind, stage);
  });
  core.log.info({ userId: user.id, stage, kind }, 'password accepted');
  return resultOf(issued, stage, kind, user, methods);
}

function resultOf(
  issued: { token: string; expiresAt: Date },
  stage: SessionStage,
  kind: SessionKind,
  user: typeof users.$inferSelect,
  methods: LoginResult['methods'] = [],
): LoginResult {
  return {
    token: issued.token,
    expiresAt: issued.expiresAt.toISOString(),
    stage,
    kind,
    user: userActorOf(user),
    ...(kind === 'cookie' ? { csrfToken: csrfTokenOf(issued.token) } : {}),
    ...(stage === 'mfa' ? { methods } : {}),
  };
}

/** An attempt at a password or a second factor, counted (its `number` in a row) before it is verified. */
export interface Attempt {
  /** An e-mail address, or `2fa:<user id>`. */
  key: string;
  number: number;
  userId: string | undefined;
}

/**
 * Counts an attempt against `key` in one statement before anything is verified, and refuses it while the key is
 * locked or when it is beyond the threshold (attempts sent at once: the threshold-th locks the key if it fails,
 * those after it are not verified at all). Checking first and counting after the verification let every
 * attempt that arrived together through.
 */
export async function beginAttempt(
  core: NodeCore,
  key: string,
  userId: string | undefined,
): Promise<Attempt> {
  const now = core.now();
  const [row] = await core.db
    .insert(loginFailures)
    .values({ email: key, count: 1, lastFailedAt: now })
    .onConflictDoUpdate({
      target: loginFailures.email,
      set: {
        // While locked the count stands still (it was set to 0 by the lock, and starts again after it).
        count: sql`CASE WHEN ${loginFailures.lockedUntil} > ${now.toISOString()}::timestamptz THEN ${loginFailures.count} ELSE ${loginFailures.count} + 1 END`,
        lastFailedAt: now,
      },
    })
    .returning();
  if (row?.lockedUntil && row.lockedUntil > now)
    throw new AppError('rate-limited', lockedMessage(row.lockedUntil));
  const attempt = { key, number: row?.count ?? 1, userId };
  if (attempt.number > core.settings.lockoutThreshold) {
    const until = await lock(core, attempt);
    throw new AppError('rate-limited', lockedMessage(until));
  }
  return attempt;
}

/** A failed attempt: the one that reached the threshold locks the key for `lockoutMinutes` (a ledger event). */
export async function recordFailure(core: NodeCore, attempt: Attempt): Promise<void> {
  if (attempt.number >= core.settings.lockoutThreshold) await lock(core, attempt);
  core.log.warn({ userId: attempt.userId, known: Boolean(attempt.userId) }, 'failed sign-in');
}

/** Locks `attempt.key` unless it is locked already; returns until when it is locked. */
async function lock(core: NodeCore, attempt: Attempt): Promise<Date> {
  const now = core.now();
  const until = new Date(now.getTime() + core.settings.lockoutMinutes * 60_000);
  return core.db.transaction(async (tx) => {
    const [locked] = await tx
      .update(loginFailures)
      .set({ count: 0, lockedUntil: until })
      .where(
        and(
          eq(loginFailures.email, attempt.key),
          or(isNull(loginFailures.lockedUntil), lte(loginFailures.lockedUntil, now)),
        ),
      )
      .returning();
    if (!locked) {
      const [row] = await tx.select().from(loginFailures).where(eq(loginFailures.email, attempt.key));
      return row?.lockedUntil ?? until;
    }
    await recordAccountEvent(core, tx, 'locked', {
      ...(attempt.userId ? { userId: attempt.userId } : { unknownAccount: true }),
      until: until.toISOString(),
    });
    core.log.warn({ userId: attempt.userId, until }, 'sign-in locked after repeated failures');
    return until;
  });
}

/** A right password or second factor ends the run of failures (but not a lock that others' attempts set). */
export async function clearAttempts(core: NodeCore, tx: Tx, attempt: Attempt): Promise<void> {
  await tx
    .delete(loginFailures)
    .where(
      and(
        eq(loginFailures.email, attempt.key),
        or(isNull(loginFailures.lockedUntil), lte(loginFailures.lockedUntil, core.now())),
      ),
    );
}

/**
 * Replaces a session whose second factor was just given (or first enrolled) by a full one: a new token, so
 * that a token seen before the second factor is worth nothing after it.
 */
export async function completeSession(
  core: NodeCore,
  tx: Tx,
  session: Session,
  userId: string,
  method: string,
): Promise<LoginResult> {
  // Compare-and-set: of two second factors given at once on one pending session, one completes it.
  const ended = await tx
    .update(tokens)
    .set({ revokedAt: core.now() })
    .where(and(eq(tokens.tokenHash, session.tokenHash), isNull(tokens.revokedAt)))
    .returning({ hash: tokens.tokenHash });
  if (!ended.length)
    throw new AppError('unauthenticated', 'This sign-in has already been completed or ended.');
  const issued = await issueToken(core, tx, userId, session.kind, 'full');
  await recordAccountEvent(core, tx, 'signed-in', { userId, method });
  const user = (await tx.select().from(users).where(eq(users.id, userId)))[0]!;
  return resultOf(issued, 'full', session.kind, user);
}

/** The user and session behind a token, or null when unknown, expired, idle too long, revoked or disabled. */
export async function authenticate(
  core: NodeCore,
  token: string,
  kind: SessionKind,
): Promise<{ user: UserActor; session: Session } | null> {
  const hash = tokenHash(token);
  const now = core.now();
  const found = (
    await core.db
      .select({ user: users, token: tokens })
      .from(tokens)
      .innerJoin(users, eq(users.id, tokens.userId))
      .where(and(eq(tokens.tokenHash, hash), gt(tokens.expiresAt, now), isNull(tokens.revokedAt)))
  )[0];
  if (!found || found.user.disabled || found.token.kind !== kind) return null;
  const lastUsed = found.token.lastUsedAt ?? found.token.createdAt;
  if (kind === 'cookie' && now.getTime() - lastUsed.getTime() > core.settings.sessionIdleMinutes * 60_000)
    return null;
  if (now.getTime() - lastUsed.getTime() > TOUCH_EVERY_MS)
    await core.db.update(tokens).set({ lastUsedAt: now }).where(eq(tokens.tokenHash, hash));
  return {
    user: userActorOf(found.user),
    session: {
      tokenHash: hash,
      kind,
      stage: found.token.stage as SessionStage,
      expiresAt: found.token.expiresAt,
      challenge: found.token.challenge,
    },
  };
}

export async function logout(core: NodeCore, session: Session): Promise<void> {
  await core.db.update(tokens).set({ revokedAt: core.now() }).where(eq(tokens.tokenHash, session.tokenHash));
}

/** Ends every session of a user (on disabling, password change, second-factor reset). */
export async function revokeSessions(core: NodeCore, tx: Tx, userId: string): Promise<void> {
  await tx
    .update(tokens)
    .set({ revokedAt: core.now() })
    .where(and(eq(tokens.userId, userId), isNull(tokens.revokedAt)));
}

/** Stores the WebAuthn challenge given to a session, to be checked (once) when the answer comes. */
export async function setChallenge(core: NodeCore, session: Session, challenge: string): Promise<void> {
  await core.db.update(tokens).set({ challenge }).where(eq(tokens.tokenHash, session.tokenHash));
}

/**
 * Takes the session's WebAuthn challenge, once: of two answers sent at once to one challenge, only the first
 * gets it. Null when there is none (never asked for, or already used).
 */
export async function takeChallenge(core: NodeCore, session: Session): Promise<string | null> {
  if (!session.challenge) return null;
  const taken = await core.db
    .update(tokens)
    .set({ challenge: null })
    .where(and(eq(tokens.tokenHash, session.tokenHash), eq(tokens.challenge, session.challenge)))
    .returning({ hash: tokens.tokenHash });
  return taken.length ? session.challenge : null;
}

export interface NewUser {
  email: string;
  name: string;
  party: string;
  roles: string[];
  password: string;
  demo?: boolean;
  /** The officer key to keep (PKCS#8 PEM and key id); else officers and 24/7 contacts get a new one. */
  officerKey?: { pem: string; kid: string };
}

/** The sealed officer key columns for a new account in these roles. */
export function officerKeyColumns(
  core: NodeCore,
  party: string,
  roles: readonly string[],
  given?: { pem: string; kid: string },
): { officerKey: string; officerKid: string } | Record<string, never> {
  if (!vouches(roles)) return {};
  const key = given ?? newOfficerKey(party);
  return { officerKey: core.secrets.seal(key.pem), officerKid: key.kid };
}

/** Creates a user (or returns the existing one with that e-mail). */
export async function ensureUser(core: NodeCore, u: NewUser): Promise<string> {
  const email = u.email.toLowerCase();
  const existing = (
    await core.db.select({ id: users.id, kid: users.officerKid }).from(users).where(eq(users.email, email))
  )[0];
  if (existing) {
    // An account made before officer keys existed gets the key it is given (the demo's, from the trust list).
    if (!existing.kid && u.officerKey)
      await core.db
        .update(users)
        .set(officerKeyColumns(core, u.party, u.roles, u.officerKey))
        .where(eq(users.id, existing.id));
    return existing.id;
  }
  const id = ulid();
  await core.db.insert(users).values({
    id,
    email,
    name: u.name,
    party: u.party,
    roles: u.roles,
    passwordHash: await hashPassword(u.password),
    demo: u.demo ?? false,
    ...officerKeyColumns(core, u.party, u.roles, u.officerKey),
  });
  return id;
}

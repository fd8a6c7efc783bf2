/**
 * Second factors (design §10, issue 7): TOTP (RFC 6238), WebAuthn passkeys, and one-time recovery codes.
 * Enrolling the first factor gives ten recovery codes and, for a session that was waiting to enrol, a full
 * session. Every enrolment, removal and use of a recovery code is an account event in the ledger.
 */
import { createHash, randomBytes } from 'node:crypto';
import { base32 } from '@scure/base';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { and, eq, isNull, lt, or } from 'drizzle-orm';
import type { NodeCore } from '../core.ts';
import { AppError } from '../domain/errors.ts';
import type { Tx } from '../store/db.ts';
import { passkeys, recoveryCodes, users } from '../store/schema.ts';
import {
  beginAttempt,
  clearAttempts,
  completeSession,
  type LoginResult,
  recordAccountEvent,
  recordFailure,
  type Session,
  secondFactors,
  setChallenge,
  takeChallenge,
} from './sessions.ts';
import { checkTotp, decodeTotpSecret, newTotpSecret, otpauthUri } from './totp.ts';

const RECOVERY_CODES = 10;
const codeHash = (code: string) =>
  createHash('sha256').update(code.replace(/[\s-]/g, '').toLowerCase()).digest('base64url');

async function userRow(core: NodeCore, userId: string) {
  const user = (await core.db.select().from(users).where(eq(users.id, userId)))[0];
  if (!user) throw new AppError('unauthenticated', 'Sign in first.');
  return user;
}

/** The result of enrolling a factor: new recovery codes the first time, a full session when one was waiting. */
export interface Enrolled {
  recoveryCodes?: string[];
  session?: LoginResult;
}

async function afterEnrolment(
  core: NodeCore,
  tx: Tx,
  session: Session,
  userId: string,
  factor: string,
): Promise<Enrolled> {
  await recordAccountEvent(core, tx, 'factor-enrolled', { userId, factor });
  const unused = await tx
    .select({ h: recoveryCodes.codeHash })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  const codes = unused.length ? undefined : await replaceRecoveryCodes(core, tx, userId);
  const full =
    session.stage === 'enrol' ? await completeSession(core, tx, session, userId, factor) : undefined;
  return { ...(codes ? { recoveryCodes: codes } : {}), ...(full ? { session: full } : {}) };
}

/** Ten new one-time codes (60 bits each, `xxxx-xxxx-xxxx`); the previous ones stop working. */
export async function replaceRecoveryCodes(core: NodeCore, tx: Tx, userId: string): Promise<string[]> {
  await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  const codes = Array.from({ length: RECOVERY_CODES }, () =>
    (base32.encode(randomBytes(8)).replace(/=+$/, '').toLowerCase().slice(0, 12).match(/.{4}/g) ?? []).join(
      '-',
    ),
  );
  await tx.insert(recoveryCodes).values(codes.map((c) => ({ codeHash: codeHash(c), userId })));
  await recordAccountEvent(core, tx, 'recovery-codes-issued', { userId, count: codes.length });
  return codes;
}

// ---- TOTP ----

/** Starts TOTP enrolment: a new secret, kept unconfirmed until a code from the app proves it was scanned. */
export async function beginTotp(core: NodeCore, userId: string): Promise<{ secret: string; uri: string }> {
  const user = await userRow(core, userId);
  if (user.totpConfirmedAt)
    throw new AppError(
      'conflict',
      'An authenticator app is already enrolled; remove it first to replace it.',
    );
  const secret = newTotpSecret();
  await core.db
    .update(users)
    .set({ totpSecret: core.secrets.seal(secret), totpLastStep: null })
    .where(eq(users.id, userId));
  const issuer = `Comity ${core.party}`;
  return { secret, uri: otpauthUri(secret, user.email, issuer) };
}

/** Confirms TOTP enrolment with a code from the app. */
export async function confirmTotp(
  core: NodeCore,
  session: Session,
  userId: string,
  code: string,
): Promise<Enrolled> {
  const user = await userRow(core, userId);
  if (user.totpConfirmedAt) throw new AppError('conflict', 'The authenticator app is already enrolled.');
  if (!user.totpSecret) throw new AppError('conflict', 'Start the enrolment first (POST …/totp/setup).');
  const step = checkTotp(decodeTotpSecret(core.secrets.open(user.totpSecret)), code, core.now(), null);
  if (step === null)
    throw new AppError(
      'unprocessable',
      'That code does not match; check the time on the device and try again.',
    );
  return core.db.transaction(async (tx) => {
    const confirmed = await tx
      .update(users)
      .set({ totpConfirmedAt: core.now(), totpLastStep: step })
      .where(and(eq(users.id, userId), isNull(users.totpConfirmedAt)))
      .returning({ id: users.id });
    if (!confirmed.length) throw new AppError('conflict', 'The authenticator app is already enrolled.');
    return afterEnrolment(core, tx, session, userId, 'totp');
  });
}

/** The key second-factor attempts of a user are counted under, apart from the password's. */
const secondFactorKey = (userId: string) => `2fa:${userId}`;

/**
 * A second step of a sign-in: the attempt is counted first, then `spend` checks the factor and uses it up in the
 * transaction that completes the session (false when it is wrong or already used, which counts as a failure).
 */
async function signInWith(
  core: NodeCore,
  session: Session,
  userId: string,
  method: 'totp' | 'recovery-code',
  refusal: string,
  spend: (tx: Tx) => Promise<boolean>,
): Promise<LoginResult> {
  const attempt = await beginAttempt(core, secondFactorKey(userId), userId);
  const result = await core.db.transaction(async (tx) => {
    if (!(await spend(tx))) return null;
    await clearAttempts(core, tx, attempt);
    return completeSession(core, tx, session, userId, method);
  });
  if (result) return result;
  await recordFailure(core, attempt);
  throw new AppError('unauthenticated', refusal);
}

/**
 * The second step of a sign-in with a TOTP code. The last used step moves with a compare-and-set, so one code
 * signs in once even when it is sent on two sessions at the same moment.
 */
export async function signInWithTotp(
  core: NodeCore,
  session: Session,
  userId: string,
  code: string,
): Promise<LoginResult> {
  return signInWith(core, session, userId, 'totp', 'Wrong or already used code.', async (tx) => {
    const user = (await tx.select().from(users).where(eq(users.id, userId)))[0];
    if (!user) throw new AppError('unauthenticated', 'Sign in first.');
    if (!user.totpConfirmedAt || !user.totpSecret)
      throw new AppError('conflict', 'This account has no authenticator app enrolled.');
    const step = checkTotp(
      decodeTotpSecret(core.secrets.open(user.totpSecret)),
      code,
      core.now(),
      user.totpLastStep ?? null,
    );
    if (step === null) return false;
    const moved = await tx
      .update(users)
      .set({ totpLastStep: step })
      .where(and(eq(users.id, userId), or(isNull(users.totpLastStep), lt(users.totpLastStep, step))))
      .returning({ id: users.id });
    return moved.length > 0;
  });
}

/** The second step of a sign-in with a recovery code; the code is spent. */
export async function signInWithRecoveryCode(
  core: NodeCore,
  session: Session,
  userId: string,
  code: string,
): Promise<LoginResult> {
  return signInWith(
    core,
    session,
    userId,
    'recovery-code',
    'Wrong or already used recovery code.',
    async (tx) => {
      const spent = await tx
        .update(recoveryCodes)
        .set({ usedAt: core.now() })
        .where(
          and(
            eq(recoveryCodes.codeHash, codeHash(code)),
            eq(recoveryCodes.userId, userId),
            isNull(recoveryCodes.usedAt),
          ),
        )
        .returning({ h: recoveryCodes.codeHash });
      return spent.length > 0;
    },
  );
}

// ---- Passkeys ----

/**
 * The relying party is the host the browser opened: WebAuthn binds a passkey to a domain name, so the Origin
 * must be this node's own and not an IP address (browsers refuse those; the demo is at http://localhost:PORT).
 */
export function relyingParty(
  origin: string | undefined,
  host: string | undefined,
): { id: string; origin: string } {
  let url: URL | null = null;
  try {
    url = origin ? new URL(origin) : null;
  } catch {
    url = null;
  }
  if (!url || !host || url.host !== host)
    throw new AppError(
      'bad-request',
      'Passkeys work only from the node’s own web application (same origin).',
    );
  if (/^[\d.]+$/.test(url.hostname) || url.hostname.includes(':'))
    throw new AppError(
      'bad-request',
      `Passkeys need a domain name, not an IP address: open http://localhost:${url.port || 80} instead.`,
    );
  return { id: url.hostname, origin: url.origin };
}

export async function passkeyRegistrationOptions(
  core: NodeCore,
  session: Session,
  userId: string,
  rp: { id: string },
) {
  const user = await userRow(core, userId);
  const existing = await core.db.select().from(passkeys).where(eq(passkeys.userId, userId));
  const options = await generateRegistrationOptions({
    rpName: `Comity ${core.party}`,
    rpID: rp.id,
    userName: user.email,
    userDisplayName: user.name,
    userID: new TextEncoder().encode(user.id),
    attestationType: 'none',
    excludeCredentials: existing.map((k) => ({ id: k.id, transports: k.transports as never })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
  });
  await setChallenge(core, session, options.challenge);
  return options;
}

export async function registerPasskey(
  core: NodeCore,
  session: Session,
  userId: string,
  rp: { id: string; origin: string },
  response: RegistrationResponseJSON,
  name: string,
): Promise<Enrolled> {
  const challenge = await takeChallenge(core, session);
  if (!challenge) throw new AppError('conflict', 'Ask for registration options first.');
  const verification = await verifyRegistrationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.id,
    requireUserVerification: true,
  }).catch((e: Error) => {
    throw new AppError('unprocessable', `The passkey could not be verified: ${e.message}`);
  });
  if (!verification.verified) throw new AppError('unprocessable', 'The passkey could not be verified.');
  const { credential } = verification.registrationInfo;
  return core.db.transaction(async (tx) => {
    await tx.insert(passkeys).values({
      id: credential.id,
      userId,
      name: name.trim() || 'Passkey',
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: credential.transports ?? [],
    });
    return afterEnrolment(core, tx, session, userId, 'passkey');
  });
}

export async function passkeySignInOptions(
  core: NodeCore,
  session: Session,
  userId: string,
  rp: { id: string },
) {
  const keys = await core.db.select().from(passkeys).where(eq(passkeys.userId, userId));
  if (!keys.length) throw new AppError('conflict', 'This account has no passkey.');
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    allowCredentials: keys.map((k) => ({ id: k.id, transports: k.transports as never })),
    userVerification: 'required',
  });
  await setChallenge(core, session, options.challenge);
  return options;
}

export async function signInWithPasskey(
  core: NodeCore,
  session: Session,
  userId: string,
  rp: { id: string; origin: string },
  response: AuthenticationResponseJSON,
): Promise<LoginResult> {
  const challenge = await takeChallenge(core, session);
  if (!challenge) throw new AppError('conflict', 'Ask for sign-in options first.');
  const attempt = await beginAttempt(core, secondFactorKey(userId), userId);
  // The library does not match the answer to a credential: look it up, and only among this user's.
  const key = (
    await core.db
      .select()
      .from(passkeys)
      .where(and(eq(passkeys.id, String(response.id)), eq(passkeys.userId, userId)))
  )[0];
  const refuse = async (why: string) => {
    await recordFailure(core, attempt);
    return new AppError('unauthenticated', `The passkey was not accepted: ${why}`);
  };
  if (!key) throw await refuse('it is not one of this account’s passkeys.');
  const verification = await verifyAuthenticationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.id,
    credential: {
      id: key.id,
      publicKey: new Uint8Array(Buffer.from(key.publicKey, 'base64url')),
      counter: key.counter,
      transports: key.transports as never,
    },
    requireUserVerification: true,
  }).catch(async (e: Error) => {
    throw await refuse(e.message);
  });
  if (!verification.verified) throw await refuse('the signature does not verify.');
  return core.db.transaction(async (tx) => {
    await tx
      .update(passkeys)
      .set({ counter: verification.authenticationInfo.newCounter, lastUsedAt: core.now() })
      .where(eq(passkeys.id, key.id));
    await clearAttempts(core, tx, attempt);
    return completeSession(core, tx, session, userId, 'passkey');
  });
}

// ---- Status and removal ----

export async function mfaStatus(core: NodeCore, userId: string) {
  const user = await userRow(core, userId);
  const keys = await core.db.select().from(passkeys).where(eq(passkeys.userId, userId));
  const codes = await core.db
    .select({ h: recoveryCodes.codeHash })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  return {
    required: !user.demo,
    totp: Boolean(user.totpConfirmedAt),
    passkeys: keys.map((k) => ({
      id: k.id,
      name: k.name,
      createdAt: k.createdAt.toISOString(),
      lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    })),
    recoveryCodesLeft: codes.length,
    methods: await secondFactors(core, user),
  };
}

export async function removeTotp(core: NodeCore, userId: string, by: string): Promise<void> {
  await core.db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ totpSecret: null, totpConfirmedAt: null, totpLastStep: null })
      .where(eq(users.id, userId));
    await recordAccountEvent(core, tx, 'factor-removed', { userId, factor: 'totp', by });
  });
}

export async function removePasskey(core: NodeCore, userId: string, id: string, by: string): Promise<void> {
  await core.db.transaction(async (tx) => {
    const gone = await tx
      .delete(passkeys)
      .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
      .returning({ id: passkeys.id });
    if (!gone.length) throw new AppError('not-found', 'No such passkey on this account.');
    await recordAccountEvent(core, tx, 'factor-removed', { userId, factor: 'passkey', by });
  });
}

export async function newRecoveryCodes(core: NodeCore, userId: string): Promise<string[]> {
  return core.db.transaction((tx) => replaceRecoveryCodes(core, tx, userId));
}

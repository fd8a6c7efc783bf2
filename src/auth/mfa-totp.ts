/**
 * The authenticator-app factor (TOTP; the codes themselves are ./totp.ts): enrolment, the second step of a
 * sign-in, and removal. The secret is sealed at rest, and a code signs in once.
 */
import { and, eq, isNull, lt, or } from 'drizzle-orm';
import type { NodeCore } from '../core.ts';
import { AppError } from '../domain/errors.ts';
import { users } from '../store/schema.ts';
import { afterEnrolment, type Enrolled, signInWith, userRow } from './mfa.ts';
import { type LoginResult, recordAccountEvent, type Session } from './sessions.ts';
import { checkTotp, decodeTotpSecret, newTotpSecret, otpauthUri } from './totp.ts';

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

export async function removeTotp(core: NodeCore, userId: string, by: string): Promise<void> {
  await core.db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ totpSecret: null, totpConfirmedAt: null, totpLastStep: null })
      .where(eq(users.id, userId));
    await recordAccountEvent(core, tx, 'factor-removed', { userId, factor: 'totp', by });
  });
}

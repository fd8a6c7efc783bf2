/**
 * Second factors (design §10, issue 7): what the authenticator app (./mfa-totp.ts) and passkeys
 * (./mfa-passkeys.ts) share, and the one-time recovery codes that stand in for either. Enrolling the first
 * factor gives ten recovery codes and, for a session that was waiting to enrol, a full session. Every
 * enrolment, removal and use of a recovery code is an account event in the ledger.
 */
import { createHash, randomBytes } from 'node:crypto';
import { base32 } from '@scure/base';
import { and, eq, isNull } from 'drizzle-orm';
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
} from './sessions.ts';

// ---- Enrolment and the second step of a sign-in ----

/** The signed-in user's row. */
export async function userRow(core: NodeCore, userId: string) {
  const user = (await core.db.select().from(users).where(eq(users.id, userId)))[0];
  if (!user) throw new AppError('unauthenticated', 'Sign in first.');
  return user;
}

/** The result of enrolling a factor: new recovery codes the first time, a full session when one was waiting. */
export interface Enrolled {
  recoveryCodes?: string[];
  session?: LoginResult;
}

/** After a factor is enrolled, in its transaction: the account event, recovery codes, a full session. */
export async function afterEnrolment(
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

/** The key second-factor attempts of a user are counted under, apart from the password's. */
export const secondFactorKey = (userId: string) => `2fa:${userId}`;

/**
 * A second step of a sign-in: the attempt is counted first, then `spend` checks the factor and uses it up in the
 * transaction that completes the session (false when it is wrong or already used, which counts as a failure).
 */
export async function signInWith(
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

// ---- Recovery codes ----

const RECOVERY_CODES = 10;
const codeHash = (code: string) =>
  createHash('sha256').update(code.replace(/[\s-]/g, '').toLowerCase()).digest('base64url');

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

export async function newRecoveryCodes(core: NodeCore, userId: string): Promise<string[]> {
  return core.db.transaction((tx) => replaceRecoveryCodes(core, tx, userId));
}

// ---- Status ----

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

/**
 * The passkey factor (WebAuthn, @simplewebauthn/server): registration, the second step of a sign-in, and
 * removal. Each ceremony's challenge is kept on the session that asked for it and used once.
 */
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { and, eq } from 'drizzle-orm';
import type { NodeCore } from '../core.ts';
import { AppError } from '../domain/errors.ts';
import { passkeys } from '../store/schema.ts';
import { afterEnrolment, type Enrolled, secondFactorKey, userRow } from './mfa.ts';
import {
  beginAttempt,
  clearAttempts,
  completeSession,
  type LoginResult,
  recordAccountEvent,
  recordFailure,
  type Session,
  setChallenge,
  takeChallenge,
} from './sessions.ts';

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

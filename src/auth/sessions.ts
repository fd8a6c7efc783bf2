/**
 * Bearer tokens: 256 random bits, given to the user once and stored only as a SHA-256 hash, with an expiry.
 * A disabled user's tokens stop working at once because every check re-reads the user.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { ulid } from 'ulid';
import { AppError } from '../api/errors.ts';
import type { UserActor } from '../cases/actor.ts';
import type { NodeCore } from '../node/core.ts';
import { tokens, users } from '../store/schema.ts';
import { dummyHash, hashPassword, verifyPassword } from './passwords.ts';

const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url');

export function userActorOf(u: typeof users.$inferSelect): UserActor {
  return { kind: 'user', id: u.id, name: u.name, email: u.email, party: u.party, roles: u.roles };
}

export interface LoginResult {
  token: string;
  expiresAt: string;
  user: UserActor;
}

/** Checks e-mail and password and issues a bearer token. The same error for an unknown e-mail and a wrong password. */
export async function login(core: NodeCore, email: string, password: string): Promise<LoginResult> {
  const user = (await core.db.select().from(users).where(eq(users.email, email.trim().toLowerCase())))[0];
  const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), password);
  if (!user || !ok || user.disabled) {
    core.log.warn({ email: email.slice(0, 200) }, 'failed login');
    throw new AppError('unauthenticated', 'Wrong e-mail or password.');
  }
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(core.now().getTime() + core.settings.tokenTtlMinutes * 60_000);
  await core.db.insert(tokens).values({ tokenHash: tokenHash(token), userId: user.id, expiresAt });
  core.log.info({ userId: user.id }, 'login');
  return { token, expiresAt: expiresAt.toISOString(), user: userActorOf(user) };
}

/** The user behind a bearer token, or null when the token is unknown, expired, revoked or the user disabled. */
export async function authenticate(core: NodeCore, token: string): Promise<UserActor | null> {
  const found = (
    await core.db
      .select({ user: users })
      .from(tokens)
      .innerJoin(users, eq(users.id, tokens.userId))
      .where(
        and(
          eq(tokens.tokenHash, tokenHash(token)),
          gt(tokens.expiresAt, core.now()),
          isNull(tokens.revokedAt),
        ),
      )
  )[0];
  if (!found || found.user.disabled) return null;
  return userActorOf(found.user);
}

export async function logout(core: NodeCore, token: string): Promise<void> {
  await core.db
    .update(tokens)
    .set({ revokedAt: core.now() })
    .where(eq(tokens.tokenHash, tokenHash(token)));
}

export interface NewUser {
  email: string;
  name: string;
  party: string;
  roles: string[];
  password: string;
  demo?: boolean;
}

/** Creates a user (or returns the existing one with that e-mail). */
export async function ensureUser(core: NodeCore, u: NewUser): Promise<string> {
  const email = u.email.toLowerCase();
  const existing = (await core.db.select({ id: users.id }).from(users).where(eq(users.email, email)))[0];
  if (existing) return existing.id;
  const id = ulid();
  await core.db.insert(users).values({
    id,
    email,
    name: u.name,
    party: u.party,
    roles: u.roles,
    passwordHash: await hashPassword(u.password),
    demo: u.demo ?? false,
  });
  return id;
}

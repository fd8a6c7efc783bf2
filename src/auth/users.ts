/**
 * Accounts of this node, managed by its administrators: create, change roles, disable (every session ends at
 * once), reset second factors (the user enrols again at the next sign-in), give an officer a new key to vouch
 * with. Each change is a ledger event.
 */
import { createPrivateKey } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { ulid } from 'ulid';
import type { NodeCore } from '../core.ts';
import type { PublicJwk } from '../crypto/keys.ts';
import { officerPublicJwk } from '../crypto/vouch.ts';
import type { RequestContext } from '../domain/actor.ts';
import { AppError } from '../domain/errors.ts';
import { type Role, vouches } from '../domain/roles.ts';
import { passkeys, recoveryCodes, users } from '../store/schema.ts';
import { hashPassword } from './passwords.ts';
import { officerKeyColumns, recordAccountEvent, revokeSessions } from './sessions.ts';

export const MIN_PASSWORD_LENGTH = 12;

export interface AccountView {
  id: string;
  email: string;
  name: string;
  party: string;
  roles: Role[];
  disabled: boolean;
  demo: boolean;
  secondFactor: boolean;
  /** The key that vouches for this officer's emergency requests, for the administrator to publish. */
  officerKey: { kid: string; jwk: PublicJwk; inTrustList: boolean } | null;
  createdAt: string;
}

export async function listAccounts(core: NodeCore): Promise<AccountView[]> {
  const rows = await core.db
    .select()
    .from(users)
    .where(eq(users.party, core.party))
    .orderBy(asc(users.email));
  const withKeys = new Set(
    (await core.db.select({ userId: passkeys.userId }).from(passkeys)).map((k) => k.userId),
  );
  return rows.map((u) => accountView(core, u, withKeys.has(u.id)));
}

function accountView(core: NodeCore, u: typeof users.$inferSelect, hasPasskey: boolean): AccountView {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    party: u.party,
    roles: u.roles as Role[],
    disabled: u.disabled,
    demo: u.demo,
    secondFactor: Boolean(u.totpConfirmedAt) || hasPasskey,
    officerKey:
      u.officerKey && u.officerKid
        ? {
            kid: u.officerKid,
            jwk: officerPublicJwk(createPrivateKey(core.secrets.open(u.officerKey))),
            inTrustList: Boolean(core.trust.officer(u.officerKid)),
          }
        : null,
    createdAt: u.createdAt.toISOString(),
  };
}

async function accountOf(core: NodeCore, id: string): Promise<AccountView> {
  const u = (
    await core.db
      .select()
      .from(users)
      .where(and(eq(users.id, id), eq(users.party, core.party)))
  )[0];
  if (!u) throw new AppError('not-found', 'No such account on this node.');
  const keys = await core.db
    .select({ id: passkeys.id })
    .from(passkeys)
    .where(eq(passkeys.userId, id))
    .limit(1);
  return accountView(core, u, keys.length > 0);
}

export async function createAccount(
  core: NodeCore,
  ctx: RequestContext,
  input: { email: string; name: string; roles: Role[]; password: string },
): Promise<AccountView> {
  if (input.password.length < MIN_PASSWORD_LENGTH)
    throw new AppError('unprocessable', `The password must have at least ${MIN_PASSWORD_LENGTH} characters.`);
  const email = input.email.trim().toLowerCase();
  const id = ulid();
  const passwordHash = await hashPassword(input.password);
  await core.db.transaction(async (tx) => {
    const taken = await tx.select({ id: users.id }).from(users).where(eq(users.email, email));
    if (taken.length) throw new AppError('conflict', 'An account with this e-mail address exists.');
    await tx.insert(users).values({
      id,
      email,
      name: input.name.trim(),
      party: core.party,
      roles: input.roles,
      passwordHash,
      ...officerKeyColumns(core, core.party, input.roles),
    });
    await recordAccountEvent(core, tx, 'account-created', {
      userId: id,
      by: ctx.user.id,
      roles: input.roles,
    });
  });
  return accountOf(core, id);
}

export async function updateAccount(
  core: NodeCore,
  ctx: RequestContext,
  id: string,
  change: { name?: string; roles?: Role[]; disabled?: boolean },
): Promise<AccountView> {
  const before = await accountOf(core, id);
  if (change.name === undefined && change.roles === undefined && change.disabled === undefined)
    throw new AppError('bad-request', 'Nothing to change: give name, roles or disabled.');
  if (id === ctx.user.id && (change.disabled || (change.roles && !change.roles.includes('admin'))))
    throw new AppError(
      'conflict',
      'Administrators cannot disable themselves or remove their own admin role.',
    );
  // Made an officer or 24/7 contact: the account gets a key to vouch with (the trust list must then list it).
  const newKey = change.roles && !before.officerKey ? officerKeyColumns(core, core.party, change.roles) : {};
  await core.db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({
        ...(change.name !== undefined ? { name: change.name.trim() } : {}),
        ...(change.roles ? { roles: change.roles } : {}),
        ...newKey,
        ...(change.disabled !== undefined ? { disabled: change.disabled } : {}),
      })
      .where(eq(users.id, id));
    // Disabling, or a change of roles, ends every session: the next one starts with the new rights.
    if (change.disabled || change.roles) await revokeSessions(core, tx, id);
    await recordAccountEvent(core, tx, change.disabled ? 'account-disabled' : 'account-changed', {
      userId: id,
      by: ctx.user.id,
      ...(change.roles ? { roles: change.roles, rolesBefore: before.roles } : {}),
      ...('officerKid' in newKey ? { officerKey: newKey.officerKid } : {}),
      ...(change.disabled !== undefined ? { disabled: change.disabled } : {}),
    });
  });
  return accountOf(core, id);
}

/** Clears every second factor and recovery code of an account and ends its sessions. */
export async function resetSecondFactors(
  core: NodeCore,
  ctx: RequestContext,
  id: string,
): Promise<AccountView> {
  await accountOf(core, id);
  await core.db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ totpSecret: null, totpConfirmedAt: null, totpLastStep: null })
      .where(eq(users.id, id));
    await tx.delete(passkeys).where(eq(passkeys.userId, id));
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, id));
    await revokeSessions(core, tx, id);
    await recordAccountEvent(core, tx, 'second-factors-reset', { userId: id, by: ctx.user.id });
  });
  return accountOf(core, id);
}

/**
 * Gives an officer or 24/7 contact a new key to vouch for emergency requests with, replacing the old one (revoked
 * in the trust list, or feared compromised). The node sends the account's emergency requests again once the trust
 * list in force lists the new key (`comity trust officers`, then sign and install); the old one should be revoked
 * there. Demo accounts keep the keys the demo publishes.
 */
export async function renewOfficerKey(core: NodeCore, ctx: RequestContext, id: string): Promise<AccountView> {
  await core.db.transaction(async (tx) => {
    const row = (
      await tx
        .select({ roles: users.roles, demo: users.demo, kid: users.officerKid })
        .from(users)
        .where(eq(users.id, id))
        .for('update')
    )[0];
    if (!row) throw new AppError('not-found', 'No such account on this node.');
    if (!vouches(row.roles))
      throw new AppError('conflict', 'Only officers and 24/7 contacts hold a key to vouch with.');
    if (row.demo)
      throw new AppError('conflict', 'A demo account keeps the key the demo publishes in its trust list.');
    const columns = officerKeyColumns(core, core.party, row.roles);
    await tx.update(users).set(columns).where(eq(users.id, id));
    await recordAccountEvent(core, tx, 'officer-key-renewed', {
      userId: id,
      by: ctx.user.id,
      previous: row.kid,
      kid: columns.officerKid,
    });
  });
  return accountOf(core, id);
}

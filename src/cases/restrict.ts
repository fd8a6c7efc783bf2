/**
 * Need-to-know (issue 7): a case restricted to named users of this node is closed to everyone else here,
 * whatever their role; oversight still sees it redacted. The restriction is this node's own: it is not sent to
 * the other party. Setting and lifting it are case events.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { AppError } from '../api/errors.ts';
import type { NodeCore } from '../node/core.ts';
import { cases, users } from '../store/schema.ts';
import type { RequestContext } from './actor.ts';
import { caseResource, loadCaseFor, lockCase, requireAllowed } from './guard.ts';
import { appendNote } from './record-transition.ts';

export async function restrictCase(
  core: NodeCore,
  ctx: RequestContext,
  id: string,
  change: { users: string[] | null; note?: string | undefined },
): Promise<void> {
  const row = await loadCaseFor(core, ctx, id, { action: 'restrict' });
  await requireAllowed(core, ctx, 'restrict', caseResource(row));
  const named = change.users ? [...new Set(change.users)] : null;
  if (named) {
    if (!named.includes(ctx.user.id))
      throw new AppError(
        'unprocessable',
        'Name yourself among the users: otherwise you would lose the case.',
      );
    const found = await core.db
      .select({ id: users.id })
      .from(users)
      .where(and(inArray(users.id, named), eq(users.party, ctx.user.party), eq(users.disabled, false)));
    const unknown = named.filter((u) => !found.some((f) => f.id === u));
    if (unknown.length)
      throw new AppError('unprocessable', `Not active users of this node: ${unknown.join(', ')}.`, {
        errors: unknown.map((u) => ({ field: 'users', message: `unknown user ${u}` })),
      });
  }
  await core.db.transaction(async (tx) => {
    await lockCase(tx, id);
    await tx.update(cases).set({ restrictedTo: named }).where(eq(cases.id, id));
    await appendNote(core, tx, {
      caseId: id,
      action: named ? 'restrict' : 'lift-restriction',
      actor: ctx.user,
      details: { ...(named ? { users: named } : {}), ...(change.note ? { note: change.note } : {}) },
      at: core.now(),
    });
  });
}

/** Roles that can read cases at all (oversight reads them redacted, and a restriction does not change that). */
const CASE_ROLES = new Set(['officer', 'reviewer', 'admin', 'contact-24-7', 'executor']);

export interface Colleague {
  id: string;
  name: string;
  email: string;
  roles: string[];
}

/**
 * The users a case can be restricted to: active accounts of this node with a role that reads cases. Only for
 * those who may restrict this case (the same policy decision), so the list is no directory for everyone.
 */
export async function restrictionCandidates(
  core: NodeCore,
  ctx: RequestContext,
  id: string,
): Promise<Colleague[]> {
  const row = await loadCaseFor(core, ctx, id, { action: 'restrict' });
  await requireAllowed(core, ctx, 'restrict', caseResource(row));
  const rows = await core.db
    .select({ id: users.id, name: users.name, email: users.email, roles: users.roles })
    .from(users)
    .where(and(eq(users.party, ctx.user.party), eq(users.disabled, false)))
    .orderBy(users.name);
  return rows
    .map((u) => ({ ...u, roles: u.roles as string[] }))
    .filter((u) => u.roles.some((r) => CASE_ROLES.has(r)));
}

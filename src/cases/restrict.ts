/**
 * Need-to-know (issue 7): a case restricted to named users of this node is closed to everyone else here,
 * whatever their role; oversight still sees it redacted. The restriction is this node's own: it is not sent to
 * the other party. Setting and lifting it are case events.
 */
import { and, eq } from 'drizzle-orm';
import { caseResource, logAccess, requireAllowed } from '../access/guard.ts';
import { authorize } from '../authz/authorize.ts';
import type { NodeCore } from '../core.ts';
import type { RequestContext } from '../domain/actor.ts';
import { AppError } from '../domain/errors.ts';
import { quoteUntrusted } from '../domain/untrusted.ts';
import type { CaseRow } from '../store/schema.ts';
import { cases, users } from '../store/schema.ts';
import { loadCaseFor, lockCase } from './guard.ts';
import { appendNote } from './record-transition.ts';

export async function restrictCase(
  core: NodeCore,
  ctx: RequestContext,
  id: string,
  change: { users: string[] | null; note?: string | undefined },
): Promise<void> {
  const row = await loadCaseFor(core, ctx, id, { action: 'restrict' });
  await requireAllowed(core, ctx, 'restrict', caseResource(core, row));
  const named = change.users ? [...new Set(change.users)] : null;
  if (named) {
    if (!named.includes(ctx.user.id))
      throw new AppError(
        'unprocessable',
        'Name yourself among the users: otherwise you would lose the case.',
      );
    // Only users who could read the case: naming anyone else would promise access the policies do not give.
    const readers = new Set((await readersOf(core, ctx.user.party, row)).map((u) => u.id));
    const unknown = named.filter((u) => !readers.has(u));
    if (unknown.length)
      throw new AppError(
        'unprocessable',
        `Not active users of this node who may read this case: ${unknown.map((u) => quoteUntrusted(u)).join(', ')}.`,
        {
          errors: unknown.map((u) => ({
            field: 'users',
            message: `not a reader of this case: ${quoteUntrusted(u)}`,
          })),
        },
      );
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

export interface Colleague {
  id: string;
  name: string;
  email: string;
  roles: string[];
}

/** The active users of this node whom the policies let read the case were it not restricted. */
async function readersOf(core: NodeCore, party: string, row: CaseRow): Promise<Colleague[]> {
  const resource = { ...caseResource(core, row), restrictedTo: null };
  const rows = await core.db
    .select({ id: users.id, name: users.name, email: users.email, roles: users.roles })
    .from(users)
    .where(and(eq(users.party, party), eq(users.disabled, false)))
    .orderBy(users.name);
  return rows
    .map((u) => ({ ...u, roles: u.roles as string[] }))
    .filter((u) => authorize({ id: u.id, party, roles: u.roles }, 'read', resource));
}

/**
 * The users a case can be restricted to: active accounts of this node that the policies let read it. Only for
 * those who may restrict this case (the same decision), and the listing is logged like a read.
 */
export async function restrictionCandidates(
  core: NodeCore,
  ctx: RequestContext,
  id: string,
): Promise<Colleague[]> {
  const row = await loadCaseFor(core, ctx, id, { action: 'restrict' });
  await requireAllowed(core, ctx, 'restrict', caseResource(core, row));
  await logAccess(core, ctx, { action: 'restriction-candidates', caseId: id, outcome: 'allowed' });
  return readersOf(core, ctx.user.party, row);
}

/**
 * The party-scoped door to case data (style.md "scoped by construction"): every route that touches a case
 * goes through `loadCaseFor`, which asks Cedar, logs the read or the denial, and answers "not found" for a case
 * the user may not see, exactly as for a case that does not exist (design §10).
 */
import { eq } from 'drizzle-orm';
import { caseResource, logAccess } from '../access/guard.ts';
import { type AuthzAction, authorize } from '../authz/authorize.ts';
import type { NodeCore } from '../core.ts';
import type { RequestContext } from '../domain/actor.ts';
import { AppError } from '../domain/errors.ts';
import type { Tx } from '../store/db.ts';
import type { CaseRow } from '../store/schema.ts';
import { cases } from '../store/schema.ts';

/**
 * Loads a case the user may read, or throws 404 (and logs the denial when the case exists). `action` is what
 * the user is about to do. Never call inside a transaction: with the embedded database the log write would
 * wait for the transaction that waits for it. Lock the row afterwards with `lockCase`.
 */
export async function loadCaseFor(
  core: NodeCore,
  ctx: RequestContext,
  id: string,
  opts: {
    action: AuthzAction;
    logRead?: boolean;
    /** What "not found" says, when the case was reached through another object (a package, a ledger entry). */
    notFound?: string;
  },
): Promise<CaseRow> {
  const { row, sight } = await caseAndSight(core, ctx, id);
  if (sight === 'full') {
    if (opts.logRead) await logAccess(core, ctx, { action: 'read', caseId: id, outcome: 'allowed' });
    return row!;
  }
  return refuse(core, ctx, id, row !== undefined, sight, opts);
}

/** How much of a case the user sees: all of it, a redacted view (oversight), or nothing (also: no such case). */
type Sight = 'full' | 'redacted' | 'none';

/** One read of the case and one decision of the policies, for both doors below. */
async function caseAndSight(
  core: NodeCore,
  ctx: RequestContext,
  id: string,
): Promise<{ row: CaseRow | undefined; sight: Sight }> {
  const row = (await core.db.select().from(cases).where(eq(cases.id, id)))[0];
  if (!row) return { row, sight: 'none' };
  const resource = caseResource(core, row);
  const sight: Sight = authorize(ctx.user, 'read', resource)
    ? 'full'
    : authorize(ctx.user, 'read-redacted', resource)
      ? 'redacted'
      : 'none';
  return { row, sight };
}

/**
 * Refuses, logged: someone who sees the case redacted (oversight) is told "not allowed", anyone else "not found",
 * exactly as for a case that does not exist (design §10).
 */
async function refuse(
  core: NodeCore,
  ctx: RequestContext,
  id: string,
  exists: boolean,
  sight: Sight,
  opts: { action: AuthzAction; notFound?: string },
): Promise<never> {
  if (exists)
    await logAccess(core, ctx, {
      action: opts.action,
      caseId: id,
      outcome: 'denied',
      detail: sight === 'redacted' ? 'redacted reader' : 'not a party to the case',
    });
  if (sight === 'redacted')
    throw new AppError(
      'forbidden',
      `Your role sees this case redacted only; it does not allow "${opts.action}".`,
    );
  throw new AppError('not-found', opts.notFound ?? `No case ${id}.`);
}

/** Re-reads a case inside a transaction and locks it for the update that follows. */
export async function lockCase(tx: Tx, id: string): Promise<CaseRow> {
  const row = (await tx.select().from(cases).where(eq(cases.id, id)).for('update'))[0];
  if (!row) throw new AppError('not-found', `No case ${id}.`);
  return row;
}

/**
 * Loads a case for reading: in full when the policies allow `read`, redacted (the caller must redact) when they
 * allow only `read-redacted` (oversight), else 404 like a case that does not exist. The read is logged.
 */
export async function loadCaseForReading(
  core: NodeCore,
  ctx: RequestContext,
  id: string,
): Promise<{ row: CaseRow; redacted: boolean }> {
  const { row, sight } = await caseAndSight(core, ctx, id);
  if (sight === 'none') return refuse(core, ctx, id, row !== undefined, sight, { action: 'read' });
  await logAccess(core, ctx, {
    action: sight === 'full' ? 'read' : 'read-redacted',
    caseId: id,
    outcome: 'allowed',
  });
  return { row: row!, redacted: sight === 'redacted' };
}

/**
 * The one door every read and every denial passes (design §7, §10): `requireAllowed` asks Cedar and logs a
 * denial, `logAccess` writes the access-log row and its ledger entry in one transaction, `caseResource` says
 * what Cedar sees of a case. Cases, evidence, settings and the API's own routes use it; it knows nothing of
 * their business.
 */
import { appendLedger } from '../audit/ledger.ts';
import { type AuthzAction, authorize, type Resource } from '../authz/authorize.ts';
import type { NodeCore } from '../core.ts';
import type { RequestContext } from '../domain/actor.ts';
import { AppError } from '../domain/errors.ts';
import type { CaseRow } from '../store/schema.ts';
import { accessLog } from '../store/schema.ts';

export async function logAccess(
  core: NodeCore,
  ctx: RequestContext,
  entry: { action: string; caseId?: string | null; outcome: 'allowed' | 'denied'; detail?: string },
): Promise<void> {
  const at = core.now();
  // Each read of case data and each denial is a ledger entry (design §7), written with its access-log row.
  await core.db.transaction(async (tx) => {
    await tx.insert(accessLog).values({
      at,
      userId: ctx.user.id,
      party: ctx.user.party,
      action: entry.action,
      caseId: entry.caseId ?? null,
      outcome: entry.outcome,
      requestId: ctx.requestId,
      ip: ctx.ip,
      detail: entry.detail ?? null,
    });
    await appendLedger(core, tx, {
      type: entry.outcome === 'allowed' ? 'case-read' : 'access-denied',
      party: ctx.user.party,
      caseId: entry.caseId ?? null,
      at,
      record: {
        user: ctx.user.id,
        action: entry.action,
        requestId: ctx.requestId,
        detail: entry.detail ?? null,
      },
    });
  });
}

/** A case as Cedar sees it; what the node's own policy says of it (who decides a 24/7 request) comes from `core`. */
export function caseResource(core: Pick<NodeCore, 'party' | 'settings'>, row: CaseRow): Resource {
  return {
    kind: 'case',
    id: row.id,
    requesting: row.requesting,
    requested: row.requested,
    channel: row.channel,
    urgency: row.urgency,
    contactDecides:
      row.requested === core.party &&
      row.channel === '24-7' &&
      (core.settings.contactDecides as readonly string[]).includes(row.type),
    state: row.state,
    createdBy: row.createdBy,
    restrictedTo: row.restrictedTo,
  };
}

/** Throws 403 (logged) unless the policies allow the action. For resources other than a readable case. */
export async function requireAllowed(
  core: NodeCore,
  ctx: RequestContext,
  action: AuthzAction,
  resource: Resource,
): Promise<void> {
  if (authorize(ctx.user, action, resource)) return;
  await logAccess(core, ctx, {
    action,
    caseId: resource.kind === 'case' ? resource.id : null,
    outcome: 'denied',
    detail: `${resource.kind} ${resource.kind === 'case' ? resource.id : resource.kind === 'party' ? resource.code : resource.party}`,
  });
  throw new AppError('forbidden', `Your role does not allow "${action}" here.`);
}

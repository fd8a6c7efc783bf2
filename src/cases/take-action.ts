/**
 * A person moves a case through the lifecycle: `POST /api/v1/cases/{id}/actions/{action}`.
 * Checks, in order: the case is visible (else 404), the role may take the action (else 403), the details are
 * valid (else 400), the request is complete for submission (else 422), the state allows it (else 409).
 */

import { asc, desc, eq } from 'drizzle-orm';
import { caseResource, requireAllowed } from '../access/guard.ts';
import type { NodeCore } from '../core.ts';
import { signVouch } from '../crypto/vouch.ts';
import type { RequestContext } from '../domain/actor.ts';
import type { Urgency } from '../domain/catalogue.ts';
import { type DecisionInput, decisionProblems } from '../domain/decision.ts';
import { AppError, fieldProblems } from '../domain/errors.ts';
import {
  type Action,
  ActionDetailSchemas,
  checkTransition,
  isAction,
  type Side,
  USER_ACTIONS,
} from '../domain/lifecycle.ts';
import { amendmentProblems, type InterchangeRequest, missingForSubmission } from '../domain/request.ts';
import type { Finding } from '../domain/safeguards/index.ts';
import type { CaseRow } from '../store/schema.ts';
import { caseEvents, screenings, users } from '../store/schema.ts';
import { caseColumnsOf } from './case-columns.ts';
import { loadCaseFor, lockCase } from './guard.ts';
import { recordTransition } from './record-transition.ts';

function requireSendable(core: NodeCore, request: InterchangeRequest): void {
  const missing = missingForSubmission(request);
  if (missing.length > 0)
    throw new AppError(
      'unprocessable',
      `The request lacks ${missing.length} item(s) that a ${request.type} request requires.`,
      {
        errors: missing.map((m) => ({ field: m.field, message: m.reason })),
      },
    );
  if (!core.trust.party(request.to))
    throw new AppError(
      'unprocessable',
      `${request.to} has no node in this node's trust list; the request cannot be sent.`,
      {
        errors: [{ field: 'to', message: 'no node in the trust list' }],
      },
    );
}

export async function takeAction(
  core: NodeCore,
  ctx: RequestContext,
  id: string,
  actionName: string,
  rawDetails: unknown,
): Promise<CaseRow> {
  if (!isAction(actionName) || !USER_ACTIONS.includes(actionName))
    throw new AppError('bad-request', `Unknown action "${actionName}".`, {
      errors: [{ field: 'action', message: `one of ${USER_ACTIONS.join(', ')}` }],
    });
  const action: Action = actionName;
  const row = await loadCaseFor(core, ctx, id, { action });
  await requireAllowed(core, ctx, action, caseResource(core, row));

  const parsed = ActionDetailSchemas[action].safeParse(rawDetails ?? {});
  if (!parsed.success)
    throw new AppError('bad-request', `The details of "${action}" are not valid.`, {
      errors: fieldProblems(parsed.error.issues),
    });
  const details = parsed.data as Record<string, unknown>;

  let messageBody: Record<string, unknown> | undefined;
  let changes: Partial<CaseRow> | undefined;
  if (action === 'submit') {
    const request = row.request as InterchangeRequest;
    requireSendable(core, request);
    messageBody = { request, ...(await vouchIfEmergency(core, ctx, id, request)) };
  }
  if (action === 'amend') {
    const request = details.request as InterchangeRequest;
    const errors = amendmentProblems(request, row);
    if (errors.length)
      throw new AppError('bad-request', 'An amendment cannot change the parties or the type.', { errors });
    requireSendable(core, request);
    changes = caseColumnsOf(request);
    const vouch = await vouchIfEmergency(core, ctx, id, request);
    if (vouch.vouch) messageBody = { ...details, ...vouch };
  }

  const side: Side = row.requesting === ctx.user.party ? 'requesting' : 'requested';
  const updated = await core.db.transaction(async (tx) => {
    const locked = await lockCase(tx, id);
    const check = checkTransition(action, locked.state as never, side);
    if (!check.ok)
      throw new AppError('conflict', `Cannot ${action}: ${check.reason}.`, { state: locked.state });
    if (action === 'accept' || action === 'accept-with-conditions' || action === 'refuse') {
      const latest = (
        await tx
          .select({ findings: screenings.findings })
          .from(screenings)
          .where(eq(screenings.caseId, id))
          .orderBy(desc(screenings.id))
          .limit(1)
      )[0];
      const history = await tx
        .select({ action: caseEvents.action })
        .from(caseEvents)
        .where(eq(caseEvents.caseId, id))
        .orderBy(asc(caseEvents.seq));
      const problems = decisionProblems({
        action,
        details: details as DecisionInput['details'],
        findings: (latest?.findings as Finding[] | undefined) ?? null,
        history,
        urgency: locked.urgency as Urgency,
      });
      if (problems.length > 0)
        throw new AppError(
          'unprocessable',
          `The decision cannot be recorded yet: ${problems.map((p) => p.message).join('; ')}.`,
          {
            errors: problems,
          },
        );
    }
    return recordTransition(core, tx, {
      row: locked,
      action,
      details,
      actor: ctx.user,
      messageBody,
      changes,
    });
  });
  return updated;
}

/**
 * An emergency request goes out only with the acting officer's signature (exchange/vouch.ts), and only when
 * that officer's key is in the trust list in force: otherwise the requested party would refuse it anyway.
 */
async function vouchIfEmergency(
  core: NodeCore,
  ctx: RequestContext,
  caseId: string,
  request: InterchangeRequest,
): Promise<{ vouch?: string }> {
  if (request.urgency !== 'emergency') return {};
  const me = (
    await core.db
      .select({ key: users.officerKey, kid: users.officerKid })
      .from(users)
      .where(eq(users.id, ctx.user.id))
  )[0];
  if (!me?.key || !me.kid || !core.trust.officer(me.kid))
    throw new AppError(
      'conflict',
      'An emergency request must be vouched for by an officer whose key is in the trust list, and yours is not (yet): ask your administrator to publish it, or send the request as urgent.',
      { officerKey: me?.kid ?? null },
    );
  return {
    vouch: signVouch(
      { pem: core.secrets.open(me.key), kid: me.kid },
      ctx.user.name,
      { case: caseId, request },
      core.now(),
    ),
  };
}

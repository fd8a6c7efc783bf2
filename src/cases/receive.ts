/**
 * What arrives for the lifecycle of a case (design §8): a new request, which creates the case here as the
 * requesting node sent it; an amendment; and every other lifecycle message (status, consultation, decision,
 * withdrawal), applied with the same action from the same table as on the sending side, or recorded as
 * superseded when the case has moved on. The exchange has opened, authenticated and chained the message; these
 * handlers know the business.
 */
import { z } from 'zod';
import type { NodeCore } from '../core.ts';
import type { MessageClaims } from '../crypto/envelope.ts';
import { checkVouch, VouchError } from '../crypto/vouch.ts';
import { issuesLine } from '../domain/errors.ts';
import {
  ActionDetailSchemas,
  checkTransition,
  isAction,
  type Side,
  TRANSITIONS,
} from '../domain/lifecycle.ts';
import { amendmentProblems, type InterchangeRequest, InterchangeRequestSchema } from '../domain/request.ts';
import type { Applied, MessageHandler } from '../exchange/receive-message.ts';
import { Refusal } from '../exchange/refusal.ts';
import type { Tx } from '../store/db.ts';
import type { CaseRow } from '../store/schema.ts';
import { cases } from '../store/schema.ts';
import { caseColumnsOf } from './case-columns.ts';
import { appendEvent, recordTransition } from './record-transition.ts';

const RequestBodySchema = z
  .object({
    request: InterchangeRequestSchema,
    note: z.string().max(20_000).optional(),
    /** For an emergency request: the vouching officer's signature (vouch.ts). */
    vouch: z.string().max(10_000).optional(),
  })
  .strict();

/** An emergency request is taken only with a valid officer vouch; who vouched is kept with the case. */
function vouchOf(
  core: NodeCore,
  claims: MessageClaims,
  request: InterchangeRequest,
  vouch: string | undefined,
) {
  if (request.urgency !== 'emergency') return null;
  try {
    return checkVouch(vouch, { case: claims.case, from: claims.from, request }, core.trust);
  } catch (e) {
    const reason = `emergency request refused: ${(e as Error).message}`;
    throw e instanceof VouchError && e.retry ? new Refusal(409, reason, true) : new Refusal(400, reason);
  }
}

function peerActor(claims: MessageClaims) {
  return { kind: 'peer' as const, party: claims.from, name: claims.actor?.name, role: claims.actor?.role };
}

/** A new request: the case is created here as the requesting node sent it, then received. */
async function receiveNewRequest(
  core: NodeCore,
  tx: Tx,
  claims: MessageClaims,
  hash: string,
): Promise<CaseRow> {
  if (claims.action !== 'submit')
    throw new Refusal(400, `a request message must carry "submit", not "${claims.action}"`);
  const parsed = RequestBodySchema.safeParse(claims.body);
  if (!parsed.success) throw new Refusal(400, `invalid request: ${issuesLine(parsed.error.issues)}`);
  const request = parsed.data.request;
  if (request.from !== claims.from || request.to !== core.party)
    throw new Refusal(
      400,
      `the request goes from ${request.from} to ${request.to}, but the message from ${claims.from} to ${core.party}`,
    );
  const vouchedBy = vouchOf(core, claims, request, parsed.data.vouch);
  const now = core.now();
  const row = (
    await tx
      .insert(cases)
      .values({
        id: claims.case,
        ...caseColumnsOf(request),
        vouchedBy,
        state: 'submitted',
        createdAt: now,
        updatedAt: now,
        chainIn: hash,
      })
      .returning()
  )[0];
  await appendEvent(core, tx, {
    caseId: claims.case,
    action: 'submit',
    fromState: 'draft',
    toState: 'submitted',
    actor: peerActor(claims),
    details: {},
    messageId: claims.id,
    at: new Date(claims.created),
  });
  return recordTransition(core, tx, {
    row: row!,
    action: 'receive',
    details: {},
    actor: { kind: 'system', party: core.party },
  });
}

/** A message on an existing case: apply the action it carries, or record it as superseded. */
async function receiveOnCase(core: NodeCore, tx: Tx, row: CaseRow, claims: MessageClaims): Promise<Applied> {
  if (!isAction(claims.action)) throw new Refusal(400, `unknown action "${claims.action}"`);
  const action = claims.action;
  const transition = TRANSITIONS[action];
  const senderSide: Side = claims.from === row.requesting ? 'requesting' : 'requested';
  if (transition.side !== senderSide) throw new Refusal(400, `the ${senderSide} party cannot ${action}`);
  if (transition.message !== claims.type)
    throw new Refusal(400, `"${action}" travels as a ${transition.message} message, not ${claims.type}`);

  let details: Record<string, unknown>;
  let changes: Partial<CaseRow> | undefined;
  if (action === 'amend') {
    const parsed = RequestBodySchema.safeParse(claims.body);
    if (!parsed.success) throw new Refusal(400, `invalid amendment: ${issuesLine(parsed.error.issues)}`);
    const request = parsed.data.request;
    const problems = amendmentProblems(request, row);
    if (problems.length > 0)
      throw new Refusal(
        400,
        `an amendment cannot change the parties or the type: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
      );
    details = parsed.data.note ? { note: parsed.data.note } : {};
    changes = { ...caseColumnsOf(request), vouchedBy: vouchOf(core, claims, request, parsed.data.vouch) };
  } else {
    const parsed = ActionDetailSchemas[action].safeParse(claims.body);
    if (!parsed.success)
      throw new Refusal(400, `invalid details for ${action}: ${issuesLine(parsed.error.issues)}`);
    details = parsed.data as Record<string, unknown>;
  }

  const check = checkTransition(action, row.state as never, senderSide);
  if (!check.ok) {
    // Both sides acted at once (say, a decision crossing a withdrawal): the message is genuine and kept, but
    // the case has moved on. Recorded, not applied.
    const note = `${action} from ${claims.from} arrived when the case was already ${row.state}; not applied`;
    await appendEvent(core, tx, {
      caseId: row.id,
      action: 'superseded',
      fromState: row.state,
      toState: row.state,
      actor: peerActor(claims),
      details: { action, ...details },
      messageId: claims.id,
      at: core.now(),
    });
    return { row, status: 'superseded', note };
  }
  let updated = await recordTransition(core, tx, {
    row,
    action,
    details,
    actor: peerActor(claims),
    inboundMessageId: claims.id,
    changes,
    at: new Date(claims.created),
  });
  if (action === 'amend')
    updated = await recordTransition(core, tx, {
      row: updated,
      action: 'receive',
      details: {},
      actor: { kind: 'system', party: core.party },
    });
  return { row: updated, status: 'applied', note: null };
}

/** A request message: a new case, or an amendment of one this node already holds. */
const receiveRequest: MessageHandler = async (core, tx, { claims, hash, row }) => {
  if (!row) {
    const created = await receiveNewRequest(core, tx, claims, hash);
    return { row: created, status: 'applied', note: null, afterCommit: () => core.wakeScreening() };
  }
  if (claims.action === 'submit') throw new Refusal(400, `case ${claims.case} already exists`);
  const applied = await receiveOnCase(core, tx, row, claims);
  return applied.row.state === 'received' ? { ...applied, afterCommit: () => core.wakeScreening() } : applied;
};

/** Every other lifecycle message on an existing case. */
const receiveLifecycle: MessageHandler = async (core, tx, { claims, row }) => {
  if (!row) throw new Refusal(409, `no case ${claims.case} here (yet)`, true);
  return receiveOnCase(core, tx, row, claims);
};

/** The handlers for the lifecycle's message types, for the exchange route to assemble. */
export const caseMessageHandlers = {
  request: receiveRequest,
  status: receiveLifecycle,
  consultation: receiveLifecycle,
  decision: receiveLifecycle,
  withdrawal: receiveLifecycle,
} satisfies Record<string, MessageHandler>;

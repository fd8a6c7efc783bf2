/**
 * Receives one message from another node (design §8): decrypt, verify the signature against the trust list,
 * check recipient, time, idempotency and the case's `prev` chain, then apply the lifecycle action it carries,
 * store it and answer with a signed receipt, all in one transaction. A refused message changes nothing; what is
 * kept of it depends on whether its signer was authenticated (refusals.ts).
 */

import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { appendLedger } from '../audit/ledger.ts';
import { caseColumnsOf } from '../cases/case-columns.ts';
import { appendEvent, recordTransition } from '../cases/record-transition.ts';
import type { NodeCore } from '../core.ts';
import {
  EnvelopeError,
  type MessageClaims,
  openMessage,
  sha256b64url,
  signReceipt,
} from '../crypto/envelope.ts';
import { checkVouch, VouchError } from '../crypto/vouch.ts';
import {
  ActionDetailSchemas,
  checkTransition,
  isAction,
  type Side,
  TRANSITIONS,
} from '../domain/lifecycle.ts';
import { type InterchangeRequest, InterchangeRequestSchema } from '../domain/request.ts';
import { quoteUntrusted, storable } from '../domain/untrusted.ts';
import { receiveEvidenceManifest } from '../evidence/receive.ts';
import type { Tx } from '../store/db.ts';
import type { CaseRow } from '../store/schema.ts';
import { cases, inbox } from '../store/schema.ts';
import { countStrangerRefusal, keepPeerRefusal } from './refusals.ts';

/** A refusal; `retry` tells the sender whether sending the same message later may succeed. */
export class Refusal extends Error {
  constructor(
    readonly status: 400 | 409,
    readonly reason: string,
    readonly retry = false,
  ) {
    super(reason);
  }
}

export type ReceiveResult =
  | { ok: true; receipt: string; duplicate: boolean }
  | { ok: false; refusal: Refusal };

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

async function lockedCase(tx: Tx, id: string): Promise<CaseRow | undefined> {
  const row = (await tx.select().from(cases).where(eq(cases.id, id)).for('update'))[0];
  return row;
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
  if (claims.prev !== null) throw new Refusal(409, 'the first message of a case must have prev null', true);
  const parsed = RequestBodySchema.safeParse(claims.body);
  if (!parsed.success)
    throw new Refusal(
      400,
      `invalid request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
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

const isPartyTo = (row: CaseRow, party: string) => party === row.requesting || party === row.requested;

/** A message on an existing case: apply the action it carries, or record it as superseded. */
async function receiveOnCase(
  core: NodeCore,
  tx: Tx,
  row: CaseRow,
  claims: MessageClaims,
  hash: string,
): Promise<{ row: CaseRow; status: 'applied' | 'superseded'; note: string | null }> {
  if (!isPartyTo(row, claims.from)) throw new Refusal(400, `${claims.from} is not a party to case ${row.id}`);
  if (claims.prev !== row.chainIn)
    throw new Refusal(
      409,
      `prev ${claims.prev ?? 'null'} does not follow the last message received on the case (${row.chainIn ?? 'none'})`,
      true,
    );
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
    if (!parsed.success)
      throw new Refusal(
        400,
        `invalid amendment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    const request = parsed.data.request;
    if (request.from !== row.requesting || request.to !== row.requested || request.type !== row.type)
      throw new Refusal(400, 'an amendment cannot change the parties or the type');
    details = parsed.data.note ? { note: parsed.data.note } : {};
    changes = { ...caseColumnsOf(request), vouchedBy: vouchOf(core, claims, request, parsed.data.vouch) };
  } else {
    const parsed = ActionDetailSchemas[action].safeParse(claims.body);
    if (!parsed.success)
      throw new Refusal(
        400,
        `invalid details for ${action}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    details = parsed.data as Record<string, unknown>;
  }

  await tx.update(cases).set({ chainIn: hash }).where(eq(cases.id, row.id));
  row.chainIn = hash;
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

/** An evidence manifest: on the case's message chain, but not a lifecycle step (src/evidence/receive.ts). */
async function receiveEvidence(
  core: NodeCore,
  tx: Tx,
  row: CaseRow,
  claims: MessageClaims,
  hash: string,
): Promise<{ row: CaseRow; status: 'applied'; note: null }> {
  if (claims.prev !== row.chainIn)
    throw new Refusal(
      409,
      `prev ${claims.prev ?? 'null'} does not follow the last message received on the case (${row.chainIn ?? 'none'})`,
      true,
    );
  if (claims.action !== 'send-evidence')
    throw new Refusal(400, `an evidence-manifest message carries "send-evidence", not "${claims.action}"`);
  await receiveEvidenceManifest(core, tx, row, claims);
  await tx.update(cases).set({ chainIn: hash }).where(eq(cases.id, row.id));
  row.chainIn = hash;
  return { row, status: 'applied', note: null };
}

/** Refuses a message whose signature verified with `signer`'s trust-listed key: kept, and a ledger entry. */
async function refuse(
  core: NodeCore,
  jwe: string,
  remoteAddress: string,
  refusal: Refusal,
  signer: string,
  claims?: Partial<MessageClaims>,
) {
  // Reasons quote what the sender wrote (a key id, a claim): made storable before the database and the ledger.
  const reason = storable(refusal.reason);
  const claimedSender = claims?.from === undefined ? null : storable(quoteUntrusted(claims.from, 200));
  const messageId = claims?.id === undefined ? null : storable(quoteUntrusted(claims.id, 200));
  core.log.warn({ reason, signer, sender: claimedSender, messageId }, 'inbound message refused');
  await keepPeerRefusal(core, jwe, remoteAddress, { signer, claimedSender, messageId, reason });
  return { ok: false as const, refusal };
}

/**
 * Why a message is outside its time, or null. A retired key still verifies what it signed before its
 * retirement, and `created` is whatever the signer wrote: without a bound on its age and on `expires - created`,
 * whoever holds a retired key could date messages back and sign for ever.
 */
function timeProblem(claims: MessageClaims, now: Date, settings: NodeCore['settings']): string | null {
  const created = Date.parse(claims.created);
  const expires = Date.parse(claims.expires);
  const lifetime = settings.messageTtlHours * 3_600_000;
  const skew = settings.clockSkewSeconds * 1000;
  const limit = `${settings.messageTtlHours} hours, with ${settings.clockSkewSeconds} s of clock skew`;
  if (expires < now.getTime()) return `the message expired at ${claims.expires}`;
  if (created > now.getTime() + skew)
    return `the message claims to be created in the future (${claims.created})`;
  if (created < now.getTime() - lifetime - skew)
    return `the message was created at ${claims.created}, longer ago than a message lives (${limit})`;
  if (expires - created > lifetime + skew)
    return `the message is valid for ${Math.round((expires - created) / 3_600_000)} hours, longer than a message lives (${limit})`;
  return null;
}

export async function receiveMessage(
  core: NodeCore,
  jwe: string,
  remoteAddress: string,
): Promise<ReceiveResult> {
  let opened: Awaited<ReturnType<typeof openMessage>>;
  try {
    opened = await openMessage({
      jwe,
      ownKid: core.keys.encryption.kid,
      ownKey: core.keys.encryption.privateKey,
      signerKey: (kid) => core.trust.signer(kid),
      isRevoked: (kid) => core.trust.isRevoked(kid),
      previousKeys: core.keys.previousEncryption,
    });
  } catch (e) {
    if (!(e instanceof EnvelopeError)) throw e;
    // A key this node does not know yet may be a peer's new key whose trust list has not arrived: the sender may
    // try again. A revoked or retired key is final.
    const refusal =
      e.code === 'unknown-signer'
        ? new Refusal(409, `${e.message} (yet)`, true)
        : new Refusal(400, e.message);
    if (e.signer) return refuse(core, jwe, remoteAddress, refusal, e.signer);
    core.log.warn(
      { reason: storable(refusal.reason), code: e.code },
      'inbound message refused before its sender was authenticated',
    );
    await countStrangerRefusal(core, jwe, remoteAddress, e.code);
    return { ok: false, refusal };
  }
  const { claims, jws, hash } = opened;
  const now = core.now();
  const problem =
    claims.to !== core.party
      ? `the message is addressed to ${claims.to}, not ${core.party}`
      : timeProblem(claims, now, core.settings);
  if (problem) return refuse(core, jwe, remoteAddress, new Refusal(400, problem), claims.from, claims);

  try {
    const result = await core.db.transaction(async (tx) => {
      const seen = (await tx.select().from(inbox).where(eq(inbox.messageId, claims.id)))[0];
      if (seen) {
        if (seen.hash !== hash)
          throw new Refusal(400, `message id ${claims.id} was already used for different content`);
        return { receipt: seen.receipt, duplicate: true, state: null };
      }
      const existing = await lockedCase(tx, claims.case);
      let applied: { row: CaseRow; status: 'applied' | 'superseded'; note: string | null };
      if (claims.type === 'request' && !existing) {
        applied = { row: await receiveNewRequest(core, tx, claims, hash), status: 'applied', note: null };
      } else if (!existing || (claims.type !== 'request' && !isPartyTo(existing, claims.from))) {
        // A node that is not a party to a case hears exactly what it would for a case that does not exist.
        throw new Refusal(409, `no case ${claims.case} here (yet)`, true);
      } else if (claims.type === 'request' && claims.action === 'submit') {
        throw new Refusal(400, `case ${claims.case} already exists`);
      } else if (claims.type === 'evidence-manifest') {
        applied = await receiveEvidence(core, tx, existing, claims, hash);
      } else {
        applied = await receiveOnCase(core, tx, existing, claims, hash);
      }
      const receipt = await signReceipt(
        {
          type: 'receipt',
          ref: claims.id,
          from: core.party,
          to: claims.from,
          hash: sha256b64url(jwe),
          received: now.toISOString(),
          outcome: 'accepted',
        },
        core.keys.signing.privateKey,
        core.keys.signing.kid,
      );
      await tx.insert(inbox).values({
        messageId: claims.id,
        sender: claims.from,
        caseId: claims.case,
        type: claims.type,
        hash,
        jws,
        status: applied.status,
        note: applied.note,
        receivedAt: now,
        receipt,
      });
      await appendLedger(core, tx, {
        type: 'message-received',
        party: claims.from,
        caseId: claims.case,
        at: now,
        record: {
          messageId: claims.id,
          type: claims.type,
          action: claims.action,
          from: claims.from,
          prev: claims.prev,
          hash,
          status: applied.status,
          jwe: sha256b64url(jwe),
        },
      });
      return { receipt, duplicate: false, state: applied.row.state };
    });
    if (result.state === 'received') core.wakeScreening();
    return { ok: true, receipt: result.receipt, duplicate: result.duplicate };
  } catch (e) {
    if (e instanceof Refusal) return refuse(core, jwe, remoteAddress, e, claims.from, claims);
    throw e;
  }
}

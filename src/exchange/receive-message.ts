/**
 * Receives one message from another node (design §8): decrypt, verify the signature against the trust list,
 * check recipient, time, idempotency and the case's `prev` chain, hand the opened message to the handler for
 * its type (cases/receive.ts, evidence/receive.ts: the exchange knows no business), store it and answer with a
 * signed receipt, all in one transaction. A refused message changes nothing; what is kept of it depends on
 * whether its signer was authenticated (refusals.ts).
 */

import { eq } from 'drizzle-orm';
import { appendLedger } from '../audit/ledger.ts';
import type { NodeCore } from '../core.ts';
import {
  EnvelopeError,
  type MessageClaims,
  type MessageType,
  openMessage,
  sha256b64url,
  signReceipt,
} from '../crypto/envelope.ts';
import { quoteUntrusted, storable } from '../domain/untrusted.ts';
import type { Tx } from '../store/db.ts';
import type { CaseRow } from '../store/schema.ts';
import { cases, inbox } from '../store/schema.ts';
import { Refusal } from './refusal.ts';
import { countStrangerRefusal, keepPeerRefusal } from './refusals.ts';

export type ReceiveResult =
  | { ok: true; receipt: string; duplicate: boolean }
  | { ok: false; refusal: Refusal };

/** What a handler did with a message: applied it, or recorded it as superseded (with why). */
export interface Applied {
  row: CaseRow;
  status: 'applied' | 'superseded';
  note: string | null;
  /** Work to wake once the transaction has committed (the screening worker for a newly received request). */
  afterCommit?: () => void;
}

/**
 * Applies one opened message inside the receiving transaction. `row` is the case, locked, when this node holds
 * it (its `prev` already checked and its inbound chain advanced); a Refusal thrown here leaves nothing behind.
 */
export type MessageHandler = (
  core: NodeCore,
  tx: Tx,
  message: { claims: MessageClaims; hash: string; row: CaseRow | undefined },
) => Promise<Applied>;

export type MessageHandlers = Partial<Record<MessageType, MessageHandler>>;

async function lockedCase(tx: Tx, id: string): Promise<CaseRow | undefined> {
  return (await tx.select().from(cases).where(eq(cases.id, id)).for('update'))[0];
}

const isPartyTo = (row: CaseRow, party: string) => party === row.requesting || party === row.requested;

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
  handlers: MessageHandlers,
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
        return { receipt: seen.receipt, duplicate: true, afterCommit: undefined };
      }
      const existing = await lockedCase(tx, claims.case);
      // A node that is not a party to a case hears exactly what it would for a case that does not exist.
      if ((!existing && claims.type !== 'request') || (existing && !isPartyTo(existing, claims.from)))
        throw new Refusal(409, `no case ${claims.case} here (yet)`, true);
      // Every message continues the chain of the sender's messages on the case: the first has prev null, and a
      // second "first" message is refused for good.
      if (existing && claims.prev === null && existing.chainIn !== null)
        throw new Refusal(400, `case ${claims.case} already exists`);
      const last = existing?.chainIn ?? null;
      if (claims.prev !== last)
        throw new Refusal(
          409,
          existing
            ? `prev ${claims.prev ?? 'null'} does not follow the last message received on the case (${last ?? 'none'})`
            : 'the first message of a case must have prev null',
          true,
        );
      const handler = handlers[claims.type];
      if (!handler) throw new Refusal(400, `this node takes no ${claims.type} messages`);
      if (existing) {
        await tx.update(cases).set({ chainIn: hash }).where(eq(cases.id, existing.id));
        existing.chainIn = hash;
      }
      const applied = await handler(core, tx, { claims, hash, row: existing });
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
      return { receipt, duplicate: false, afterCommit: applied.afterCommit };
    });
    result.afterCommit?.();
    return { ok: true, receipt: result.receipt, duplicate: result.duplicate };
  } catch (e) {
    if (e instanceof Refusal) return refuse(core, jwe, remoteAddress, e, claims.from, claims);
    throw e;
  }
}

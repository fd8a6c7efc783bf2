/**
 * Writes an outbound message into the outbox inside the caller's transaction (design §8): the change and the
 * message that announces it commit together or not at all. The message is sealed now, so every retry sends the
 * same bytes and the receiver can recognise a repeat.
 */
import { eq } from 'drizzle-orm';
import { ulid } from 'ulid';
import { appendLedger } from '../audit/ledger.ts';
import type { NodeCore } from '../core.ts';
import type { MessageClaims } from '../crypto/envelope.ts';
import { sealMessage, sha256b64url } from '../crypto/envelope.ts';
import type { Tx } from '../store/db.ts';
import { cases, outbox } from '../store/schema.ts';

export interface OutboundMessage {
  caseId: string;
  to: string;
  type: MessageClaims['type'];
  action: string;
  actor: MessageClaims['actor'];
  body: Record<string, unknown>;
  /** The sender's previous message hash on the case (cases.chain_out). */
  prev: string | null;
}

/** Seals a message, stores it in the outbox and advances the case's outbound chain. */
export async function enqueueMessage(
  core: NodeCore,
  tx: Tx,
  msg: OutboundMessage,
): Promise<{ id: string; hash: string }> {
  const recipient = core.trust.party(msg.to);
  if (!recipient) throw new Error(`party ${msg.to} is not in the trust list`);
  const now = core.now();
  const expires = new Date(now.getTime() + core.settings.messageTtlHours * 3_600_000);
  const id = ulid(now.getTime());
  const claims: MessageClaims = {
    id,
    type: msg.type,
    from: core.party,
    to: msg.to,
    case: msg.caseId,
    created: now.toISOString(),
    expires: expires.toISOString(),
    prev: msg.prev,
    action: msg.action,
    actor: msg.actor,
    body: msg.body,
  };
  const sealed = await sealMessage({
    claims,
    signingKey: core.keys.signing.privateKey,
    signingKid: core.keys.signing.kid,
    recipientKey: recipient.encryption.key,
    recipientKid: recipient.encryption.kid,
  });
  await tx.insert(outbox).values({
    messageId: id,
    caseId: msg.caseId,
    recipient: msg.to,
    type: msg.type,
    payload: sealed.jwe,
    hash: sealed.hash,
    nextAttemptAt: now,
    expiresAt: expires,
    createdAt: now,
  });
  await tx.update(cases).set({ chainOut: sealed.hash }).where(eq(cases.id, msg.caseId));
  await appendLedger(core, tx, {
    type: 'message-sent',
    party: core.party,
    caseId: msg.caseId,
    at: now,
    record: {
      messageId: id,
      type: msg.type,
      action: msg.action,
      to: msg.to,
      prev: msg.prev,
      hash: sealed.hash,
      jwe: sha256b64url(sealed.jwe),
    },
  });
  return { id, hash: sealed.hash };
}

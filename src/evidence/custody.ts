/**
 * The chain of custody as this node saw it (design §9): every step of a package or file, by whom and when, as a
 * row for the custody report and a ledger entry, written in the caller's transaction.
 */
import { appendLedger } from '../audit/ledger.ts';
import type { NodeCore } from '../core.ts';
import type { Actor } from '../domain/actor.ts';
import type { Tx } from '../store/db.ts';
import { evidenceEvents } from '../store/schema.ts';

/** What can happen to a package or file; the custody report explains each in words. */
export const CUSTODY_EVENTS = {
  'package-created': 'package opened for the case',
  'file-upload-started': 'upload started',
  'file-sealed': 'received from the collector, hashed and sealed',
  'file-refused': 'upload refused',
  'file-discarded': 'incomplete upload discarded',
  'package-sealed': 'manifest signed and sent',
  'file-sent': 'sealed file transferred to the requesting node',
  'file-transfer-failed': 'transfer gave up',
  'package-announced': 'signed manifest received and verified',
  'file-received': 'sealed file received; ciphertext hash matches the manifest',
  'file-transfer-refused': 'sealed file refused: it does not match the manifest',
  'package-received': 'every file received and verified',
  'file-opened': 'file decrypted; plaintext hash matches the manifest',
  'file-open-failed': 'decryption refused',
  'package-exported': 'package exported with its proofs',
  'key-exported': 'package identity exported',
  'package-shredded': 'retention ended: package identity destroyed',
} as const;
export type CustodyEvent = keyof typeof CUSTODY_EVENTS;

export interface EvidenceEventInput {
  packageId: string;
  caseId: string;
  fileIdx?: number | null;
  event: CustodyEvent;
  actor: Actor;
  detail?: Record<string, unknown>;
  at?: Date;
}

/** Records one custody event and its ledger entry; returns the entry's index. */
export async function recordEvidenceEvent(core: NodeCore, tx: Tx, e: EvidenceEventInput): Promise<number> {
  const at = e.at ?? core.now();
  const actor = e.actor;
  const detail = e.detail ?? {};
  const seq = await appendLedger(core, tx, {
    type: 'evidence-event',
    party: actor.party,
    caseId: e.caseId,
    at,
    record: {
      package: e.packageId,
      file: e.fileIdx ?? null,
      event: e.event,
      actor: actor.kind === 'user' ? { kind: 'user', id: actor.id, name: actor.name } : actor,
      detail,
    },
  });
  await tx.insert(evidenceEvents).values({
    packageId: e.packageId,
    caseId: e.caseId,
    fileIdx: e.fileIdx ?? null,
    at,
    event: e.event,
    party: actor.party,
    actorKind: actor.kind,
    actorId: actor.kind === 'user' ? actor.id : null,
    actorName: actor.kind === 'user' ? actor.name : actor.kind === 'peer' ? (actor.name ?? null) : null,
    detail,
    ledgerSeq: seq,
  });
  return seq;
}

/** Who an actor is, in a custody line. */
export function actorLabel(a: { actorName: string | null; actorKind: string; party: string }): string {
  if (a.actorName) return `${a.actorName} (${a.party})`;
  return a.actorKind === 'system' ? `node ${a.party}` : `${a.party}`;
}

/**
 * The witnesses of this node's log (design §7): the peers of the trust list, and any external witness the config
 * names; and how each stands, for the administrators' view.
 */
import type { NodeCore } from '../core.ts';
import { ed25519PublicKeyBytes, verifierKey } from '../ledger/note.ts';
import { ledgerWitnesses } from '../store/schema.ts';

/** A witness this node's log asks for cosignatures. */
export interface LogWitness {
  /** Its cosignature key name. */
  name: string;
  /** Its submission prefix: add-checkpoint is POSTed to `<url>/add-checkpoint`. */
  url: string;
  /** Its Ed25519 keys; a retired one verifies cosignatures timestamped up to `validUntil`. */
  keys: { publicKey: Uint8Array; validUntil?: Date }[];
  /** The party, for a peer of the trust list; absent for an external witness. */
  party?: string;
}

/** The witnesses of this node's log: every other party of the trust list with a witness key, then the external ones. */
export function logWitnesses(core: NodeCore): LogWitness[] {
  const peers = core.trust
    .parties()
    .filter((p) => p.code !== core.party && p.witness.keys.length > 0)
    .map((p) => ({
      name: p.witness.name,
      url: `${p.url}/ledger/witness`,
      keys: p.witness.keys.map((k) => ({
        publicKey: ed25519PublicKeyBytes(k.key),
        ...(k.validUntil ? { validUntil: k.validUntil } : {}),
      })),
      party: p.code,
    }));
  const external = core.witnessing.external.map((w) => ({
    name: w.name,
    url: w.url.replace(/\/$/, ''),
    keys: [{ publicKey: w.publicKey }],
  }));
  return [...peers, ...external];
}

/** The state of each witness of this log, for the administrators' view. */
export async function witnessStatus(core: NodeCore) {
  const states = await core.db.select().from(ledgerWitnesses);
  return logWitnesses(core).map((w) => {
    const s = states.find((r) => r.witness === w.name);
    return {
      name: w.name,
      party: w.party ?? null,
      url: w.url,
      keys: w.keys.map((k) => verifierKey(w.name, k.publicKey, 'cosignature/v1')),
      cosignedSize: s?.cosignedAt ? s.size : null,
      cosignedAt: s?.cosignedAt?.toISOString() ?? null,
      failures: s?.failures ?? 0,
      error: s?.error ?? null,
    };
  });
}

/**
 * Witnessing (design §7): every node fetches its peers' checkpoints on a schedule, checks the signature against
 * the peer's key in the trust list and the consistency of the new tree with the last one it saw, stores what it
 * checked, cosigns it and sends the cosignature back. A rollback (a smaller tree), a fork (a different root for
 * the same size, or a failed consistency proof) or a bad signature raises an alarm that administrators and
 * oversight see.
 */
import { and, desc, eq } from 'drizzle-orm';
import type { TrustedParty } from '../exchange/trust-list.ts';
import { openCheckpoint } from '../ledger/checkpoint.ts';
import { verifyConsistency } from '../ledger/merkle.ts';
import { ed25519PublicKeyBytes, parseVerifierKey } from '../ledger/note.ts';
import type { NodeCore } from '../node/core.ts';
import { ledgerAlarms, peerCheckpoints } from '../store/schema.ts';
import { cosign } from './checkpoints.ts';
import { b64, unb64 } from './ledger.ts';

const TIMEOUT_MS = 5000;

async function get(url: string): Promise<Response> {
  return fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
}

async function alarm(
  core: NodeCore,
  party: string,
  kind: 'fork' | 'rollback' | 'bad-signature',
  detail: string,
  evidence: Record<string, unknown>,
) {
  const same = (
    await core.db
      .select({ id: ledgerAlarms.id })
      .from(ledgerAlarms)
      .where(and(eq(ledgerAlarms.party, party), eq(ledgerAlarms.kind, kind), eq(ledgerAlarms.detail, detail)))
      .limit(1)
  )[0];
  if (same) return;
  core.log.error({ party, kind, detail }, 'ledger alarm');
  await core.db.insert(ledgerAlarms).values({ at: core.now(), party, kind, detail, evidence });
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The last checkpoint of a peer this node has checked, if any. */
export async function latestPeerCheckpoint(core: NodeCore, party: string) {
  const last = (
    await core.db
      .select()
      .from(peerCheckpoints)
      .where(eq(peerCheckpoints.party, party))
      .orderBy(desc(peerCheckpoints.size))
      .limit(1)
  )[0];
  return last;
}

/** Checks one peer's latest checkpoint; returns what happened, for logs and tests. */
export async function witnessPeer(
  core: NodeCore,
  peer: TrustedParty,
): Promise<'new' | 'unchanged' | 'none' | 'alarm'> {
  const vkey = parseVerifierKey((await (await get(`${peer.url}/ledger/key`)).text()).trim());
  if (!equal(vkey.publicKey, ed25519PublicKeyBytes(peer.signing.key))) {
    await alarm(
      core,
      peer.code,
      'bad-signature',
      `${peer.code}'s ledger key is not its signing key in the trust list`,
      { vkey: `${vkey.name}` },
    );
    return 'alarm';
  }
  const res = await get(`${peer.url}/ledger/checkpoint`);
  if (res.status === 404) return 'none';
  const note = await res.text();
  let opened: ReturnType<typeof openCheckpoint>;
  try {
    opened = openCheckpoint(note, [{ name: vkey.name, publicKey: vkey.publicKey }]);
  } catch (e) {
    await alarm(core, peer.code, 'bad-signature', `malformed checkpoint: ${(e as Error).message}`, { note });
    return 'alarm';
  }
  const cp = opened.checkpoint;
  if (
    cp.origin !== vkey.name ||
    !opened.signatures.some((s) => s.name === vkey.name && s.verified === true)
  ) {
    await alarm(
      core,
      peer.code,
      'bad-signature',
      `checkpoint ${cp.size} is not validly signed by ${vkey.name}`,
      { note },
    );
    return 'alarm';
  }
  const root = b64(cp.rootHash);
  const last = await latestPeerCheckpoint(core, peer.code);
  if (last) {
    if (cp.size < last.size) {
      await alarm(core, peer.code, 'rollback', `${peer.code} now shows size ${cp.size} after ${last.size}`, {
        previous: last.note,
        now: note,
      });
      return 'alarm';
    }
    if (cp.size === last.size) {
      if (last.rootHash === root) return 'unchanged';
      await alarm(core, peer.code, 'fork', `${peer.code} signed two roots for size ${cp.size}`, {
        previous: last.note,
        now: note,
      });
      return 'alarm';
    }
    if (last.size > 0) {
      const proofRes = await get(`${peer.url}/ledger/proof/consistency?from=${last.size}&to=${cp.size}`);
      const proof = proofRes.ok ? ((await proofRes.json()) as { hashes: string[] }).hashes.map(unb64) : null;
      if (!proof || !verifyConsistency(last.size, cp.size, unb64(last.rootHash), cp.rootHash, proof)) {
        await alarm(
          core,
          peer.code,
          'fork',
          `${peer.code}'s tree of size ${cp.size} is not consistent with the size ${last.size} it showed before`,
          {
            previous: last.note,
            now: note,
          },
        );
        return 'alarm';
      }
    }
  }
  await core.db
    .insert(peerCheckpoints)
    .values({ party: peer.code, size: cp.size, rootHash: root, note, at: core.now() })
    .onConflictDoNothing();
  // Cosign what was checked and hand the cosignature to the peer; a peer that does not take it loses nothing here.
  await fetch(`${peer.url}/ledger/cosignatures`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ witness: core.party, origin: core.ledger.origin, note: cosign(core, note) }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  }).catch((e: Error) => core.log.warn({ peer: peer.code, err: e.message }, 'cosignature not delivered'));
  return 'new';
}

/** Witnesses every peer in the trust list. */
export async function witnessPeers(core: NodeCore): Promise<number> {
  let checked = 0;
  for (const peer of core.trust.parties()) {
    if (peer.code === core.party) continue;
    try {
      await witnessPeer(core, peer);
      checked++;
    } catch (e) {
      core.log.warn({ peer: peer.code, err: (e as Error).message }, 'peer ledger not reachable');
    }
  }
  return checked;
}

/**
 * This node as a witness of the other parties' logs (design §7), the witness's side of C2SP tlog-witness. A log
 * submits its new checkpoint with a consistency proof from the size this witness last cosigned; the witness
 * checks it against the origin and keys the trust list fixes for that party (never the names or keys a peer
 * serves), records the new size with a compare-and-set, and answers with a C2SP tlog-cosignature v1 made with
 * its own witness key, a key that signs nothing else. It never cosigns its own log.
 *
 * It also monitors: every few minutes it reads each peer's published checkpoint and checks it against what it
 * cosigned, so that a log showing the public another tree than it showed its witnesses is caught. A conclusive
 * sign of a fork (two signed roots for one size, or a published tree the log cannot prove consistent) or a
 * published checkpoint not signed with the party's key raises an alarm that administrators and oversight see.
 */
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { NodeCore } from '../core.ts';
import type { TrustedParty } from '../crypto/trust-list.ts';
import { openCheckpoint } from '../ledger/checkpoint.ts';
import { emptyRoot, verifyConsistency } from '../ledger/merkle.ts';
import { cosignatureLine, ed25519PublicKeyBytes, noteText } from '../ledger/note.ts';
import { MalformedRequest, parseAddCheckpoint } from '../ledger/tlog-witness.ts';
import { ledgerAlarms, witnessedLogs } from '../store/schema.ts';
import { b64, unb64 } from './ledger.ts';

const TIMEOUT_MS = 5000;

type AlarmKind = 'fork' | 'rollback' | 'bad-signature';

async function alarm(
  core: NodeCore,
  party: string,
  kind: AlarmKind,
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

/** What add-checkpoint answers (C2SP tlog-witness status codes). */
export type AddCheckpointAnswer =
  | { status: 200; cosignature: string }
  | { status: 409; size: number }
  | { status: 400 | 403 | 404 | 422; detail: string };

/** The peer whose log has this origin; never this node itself. */
function loggingPeer(core: NodeCore, origin: string): TrustedParty | undefined {
  const party = core.trust.partyOfOrigin(origin);
  return party && party.code !== core.party ? party : undefined;
}

/** The last checkpoint of `peer`'s log this witness cosigned, if any. */
export async function witnessedState(core: NodeCore, peer: TrustedParty) {
  const row = (
    await core.db.select().from(witnessedLogs).where(eq(witnessedLogs.origin, peer.ledger.origin))
  )[0];
  // A row for the origin that names another party is not this peer's history (the trust list moved the origin).
  return row && row.party === peer.code ? row : undefined;
}

/** Opens a checkpoint of `peer`'s log with the keys and origin the trust list gives it. */
function openPeerCheckpoint(peer: TrustedParty, note: string) {
  const opened = openCheckpoint(
    note,
    peer.ledger.keys.map((k) => ({ name: peer.ledger.origin, publicKey: ed25519PublicKeyBytes(k) })),
  );
  const own = opened.signatures.filter((s) => s.verified !== null);
  const valid =
    opened.checkpoint.origin === peer.ledger.origin &&
    own.some((s) => s.verified === true) &&
    !own.some((s) => s.verified === false);
  return { ...opened, valid, logLines: own.filter((s) => s.verified === true).map((s) => s.line) };
}

/** Handles a C2SP tlog-witness add-checkpoint body. */
export async function addCheckpoint(core: NodeCore, body: string): Promise<AddCheckpointAnswer> {
  let request: ReturnType<typeof parseAddCheckpoint>;
  try {
    request = parseAddCheckpoint(body);
  } catch (e) {
    if (e instanceof MalformedRequest) return { status: 400, detail: e.message };
    throw e;
  }
  const origin = request.checkpoint.split('\n', 1)[0]!;
  const peer = loggingPeer(core, origin);
  if (!peer)
    return { status: 404, detail: `this witness does not witness the log ${JSON.stringify(origin)}` };
  let opened: ReturnType<typeof openPeerCheckpoint>;
  try {
    opened = openPeerCheckpoint(peer, request.checkpoint);
  } catch (e) {
    return { status: 400, detail: `the checkpoint is malformed: ${(e as Error).message}` };
  }
  if (!opened.valid)
    return {
      status: 403,
      detail: `the checkpoint is not signed by ${peer.code}'s key for ${peer.ledger.origin}`,
    };
  const cp = opened.checkpoint;
  const root = b64(cp.rootHash);
  if (request.oldSize > cp.size)
    return { status: 400, detail: `the old size ${request.oldSize} is above the checkpoint's ${cp.size}` };
  if (cp.size === 0 && root !== b64(emptyRoot()))
    return { status: 422, detail: 'a checkpoint of size 0 must have the root of the empty tree' };
  const state = await witnessedState(core, peer);
  const current = state?.size ?? 0;
  // Two signed roots for one size are a fork whoever submits them: record it even when the request is refused.
  if (state && cp.size === state.size && root !== state.rootHash)
    await alarm(core, peer.code, 'fork', `${peer.code} signed two roots for size ${cp.size}`, {
      cosigned: state.note,
      submitted: request.checkpoint,
    });
  if (request.oldSize !== current) return { status: 409, size: current };
  if (request.oldSize === 0 && request.proof.length > 0)
    return { status: 422, detail: 'a consistency proof from size 0 must be empty' };
  if (request.oldSize === cp.size) {
    if (state && root !== state.rootHash)
      return { status: 422, detail: `the root differs from the one cosigned for size ${cp.size}` };
  } else if (
    request.oldSize > 0 &&
    !verifyConsistency(request.oldSize, cp.size, unb64(state!.rootHash), cp.rootHash, request.proof)
  ) {
    // Anyone may submit a signed checkpoint with a bad proof; only the log's own failure to prove it is a fork.
    const asked = await askLogToProve(peer, request.oldSize, cp.size, unb64(state!.rootHash), cp.rootHash);
    if (asked === 'disproven')
      await alarm(
        core,
        peer.code,
        'fork',
        `${peer.code}'s tree of ${cp.size} entries is not consistent with the ${request.oldSize} this node cosigned`,
        { cosigned: state!.note, submitted: request.checkpoint },
      );
    return {
      status: 422,
      detail: `the consistency proof from ${request.oldSize} to ${cp.size} entries does not verify`,
    };
  }

  const text = noteText(request.checkpoint);
  const line = cosignatureLine(
    text,
    { name: core.trust.party(core.party)!.witness.name, privateKey: core.keys.witness.privateKey },
    Math.floor(core.now().getTime() / 1000),
  );
  const note = `${text}\n${opened.logLines.map((l) => `${l}\n`).join('')}${line}`;
  const row = { party: peer.code, size: cp.size, rootHash: root, note, at: core.now() };
  // Compare-and-set on the size: of two submissions from one old size, only the first moves the log on.
  const moved = state
    ? await core.db
        .update(witnessedLogs)
        .set(row)
        .where(and(eq(witnessedLogs.origin, peer.ledger.origin), eq(witnessedLogs.size, current)))
        .returning({ size: witnessedLogs.size })
    : await core.db
        .insert(witnessedLogs)
        .values({ origin: peer.ledger.origin, ...row })
        .onConflictDoNothing()
        .returning({ size: witnessedLogs.size });
  if (moved.length === 0) return { status: 409, size: (await witnessedState(core, peer))?.size ?? 0 };
  return { status: 200, cosignature: line };
}

/** The checkpoint this witness last cosigned for the log with this origin hash (tlog-witness monitoring). */
export async function witnessedCheckpoint(core: NodeCore, originHash: string): Promise<string | null> {
  const rows = await core.db.select().from(witnessedLogs);
  const row = rows.find((r) => createHash('sha256').update(r.origin).digest('hex') === originHash);
  return row ? row.note : null;
}

async function get(url: string): Promise<Response> {
  return fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
}

/**
 * Asks the log's own consistency endpoint for a proof from `from` to `to` entries. `disproven`: its proof does not
 * verify, so the log cannot show that the tree it signed extends the one it signed before. A log that cannot be
 * reached, or refuses, proves nothing either way (`unknown`).
 */
async function askLogToProve(
  peer: TrustedParty,
  from: number,
  to: number,
  fromRoot: Uint8Array,
  toRoot: Uint8Array,
): Promise<'proven' | 'disproven' | 'unknown'> {
  let hashes: unknown;
  try {
    const res = await get(`${peer.url}/ledger/proof/consistency?from=${from}&to=${to}`);
    if (!res.ok) return 'unknown';
    hashes = ((await res.json()) as { hashes?: unknown }).hashes;
  } catch {
    return 'unknown';
  }
  const proof = Array.isArray(hashes) ? hashes.map((h) => unb64(String(h))) : [];
  return verifyConsistency(from, to, fromRoot, toRoot, proof) ? 'proven' : 'disproven';
}

/**
 * Checks one peer's published checkpoint against the last one this witness cosigned; returns what happened, for
 * logs and tests.
 */
export async function monitorPeer(
  core: NodeCore,
  peer: TrustedParty,
): Promise<'consistent' | 'none' | 'alarm'> {
  // 'none': nothing to compare with yet, or the peer could not be asked.
  const res = await get(`${peer.url}/ledger/checkpoint`);
  if (res.status === 404) return 'none';
  const note = await res.text();
  let opened: ReturnType<typeof openPeerCheckpoint>;
  try {
    opened = openPeerCheckpoint(peer, note);
  } catch (e) {
    await alarm(core, peer.code, 'bad-signature', `malformed checkpoint: ${(e as Error).message}`, { note });
    return 'alarm';
  }
  if (!opened.valid) {
    await alarm(
      core,
      peer.code,
      'bad-signature',
      `the checkpoint ${peer.code} publishes is not signed by its key for ${peer.ledger.origin}`,
      { note },
    );
    return 'alarm';
  }
  const state = await witnessedState(core, peer);
  if (!state) return 'none';
  const cp = opened.checkpoint;
  const root = b64(cp.rootHash);
  const evidence = { cosigned: state.note, published: note };
  if (cp.size === state.size) {
    if (root === state.rootHash) return 'consistent';
    await alarm(core, peer.code, 'fork', `${peer.code} signed two roots for size ${cp.size}`, evidence);
    return 'alarm';
  }
  // Whichever is larger, the log must prove the smaller tree a prefix of it.
  const [from, to] = cp.size < state.size ? [cp.size, state.size] : [state.size, cp.size];
  const [fromRoot, toRoot] =
    cp.size < state.size ? [cp.rootHash, unb64(state.rootHash)] : [unb64(state.rootHash), cp.rootHash];
  const asked = from === 0 ? 'proven' : await askLogToProve(peer, from, to, fromRoot, toRoot);
  if (asked === 'proven') return 'consistent';
  if (asked === 'unknown') return 'none';
  await alarm(
    core,
    peer.code,
    'fork',
    `${peer.code} publishes a tree of ${cp.size} entries that it does not prove consistent with the ${state.size} this node cosigned`,
    evidence,
  );
  return 'alarm';
}

/** Monitors every peer of the trust list; returns how many answered. */
export async function monitorPeers(core: NodeCore): Promise<number> {
  let checked = 0;
  for (const peer of core.trust.parties()) {
    if (peer.code === core.party) continue;
    try {
      await monitorPeer(core, peer);
      checked++;
    } catch (e) {
      core.log.warn({ peer: peer.code, err: (e as Error).message }, 'peer ledger not reachable');
    }
  }
  return checked;
}

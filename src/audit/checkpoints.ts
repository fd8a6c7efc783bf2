/**
 * Signed checkpoints of this node's ledger (design §7), and their witnessing, the log's side of C2SP
 * tlog-witness. A checkpoint (C2SP tlog-checkpoint) is signed with the node's signing key under the ledger's fixed
 * origin whenever the tree has grown; it is then submitted to each witness (the peers of the trust list, and any
 * external witness the config names) with a consistency proof from the size that witness last cosigned. Only
 * cosignature lines that verify with the witness's key (C2SP tlog-cosignature v1) are kept, exactly as verified.
 * A checkpoint is published as witnessed once the configured quorum of witnesses has cosigned it.
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { NodeCore } from '../core.ts';
import { openCheckpoint, signCheckpoint } from '../ledger/checkpoint.ts';
import { consistencyProof, consistencyProofRanges, proofSubtrees } from '../ledger/merkle.ts';
import { ed25519PublicKeyBytes, noteText, verifierKey } from '../ledger/note.ts';
import { formatAddCheckpoint, parseSize, TLOG_SIZE_TYPE } from '../ledger/tlog-witness.ts';
import { ledgerAlarms, ledgerCheckpoints, ledgerCosignatures, ledgerWitnesses } from '../store/schema.ts';
import { b64, ledgerTree, subtreeLookup } from './ledger.ts';

const TIMEOUT_MS = 5000;
/** Answers 409 (another submission moved the witness on) after which a round gives up on a witness until the next. */
const MAX_409S = 4;
/** The first pause before asking a failing witness again; it doubles up to the settings' maxRetryDelayMs. */
const FIRST_RETRY_MS = 1000;

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

/** The node's log verifier key in signed-note form: `name+hash+key` (Ed25519, type 0x01). */
export function ledgerVerifierKey(core: NodeCore): string {
  return verifierKey(core.ledger.origin, ed25519PublicKeyBytes(core.keys.signing.privateKey));
}

/** The node's witness verifier key (tlog-cosignature v1, type 0x04) under the name the trust list gives it. */
export function witnessVerifierKey(core: NodeCore): string {
  return verifierKey(
    core.trust.party(core.party)!.witness.name,
    ed25519PublicKeyBytes(core.keys.witness.privateKey),
    'cosignature/v1',
  );
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

/** Signs a checkpoint if the tree grew since the last one; returns its size. */
export async function signLatestCheckpoint(core: NodeCore): Promise<number> {
  const { size, root } = await ledgerTree(core.db);
  const last = (
    await core.db
      .select({ size: ledgerCheckpoints.size })
      .from(ledgerCheckpoints)
      .orderBy(desc(ledgerCheckpoints.size))
      .limit(1)
  )[0];
  if (last && last.size >= size) return last.size;
  const note = signCheckpoint(
    { origin: core.ledger.origin, size, rootHash: root },
    { name: core.ledger.origin, privateKey: core.keys.signing.privateKey },
  );
  await core.db
    .insert(ledgerCheckpoints)
    .values({ size, rootHash: b64(root), note, at: core.now() })
    .onConflictDoNothing();
  return size;
}

type Published = { size: number; rootHash: string; note: string; cosignatures: number; witnessed: boolean };

/** A checkpoint with the cosignature lines stored for it from the witnesses now configured. */
async function withCosignatures(
  core: NodeCore,
  cp: { size: number; rootHash: string; note: string },
  quorum: number,
): Promise<Published> {
  const names = logWitnesses(core).map((w) => w.name);
  const lines = names.length
    ? await core.db
        .select({ line: ledgerCosignatures.line })
        .from(ledgerCosignatures)
        .where(and(eq(ledgerCosignatures.size, cp.size), inArray(ledgerCosignatures.witness, names)))
        .orderBy(ledgerCosignatures.witness)
    : [];
  return {
    ...cp,
    note: cp.note + lines.map((c) => `${c.line}\n`).join(''),
    cosignatures: lines.length,
    witnessed: lines.length >= quorum,
  };
}

/** The columns a published checkpoint is read from. */
const CHECKPOINT = {
  size: ledgerCheckpoints.size,
  rootHash: ledgerCheckpoints.rootHash,
  note: ledgerCheckpoints.note,
};

/**
 * The checkpoint the node publishes: the newest one that the quorum of its witnesses has cosigned, with their
 * cosignatures. Until one has (a new node; witnesses unreachable), the newest signed one with what it has, which
 * a client that requires the quorum refuses, as it should. Null before the first checkpoint.
 */
export async function publishedCheckpoint(core: NodeCore): Promise<Published | null> {
  const quorum = core.witnessing.quorum;
  const names = logWitnesses(core).map((w) => w.name);
  if (quorum > 0 && names.length > 0) {
    const witnessed = (
      await core.db
        .select(CHECKPOINT)
        .from(ledgerCheckpoints)
        .innerJoin(ledgerCosignatures, eq(ledgerCosignatures.size, ledgerCheckpoints.size))
        .where(inArray(ledgerCosignatures.witness, names))
        .groupBy(ledgerCheckpoints.size)
        .having(sql`count(*) >= ${quorum}`)
        .orderBy(desc(ledgerCheckpoints.size))
        .limit(1)
    )[0];
    if (witnessed) return withCosignatures(core, witnessed, quorum);
  }
  const newest = await newestCheckpoint(core);
  return newest ? withCosignatures(core, newest, quorum) : null;
}

/** The newest signed checkpoint, with the cosignatures it has so far; null before the first. */
export async function latestCheckpoint(core: NodeCore): Promise<Published | null> {
  const newest = await newestCheckpoint(core);
  return newest ? withCosignatures(core, newest, core.witnessing.quorum) : null;
}

async function newestCheckpoint(core: NodeCore) {
  return (
    await core.db.select(CHECKPOINT).from(ledgerCheckpoints).orderBy(desc(ledgerCheckpoints.size)).limit(1)
  )[0];
}

/** Why a witness did not cosign, kept for the administrators' witness view. */
class WitnessRefused extends Error {}
/** The witness has cosigned a newer checkpoint of this log than the one submitted. */
class Superseded extends Error {}

/**
 * The cosignature line of `witness` in its add-checkpoint answer for `text`: the first line with its name and key ID
 * that verifies as a tlog-cosignature v1 by a key valid at its timestamp, exactly as it verified. Lines of other
 * names, keys or types are ignored, as the spec says.
 */
export function verifiedCosignature(
  text: string,
  answer: string,
  witness: LogWitness,
  latest: Date,
): string | null {
  for (const key of witness.keys) {
    let opened: ReturnType<typeof openCheckpoint>;
    try {
      opened = openCheckpoint(`${text}\n${answer}`, [
        { name: witness.name, publicKey: key.publicKey, type: 'cosignature/v1' },
      ]);
    } catch {
      return null;
    }
    for (const s of opened.signatures) {
      if (s.verified !== true || s.timestamp === undefined) continue;
      const at = new Date(s.timestamp * 1000);
      // Not from the future, and by a retired key only before it was retired.
      if (at <= latest && (key.validUntil === undefined || at <= key.validUntil)) return s.line;
    }
  }
  return null;
}

/** One add-checkpoint call; returns the witness's answer, or its size on 409. */
async function submit(witness: LogWitness, body: string): Promise<{ cosigned: string } | { size: number }> {
  let res: Response;
  try {
    res = await fetch(`${witness.url}/add-checkpoint`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    throw new WitnessRefused(
      `not reachable: ${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause?: Error }).cause!.message})` : ''}`,
    );
  }
  const text = (await res.text()).slice(0, 64 * 1024);
  if (res.status === 200) return { cosigned: text };
  if (res.status === 409 && (res.headers.get('content-type') ?? '').startsWith(TLOG_SIZE_TYPE)) {
    const size = parseSize(text.replace(/\n$/, ''));
    if (size !== null) return { size };
  }
  throw new WitnessRefused(`answered ${res.status}: ${text.replace(/\s+/g, ' ').slice(0, 300)}`);
}

/** The consistency proof from `from` to `to` entries of this node's tree. */
async function ownConsistencyProof(core: NodeCore, from: number, to: number): Promise<Uint8Array[]> {
  if (from === 0 || from === to) return [];
  const lookup = await subtreeLookup(core.db, proofSubtrees(consistencyProofRanges(from, to)));
  return consistencyProof(from, to, lookup);
}

async function alarmOwnLog(core: NodeCore, detail: string, evidence: Record<string, unknown>) {
  const same = (
    await core.db
      .select({ id: ledgerAlarms.id })
      .from(ledgerAlarms)
      .where(and(eq(ledgerAlarms.party, core.party), eq(ledgerAlarms.detail, detail)))
      .limit(1)
  )[0];
  if (same) return;
  core.log.error({ detail }, 'ledger alarm about this node’s own log');
  await core.db
    .insert(ledgerAlarms)
    .values({ at: core.now(), party: core.party, kind: 'rollback', detail, evidence });
}

/**
 * Asks one witness to cosign the checkpoint, from the size it last cosigned; on 409 again from the size it
 * gives, as long as that size grows (another submission of this log got there first). Returns the verified
 * cosignature line.
 */
async function cosignWith(
  core: NodeCore,
  witness: LogWitness,
  cp: { size: number; note: string },
  known: number,
): Promise<string> {
  let old = known;
  let answered = -1;
  for (let attempt = 0; attempt < MAX_409S; attempt++) {
    if (old > cp.size) {
      // Cosigned concurrently by another round for a newer checkpoint of this log: not a rollback.
      if (((await newestCheckpoint(core))?.size ?? 0) >= old) throw new Superseded();
      await alarmOwnLog(
        core,
        `${witness.name} has cosigned ${old} entries of this log, more than the ${cp.size} it has now`,
        { witness: witness.name, witnessSize: old, size: cp.size },
      );
      throw new WitnessRefused(
        `it has cosigned ${old} entries, more than this log's ${cp.size}: rolled back?`,
      );
    }
    const body = formatAddCheckpoint(old, await ownConsistencyProof(core, old, cp.size), cp.note);
    const answer = await submit(witness, body);
    if ('size' in answer) {
      if (answer.size <= answered) break;
      answered = answer.size;
      old = answer.size;
      continue;
    }
    const skew = core.settings.clockSkewSeconds * 1000;
    const line = verifiedCosignature(
      noteText(cp.note),
      answer.cosigned,
      witness,
      new Date(core.now().getTime() + skew),
    );
    if (!line) throw new WitnessRefused('its answer holds no valid cosignature of this checkpoint');
    return line;
  }
  throw new WitnessRefused(`it kept answering 409 (its size ${old})`);
}

/**
 * Submits the newest checkpoint to every witness that has not cosigned it yet (a failing witness again after a
 * growing pause, unless `retryNow`) and stores the verified cosignatures. Returns how many witnesses cosigned it
 * by now.
 */
export function requestCosignatures(core: NodeCore, opts: { retryNow?: boolean } = {}): Promise<number> {
  // One round at a time per node (the loop, an administrator's retry): two would race each other to the witnesses.
  const previous = rounds.get(core) ?? Promise.resolve(0);
  const next = previous.catch(() => 0).then(() => requestCosignaturesNow(core, opts));
  rounds.set(core, next);
  return next;
}
const rounds = new WeakMap<NodeCore, Promise<number>>();

async function requestCosignaturesNow(core: NodeCore, opts: { retryNow?: boolean }): Promise<number> {
  const witnesses = logWitnesses(core);
  if (witnesses.length === 0) return 0;
  // A round running at the same time (the node's own loop, an administrator's retry) may have a witness
  // cosign a newer checkpoint first: then the newer one is submitted, a few times at most.
  for (let round = 0; ; round++) {
    const cp = await newestCheckpoint(core);
    if (!cp) return 0;
    const superseded = await cosignRound(core, witnesses, cp, opts);
    if (!superseded || round === 2) {
      const have = await core.db
        .select({ witness: ledgerCosignatures.witness })
        .from(ledgerCosignatures)
        .where(eq(ledgerCosignatures.size, cp.size));
      const names = new Set(have.map((h) => h.witness));
      return witnesses.filter((w) => names.has(w.name)).length;
    }
  }
}

/** One round of `requestCosignatures` for one checkpoint; true when a witness had cosigned a newer one. */
async function cosignRound(
  core: NodeCore,
  witnesses: LogWitness[],
  cp: { size: number; note: string },
  opts: { retryNow?: boolean },
): Promise<boolean> {
  const [states, have] = await Promise.all([
    core.db.select().from(ledgerWitnesses),
    core.db
      .select({ witness: ledgerCosignatures.witness })
      .from(ledgerCosignatures)
      .where(eq(ledgerCosignatures.size, cp.size)),
  ]);
  const cosigned = new Set(have.map((h) => h.witness));
  const now = core.now();
  let superseded = false;
  await Promise.all(
    witnesses.map(async (witness) => {
      if (cosigned.has(witness.name)) return;
      const state = states.find((s) => s.witness === witness.name);
      if (state?.failures && state.attemptedAt && !opts.retryNow) {
        const pause = Math.min(core.settings.maxRetryDelayMs, FIRST_RETRY_MS * 2 ** (state.failures - 1));
        if (now.getTime() - state.attemptedAt.getTime() < pause) return;
      }
      let line: string;
      try {
        line = await cosignWith(core, witness, cp, state?.size ?? 0);
      } catch (e) {
        if (e instanceof Superseded) {
          superseded = true;
          return;
        }
        if (!(e instanceof WitnessRefused)) throw e;
        core.log.warn({ witness: witness.name, err: e.message }, 'witness did not cosign');
        await core.db
          .insert(ledgerWitnesses)
          .values({
            witness: witness.name,
            size: state?.size ?? 0,
            attemptedAt: now,
            failures: 1,
            error: e.message,
          })
          .onConflictDoUpdate({
            target: ledgerWitnesses.witness,
            set: { attemptedAt: now, failures: sql`${ledgerWitnesses.failures} + 1`, error: e.message },
          });
        return;
      }
      await core.db.transaction(async (tx) => {
        await tx
          .insert(ledgerCosignatures)
          .values({ size: cp.size, witness: witness.name, line, at: now })
          .onConflictDoNothing();
        // The witness's size only moves forward: a round for an older checkpoint finishing late leaves it.
        await tx
          .insert(ledgerWitnesses)
          .values({ witness: witness.name, size: cp.size, cosignedAt: now, attemptedAt: now, failures: 0 })
          .onConflictDoUpdate({
            target: ledgerWitnesses.witness,
            set: {
              size: sql`greatest(${ledgerWitnesses.size}, ${cp.size})`,
              cosignedAt: now,
              attemptedAt: now,
              failures: 0,
              error: null,
            },
          });
      });
    }),
  );
  return superseded;
}

/** Signs a checkpoint if the tree grew, then gathers cosignatures for the newest one. */
export async function checkpointAndWitness(core: NodeCore): Promise<void> {
  await signLatestCheckpoint(core);
  await requestCosignatures(core);
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

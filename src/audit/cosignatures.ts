/**
 * The witnessing of this node's checkpoints, the log's side of C2SP tlog-witness: the newest checkpoint is
 * submitted to each witness (log-witnesses.ts) with a consistency proof from the size that witness last
 * cosigned. Only cosignature lines that verify with the witness's key (C2SP tlog-cosignature v1) are kept,
 * exactly as verified.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { NodeCore } from '../core.ts';
import { openCheckpoint } from '../ledger/checkpoint.ts';
import { consistencyProof, consistencyProofRanges, proofSubtrees } from '../ledger/merkle.ts';
import { noteText } from '../ledger/note.ts';
import { formatAddCheckpoint, parseSize, TLOG_SIZE_TYPE } from '../ledger/tlog-witness.ts';
import { ledgerAlarms, ledgerCosignatures, ledgerWitnesses } from '../store/schema.ts';
import { newestCheckpoint, signLatestCheckpoint } from './checkpoints.ts';
import { subtreeLookup } from './ledger.ts';
import { type LogWitness, logWitnesses } from './log-witnesses.ts';

const TIMEOUT_MS = 5000;
/** Answers 409 (another submission moved the witness on) after which a round gives up on a witness until the next. */
const MAX_409S = 4;
/** The first pause before asking a failing witness again; it doubles up to the settings' maxRetryDelayMs. */
const FIRST_RETRY_MS = 1000;

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

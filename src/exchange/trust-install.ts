/**
 * Putting a trust list in force: the node checks that it holds this node's current keys, that its serial does
 * not go backwards, and records every change in the ledger (which keys were added, retired, revoked), so that
 * other states and oversight bodies can see when this node began or stopped trusting a key.
 */
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { desc, eq } from 'drizzle-orm';
import { AppError } from '../api/errors.ts';
import { appendLedger } from '../audit/ledger.ts';
import type { NodeKeys } from '../crypto/keys.ts';
import type { NodeCore } from '../node/core.ts';
import type { Tx } from '../store/db.ts';
import { ledgerEntries, ledgerHead } from '../store/schema.ts';
import { handoversPath, loadTrustListInForce, TrustList, trustAdminKid } from './trust-list.ts';

/** Throws unless the list names this node's current keys as its current keys. */
export function checkOwnEntry(trust: TrustList, keys: NodeKeys, where: string): void {
  const self = trust.party(keys.party);
  if (!self || self.signing.kid !== keys.signing.kid || self.encryption.kid !== keys.encryption.kid)
    throw new Error(
      `the trust list ${where} does not hold this node's current keys as its active ones; this node's entry needs: ${JSON.stringify(
        [
          { kid: keys.signing.kid, use: 'sig', jwk: keys.signing.publicJwk, status: 'active' },
          { kid: keys.encryption.kid, use: 'enc', jwk: keys.encryption.publicJwk, status: 'active' },
        ],
      )}`,
    );
}

interface TrustRecord {
  digest: string;
  serial: number | null;
  signedBy: string | null;
  keys: Record<string, string>;
}

async function lastRecorded(tx: Pick<Tx, 'select'>): Promise<TrustRecord | null> {
  const row = (
    await tx
      .select({ record: ledgerEntries.record })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.type, 'trust-list'))
      .orderBy(desc(ledgerEntries.seq))
      .limit(1)
  )[0];
  return (row?.record as TrustRecord | undefined) ?? null;
}

/** What a list's record says of it: its serial and the status of each key. */
type Standing = Pick<TrustRecord, 'serial' | 'keys'>;
const standingOf = (t: TrustList): Standing => ({ serial: t.file.serial ?? null, keys: t.keyStatuses() });

/** Why a list may not follow another in force (a lower serial, a revoked key trusted again), or null. */
function stepBack(before: Standing, after: Standing): string | null {
  if (before.serial != null && (after.serial === null || after.serial < before.serial))
    return `The trust list's serial ${after.serial ?? '(none)'} is lower than the one in force (${before.serial}): an old list cannot come back.`;
  const back = Object.entries(after.keys)
    .filter(([kid, status]) => before.keys[kid] === 'revoked' && status !== 'revoked')
    .map(([kid]) => kid);
  return back.length ? `A revoked key cannot be trusted again: ${back.join(', ')}.` : null;
}

/** What changed between two key-status maps. */
function changes(before: Record<string, string>, after: Record<string, string>) {
  const out: {
    added: string[];
    removed: string[];
    retired: string[];
    revoked: string[];
    reactivated: string[];
  } = {
    added: [],
    removed: [],
    retired: [],
    revoked: [],
    reactivated: [],
  };
  for (const [kid, status] of Object.entries(after)) {
    const was = before[kid];
    if (was === undefined) out.added.push(kid);
    else if (was !== status) {
      if (status === 'retired') out.retired.push(kid);
      else if (status === 'revoked') out.revoked.push(kid);
      else out.reactivated.push(kid);
    }
  }
  for (const kid of Object.keys(before)) if (!(kid in after)) out.removed.push(kid);
  return out;
}

/**
 * Records the list in the ledger when it differs from the last one recorded; refuses a lower serial than the
 * one in force, and a revoked key coming back.
 */
export async function recordTrustList(
  core: NodeCore,
  tx: Tx,
  trust: TrustList,
  by: string | null,
): Promise<boolean> {
  // Two processes of one node may install at once: the ledger head's lock (taken again by appendLedger) orders
  // them, so each compares its list with the one the other recorded, not with what was in force before both.
  await tx.select({ id: ledgerHead.id }).from(ledgerHead).where(eq(ledgerHead.id, 1)).for('update');
  const previous = await lastRecorded(tx);
  const digest = trust.digest();
  // The same content signed by another key is a change too (a handover, or a key configured by hand).
  if (previous?.digest === digest && previous.signedBy === trust.signedBy) return false;
  const { serial, keys } = standingOf(trust);
  const refusal = previous ? stepBack(previous, { serial, keys }) : null;
  if (refusal) throw new AppError('conflict', refusal);
  const changed = changes(previous?.keys ?? {}, keys);
  await appendLedger(core, tx, {
    type: 'trust-list',
    party: core.party,
    record: {
      digest,
      serial,
      signedBy: trust.signedBy,
      ...(trust.file.nextSigner ? { nextSigner: trustAdminKid(trust.file.nextSigner) } : {}),
      keys,
      changes: changed,
      ...(by ? { installedBy: by } : {}),
    },
  });
  core.log.info({ digest, serial, changes: changed }, 'trust list recorded');
  return true;
}

/** One install at a time per node: each one checks its signature against the key in force when it runs. */
const installing = new WeakMap<NodeCore, Promise<unknown>>();

/** Runs `work` after the install (or refresh) under way on this node, if any, has ended. */
function queued<T>(core: NodeCore, work: () => Promise<T>): Promise<T> {
  // The previous run's failure is its caller's to hear; this one waits only for it to end.
  const run = (installing.get(core) ?? Promise.resolve()).catch(() => undefined).then(work);
  installing.set(core, run);
  return run;
}

/** The digest of a recorded list this process could not put in force, so that it says so once, not every poll. */
const refused = new WeakMap<NodeCore, string>();

/**
 * Several processes of one node share its database (PostgreSQL); an administrator's upload reaches one of them.
 * Each process compares the list last recorded in the ledger with its own and, when they differ, reads the
 * trust-list file again (the installing process wrote it before it committed) and puts it in force if it is the
 * recorded one, signed by the administrator key in force here (or the one it hands over to), holding this node's
 * keys, and not a step back. Otherwise the process keeps its list and logs why, once. Returns whether the list in
 * force changed.
 */
export function followRecordedTrustList(core: NodeCore): Promise<boolean> {
  return queued(core, async () => {
    const recorded = await lastRecorded(core.db);
    const same = (t: TrustList) => recorded?.digest === t.digest() && recorded.signedBy === t.signedBy;
    if (!recorded || same(core.trust)) return false;
    let loaded: ReturnType<typeof loadTrustListInForce> | null = null;
    let why: string | null = null;
    try {
      loaded = loadTrustListInForce(core.trustSource.path, core.trustSource.signer);
      if (!same(loaded.trust))
        why = `the file holds another list (digest ${loaded.trust.digest()}): install the recorded one here too`;
      else {
        checkOwnEntry(loaded.trust, core.keys, core.trustSource.path);
        why = stepBack(standingOf(core.trust), standingOf(loaded.trust));
      }
    } catch (e) {
      why = (e as Error).message;
    }
    if (why !== null || !loaded) {
      if (refused.get(core) !== recorded.digest) {
        refused.set(core, recorded.digest);
        core.log.warn(
          { recorded: recorded.digest, file: core.trustSource.path, reason: why },
          'the trust list recorded by another process of this node is not put in force here',
        );
      }
      return false;
    }
    const from = core.trustSource.signer;
    core.trust = loaded.trust;
    if (loaded.signer) core.trustSource.signer = loaded.signer;
    refused.delete(core);
    core.log.info(
      {
        digest: recorded.digest,
        serial: recorded.serial,
        ...(from && loaded.signer && trustAdminKid(from) !== trustAdminKid(loaded.signer)
          ? { administratorKey: trustAdminKid(loaded.signer) }
          : {}),
      },
      'trust list installed by another process of this node put in force',
    );
    return true;
  });
}

/**
 * Installs a new signed trust list at run time (an administrator's upload): checked, recorded, saved, in force.
 * A list signed with the key that the list in force names as `nextSigner` hands the administrator key over:
 * the list that named it is kept (the node's way back to its configured key at start) and the old key signs
 * nothing the node accepts from then on.
 */
export function installTrustList(core: NodeCore, text: string, by: string): Promise<TrustList> {
  return queued(core, () => install(core, text.trim(), by));
}

async function install(core: NodeCore, text: string, by: string): Promise<TrustList> {
  const current = core.trustSource.signer;
  const named = current ? core.trust.file.nextSigner : undefined;
  // A list that names the key in force as the next one announces nothing.
  const next = named && trustAdminKid(named) !== trustAdminKid(current!) ? named : undefined;
  let trust: TrustList;
  try {
    trust = TrustList.parse(text, current ? [current, ...(next ? [next] : [])] : undefined);
  } catch (e) {
    throw new AppError('unprocessable', `The trust list was not accepted: ${(e as Error).message}`);
  }
  try {
    checkOwnEntry(trust, core.keys, 'sent');
  } catch (e) {
    throw new AppError('unprocessable', (e as Error).message);
  }
  const handover = next !== undefined && trust.signedBy === trustAdminKid(next);
  const path = core.trustSource.path;
  await core.db.transaction(async (tx) => {
    // The same list again changes nothing, not even the file: it may be another process's to write just now.
    if (!(await recordTrustList(core, tx, trust, by))) return;
    // The files change before the ledger entry commits: should the commit fail, the next start records the
    // list it finds. The handover line goes first; a stop between the two writes leaves the list file equal
    // to that line, which the walk at start accepts (see walkHandovers).
    if (handover) appendFileSync(handoversPath(path), `${readFileSync(path, 'utf8').trim()}\n`);
    writeFileSync(`${path}.tmp`, `${text}\n`);
    renameSync(`${path}.tmp`, path);
  });
  if (handover) {
    core.trustSource.signer = next;
    core.log.warn(
      { from: trustAdminKid(current!), to: trust.signedBy },
      'trust-list administrator key handed over',
    );
  }
  core.trust = trust;
  return trust;
}

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
import { ledgerEntries } from '../store/schema.ts';
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
  const previous = await lastRecorded(tx);
  const digest = trust.digest();
  // The same content signed by another key is a change too (a handover, or a key configured by hand).
  if (previous?.digest === digest && previous.signedBy === trust.signedBy) return false;
  const serial = trust.file.serial ?? null;
  if (previous?.serial != null && (serial === null || serial < previous.serial))
    throw new AppError(
      'conflict',
      `The trust list's serial ${serial ?? '(none)'} is lower than the one in force (${previous.serial}): an old list cannot come back.`,
    );
  const keys = trust.keyStatuses();
  const changed = changes(previous?.keys ?? {}, keys);
  if (changed.reactivated.some((kid) => previous?.keys[kid] === 'revoked'))
    throw new AppError(
      'conflict',
      `A revoked key cannot be trusted again: ${changed.reactivated.join(', ')}.`,
    );
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

/** The digest of a recorded list this process could not find in its file, so that it warns once, not every poll. */
const missing = new WeakMap<NodeCore, string>();

/**
 * Several processes of one node share its database (PostgreSQL); an administrator's upload reaches one of them.
 * Each process compares the list last recorded in the ledger with its own and, when they differ, reads the
 * trust-list file again (the installing process wrote it before it committed) and puts it in force if it is the
 * recorded one. A process that cannot see that file (another host, no shared folder) keeps its list and says so
 * once. Returns whether the list in force changed.
 */
export function followRecordedTrustList(core: NodeCore): Promise<boolean> {
  return queued(core, async () => {
    const recorded = await lastRecorded(core.db);
    const same = (t: TrustList) => recorded?.digest === t.digest() && recorded.signedBy === t.signedBy;
    if (!recorded || same(core.trust)) return false;
    let loaded: ReturnType<typeof loadTrustListInForce> | null = null;
    try {
      loaded = loadTrustListInForce(core.trustSource.path, core.trustSource.signer);
    } catch (e) {
      core.log.debug({ err: e }, 'trust list file not readable while following the ledger');
    }
    if (!loaded || !same(loaded.trust)) {
      if (missing.get(core) !== recorded.digest) {
        missing.set(core, recorded.digest);
        core.log.warn(
          { recorded: recorded.digest, file: core.trustSource.path },
          'another process of this node installed a trust list that is not in this process’s file: install it here too',
        );
      }
      return false;
    }
    const handedOver =
      loaded.signer &&
      core.trustSource.signer &&
      trustAdminKid(loaded.signer) !== trustAdminKid(core.trustSource.signer);
    core.trust = loaded.trust;
    if (loaded.signer) core.trustSource.signer = loaded.signer;
    missing.delete(core);
    core.log.info(
      {
        digest: recorded.digest,
        serial: recorded.serial,
        ...(handedOver ? { signer: loaded.trust.signedBy } : {}),
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
    await recordTrustList(core, tx, trust, by);
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

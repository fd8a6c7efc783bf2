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
import { handoversPath, TrustList, trustAdminKid } from './trust-list.ts';

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

async function lastRecorded(tx: Tx): Promise<TrustRecord | null> {
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

/**
 * Installs a new signed trust list at run time (an administrator's upload): checked, recorded, saved, in force.
 * A list signed with the key that the list in force names as `nextSigner` hands the administrator key over:
 * the list that named it is kept (the node's way back to its configured key at start) and the old key signs
 * nothing the node accepts from then on.
 */
export function installTrustList(core: NodeCore, text: string, by: string): Promise<TrustList> {
  // The previous install's failure is its caller's to hear; this one waits only for it to end.
  const run = (installing.get(core) ?? Promise.resolve())
    .catch(() => undefined)
    .then(() => install(core, text.trim(), by));
  installing.set(core, run);
  return run;
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

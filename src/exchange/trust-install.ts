/**
 * Putting a trust list in force: the node checks that it holds this node's current keys, records it
 * (trust-record.ts), and writes it where this process reads it at start; and each process of the node follows,
 * from the texts the database keeps, the lists that the others recorded.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import type { NodeCore } from '../core.ts';
import { type NodeKeys, type PublicJwk, trustListEntries } from '../crypto/keys.ts';
import { TrustList } from '../crypto/trust-list.ts';
import { handoversPath } from '../crypto/trust-list-handovers.ts';
import { trustAdminKid } from '../crypto/trust-list-jws.ts';
import { AppError } from '../domain/errors.ts';
import { ledgerEntries, trustLists } from '../store/schema.ts';
import {
  lastRecorded,
  lockLedgerHead,
  recordOf,
  recordTrustList,
  standingOf,
  stepBack,
  type TrustRecord,
  textOf,
} from './trust-record.ts';

/** Throws unless the list names this node's current keys as its current keys. */
export function checkOwnEntry(trust: TrustList, keys: NodeKeys, where: string): void {
  const self = trust.party(keys.party);
  const witness = self?.witness.keys.find((k) => k.kid === keys.witness.kid && !k.validUntil);
  if (
    !self ||
    self.signing.kid !== keys.signing.kid ||
    self.encryption.kid !== keys.encryption.kid ||
    !witness
  )
    throw new Error(
      `the trust list ${where} does not hold this node's current keys as its active ones; this node's entry needs: ${JSON.stringify(
        trustListEntries(keys),
      )}`,
    );
}

/**
 * The administrator keys a new list may be signed with: the one in force, and the next one the list in force
 * names (a list signed with that one hands the key over). None where no key is configured.
 */
function signersFor(core: NodeCore): { keys: PublicJwk[] | undefined; next: PublicJwk | undefined } {
  const current = core.trustSource.signer;
  if (!current) return { keys: undefined, next: undefined };
  const named = core.trust.file.nextSigner;
  // A list that names the key in force as the next one announces nothing.
  const next = named && trustAdminKid(named) !== trustAdminKid(current) ? named : undefined;
  return { keys: [current, ...(next ? [next] : [])], next };
}

/**
 * Writes a list where this process reads it at start, unless the file holds it already (processes sharing a
 * folder). On a handover, the list that named the new key is kept first: a stop between the two writes leaves
 * the list file equal to that line, which the walk at start accepts (see walkHandovers).
 */
function keepOnDisk(path: string, list: TrustList, handedOverBy: TrustList | null): void {
  if (handedOverBy) {
    const line = textOf(handedOverBy);
    const kept = existsSync(handoversPath(path)) ? readFileSync(handoversPath(path), 'utf8').split('\n') : [];
    if (!kept.some((l) => l.trim() === line)) appendFileSync(handoversPath(path), `${line}\n`);
  }
  const text = textOf(list);
  let onDisk: string | null = null;
  try {
    onDisk = readFileSync(path, 'utf8').trim();
  } catch {
    // Not there yet: written below.
  }
  if (onDisk === text) return;
  // A name of its own: two processes sharing the folder may write the same list at once.
  const temporary = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, `${text}\n`);
  renameSync(temporary, path);
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

/**
 * Puts in force, one after the other, the lists recorded after the one in force here, reading their texts from
 * the database: each must be the list its ledger entry records, signed by the administrator key in force at
 * that step (or the one it hands over to), hold this node's keys, and not step back. Each is also written to
 * this process's trust-list file (and a handover to its handovers file), so that a restart keeps it. Stops at
 * the first it cannot take, and says why.
 */
async function catchUp(
  core: NodeCore,
): Promise<{ changed: boolean; blocked: { seq: number; why: string } | null }> {
  const recorded = await lastRecorded(core.db);
  if (!recorded || recordOf(recorded, core.trust)) {
    if (recorded) core.trustSource.seq = recorded.seq;
    return { changed: false, blocked: null };
  }
  const rows = await core.db
    .select({ seq: trustLists.seq, text: trustLists.text, record: ledgerEntries.record })
    .from(trustLists)
    .innerJoin(ledgerEntries, eq(ledgerEntries.seq, trustLists.seq))
    .where(gt(trustLists.seq, core.trustSource.seq ?? -1))
    .orderBy(asc(trustLists.seq));
  let changed = false;
  for (const row of rows) {
    let why: string | null;
    try {
      why = takeRecorded(core, row.seq, row.text, row.record as TrustRecord);
    } catch (e) {
      why = (e as Error).message;
    }
    if (why !== null) return { changed, blocked: { seq: row.seq, why } };
    changed = true;
  }
  // Another process may have recorded a list since `recorded` was read, and this one taken it too.
  return recordOf(recorded, core.trust) || (core.trustSource.seq ?? -1) >= recorded.seq
    ? { changed, blocked: null }
    : {
        changed,
        blocked: {
          seq: recorded.seq,
          why: 'no kept text leads from the list in force here to that one (recorded by an earlier version of Comity?): install it here too',
        },
      };
}

/** One step of `catchUp`: puts a recorded list in force here, or says why not. */
function takeRecorded(core: NodeCore, seq: number, text: string, record: TrustRecord): string | null {
  const { keys, next } = signersFor(core);
  // Without an administrator key, anyone who can write to the database could hand this process a list.
  if (!keys) return 'this node has no trustListSigner configured to check a list taken from the database';
  const list = TrustList.parse(text, keys);
  if (!recordOf(record, list)) return `the text kept for it is not the list its ledger entry records`;
  checkOwnEntry(list, core.keys, `recorded at ledger entry ${seq}`);
  const back = stepBack(standingOf(core.trust), standingOf(list));
  if (back) return back;
  const handover = next !== undefined && list.signedBy === trustAdminKid(next);
  keepOnDisk(core.trustSource.path, list, handover ? core.trust : null);
  const from = core.trustSource.signer;
  core.trust = list;
  core.trustSource.seq = seq;
  if (handover) core.trustSource.signer = next;
  core.log.info(
    {
      seq,
      digest: record.digest,
      serial: record.serial,
      ...(handover ? { administratorKey: { from: trustAdminKid(from!), to: list.signedBy } } : {}),
    },
    'trust list recorded by another process of this node put in force',
  );
  return null;
}

/** The entry of a recorded list this process could not put in force, so that it says so once, not every poll. */
const refused = new WeakMap<NodeCore, number>();

/**
 * Several processes of one node share its database (PostgreSQL), on one host or several; an administrator's
 * upload reaches one of them. Each process compares the list last recorded in the ledger with its own and, when
 * they differ, catches up from the texts the database keeps (see `catchUp`). What it cannot take it logs, once,
 * and keeps its list. Returns whether the list in force changed.
 */
export function followRecordedTrustList(core: NodeCore): Promise<boolean> {
  return queued(core, async () => {
    const { changed, blocked } = await catchUp(core);
    if (!blocked) refused.delete(core);
    else if (refused.get(core) !== blocked.seq) {
      refused.set(core, blocked.seq);
      core.log.warn(
        { seq: blocked.seq, file: core.trustSource.path, reason: blocked.why },
        'a trust list recorded by another process of this node is not put in force here',
      );
    }
    return changed;
  });
}

/**
 * What a node does with the list it loaded at start. A new list is recorded. A list the ledger recorded before
 * the last one means that this process missed an install made through another (the file on this host is
 * behind): it catches up from the texts the database keeps, and does not start if it cannot. To bring an older
 * list back on purpose, an administrator installs it with a higher serial.
 */
export async function takeTrustListAtStart(core: NodeCore): Promise<void> {
  const trust = core.trust;
  const behind = await core.db.transaction(async (tx) => {
    await lockLedgerHead(tx);
    const last = await lastRecorded(tx);
    // Without an administrator key nothing is taken from the database (see takeRecorded): the file is recorded.
    if (last && core.trustSource.signer && !recordOf(last, trust)) {
      const [earlier] = await tx
        .select({ seq: ledgerEntries.seq })
        .from(ledgerEntries)
        .where(
          and(
            eq(ledgerEntries.type, 'trust-list'),
            sql`${ledgerEntries.record}->>'digest' = ${trust.digest()}`,
            // Signed: a list loaded with a configured key always is.
            sql`${ledgerEntries.record}->>'signedBy' = ${trust.signedBy}`,
          ),
        )
        .orderBy(desc(ledgerEntries.seq))
        .limit(1);
      if (earlier) return { seq: earlier.seq, last: last.seq };
    }
    core.trustSource.seq = (await recordTrustList(core, tx, trust, null)).seq;
    return null;
  });
  if (!behind) return;
  core.trustSource.seq = behind.seq;
  const { blocked } = await catchUp(core);
  if (blocked)
    throw new Error(
      `the trust list ${core.trustSource.path} is the one recorded at ledger entry ${behind.seq}, behind the one recorded at ${behind.last}, and this node cannot catch up at entry ${blocked.seq}: ${blocked.why}`,
    );
  core.log.warn(
    { file: core.trustSource.path, was: behind.seq, now: core.trustSource.seq },
    'the trust-list file was behind the ledger (a list was installed through another process): caught up',
  );
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
  // First what another process installed: the list is checked against the administrator key in force now.
  await catchUp(core);
  const current = core.trustSource.signer;
  const { keys, next } = signersFor(core);
  let trust: TrustList;
  try {
    trust = TrustList.parse(text, keys);
  } catch (e) {
    throw new AppError('unprocessable', `The trust list was not accepted: ${(e as Error).message}`);
  }
  try {
    checkOwnEntry(trust, core.keys, 'sent');
  } catch (e) {
    throw new AppError('unprocessable', (e as Error).message);
  }
  const handover = next !== undefined && trust.signedBy === trustAdminKid(next);
  const { seq } = await core.db.transaction(async (tx) => {
    const recorded = await recordTrustList(core, tx, trust, by);
    // The files change before the ledger entry commits: should the commit fail, the next start records the
    // list it finds. The same list again writes nothing unless this process's file lacks it.
    keepOnDisk(core.trustSource.path, trust, handover ? core.trust : null);
    return recorded;
  });
  if (handover) {
    core.trustSource.signer = next;
    core.log.warn(
      { from: trustAdminKid(current!), to: trust.signedBy },
      'trust-list administrator key handed over',
    );
  }
  core.trust = trust;
  core.trustSource.seq = seq;
  return trust;
}

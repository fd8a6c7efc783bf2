/**
 * The checks of `comity ledger verify`, in order: (a) the node's key, given or remembered; (b) its checkpoint's
 * signature and the witnesses' cosignatures against the quorum; (c) every entry's shape and the root they
 * rebuild; (d) that the log only grew since the last run (no rollback, no rewritten history); (e) what to remember.
 */
import { openCheckpoint } from '../../ledger/checkpoint.ts';
import { verifyConsistency } from '../../ledger/merkle.ts';
import { checkEntryShape, LogReplica, locateDivergence } from '../../ledger/verify-log.ts';
import { type CommonOptions, nodeUrl } from '../connect.ts';
import { CliError } from '../errors.ts';
import { ApiClient } from '../http.ts';
import { download, type EntriesPage, getText, inclusionProofFetcher } from './ledger-fetch.ts';
import { b64, hash32 } from './ledger-hashes.ts';
import { keysFromTrustList, namedTrustList, parseKey, sameKey, witnessKey } from './ledger-keys.ts';
import { defaultStatePath, readState, writeState } from './ledger-state.ts';

export interface VerifyOptions extends CommonOptions {
  key?: string;
  state?: string;
  witness?: string[];
  quorum?: string;
  trustList?: string;
  adminKey?: string;
}

/** What a run found; printed with --json, on failure too (with `error`). */
export interface Report {
  ok: boolean;
  origin: string | null;
  size: number | null;
  rootHash: string | null;
  previousSize: number | null;
  /** Cosignatures that verified with a witness key named (or remembered). */
  cosignatures: number | null;
  /** Each witness named, and whether it cosigned the checkpoint. */
  witnesses: { name: string; cosigned: boolean }[];
  quorum: number | null;
  error?: string;
}

/** Entry texts in messages are cut to this many characters. */
const MAX_QUOTE = 300;

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const quote = (text: string) => (text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text);

/** Runs the checks, filling `report` as it goes; returns the line printed on success, or throws a CliError. */
export async function verifyLog(opts: VerifyOptions, report: Report): Promise<string> {
  const url = nodeUrl(opts);
  const api = new ApiClient(url);
  const statePath = opts.state ?? defaultStatePath(url);
  const state = readState(statePath);
  const listed = (() => {
    const trust = namedTrustList(opts);
    return trust ? keysFromTrustList(trust, url) : null;
  })();
  const given = opts.key ?? listed?.log;
  const expected =
    given !== undefined ? parseKey(given.trim(), opts.key ? '--key' : 'the trust list’s key') : null;
  const named = opts.witness?.length ? await Promise.all(opts.witness.map(witnessKey)) : listed?.witnesses;
  const witnesses = named ?? state?.witnesses ?? [];
  const quorum =
    opts.quorum !== undefined
      ? Number(opts.quorum)
      : named
        ? Math.min(1, witnesses.length)
        : (state?.quorum ?? (witnesses.length ? 1 : 0));
  if (!Number.isSafeInteger(quorum) || quorum < 0)
    throw new CliError(`--quorum must be a whole number, not ${opts.quorum}`);
  if (quorum > witnesses.length)
    throw new CliError(
      `--quorum ${quorum} needs at least as many witnesses; ${witnesses.length} named (--witness)`,
    );

  // a. The key: the one given, else the one remembered; the first run remembers it.
  const vkey = (await getText(url, '/ledger/key')).trim();
  const key = parseKey(vkey, `the key ${url} serves`);
  if (expected && !sameKey(key, expected))
    throw new CliError(
      `${url} serves the key ${vkey}, not the one given with ${opts.key ? '--key' : '--trust-list'} (${given!.trim()})`,
    );
  if (state && !sameKey(key, parseKey(state.vkey, `the key in ${statePath}`)))
    throw new CliError(
      `the node's key changed: ${url} serves ${vkey}, but ${state.vkey} was verified before ` +
        `(remove ${statePath} if the change is expected)`,
    );

  // b. The checkpoint, signed with that key under its name.
  const note = await getText(url, '/ledger/checkpoint');
  const witnessKeys = witnesses.map((w) => parseKey(w, 'a witness key'));
  let opened: ReturnType<typeof openCheckpoint>;
  try {
    opened = openCheckpoint(note, [
      { name: key.name, publicKey: key.publicKey },
      ...witnessKeys.map((w) => ({ name: w.name, publicKey: w.publicKey, type: w.type })),
    ]);
  } catch (e) {
    throw new CliError(`the checkpoint of ${url} is malformed: ${(e as Error).message}`);
  }
  const { checkpoint: cp, signatures } = opened;
  const own = signatures.filter((s) => s.name === key.name);
  if (!own.some((s) => s.verified === true) || own.some((s) => s.verified === false))
    throw new CliError(`the checkpoint of ${url} is not validly signed by its key ${vkey}`);
  if (cp.origin !== key.name)
    throw new CliError(`the checkpoint is for the log ${cp.origin}, but the key is ${key.name}'s`);
  // A witness's line that fails to verify is a malformed note (signed-note); absent lines are simply not counted.
  const badWitness = signatures.find((s) => s.name !== key.name && s.verified === false);
  if (badWitness)
    throw new CliError(`the checkpoint carries a cosignature of ${badWitness.name} that does not verify`);
  const cosigned = witnessKeys.map((w) => ({
    name: w.name,
    cosigned: signatures.some((s) => s.name === w.name && s.hash === w.hash && s.verified === true),
  }));
  Object.assign(report, {
    origin: cp.origin,
    size: cp.size,
    rootHash: b64(cp.rootHash),
    previousSize: state?.size ?? null,
    cosignatures: cosigned.filter((w) => w.cosigned).length,
    witnesses: cosigned,
    quorum,
  });
  if (report.cosignatures! < quorum)
    throw new CliError(
      `the checkpoint of ${cp.size} entries is cosigned by ${report.cosignatures} of the witnesses named, ` +
        `below the quorum of ${quorum}${
          cosigned.length
            ? ` (missing: ${cosigned
                .filter((w) => !w.cosigned)
                .map((w) => w.name)
                .join(', ')})`
            : ''
        }`,
    );
  if (state && cp.size < state.size)
    throw new CliError(
      `rollback: the checkpoint of ${cp.origin} has ${count(cp.size, 'entry', 'entries')}, ` +
        `fewer than the ${state.size} verified before`,
    );

  // c. Every entry, its shape, and the root they rebuild.
  const replica = new LogReplica(cp.size, state ? [state.size] : []);
  let malformed: string | null = null;
  await download(api, cp.size, replica, (index, entry) => {
    if (malformed) return;
    const reason = checkEntryShape(index, entry);
    if (reason) malformed = `entry ${index} is not a valid ledger entry: ${reason} (${quote(entry)})`;
  });
  if (Buffer.compare(replica.root(), cp.rootHash) !== 0) {
    let at: number | null;
    try {
      at = await locateDivergence(replica.leaves, cp.size, inclusionProofFetcher(api, cp.size), cp.rootHash);
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw new CliError(
        `the entries do not rebuild the signed root, and ${url} sent ${(e as Error).message}`,
      );
    }
    if (at === null)
      throw new CliError(
        `the ${cp.size} entries do not rebuild the signed root, yet the node's inclusion proofs match every one`,
      );
    const page = await api.get<EntriesPage>('/ledger/entries', { start: at, end: at + 1 });
    const text = page?.entries?.[0]?.entry ?? '?';
    throw new CliError(`entry ${at} does not match the signed log (${quote(text)})`);
  }
  if (malformed) throw new CliError(malformed);

  // d. The log only grew since the last run: the old entries still hash to the old root, and the node proves it.
  if (state) {
    const savedRoot = hash32(state.rootHash)!;
    const prefix = replica.prefixRoot(state.size)!;
    if (Buffer.compare(prefix, savedRoot) !== 0)
      throw new CliError(
        `the log was rewritten: its first ${state.size} entries no longer hash to the root ` +
          `${state.rootHash.slice(0, 16)}… verified before`,
      );
    const proof = await api.get<{ hashes: unknown[] }>('/ledger/proof/consistency', {
      from: state.size,
      to: cp.size,
    });
    const hashes = Array.isArray(proof?.hashes) ? proof.hashes.map(hash32) : [null];
    if (
      hashes.some((h) => h === null) ||
      !verifyConsistency(state.size, cp.size, savedRoot, cp.rootHash, hashes as Uint8Array[])
    )
      throw new CliError(
        `the checkpoint of ${cp.size} entries is not consistent with the ${state.size} verified before: ` +
          "the node's consistency proof does not verify",
      );
  }

  // e. Remember what was verified.
  writeState(statePath, {
    url,
    vkey,
    size: cp.size,
    rootHash: b64(cp.rootHash),
    ...(witnesses.length ? { witnesses, quorum } : {}),
  });
  report.ok = true;
  const since = state
    ? `consistent with the ${state.size} verified before`
    : 'first verification, key remembered';
  const others = signatures.filter((s) => s.name !== key.name).length;
  const cosignatures = witnesses.length
    ? `cosigned by ${report.cosignatures} of ${witnesses.length} witnesses (quorum ${quorum})`
    : `${count(others, 'cosignature')} not checked (name witnesses with --witness)`;
  return (
    `ok: ${cp.origin} ${count(cp.size, 'entry', 'entries')}, root ${b64(cp.rootHash).slice(0, 16)}…, ` +
    `${since}, ${cosignatures}`
  );
}

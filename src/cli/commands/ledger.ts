/**
 * `comity ledger verify`: downloads a node's whole public ledger (no sign-in) and holds it to the node's published
 * checkpoint: the key (given, or remembered from the first run), the checkpoint's signature, the cosignatures of
 * the witnesses named (C2SP tlog-cosignature, a quorum of them), every entry's shape, the rebuilt root, and that
 * the log only grew since the last run here (no rollback, no rewritten history).
 * Exit 1 on any failure, with one `error: …` line, or with --json the report with `ok: false`.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { loadTrustListInForce, TrustList } from '../../crypto/trust-list.ts';
import { openCheckpoint } from '../../ledger/checkpoint.ts';
import { verifyConsistency } from '../../ledger/merkle.ts';
import { ed25519PublicKeyBytes, parseVerifierKey, verifierKey } from '../../ledger/note.ts';
import { checkEntryShape, LogReplica, locateDivergence } from '../../ledger/verify-log.ts';
import { type CommonOptions, nodeUrl, withCommonOptions } from '../connect.ts';
import { CliError, type Problem } from '../errors.ts';
import { ApiClient, connectionError } from '../http.ts';
import { emit } from '../output.ts';
import { configDir } from '../session.ts';
import { adminKeyOf } from './trust.ts';

interface VerifyOptions extends CommonOptions {
  key?: string;
  state?: string;
  witness?: string[];
  quorum?: string;
  trustList?: string;
  adminKey?: string;
}

/** What a run found; printed with --json, on failure too (with `error`). */
interface Report {
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

/** What the last successful run verified, remembered per node. */
interface VerifiedState {
  url: string;
  vkey: string;
  size: number;
  rootHash: string;
  /** The witnesses' verifier keys (tlog-cosignature v1) and the quorum last required. */
  witnesses?: string[];
  quorum?: number;
}

type Key = ReturnType<typeof parseVerifierKey>;

const TIMEOUT_MS = 60_000;
/** Above this many entries a terminal shows a progress bar. */
const PROGRESS_THRESHOLD = 5000;
/** Entry texts in messages are cut to this many characters. */
const MAX_QUOTE = 300;

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** Strict base64 of a 32-byte hash, or null. */
function hash32(s: unknown): Uint8Array | null {
  if (typeof s !== 'string') return null;
  const bytes = Buffer.from(s, 'base64');
  return bytes.length === 32 && bytes.toString('base64') === s ? new Uint8Array(bytes) : null;
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const quote = (text: string) => (text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text);

/** `<config dir>/ledger/<host>_<port>.json`: one state file per node. */
export function defaultStatePath(url: string): string {
  const u = new URL(url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const path = u.pathname.replace(/\/+$/, '');
  const name = `${u.hostname}_${port}${path}`.replace(/[^A-Za-z0-9.-]/g, '_');
  return join(configDir(), 'ledger', `${name}.json`);
}

function readState(path: string): VerifiedState | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(`cannot read the state file ${path}: ${(e as Error).message}`);
  }
  let s: Partial<VerifiedState> | null = null;
  try {
    s = JSON.parse(text);
  } catch {}
  if (
    typeof s?.url !== 'string' ||
    typeof s.vkey !== 'string' ||
    !Number.isSafeInteger(s.size) ||
    s.size! < 0 ||
    !hash32(s.rootHash) ||
    (s.witnesses !== undefined &&
      (!Array.isArray(s.witnesses) || s.witnesses.some((w) => typeof w !== 'string'))) ||
    (s.quorum !== undefined && (!Number.isSafeInteger(s.quorum) || s.quorum < 0))
  )
    throw new CliError(`the state file ${path} is damaged; remove it to verify from scratch`);
  return s as VerifiedState;
}

function writeState(path: string, state: VerifiedState): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(tmp, path);
  } catch (e) {
    throw new CliError(
      `the log verified, but the state file ${path} cannot be written: ${(e as Error).message}`,
    );
  }
}

/** GET of a text route (the checkpoint and key are signed-note text, not JSON). */
async function getText(url: string, path: string): Promise<string> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    text = await res.text();
  } catch (e) {
    throw connectionError(url, e, TIMEOUT_MS);
  }
  if (!res.ok) throw new CliError(`${url} answered GET ${path} with HTTP ${res.status} ${res.statusText}`);
  return text;
}

function parseKey(vkey: string, what: string): Key {
  try {
    return parseVerifierKey(vkey);
  } catch (e) {
    throw new CliError(`${what} is not a verifier key: ${(e as Error).message}`);
  }
}

const sameKey = (a: Key, b: Key) => a.name === b.name && Buffer.compare(a.publicKey, b.publicKey) === 0;

/**
 * A witness named with --witness: its verifier key (tlog-cosignature v1, type 0x04), or the URL of a Comity node
 * whose witness key is read from `<url>/ledger/witness/key`.
 */
async function witnessKey(value: string): Promise<string> {
  const vkey = /^https?:\/\//.test(value)
    ? (await getText(value.replace(/\/$/, ''), '/ledger/witness/key')).trim()
    : value.trim();
  const key = parseKey(vkey, `the witness key ${value}`);
  if (key.type !== 'cosignature/v1')
    throw new CliError(`${value} is not a witness key: a tlog-cosignature key has type 0x04, not a log key`);
  return vkey;
}

/** A bar with entries/s and time left, on stderr, for long downloads to a terminal. */
function entriesProgress(total: number): { update(done: number): void; stop(): void } {
  if (!process.stderr.isTTY || total <= PROGRESS_THRESHOLD) return { update() {}, stop() {} };
  const bar = new SingleBar(
    {
      format: 'entries [{bar}] {value}/{total} | {rate} entries/s | {eta_formatted} left',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(total, 0, { rate: '-' });
  return {
    update: (done) => {
      const seconds = (Date.now() - started) / 1000;
      bar.update(done, { rate: seconds > 0 ? String(Math.round(done / seconds)) : '-' });
    },
    stop: () => bar.stop(),
  };
}

interface EntriesPage {
  entries: { index: number; entry: string }[];
}

/** Downloads entries [0, size) into the replica, page by page, showing each to `onEntry` first. */
async function download(
  api: ApiClient,
  size: number,
  replica: LogReplica,
  onEntry: (index: number, entry: string) => void,
): Promise<void> {
  const bar = entriesProgress(size);
  try {
    while (replica.size < size) {
      const start = replica.size;
      const page = await api.get<EntriesPage>('/ledger/entries', { start, end: size });
      const entries = Array.isArray(page?.entries) ? page.entries : null;
      if (!entries?.length) throw new CliError(`${api.url} sent no entries from ${start} (of ${size})`);
      for (const e of entries) {
        if (replica.size === size) break;
        if (e?.index !== replica.size || typeof e.entry !== 'string')
          throw new CliError(
            `${api.url} sent entry ${JSON.stringify(e?.index)} where entry ${replica.size} was due`,
          );
        onEntry(e.index, e.entry);
        replica.append(e.entry);
      }
      bar.update(replica.size);
    }
  } finally {
    bar.stop();
  }
}

type InclusionProof = { index: number; size: number; hashes: unknown[] };

/** Fetches the node's inclusion proofs in the tree of `size`, as hashes. */
function inclusionProofFetcher(api: ApiClient, size: number) {
  return async (index: number): Promise<Uint8Array[]> => {
    const proof = await api.get<InclusionProof>('/ledger/proof/inclusion', { index, size });
    const hashes = Array.isArray(proof?.hashes) ? proof.hashes.map(hash32) : null;
    if (proof?.index !== index || proof.size !== size || !hashes || hashes.some((h) => h === null))
      throw new CliError(`${api.url} sent a malformed inclusion proof for entry ${index}`);
    return hashes as Uint8Array[];
  };
}

/**
 * The trust list named with --trust-list: with --admin-key, checked as a node checks the list it starts with
 * (following the handovers kept beside it); without, taken as the user vouches for it.
 */
function namedTrustList(opts: VerifyOptions): TrustList | null {
  if (!opts.trustList) {
    if (opts.adminKey) throw new CliError('--admin-key checks the list given with --trust-list: give one');
    return null;
  }
  try {
    if (opts.adminKey)
      return loadTrustListInForce(opts.trustList, adminKeyOf(opts.adminKey, '--admin-key')).trust;
    return TrustList.inspect(readFileSync(opts.trustList, 'utf8')).trust;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`--trust-list ${opts.trustList}: ${(e as Error).message}`);
  }
}

/** From a trust list: the log key of the party whose node is at `url`, and the other parties' witness keys. */
function keysFromTrustList(trust: TrustList, url: string): { log: string; witnesses: string[] } {
  const base = url.replace(/\/$/, '');
  const party = trust.parties().find((p) => p.url === base);
  if (!party) throw new CliError(`no party of the trust list is at ${base}`);
  const witnesses = trust
    .parties()
    .filter((p) => p.code !== party.code)
    .flatMap((p) =>
      p.witness.keys.map((k) => verifierKey(p.witness.name, ed25519PublicKeyBytes(k.key), 'cosignature/v1')),
    );
  return { log: verifierKey(party.ledger.origin, ed25519PublicKeyBytes(party.signing.key)), witnesses };
}

async function verifyLog(opts: VerifyOptions, report: Report): Promise<string> {
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

async function verify(opts: VerifyOptions): Promise<void> {
  const report: Report = {
    ok: false,
    origin: null,
    size: null,
    rootHash: null,
    previousSize: null,
    cosignatures: null,
    witnesses: [],
    quorum: null,
  };
  let line: string;
  try {
    line = await verifyLog(opts, report);
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    // With --json, the error output (src/cli/output.ts) is this command's own report, with ok: false.
    const failed = { ...report, ok: false, error: e.message };
    throw new CliError(e.message, { problem: failed as unknown as Problem });
  }
  emit(report, () => line);
}

export function registerLedger(program: Command): void {
  const ledger = program.command('ledger').description("a node's public ledger");
  withCommonOptions(
    ledger
      .command('verify')
      .description(
        "download a node's whole ledger (no sign-in) and check it against the signed checkpoint, and that it " +
          'only grew since the last run here',
      )
      .option(
        '--key <vkey>',
        'the verifier key the node must have (default: the one remembered from the last run)',
      )
      .option(
        '--state <file>',
        'where the last verified size and root are kept (default: <config dir>/ledger/<host>_<port>.json)',
      )
      .option(
        '--witness <vkey|url>',
        "a witness whose cosignature counts: its tlog-cosignature verifier key, or a node's URL to read it from (repeat for several; default: those remembered)",
        (value: string, all: string[] = []) => [...all, value],
      )
      .option(
        '--quorum <n>',
        'how many of the witnesses must have cosigned (default 1 when witnesses are named)',
      )
      .option(
        '--trust-list <file>',
        "take the node's log key and origin, and the other parties' witness keys, from this trust list",
      )
      .option(
        '--admin-key <key>',
        "check the --trust-list's signature with this administrator key (JWK, or a file holding it, or its PEM)",
      ),
  ).action(verify);
}

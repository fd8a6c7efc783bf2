/**
 * The long fuzzing run (`npm run fuzz`): starts a demo federation of its own and sends N generated, mutated and
 * garbage requests to every operation of the OpenAPI document, the exchange endpoint and the message parser
 * (test/attack/fuzz-harness.ts). Prints a line per operation and a table at the end; exits 1 on any failure,
 * with the counterexample, its seed and the path that replays it.
 *
 *   node bin/run-ts.mjs test/attack/fuzz-run.ts [--cases 100000] [--seed N] [--only METHOD /path] [--path P]
 *                                       [--jobs N] [--state FILE] [--no-shrink]
 *
 * --jobs N runs the operations in N processes, each with its own federation (one per core is the most that
 * helps: a node is single-threaded, its embedded database too); each process takes the next operation when it
 * is free. --state FILE records every finished operation, and a run started again with the same FILE skips
 * them (and runs again any that failed): the full run takes hours. Each finished operation is recorded with
 * the commit it ran against.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { startTestFederation } from '../helpers/federation.ts';
import { FUZZ_SETTINGS, Fuzzer, type FuzzResult, formatResult } from './fuzz-harness.ts';

interface Args {
  cases: number;
  seed: number;
  /** Whether --seed was given (a resumed run takes the seed of its state file). */
  seedGiven: boolean;
  only: string | null;
  path: string | null;
  shrink: boolean;
  jobs: number;
  state: string | null;
  /** Set in the processes that --jobs starts. */
  worker: boolean;
}

const USAGE =
  'usage: node bin/run-ts.mjs test/attack/fuzz-run.ts [--cases N] [--seed N] [--only METHOD /path] [--path P] [--jobs N] [--state FILE] [--no-shrink]';
/** Lines a worker process writes for its coordinator. */
const READY = 'fuzz-ready ';
const RESULT = 'fuzz-result ';
const AFTERMATH = 'fuzz-aftermath ';

function parseArgs(argv: string[]): Args {
  const args: Args = {
    cases: 100_000,
    seed: Math.floor(Math.random() * 2 ** 31),
    seedGiven: false,
    only: null,
    path: null,
    shrink: true,
    jobs: 1,
    state: null,
    worker: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--cases') args.cases = Number(next());
    else if (a === '--seed') {
      args.seed = Number(next());
      args.seedGiven = true;
    } else if (a === '--state') args.state = next();
    else if (a === '--path') args.path = next();
    else if (a === '--jobs') args.jobs = Number(next());
    else if (a === '--no-shrink') args.shrink = false;
    else if (a === '--worker') args.worker = true;
    else if (a === '--only') {
      // `--only POST /api/v1/cases` (two words) or `--only "POST /api/v1/cases"`.
      const method = next();
      args.only = method.includes(' ') || argv[i + 1] === undefined ? method : `${method} ${argv[++i]}`;
    } else usage(`unknown argument ${a}`);
  }
  if (!Number.isInteger(args.cases) || args.cases < 1) usage('--cases takes a positive integer');
  if (!Number.isInteger(args.seed)) usage('--seed takes an integer');
  if (!Number.isInteger(args.jobs) || args.jobs < 1) usage('--jobs takes a positive integer');
  if (args.path && !args.only) usage('--path replays one case of one operation: give --only too');
  return args;
}

function usage(problem: string): never {
  console.error(`${problem}\n${USAGE}`);
  process.exit(2);
}

const pad = (s: string | number, n: number) => String(s).padEnd(n);
const padLeft = (s: string | number, n: number) => String(s).padStart(n);

function progressLine(r: FuzzResult, position: string): string {
  const rate = r.cases / Math.max(0.001, r.ms / 1000);
  const outcomes = Object.entries(r.outcomes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k}×${n}`)
    .join(' ');
  return (
    `[${position}] ${pad(r.key, 58)} ${padLeft(r.cases, 7)} cases ${padLeft(r.failures, 6)} failures ` +
    `${padLeft((r.ms / 1000).toFixed(1), 8)} s ${padLeft(rate.toFixed(0), 5)}/s\n        ${outcomes}`
  );
}

/**
 * A thread that ends the process when no case has started for `ms`: an input that blocks the event loop
 * (a regular expression that backtracks for ever, say) would otherwise hang the run without a word.
 */
function startWatchdog(ms: number, seed: number) {
  const shared = new SharedArrayBuffer(4 + 4 + 1024);
  const beats = new Int32Array(shared, 0, 2);
  const text = new Uint8Array(shared, 8);
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
    const { writeSync } = require('node:fs');
    const beats = new Int32Array(workerData.shared, 0, 2);
    const text = new Uint8Array(workerData.shared, 8);
    for (;;) {
      const seen = Atomics.load(beats, 0);
      if (Atomics.wait(beats, 0, seen, workerData.ms) === 'timed-out' && Atomics.load(beats, 1) === 1) {
        const at = Buffer.from(text).toString('utf8').replace(/\\0+$/, '');
        writeSync(2, '\\nfuzz: no new case for ' + workerData.ms / 1000 + ' s, the event loop is blocked: replay with --seed ' + workerData.seed + ' ' + at + '\\n');
        process.kill(process.pid, 'SIGKILL');
      }
    }`,
    { eval: true, workerData: { shared, ms, seed } },
  );
  worker.unref();
  return {
    beat(key: string, path: string) {
      text.fill(0);
      text.set(new TextEncoder().encode(`--only ${key} --path ${path}`).subarray(0, text.length));
      Atomics.store(beats, 1, 1);
      Atomics.add(beats, 0, 1);
      Atomics.notify(beats, 0);
    },
    /** Between operations (set-up can be slow on a big database): not watched. */
    pause() {
      Atomics.store(beats, 1, 0);
    },
  };
}

/** Operations that take longest per case (argon2 on sign-in, signing and sealing on messages) go first, so that
 * no job is left with a slow one at the end while the other idles. */
const SLOW_FIRST = [/auth\/login$/, /exchange\/v1\/messages$/, /parse-message/, /auth\/verify\//];
function slowFirst(keys: string[]): string[] {
  const rank = (k: string) => {
    const i = SLOW_FIRST.findIndex((re) => re.test(k));
    return i < 0 ? SLOW_FIRST.length : i;
  };
  return [...keys].sort((a, b) => rank(a) - rank(b));
}

/**
 * Runs operations on a federation of its own (its databases in memory: a long run writes a lot and needs no
 * restart). `next` hands out the key of the next operation to run, or null when there is none left.
 */
async function fuzzHere(
  args: Args,
  next: (all: string[]) => Promise<string | null>,
  done: (r: FuzzResult) => void,
): Promise<string[]> {
  const fed = await startTestFederation({ seed: true, settings: FUZZ_SETTINGS, memory: true });
  const fuzzer = await Fuzzer.start(fed);
  // A case that takes longer than a request's own time-out (60 s) can only be a blocked event loop.
  const watchdog = startWatchdog(180_000, args.seed);
  try {
    const keys = fuzzer.operations.map((o) => o.key);
    for (let key = await next(keys); key !== null; key = await next(keys)) {
      const op = fuzzer.operations.find((o) => o.key === key)!;
      let lastLine = Date.now();
      const result = await fuzzer.run(op, {
        cases: args.cases,
        seed: args.seed,
        shrink: args.shrink,
        ...(args.path ? { path: args.path } : {}),
        beforeCase: (path) => watchdog.beat(op.key, path),
        onProgress: (n) => {
          if (Date.now() - lastLine < Number(process.env.FUZZ_PROGRESS_MS ?? 60_000)) return;
          lastLine = Date.now();
          console.error(`  … ${op.key}: ${n} of ${args.cases}`);
        },
      });
      watchdog.pause();
      done(result);
    }
    return await fuzzer.aftermath();
  } finally {
    fuzzer.dispose();
    await fed.close();
  }
}

/** The operations a run must still do: those named by --only, less those the state file has finished. */
function pending(all: string[], args: Args, finished: ReadonlySet<string>): string[] {
  const chosen = all.filter((k) => !args.only || k === args.only);
  if (chosen.length === 0) usage(`no operation ${args.only}; there are:\n  ${all.join('\n  ')}`);
  return slowFirst(chosen.filter((k) => !finished.has(k)));
}

/** A worker process (--jobs): asks its coordinator for operations on stdout, gets their keys on stdin. */
async function fuzzAsWorker(args: Args): Promise<number> {
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  let failed = false;
  const aftermath = await fuzzHere(
    args,
    async (all) => {
      console.log(`${READY}${JSON.stringify(all)}`);
      const line = await lines.next();
      return line.done || line.value === '' ? null : line.value;
    },
    (r) => {
      failed ||= r.failures > 0;
      console.log(`${RESULT}${JSON.stringify(r)}`);
    },
  );
  console.log(`${AFTERMATH}${JSON.stringify(aftermath)}`);
  return failed || aftermath.length ? 1 : 0;
}

/**
 * Starts --jobs processes and hands each the next pending operation whenever it is free (operations differ
 * tenfold in speed: a fixed share per job would leave one idle for hours). Relays progress, gathers results.
 */
async function fuzzInWorkers(
  args: Args,
  finished: ReadonlySet<string>,
  done: (r: FuzzResult) => void,
): Promise<string[]> {
  const aftermath: string[] = [];
  const passOn = process.argv
    .slice(2)
    .filter(
      (_, i, all) => !['--jobs', '--state'].includes(all[i]!) && !['--jobs', '--state'].includes(all[i - 1]!),
    );
  let queue: string[] | null = null;
  let count = 0;
  await Promise.all(
    Array.from({ length: args.jobs }, (_, index) => {
      // What this job holds, so that a job that dies mid-operation cannot pass for one that finished.
      let holding: string | null = null;
      let reported = false;
      const child = spawn(
        process.execPath,
        [
          fileURLToPath(new URL('../../bin/run-ts.mjs', import.meta.url)),
          fileURLToPath(import.meta.url),
          ...passOn,
          '--seed',
          String(args.seed),
          '--worker',
        ],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      );
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line.startsWith(READY)) {
          queue ??= pending(JSON.parse(line.slice(READY.length)) as string[], args, finished);
          holding = queue.shift() ?? null;
          child.stdin.write(`${holding ?? ''}\n`);
        } else if (line.startsWith(RESULT)) {
          const r = JSON.parse(line.slice(RESULT.length)) as FuzzResult;
          if (r.key === holding) holding = null;
          done(r);
          console.log(progressLine(r, `${padLeft(++count, 2)} job ${index}`));
          if (r.failures > 0) console.log(formatResult(r, { replay: 'script' }));
        } else if (line.startsWith(AFTERMATH)) {
          reported = true;
          aftermath.push(...(JSON.parse(line.slice(AFTERMATH.length)) as string[]));
        } else console.log(line);
      });
      return new Promise<void>((resolve) =>
        child.on('exit', (code, signal) => {
          if (holding) aftermath.push(`job ${index} ended during ${holding} without its result`);
          if (!reported) aftermath.push(`job ${index} ended (${signal ?? `code ${code}`}) without reporting`);
          resolve();
        }),
      );
    }),
  );
  return aftermath;
}

/**
 * What a run has finished, kept in --state FILE after every operation so that a run cut short (a reboot, a
 * stop) goes on where it was: same seed and case count, so the resumed run sends exactly the cases the whole
 * run would have sent (each operation's cases depend on the seed and the operation only).
 */
interface RunState {
  seed: number;
  cases: number;
  results: StateResult[];
}

/** A finished operation and the commit its cases ran against (`-dirty`: with uncommitted changes). */
type StateResult = FuzzResult & { commit?: string };

function currentCommit(): string {
  const git = (...args: string[]) =>
    spawnSync('git', args, { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8' });
  const head = git('rev-parse', '--short=12', 'HEAD');
  if (head.status !== 0) return 'unknown';
  const dirty = git(
    'status',
    '--porcelain',
    '--untracked-files=no',
    '--',
    'src',
    'test',
    'scripts',
  ).stdout.trim();
  return `${head.stdout.trim()}${dirty ? '-dirty' : ''}`;
}

function readState(file: string): RunState | null {
  if (!existsSync(file)) return null;
  let state: RunState;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as RunState;
  } catch (e) {
    usage(`--state ${file} is not a fuzz run's state: ${(e as Error).message}`);
  }
  if (!Number.isInteger(state.seed) || !Number.isInteger(state.cases) || !Array.isArray(state.results))
    usage(`--state ${file} is not a fuzz run's state`);
  return state;
}

function writeState(file: string, state: RunState): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 1));
  renameSync(`${file}.tmp`, file);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.worker) return fuzzAsWorker(args);
  const state = args.state ? readState(args.state) : null;
  if (state) {
    if (args.seedGiven && args.seed !== state.seed)
      usage(`--state ${args.state} belongs to a run with seed ${state.seed}, not ${args.seed}`);
    if (state.cases !== args.cases)
      usage(
        `--state ${args.state} belongs to a run of ${state.cases} cases per operation, not ${args.cases}`,
      );
    args.seed = state.seed;
  }
  // Operations that failed are run again (after a fix, that is the point of resuming); their record stays in
  // the state until the new result replaces it.
  const results: StateResult[] = state ? [...state.results] : [];
  const again = results.filter((r) => r.failures > 0).map((r) => r.key);
  if (again.length) console.log(`fuzz: running again what failed before: ${again.join(', ')}`);
  const finished = new Set(results.filter((r) => r.failures === 0).map((r) => r.key));
  const commit = currentCommit();
  console.log(
    `fuzz: seed ${args.seed}, ${args.cases} cases per operation` +
      `${args.jobs > 1 ? `, ${args.jobs} jobs` : ''}` +
      `${finished.size ? `; ${finished.size} operations already done (${args.state})` : ''}; starting a federation…`,
  );
  const thisRun: FuzzResult[] = [];
  const done = (r: FuzzResult) => {
    thisRun.push(r);
    const before = results.findIndex((x) => x.key === r.key);
    if (before >= 0) results.splice(before, 1);
    results.push({ ...r, commit });
    if (args.state) writeState(args.state, { seed: args.seed, cases: args.cases, results });
  };
  const started = Date.now();
  let aftermath: string[];
  if (args.jobs > 1 && !args.path) aftermath = await fuzzInWorkers(args, finished, done);
  else {
    let queue: string[] | null = null;
    aftermath = await fuzzHere(
      args,
      async (all) => {
        queue ??= pending(all, args, finished);
        return queue.shift() ?? null;
      },
      (r) => {
        done(r);
        console.log(progressLine(r, `${padLeft(results.length, 2)}`));
        if (r.failures > 0) console.log(formatResult(r, { replay: 'script' }));
      },
    );
  }
  const total = results.reduce((n, r) => n + r.cases, 0);
  const failed = results.reduce((n, r) => n + r.failures, 0);
  const seconds = (Date.now() - started) / 1000;
  console.log(`\n${pad('operation', 58)} ${padLeft('cases', 8)} ${padLeft('failures', 9)}`);
  for (const r of [...results].sort((a, b) => a.key.localeCompare(b.key)))
    console.log(`${pad(r.key, 58)} ${padLeft(r.cases, 8)} ${padLeft(r.failures, 9)}`);
  console.log(
    `${pad(`total: ${results.length} operations, seed ${args.seed}`, 58)} ${padLeft(total, 8)} ${padLeft(failed, 9)}`,
  );
  const sent = thisRun.reduce((n, r) => n + r.cases, 0);
  console.log(
    `this run: ${thisRun.length} operations, ${sent} cases in ${seconds.toFixed(0)} s, ` +
      `${(sent / Math.max(1, seconds)).toFixed(0)} cases/s`,
  );
  if (aftermath.length) console.log(`after the run:\n  ${aftermath.join('\n  ')}`);
  else console.log('after the run: prototypes untouched, every node healthy');
  return failed > 0 || aftermath.length > 0 ? 1 : 0;
}

process.exit(await main());

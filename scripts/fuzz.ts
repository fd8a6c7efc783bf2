/**
 * The long fuzzing run (`npm run fuzz`): starts a demo federation of its own and sends N generated, mutated and
 * garbage requests to every operation of the OpenAPI document, the exchange endpoint and the message parser
 * (test/attack/fuzz-harness.ts). Prints a line per operation and a table at the end; exits 1 on any failure,
 * with the counterexample, its seed and the path that replays it.
 *
 *   node bin/run-ts.mjs scripts/fuzz.ts [--cases 100000] [--seed N] [--only METHOD /path] [--path P]
 *                                       [--jobs N] [--no-shrink]
 *
 * --jobs N splits the operations over N processes, each with its own federation (one per core is the most
 * that helps: a node is single-threaded, its embedded database too).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FUZZ_SETTINGS, Fuzzer, type FuzzResult, formatResult } from '../test/attack/fuzz-harness.ts';
import { startTestFederation } from '../test/helpers/federation.ts';

interface Args {
  cases: number;
  seed: number;
  only: string | null;
  path: string | null;
  shrink: boolean;
  jobs: number;
  /** Set in the processes that --jobs starts: which share of the operations this one runs. */
  worker: { index: number; of: number } | null;
}

const USAGE =
  'usage: node bin/run-ts.mjs scripts/fuzz.ts [--cases N] [--seed N] [--only METHOD /path] [--path P] [--jobs N] [--no-shrink]';
/** Lines a worker process writes for its coordinator. */
const RESULT = 'fuzz-result ';
const AFTERMATH = 'fuzz-aftermath ';

function parseArgs(argv: string[]): Args {
  const args: Args = {
    cases: 100_000,
    seed: Math.floor(Math.random() * 2 ** 31),
    only: null,
    path: null,
    shrink: true,
    jobs: 1,
    worker: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--cases') args.cases = Number(next());
    else if (a === '--seed') args.seed = Number(next());
    else if (a === '--path') args.path = next();
    else if (a === '--jobs') args.jobs = Number(next());
    else if (a === '--no-shrink') args.shrink = false;
    else if (a === '--worker') {
      const [index, of] = next().split('/').map(Number);
      args.worker = { index: index!, of: of! };
    } else if (a === '--only') {
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

/** Runs this process's share of the operations on a federation of its own. */
async function fuzzHere(args: Args): Promise<{ results: FuzzResult[]; aftermath: string[] }> {
  const fed = await startTestFederation({ seed: true, settings: FUZZ_SETTINGS });
  const fuzzer = await Fuzzer.start(fed);
  const results: FuzzResult[] = [];
  // A case that takes longer than a request's own time-out (60 s) can only be a blocked event loop.
  const watchdog = startWatchdog(180_000, args.seed);
  try {
    const all = fuzzer.operations.filter((o) => !args.only || o.key === args.only);
    if (all.length === 0)
      usage(`no operation ${args.only}; there are:\n  ${fuzzer.operations.map((o) => o.key).join('\n  ')}`);
    const mine = args.worker ? all.filter((_, i) => i % args.worker!.of === args.worker!.index) : all;
    for (const op of mine) {
      let lastLine = Date.now();
      const result = await fuzzer.run(op, {
        cases: args.cases,
        seed: args.seed,
        shrink: args.shrink,
        ...(args.path ? { path: args.path } : {}),
        beforeCase: (path) => watchdog.beat(op.key, path),
        onProgress: (done) => {
          if (Date.now() - lastLine < Number(process.env.FUZZ_PROGRESS_MS ?? 60_000)) return;
          lastLine = Date.now();
          console.error(`  … ${op.key}: ${done} of ${args.cases}`);
        },
      });
      watchdog.pause();
      results.push(result);
      if (args.worker) console.log(`${RESULT}${JSON.stringify(result)}`);
      else {
        console.log(progressLine(result, `${padLeft(results.length, 2)}/${mine.length}`));
        if (result.failures > 0) console.log(formatResult(result, { replay: 'script' }));
      }
    }
    return { results, aftermath: await fuzzer.aftermath() };
  } finally {
    fuzzer.dispose();
    await fed.close();
  }
}

/** Starts --jobs processes, relays their progress and gathers their results. */
async function fuzzInWorkers(args: Args): Promise<{ results: FuzzResult[]; aftermath: string[] }> {
  const results: FuzzResult[] = [];
  const aftermath: string[] = [];
  const passOn = process.argv.slice(2).filter((_, i, all) => all[i] !== '--jobs' && all[i - 1] !== '--jobs');
  await Promise.all(
    Array.from({ length: args.jobs }, (_, index) => {
      const child = spawn(
        process.execPath,
        [
          fileURLToPath(new URL('../bin/run-ts.mjs', import.meta.url)),
          fileURLToPath(import.meta.url),
          ...passOn,
          '--seed',
          String(args.seed),
          '--worker',
          `${index}/${args.jobs}`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line.startsWith(RESULT)) {
          const r = JSON.parse(line.slice(RESULT.length)) as FuzzResult;
          results.push(r);
          console.log(progressLine(r, `${padLeft(results.length, 2)} job ${index}`));
          if (r.failures > 0) console.log(formatResult(r, { replay: 'script' }));
        } else if (line.startsWith(AFTERMATH))
          aftermath.push(...(JSON.parse(line.slice(AFTERMATH.length)) as string[]));
        else console.log(line);
      });
      return new Promise<void>((resolve) =>
        child.on('exit', (code) => {
          if (code !== 0 && code !== 1) aftermath.push(`job ${index} ended with code ${code}`);
          resolve();
        }),
      );
    }),
  );
  return { results, aftermath };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.worker) {
    const { results, aftermath } = await fuzzHere(args);
    console.log(`${AFTERMATH}${JSON.stringify(aftermath)}`);
    return results.some((r) => r.failures > 0) || aftermath.length ? 1 : 0;
  }
  console.log(
    `fuzz: seed ${args.seed}, ${args.cases} cases per operation` +
      `${args.jobs > 1 ? `, ${args.jobs} jobs` : ''}; starting a federation…`,
  );
  const started = Date.now();
  const { results, aftermath } =
    args.jobs > 1 && !args.path ? await fuzzInWorkers(args) : await fuzzHere(args);
  const total = results.reduce((n, r) => n + r.cases, 0);
  const failed = results.reduce((n, r) => n + r.failures, 0);
  const seconds = (Date.now() - started) / 1000;
  console.log(`\n${pad('operation', 58)} ${padLeft('cases', 8)} ${padLeft('failures', 9)}`);
  for (const r of [...results].sort((a, b) => a.key.localeCompare(b.key)))
    console.log(`${pad(r.key, 58)} ${padLeft(r.cases, 8)} ${padLeft(r.failures, 9)}`);
  console.log(
    `${pad(`total: ${results.length} operations, seed ${args.seed}`, 58)} ${padLeft(total, 8)} ${padLeft(failed, 9)}`,
  );
  console.log(`${seconds.toFixed(0)} s, ${(total / Math.max(1, seconds)).toFixed(0)} cases/s`);
  if (aftermath.length) console.log(`after the run:\n  ${aftermath.join('\n  ')}`);
  else console.log('after the run: prototypes untouched, every node healthy');
  return failed > 0 || aftermath.length > 0 ? 1 : 0;
}

process.exit(await main());

/**
 * `npm run bench`: runs the benchmark scenarios, prints a table and writes JSON under bench/results/.
 * `npm run bench -- intake` runs one scenario. PostgreSQL is measured when BENCH_DATABASE_URL (or
 * TEST_DATABASE_URL) points at a server that answers; otherwise the table says it was skipped.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import pg from 'pg';
import { benchEvidence, type EvidenceResult } from './evidence.ts';
import { benchIntake, type IntakeResult } from './intake.ts';
import { benchLedger, type LedgerResult } from './ledger.ts';
import { benchScreening, type ScreeningResult } from './screening.ts';
import { benchScreeningWorst, type WorstCase } from './screening-worst.ts';
import { benchTransfer, type TransferResult } from './transfer.ts';

const scenarios = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const want = (name: string) => scenarios.length === 0 || scenarios.includes(name);
const pgUrl =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
const CASES = Number(process.env.BENCH_CASES ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const RAW = Number(process.env.BENCH_RAW_INSERTS ?? 2000);

async function postgresReachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

function bar(label: string, total: number) {
  const b = new cliProgress.SingleBar(
    {
      format: `${label.padEnd(18)} {bar} {value}/{total} cases  {eta_formatted} left`,
      hideCursor: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  b.start(total, 0);
  return b;
}

const results: {
  intake?: (IntakeResult | { engine: string; skipped: string })[];
  screening?: ScreeningResult;
  screeningWorst?: WorstCase[];
  ledger?: (LedgerResult | { engine: string; skipped: string })[];
  evidence?: EvidenceResult[];
  transfer?: TransferResult[];
} = {};
if (want('screening')) {
  results.screening = benchScreening({ seconds: Number(process.env.BENCH_SCREENING_SECONDS ?? 5) });
  results.screeningWorst = benchScreeningWorst({ runs: Number(process.env.BENCH_SCREENING_RUNS ?? 7) });
}
if (want('intake')) {
  results.intake = [];
  const engines: ('pglite' | 'postgres')[] = ['pglite', 'postgres'];
  for (const engine of engines) {
    if (engine === 'postgres' && !(await postgresReachable(pgUrl))) {
      results.intake.push({ engine, skipped: `no PostgreSQL at ${pgUrl.replace(/\/\/[^@]*@/, '//')}` });
      continue;
    }
    const b = bar(`intake ${engine}`, CASES);
    try {
      results.intake.push(
        await benchIntake({
          engine,
          databaseUrl: pgUrl,
          cases: CASES,
          concurrency: CONCURRENCY,
          rawInserts: RAW,
          onProgress: (n) => b.update(n),
        }),
      );
    } finally {
      b.stop();
    }
  }
}

if (want('ledger')) {
  results.ledger = [];
  const sizes = (process.env.BENCH_LEDGER_SIZES ?? '1000,100000,1000000').split(',').map(Number);
  for (const engine of ['pglite', 'postgres'] as const) {
    if (engine === 'postgres' && !(await postgresReachable(pgUrl))) {
      results.ledger.push({ engine, skipped: `no PostgreSQL at ${pgUrl.replace(/\/\/[^@]*@/, '//')}` });
      continue;
    }
    results.ledger.push(
      await benchLedger({
        engine,
        databaseUrl: pgUrl,
        sizes,
        onProgress: (what) => process.stderr.write(`\rledger ${engine}: ${what}`.padEnd(70)),
      }),
    );
    process.stderr.write('\n');
  }
}

if (want('evidence'))
  results.evidence = benchEvidence((process.env.BENCH_EVIDENCE_MB ?? '256,1024,4096').split(',').map(Number));
if (want('evidence') || want('transfer'))
  results.transfer = await benchTransfer(
    (process.env.BENCH_TRANSFER_MB ?? '256,1024').split(',').map(Number),
  );

const when = new Date().toISOString();
const file = `bench/results/${when.replace(/[:.]/g, '-')}.json`;
mkdirSync('bench/results', { recursive: true });
const record = {
  when,
  node: process.version,
  cpus: (await import('node:os')).cpus().length,
  config: { CASES, CONCURRENCY, RAW },
  results,
};
writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
// latest.json holds the newest result of every scenario, and the file each came from: running one scenario
// does not hide the others.
const latestPath = 'bench/results/latest.json';
const previous = (() => {
  try {
    return JSON.parse(readFileSync(latestPath, 'utf8')) as {
      results?: object;
      from?: Record<string, string>;
    };
  } catch {
    return {};
  }
})();
const ran = Object.keys(results);
writeFileSync(
  latestPath,
  `${JSON.stringify(
    {
      ...record,
      results: { ...previous.results, ...results },
      from: { ...previous.from, ...Object.fromEntries(ran.map((k) => [k, file])) },
    },
    null,
    2,
  )}\n`,
);

const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');
console.log(
  '\nbench/intake: HTTP create+submit at ARC, delivery to BOR; raw = single-row insert transactions on the same database',
);
console.log('engine    cases/s   raw tx/s   ratio   latency p50 ms   p99 ms   max ms');
for (const r of results.intake ?? []) {
  if ('skipped' in r) console.log(`${r.engine.padEnd(9)} skipped: ${r.skipped}`);
  else
    console.log(
      `${r.engine.padEnd(9)} ${fmt(r.intakePerSecond).padStart(7)} ${fmt(r.rawInsertsPerSecond).padStart(10)} ${fmt(r.ratio, 3).padStart(7)} ${fmt(r.latencyMs.p50, 0).padStart(16)} ${fmt(r.latencyMs.p99, 0).padStart(8)} ${fmt(r.latencyMs.max, 0).padStart(8)}`,
    );
}
if (results.screening) {
  const s = results.screening;
  const pct = (x: number | null) => (x === null ? '   –' : `${(x * 100).toFixed(0).padStart(3)}%`);
  console.log(
    `\nbench/screening: ${fmt(s.screeningsPerSecond, 0)} screenings/s on one core over every labelled case, ${fmt(s.corpusScreeningsPerSecond, 0)}/s over the sample corpus, each from scratch (reference in the same run: ${fmt(s.parsesPerSecond, 0)} bundles/s parsed and schema-checked)`,
  );
  console.log('set        cases  fully right   verdict met   clean cases   false alarms on clean');
  for (const set of s.sets)
    console.log(
      `${set.set.padEnd(9)} ${String(set.cases).padStart(6)} ${`${set.fullyRight} (${pct(set.cases ? set.fullyRight / set.cases : null).trim()})`.padStart(12)} ${String(set.verdictsMet).padStart(13)} ${String(set.cleanCases).padStart(13)} ${String(set.cleanFalseAlarms).padStart(23)}`,
    );
  for (const set of s.sets) {
    console.log(`\n${set.set}: rule          precision  recall   tp  fp  fn  tn`);
    for (const r of set.rules)
      console.log(
        `${r.rule.padEnd(24)} ${pct(r.precision).padStart(9)} ${pct(r.recall).padStart(7)} ${String(r.tp).padStart(4)} ${String(r.fp).padStart(3)} ${String(r.fn).padStart(3)} ${String(r.tn).padStart(3)}`,
      );
    for (const m of set.misses) console.log(`  miss: ${m}`);
    if (set.misses.length === 0 && set.casesWithMisses > 0)
      console.log(
        `  ${set.casesWithMisses} case(s) not fully right; not listed (BENCH_SHOW_HELD_OUT=1 lists them — then move them to tuning and write new held-out cases)`,
      );
  }
}
if (results.screeningWorst) {
  console.log(
    '\nbench/screening worst inputs: 2 MB requests screened fresh on one core; reference: JSON.parse + schema check of the same body',
  );
  console.log('input                                  MB   screen ms median   max   parse+check ms median');
  for (const w of results.screeningWorst)
    console.log(
      `${w.input.padEnd(36)} ${fmt(w.megabytes, 2).padStart(5)} ${fmt(w.screenMs.median).padStart(18)} ${fmt(w.screenMs.max).padStart(5)} ${fmt(w.parseMs.median).padStart(23)}`,
    );
}
for (const r of results.ledger ?? []) {
  if ('skipped' in r) {
    console.log(`\nbench/ledger ${r.engine}: skipped: ${r.skipped}`);
    continue;
  }
  console.log(
    `\nbench/ledger ${r.engine}: appends ${fmt(r.appendsPerSecond, 0)}/s one per transaction, ${fmt(r.batchedAppendsPerSecond, 0)}/s batched 100 per transaction; raw single-row inserts ${fmt(r.rawInsertsPerSecond, 0)}/s (append/raw ratio ${fmt(r.ratio, 2)}); re-hash and rebuild ${fmt(r.rebuildEntriesPerSecond, 0)} entries/s`,
  );
  console.log('entries       inclusion proof ms   consistency proof ms');
  for (const p of r.proofs)
    console.log(
      `${p.size.toLocaleString('en').padStart(9)} ${fmt(p.inclusionMs, 2).padStart(20)} ${fmt(p.consistencyMs, 2).padStart(22)}`,
    );
}
if (results.evidence) {
  console.log(
    '\nbench/evidence: sealing (stream, hash plaintext, age-encrypt, hash ciphertext) vs sha256sum and age -r on the same file',
  );
  console.log(
    'size MB   seal MB/s   peak RSS MB (before sealing)   sha256sum MB/s   age MB/s   ratio to slower',
  );
  for (const r of results.evidence)
    console.log(
      `${String(r.sizeMB).padStart(7)} ${fmt(r.sealMBps).padStart(11)} ${fmt(r.peakRssMB, 0).padStart(13)} ${`(${fmt(r.baseRssMB, 0)})`.padStart(16)} ${fmt(r.sha256sumMBps ?? Number.NaN).padStart(16)} ${fmt(r.ageMBps ?? Number.NaN).padStart(10)} ${fmt(r.ratio ?? Number.NaN, 2).padStart(17)}`,
    );
}
if (results.transfer) {
  console.log(
    '\nbench/evidence transfer: tus upload to BOR (sealed on arrival), then BOR → ARC over loopback until ARC has checked it against the manifest; reference: plain HTTP PUT of the same bytes into a file',
  );
  console.log('size MB   upload+seal MB/s   transfer MB/s   plain HTTP MB/s   ratio');
  for (const r of results.transfer)
    console.log(
      `${String(r.sizeMB).padStart(7)} ${fmt(r.uploadAndSealMBps).padStart(18)} ${fmt(r.transferMBps).padStart(15)} ${fmt(r.plainHttpMBps).padStart(17)} ${fmt(r.ratio, 2).padStart(7)}`,
    );
}
console.log(`\nwritten to ${file}`);

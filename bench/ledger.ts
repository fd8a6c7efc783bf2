/**
 * bench/ledger (issue 4): ledger appends per second, one per transaction and batched in one transaction, next
 * to raw single-row insert transactions on the same database; inclusion and consistency proof time at 10^3,
 * 10^5 and 10^6 entries; and the rate at which the whole log is re-hashed and its root rebuilt, which is the
 * core of `comity ledger verify`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import {
  appendLedger,
  appendLedgerBatch,
  initLedger,
  type LedgerEvent,
  ledgerPage,
  ledgerTree,
  subtreeLookup,
} from '../src/audit/ledger.ts';
import type { NodeCore } from '../src/core.ts';
import {
  appendLeaf,
  consistencyProof,
  consistencyProofRanges,
  type Frontier,
  frontierRoot,
  inclusionProof,
  inclusionProofRanges,
  leafHash,
  proofSubtrees,
} from '../src/ledger/merkle.ts';
import { openDatabase } from '../src/store/db.ts';

export interface LedgerResult {
  engine: 'pglite' | 'postgres';
  rawInsertsPerSecond: number;
  appendsPerSecond: number;
  batchedAppendsPerSecond: number;
  ratio: number;
  proofs: { size: number; inclusionMs: number; consistencyMs: number }[];
  rebuildEntriesPerSecond: number;
}

const event = (i: number): LedgerEvent => ({
  type: 'case-read',
  party: 'ARC',
  caseId: `CASE${i % 997}`,
  record: { user: 'bench', action: 'read', i },
});

async function timePerOp(n: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await op(i);
  return (performance.now() - start) / n;
}

export async function benchLedger(opts: {
  engine: 'pglite' | 'postgres';
  databaseUrl?: string;
  sizes: number[];
  onProgress?: (what: string) => void;
}): Promise<LedgerResult> {
  const dir = mkdtempSync(join(tmpdir(), 'comity-bench-ledger-'));
  let dbName: string | null = null;
  let url = opts.databaseUrl;
  if (opts.engine === 'postgres') {
    const pg = (await import('pg')).default;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    dbName = `comity_bench_${Math.random().toString(36).slice(2, 10)}`;
    await admin.query(`create database ${dbName}`);
    await admin.end();
    url = Object.assign(new URL(url!), { pathname: `/${dbName}` }).toString();
  }
  const database = await openDatabase(
    opts.engine === 'postgres' ? { url: url! } : { dataDir: join(dir, 'db') },
  );
  const core = {
    db: database.db,
    now: () => new Date(),
    ledger: { origin: 'comity/BENCH', caseKey: Buffer.alloc(32, 1) },
  } as unknown as NodeCore;
  try {
    await initLedger(core.db);
    await core.db.execute(
      sql`create table bench_raw (id bigserial primary key, at timestamptz not null, payload jsonb not null)`,
    );
    const proofs: LedgerResult['proofs'] = [];
    for (const target of opts.sizes) {
      let { size } = await ledgerTree(core.db);
      while (size < target) {
        const k = Math.min(5000, target - size);
        await core.db.transaction((tx) =>
          appendLedgerBatch(
            core,
            tx,
            Array.from({ length: k }, (_, i) => event(size + i)),
          ),
        );
        size += k;
        opts.onProgress?.(`building ${size.toLocaleString('en')} / ${target.toLocaleString('en')}`);
      }
      const samples = 100;
      const inclusionMs = await timePerOp(samples, async () => {
        const index = Math.floor(Math.random() * size);
        const lookup = await subtreeLookup(core.db, proofSubtrees(inclusionProofRanges(index, size)));
        inclusionProof(index, size, lookup);
      });
      const consistencyMs = await timePerOp(samples, async () => {
        const m = 1 + Math.floor(Math.random() * (size - 1));
        const lookup = await subtreeLookup(core.db, proofSubtrees(consistencyProofRanges(m, size)));
        consistencyProof(m, size, lookup);
      });
      proofs.push({ size, inclusionMs, consistencyMs });
    }

    const n = 1000;
    opts.onProgress?.('raw inserts');
    const raw = await timePerOp(n, (i) =>
      core.db.transaction((tx) =>
        tx.execute(sql`insert into bench_raw (at, payload) values (now(), ${JSON.stringify({ i })}::jsonb)`),
      ),
    );
    opts.onProgress?.('single appends');
    const single = await timePerOp(n, (i) => core.db.transaction((tx) => appendLedger(core, tx, event(i))));
    opts.onProgress?.('batched appends');
    const batch = 100;
    const batched =
      (await timePerOp(20, (b) =>
        core.db.transaction((tx) =>
          appendLedgerBatch(
            core,
            tx,
            Array.from({ length: batch }, (_, i) => event(b * batch + i)),
          ),
        ),
      )) / batch;

    opts.onProgress?.('re-hashing the whole log');
    const { size, root } = await ledgerTree(core.db);
    const encoder = new TextEncoder();
    const start = performance.now();
    let frontier: Frontier = [];
    for (let s = 0; s < size; s += 10_000) {
      const page = await ledgerPage(core.db, s, Math.min(size, s + 10_000));
      for (const r of page)
        frontier = appendLeaf(r.seq, frontier, leafHash(encoder.encode(r.entry))).frontier;
    }
    const rebuilt = frontierRoot(size, frontier);
    if (Buffer.compare(Buffer.from(rebuilt), Buffer.from(root)) !== 0)
      throw new Error('rebuilt root differs from the stored root');
    const rebuildEntriesPerSecond = size / ((performance.now() - start) / 1000);

    return {
      engine: opts.engine,
      rawInsertsPerSecond: 1000 / raw,
      appendsPerSecond: 1000 / single,
      batchedAppendsPerSecond: 1000 / batched,
      ratio: raw / single,
      proofs,
      rebuildEntriesPerSecond,
    };
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
    if (dbName) {
      const pg = (await import('pg')).default;
      const admin = new pg.Client({ connectionString: opts.databaseUrl });
      await admin.connect();
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    }
  }
}

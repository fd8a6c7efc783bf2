/**
 * bench/intake (issue 2): cases created and submitted through the HTTP API per second, submit-to-received
 * latency between two nodes (p50, p99), and, in the same run on the same database, raw single-row insert
 * transactions per second, so intake can be read as a ratio of what the database itself does.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inArray, sql } from 'drizzle-orm';
import pg from 'pg';
import { startDemo } from '../src/node/demo.ts';
import { inbox } from '../src/store/schema.ts';

export interface IntakeResult {
  engine: 'pglite' | 'postgres';
  cases: number;
  concurrency: number;
  intakePerSecond: number;
  rawInsertsPerSecond: number;
  ratio: number;
  latencyMs: { p50: number; p99: number; max: number };
}

const PASSWORD = 'bench-password';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function freshDatabases(base: string, n: number) {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const names = Array.from({ length: n }, () => `comity_bench_${Math.random().toString(36).slice(2, 10)}`);
  for (const name of names) await admin.query(`create database ${name}`);
  await admin.end();
  return {
    urls: names.map((name) => Object.assign(new URL(base), { pathname: `/${name}` }).toString()),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      for (const name of names) await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function benchIntake(opts: {
  engine: 'pglite' | 'postgres';
  databaseUrl?: string;
  cases: number;
  concurrency: number;
  rawInserts: number;
  onProgress?: (done: number) => void;
}): Promise<IntakeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'comity-bench-'));
  const ports = { ARC: await freePort(), BOR: await freePort(), CAL: await freePort() };
  const dbs = opts.engine === 'postgres' ? await freshDatabases(opts.databaseUrl!, 3) : null;
  const demo = await startDemo({
    dir,
    ports,
    password: PASSWORD,
    seed: false,
    logLevel: 'warn',
    settings: { pollIntervalMs: 200 },
    ...(dbs ? { databaseUrls: { ARC: dbs.urls[0], BOR: dbs.urls[1], CAL: dbs.urls[2] } } : {}),
  });
  try {
    const arcUrl = `http://127.0.0.1:${ports.ARC}`;
    const login = await fetch(`${arcUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'officer@arc.example', password: PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const bundle = JSON.parse(
      readFileSync(new URL('../test/fixtures/corpus/01-ransomware-hospital.json', import.meta.url), 'utf8'),
    );
    const body = JSON.stringify(bundle.request);

    // Raw single-row insert transactions on the requesting node's own database.
    const arcDb = demo.nodes.ARC!.core.db;
    await arcDb.execute(
      sql`create table if not exists bench_raw (id bigserial primary key, at timestamptz not null, payload jsonb not null)`,
    );
    const rawStart = performance.now();
    for (let i = 0; i < opts.rawInserts; i++)
      await arcDb.transaction(async (tx) => {
        await tx.execute(
          sql`insert into bench_raw (at, payload) values (now(), ${JSON.stringify({ i, body: 'x'.repeat(200) })}::jsonb)`,
        );
      });
    const rawInsertsPerSecond = opts.rawInserts / ((performance.now() - rawStart) / 1000);

    const submittedAt = new Map<string, number>();
    let next = 0;
    let done = 0;
    const start = performance.now();
    const worker = async () => {
      while (next < opts.cases) {
        next++;
        const created = await fetch(`${arcUrl}/api/v1/cases`, { method: 'POST', headers, body });
        if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
        const { id } = (await created.json()) as { id: string };
        // Latency runs from the moment the submit is sent: the message may reach BOR before ARC's response does.
        const sentAt = Date.now();
        const submit = await fetch(`${arcUrl}/api/v1/cases/${id}/actions/submit`, {
          method: 'POST',
          headers,
          body: '{}',
        });
        if (submit.status !== 200) throw new Error(`submit: ${submit.status} ${await submit.text()}`);
        await submit.arrayBuffer();
        submittedAt.set(id, sentAt);
        opts.onProgress?.(++done);
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    const intakeSeconds = (performance.now() - start) / 1000;

    // Wait until BOR has received every request, then read when each arrived.
    const ids = [...submittedAt.keys()];
    const borDb = demo.nodes.BOR!.core.db;
    const deadline = Date.now() + 120_000;
    let received: { caseId: string; receivedAt: Date }[] = [];
    while (Date.now() < deadline) {
      received = await borDb
        .select({ caseId: inbox.caseId, receivedAt: inbox.receivedAt })
        .from(inbox)
        .where(inArray(inbox.caseId, ids));
      const firsts = new Set(received.map((r) => r.caseId));
      if (firsts.size >= ids.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const firstArrival = new Map<string, number>();
    for (const r of received) {
      const t = r.receivedAt.getTime();
      if (!firstArrival.has(r.caseId) || t < firstArrival.get(r.caseId)!) firstArrival.set(r.caseId, t);
    }
    const latencies = ids
      .filter((id) => firstArrival.has(id))
      .map((id) => Math.max(0, firstArrival.get(id)! - submittedAt.get(id)!))
      .sort((a, b) => a - b);
    if (latencies.length < ids.length)
      throw new Error(`only ${latencies.length} of ${ids.length} requests arrived`);
    const intakePerSecond = opts.cases / intakeSeconds;
    return {
      engine: opts.engine,
      cases: opts.cases,
      concurrency: opts.concurrency,
      intakePerSecond,
      rawInsertsPerSecond,
      ratio: intakePerSecond / rawInsertsPerSecond,
      latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1)! },
    };
  } finally {
    await demo.close();
    await dbs?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

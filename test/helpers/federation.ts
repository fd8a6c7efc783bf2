/**
 * Starts a real demo federation for integration tests: three nodes on free loopback ports, each on a fresh
 * PGlite folder, or on a fresh PostgreSQL database per node when TEST_DATABASE_URL is set.
 */
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { NodeConfig } from '../../src/node/config.ts';
import { type Demo, type DemoOptions, demoTrustAdmin, settle, startDemo } from '../../src/node/demo.ts';
import { MEMORY_DATABASE } from '../../src/store/db.ts';
import { copyPgliteTemplate } from './pglite-template.ts';

export const PASSWORD = 'test-password-0';

/**
 * A port no one listens on. Ports come from a block of the registered range (below the ephemeral ports the OS
 * hands to outgoing connections, which would otherwise grab a port between this check and the node's listen),
 * one block per Vitest worker so that test files running side by side never pick the same one.
 */
let nextPort = 0;
export async function freePort(): Promise<number> {
  const worker = Number(process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? 0) % 16;
  const base = 20_000 + worker * 700;
  if (!nextPort) nextPort = base + Math.floor(Math.random() * 100);
  for (let tries = 0; tries < 700; tries++) {
    const port = nextPort;
    nextPort = nextPort + 1 >= base + 700 ? base : nextPort + 1;
    if (await available(port)) return port;
  }
  throw new Error('no free port in this worker’s block');
}

function available(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Creates `count` empty PostgreSQL databases next to TEST_DATABASE_URL's; returns their URLs and a dropper. */
export async function freshPostgresDatabases(
  count: number,
): Promise<{ urls: string[]; drop(): Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const names = Array.from({ length: count }, () => `comity_t_${Math.random().toString(36).slice(2, 10)}`);
  for (const n of names) await admin.query(`create database ${n}`);
  await admin.end();
  const urls = names.map((n) => {
    const u = new URL(base);
    u.pathname = `/${n}`;
    return u.toString();
  });
  return {
    urls,
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      for (const n of names) await c.query(`drop database if exists ${n} with (force)`);
      await c.end();
    },
  };
}

export const engine = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';

export interface TestFederation {
  demo: Demo;
  dir: string;
  url(party: string): string;
  /** The PostgreSQL URL of a party's database, or undefined on PGlite. */
  databaseUrl(party: string): string | undefined;
  /** Signs in a demo user (`officer@arc.example`…) and returns a client bound to that user's node. */
  as(email: string): Promise<Client>;
  settle(): Promise<void>;
  /**
   * Names a secret a test handled (a token, a TOTP secret, a recovery code): at close, the nodes' logs are
   * searched for it, with the passwords, tokens and private keys the federation knows of, and the test fails if
   * any is found.
   */
  secret(value: string): void;
  /**
   * Stops one node and returns a function that starts it again on the same port and data (with `change` laid
   * over its config, e.g. another `trustListSigner`).
   */
  stop(party: string): Promise<(change?: Partial<NodeConfig>) => Promise<void>>;
  close(): Promise<void>;
}

export interface Client {
  token: string;
  url: string;
  get(path: string): Promise<{ status: number; body: any }>;
  post(path: string, body?: unknown): Promise<{ status: number; body: any }>;
  put(path: string, body: unknown): Promise<{ status: number; body: any }>;
  patch(path: string, body: unknown): Promise<{ status: number; body: any }>;
}

export function client(url: string, token: string): Client {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? JSON.parse(text) : null,
      contentType: res.headers.get('content-type'),
    };
  };
  return {
    token,
    url,
    get: (p) => call('GET', p),
    post: (p, b) => call('POST', p, b ?? {}),
    put: (p, b) => call('PUT', p, b),
    patch: (p, b) => call('PATCH', p, b),
  };
}

export async function startTestFederation(
  opts: Pick<DemoOptions, 'seed' | 'settings' | 'trustProxy'> & {
    /** Embedded databases in memory only (long runs that need no restart: `npm run fuzz`). */
    memory?: boolean;
  } = {},
): Promise<TestFederation> {
  const dir = mkdtempSync(join(tmpdir(), 'comity-test-'));
  const ports = { ARC: await freePort(), BOR: await freePort(), CAL: await freePort() };
  const pgDbs = process.env.TEST_DATABASE_URL && !opts.memory ? await freshPostgresDatabases(3) : null;
  const databaseUrls = pgDbs
    ? { ARC: pgDbs.urls[0], BOR: pgDbs.urls[1], CAL: pgDbs.urls[2] }
    : opts.memory
      ? { ARC: MEMORY_DATABASE, BOR: MEMORY_DATABASE, CAL: MEMORY_DATABASE }
      : undefined;
  const options: DemoOptions = {
    dir,
    ports,
    password: PASSWORD,
    seed: opts.seed ?? false,
    logLevel: 'info',
    // Tests sign in and call far more often than people do: rate limits that never bite unless a test lowers them.
    settings: {
      pollIntervalMs: 200,
      maxRetryDelayMs: 1_000,
      rateLimitPerMinute: 1_000_000,
      loginRateLimitPerMinute: 1_000_000,
      ...opts.settings,
    },
    ...(databaseUrls ? { databaseUrls } : {}),
    ...(opts.trustProxy ? { trustProxy: opts.trustProxy } : {}),
  };
  // Embedded databases in folders start from a migrated copy (./pglite-template.ts) instead of a fresh initdb.
  if (!databaseUrls) for (const party of Object.keys(ports)) await copyPgliteTemplate(join(dir, party, 'db'));
  const demo = await startDemo(options);
  const secrets = new Set<string>([PASSWORD]);
  const stopped = new Set<string>();
  const fed: TestFederation = {
    get demo() {
      return demo;
    },
    dir,
    url: (party) => `http://127.0.0.1:${ports[party as keyof typeof ports]}`,
    databaseUrl: (party) => (pgDbs ? databaseUrls?.[party as keyof typeof databaseUrls] : undefined),
    async as(email) {
      const party = email.split('@')[1]!.split('.')[0]!.toUpperCase();
      const url = fed.url(party);
      const res = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${await res.text()}`);
      const { token } = (await res.json()) as { token: string };
      secrets.add(token);
      return client(url, token);
    },
    settle: () =>
      settle(
        Object.entries(demo.nodes)
          .filter(([p]) => !stopped.has(p))
          .map(([, n]) => n),
      ),
    async stop(party) {
      if (opts.memory)
        throw new Error('a federation in memory cannot restart a node: its data would be gone');
      await demo.nodes[party]!.close();
      stopped.add(party);
      return async (change = {}) => {
        // Restart the whole federation object for that party only: reuse startDemo's wiring by starting the
        // single node again with the same config.
        const { startNode, createLogger } = await import('../../src/node/node.ts');
        const config = {
          party,
          listen: { host: '127.0.0.1', port: ports[party as keyof typeof ports] },
          dataDir: join(dir, party),
          trustList: join(dir, 'trust-list.jws'),
          trustListSigner: demoTrustAdmin(dir).publicJwk,
          logLevel: 'info' as const,
          logFile: join(dir, 'logs', `${party}.log`),
          settings: options.settings ?? {},
          ...(databaseUrls ? { databaseUrl: databaseUrls[party as keyof typeof databaseUrls] } : {}),
          ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}),
          ...change,
        };
        demo.nodes[party] = await startNode(config, { log: createLogger(config) });
        stopped.delete(party);
      };
    },
    secret(value) {
      secrets.add(value);
    },
    async close() {
      for (const [p, n] of Object.entries(demo.nodes)) if (!stopped.has(p)) await n.close();
      try {
        assertNoSecretsLogged(dir, secrets);
      } catch (e) {
        await pgDbs?.drop();
        rmSync(dir, { recursive: true, force: true });
        throw e;
      }
      await pgDbs?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fed;
}

/** Every file under `dir` (recursively) whose name matches. */
function filesUnder(dir: string, match: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path, match));
    else if (match(entry.name)) out.push(path);
  }
  return out;
}

/**
 * Which of `needles` occur in a file, read in chunks (a long fuzz run writes logs larger than the longest string
 * Node can hold), each chunk starting with the end of the one before so that a needle across a boundary is
 * found. Bytes are searched, not text, so a chunk boundary inside a character changes nothing.
 */
export function logContains(path: string, needles: readonly string[], chunkBytes = 8 << 20): string[] {
  const wanted = needles.map((n) => ({ n, bytes: Buffer.from(n, 'utf8') }));
  const overlap = Math.max(0, ...wanted.map((w) => w.bytes.length - 1));
  const found = new Set<string>();
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(overlap + chunkBytes);
    let kept = 0;
    for (;;) {
      const read = readSync(fd, buffer, kept, chunkBytes, null);
      const window = buffer.subarray(0, kept + read);
      for (const w of wanted) if (!found.has(w.n) && window.includes(w.bytes)) found.add(w.n);
      if (read === 0) break;
      kept = Math.min(overlap, window.length);
      window.copyWithin(0, window.length - kept);
    }
  } finally {
    closeSync(fd);
  }
  return needles.filter((n) => found.has(n));
}

/**
 * Secrets never reach a log (issue 7): searches every node log of the federation for the password, the tokens
 * and secrets the tests handled, and every private key of the nodes, officers and administrator (PEM bodies and
 * the raw secret keys).
 */
export function assertNoSecretsLogged(dir: string, secrets: ReadonlySet<string>): void {
  const logs = existsSync(join(dir, 'logs')) ? filesUnder(join(dir, 'logs'), (n) => n.endsWith('.log')) : [];
  const needles = new Map<string, string>();
  for (const s of secrets) if (s.length >= 8) needles.set(s, 'a secret the test handled');
  for (const pem of filesUnder(dir, (n) => n.endsWith('.pem'))) {
    const body = readFileSync(pem, 'utf8')
      .replace(/-----[^-]+-----/g, '')
      .replace(/\s+/g, '');
    needles.set(body, `the private key ${pem.slice(dir.length + 1)}`);
    // The raw 32-byte key at the end of the PKCS#8 structure, as base64url (a JWK's "d").
    needles.set(
      Buffer.from(body, 'base64').subarray(-32).toString('base64url'),
      `the private key ${pem.slice(dir.length + 1)} (as JWK)`,
    );
  }
  for (const key of filesUnder(dir, (n) => n === 'secrets.key' || n === 'ledger-case-key'))
    needles.set(readFileSync(key, 'utf8').trim(), `the key ${key.slice(dir.length + 1)}`);
  const found: string[] = [];
  for (const log of logs)
    for (const needle of logContains(log, [...needles.keys()].filter(Boolean)))
      found.push(`${needles.get(needle)} in ${log}`);
  if (found.length) throw new Error(`secrets in the logs:\n${found.join('\n')}`);
  if (!logs.length) throw new Error(`no logs under ${dir}/logs to check`);
}

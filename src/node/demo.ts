/**
 * The demo federation (design §1): Arcadia, Borealis and Caldera, three nodes in one process on three ports,
 * each with its own embedded database under `<dir>/<party>/`, seeded on first start with demo users and a few
 * cases in different states. `npm start` runs this.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { ulid } from 'ulid';
import { ensureUser, userActorOf } from '../auth/sessions.ts';
import { createCase } from '../cases/create-case.ts';
import { screenReceived } from '../cases/screen-received.ts';
import { takeAction } from '../cases/take-action.ts';
import type { NodeSettings } from '../core.ts';
import { type PublicJwk, trustListEntries } from '../crypto/keys.ts';
import { TrustList } from '../crypto/trust-list.ts';
import { handoversPath } from '../crypto/trust-list-handovers.ts';
import { signTrustList } from '../crypto/trust-list-jws.ts';
import { type TrustListFile, TrustListSchema } from '../crypto/trust-list-schema.ts';
import { newOfficerKey, officerKid, officerPublicJwk } from '../crypto/vouch.ts';
import type { RequestContext } from '../domain/actor.ts';
import { InterchangeRequestSchema } from '../domain/request.ts';
import { type Role, vouches } from '../domain/roles.ts';
import { createPackage, evidencePaths } from '../evidence/packages.ts';
import { sealPackage } from '../evidence/seal-package.ts';
import { finishUpload, registerUpload } from '../evidence/uploads.ts';
import { drainOutbox } from '../exchange/outbox-worker.ts';
import { MEMORY_DATABASE } from '../store/db.ts';
import { cases, evidencePackages, outbox, users } from '../store/schema.ts';
import { createLogger, nodeKeys, type RunningNode, startNode } from './node.ts';

export const DEMO_PARTIES = [
  { code: 'ARC', name: 'Arcadia', offset: 1 },
  { code: 'BOR', name: 'Borealis', offset: 2 },
  { code: 'CAL', name: 'Caldera', offset: 3 },
] as const;

/** Demo accounts: `<local>@<party>.example`, one per role. */
export const DEMO_ACCOUNTS: readonly { local: string; roles: Role[]; title: string }[] = [
  { local: 'officer', roles: ['officer'], title: 'Officer' },
  { local: 'reviewer', roles: ['reviewer'], title: 'Central authority reviewer' },
  { local: 'contact', roles: ['contact-24-7'], title: '24/7 point of contact' },
  { local: 'executor', roles: ['executor'], title: 'Executing agency' },
  { local: 'oversight', roles: ['oversight'], title: 'Oversight body' },
  { local: 'admin', roles: ['admin'], title: 'Administrator' },
];

export const DEFAULT_DEMO_PASSWORD = 'comity-demo';

export interface DemoOptions {
  /** Folder for all three nodes' data (default ./.comity). */
  dir?: string;
  /** Ports are base+1, base+2, base+3 (default 4100, or COMITY_DEMO_BASE_PORT). */
  basePort?: number;
  /** Explicit ports per party, overriding `basePort` (tests use free ports). */
  ports?: Partial<Record<string, number>>;
  host?: string;
  password?: string;
  /** Seed demo cases on first start (default true). */
  seed?: boolean;
  /** PostgreSQL URL per party; parties without one use PGlite. */
  databaseUrls?: Partial<Record<string, string>>;
  settings?: Partial<NodeSettings>;
  /** Reverse proxies whose X-Forwarded-* headers the nodes believe (node config `trustProxy`). */
  trustProxy?: string[];
  logLevel?: 'info' | 'warn' | 'error' | 'silent' | 'debug';
}

export interface Demo {
  nodes: Record<string, RunningNode>;
  dir: string;
  password: string;
  seeded: boolean;
  close(): Promise<void>;
}

export function demoEmail(local: string, party: string): string {
  return `${local}@${party.toLowerCase()}.example`;
}

/** Sends and screens everything pending on every node until nothing moves: the demo seed's "wait for the peer". */
export async function settle(nodes: readonly RunningNode[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let quiet = 0; quiet < 2; ) {
    let moved = 0;
    for (const n of nodes) moved += (await drainOutbox(n.core)) + (await screenReceived(n.core));
    let waiting = 0;
    for (const n of nodes) waiting += await pendingCount(n);
    if (moved === 0 && waiting > 0) {
      if (Date.now() > deadline)
        throw new Error(`${waiting} message(s) still undelivered after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    quiet = moved === 0 ? quiet + 1 : 0;
  }
}

async function pendingCount(node: RunningNode): Promise<number> {
  const [{ n } = { n: 0 }] = await node.core.db
    .select({ n: sql<number>`count(*)::int` })
    .from(outbox)
    .where(eq(outbox.status, 'pending'));
  return Number(n);
}

async function contextFor(node: RunningNode, local: string): Promise<RequestContext> {
  const u = (
    await node.core.db
      .select()
      .from(users)
      .where(eq(users.email, demoEmail(local, node.core.party)))
  )[0];
  if (!u) throw new Error(`demo user ${local} missing on ${node.core.party}`);
  return { requestId: 'demo-seed', ip: '127.0.0.1', user: userActorOf(u) };
}

function demoRequest(file: string) {
  const path = new URL(`../../data/demo/cases/${file}`, import.meta.url);
  return InterchangeRequestSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** A small evidence package from `producer` on `caseId`, sealed, sent, and waited for at `receiver`. */
async function seedEvidence(
  producer: RunningNode,
  receiver: RunningNode,
  caseId: string,
  ctx: RequestContext,
): Promise<void> {
  const files = [
    {
      name: 'subscriber-records.csv',
      mediaType: 'text/csv',
      text: 'account,created,email,phone\nvel_anonym_77,2026-03-02T18:11:09Z,v.anon77@mailbox.example,+000 5550 1187\n',
    },
    {
      name: 'upload-log.txt',
      mediaType: 'text/plain',
      text: '2026-10-14T21:03:55Z upload 3 images from 198.51.100.23 (account vel_anonym_77)\n2026-10-14T21:09:12Z share link created\n',
    },
  ];
  const pkg = await createPackage(producer.core, ctx, caseId);
  const tmp = evidencePaths(producer.core).tmp;
  mkdirSync(tmp, { recursive: true });
  for (const f of files) {
    const bytes = Buffer.from(f.text);
    const uploadId = ulid();
    await registerUpload(producer.core, ctx, uploadId, bytes.length, {
      package: pkg.id,
      filename: f.name,
      mediaType: f.mediaType,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      collectedBy: 'Velora Hosting Ltd, law enforcement response team',
    });
    const path = join(tmp, uploadId);
    writeFileSync(path, bytes);
    await finishUpload(producer.core, ctx, uploadId, path);
  }
  await sealPackage(producer.core, ctx, pkg.id);
  await settle([producer, receiver]);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const row = (
      await receiver.core.db.select().from(evidencePackages).where(eq(evidencePackages.id, pkg.id))
    )[0];
    if (row?.status === 'received') return;
    if (Date.now() > deadline) throw new Error('the demo evidence package did not arrive');
    producer.transfer.wake();
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The demo cases: requests waiting for review on both sides (one that targets a journalist), two being
 * executed (one with an evidence package already delivered), one refused after consultation, one draft.
 */
async function seedCases(nodes: Record<string, RunningNode>): Promise<void> {
  const all = Object.values(nodes);
  const { ARC, BOR, CAL } = nodes as Record<'ARC' | 'BOR' | 'CAL', RunningNode>;
  const act = async (node: RunningNode, who: string, id: string, action: string, details: unknown = {}) => {
    await takeAction(node.core, await contextFor(node, who), id, action, details);
    await settle(all);
  };
  const submitNew = async (node: RunningNode, file: string) => {
    const row = await createCase(node.core, await contextFor(node, 'officer'), demoRequest(file));
    await act(node, 'officer', row.id, 'submit');
    return row.id;
  };

  // Accepted and being executed at BOR: BOR's executor can attach evidence (`comity evidence add`).
  const ransomware = await submitNew(ARC, 'ransomware-hospital.json');
  const fiveYears = new Date(Date.now() + 5 * 365 * 86_400_000).toISOString().slice(0, 10);
  await act(BOR, 'reviewer', ransomware, 'accept-with-conditions', {
    conditions: [
      { kind: 'use-limitation', text: 'Only for the investigation and prosecution named in the request.' },
      { kind: 'retention', text: 'Delete five years after receipt at the latest.', until: fiveYears },
    ],
  });
  await act(BOR, 'executor', ransomware, 'execute');
  // For BOR's reviewer to decide: the screen finds speech treated as crime and signs of persecution.
  await submitNew(ARC, 'journalist-arc-to-bor.json');

  const ncii = await submitNew(BOR, 'ncii-former-partner.json');
  await act(ARC, 'reviewer', ncii, 'accept-with-conditions', {
    conditions: [
      { kind: 'use-limitation', text: 'Only for the prosecution of the offences named in the request.' },
      { kind: 'retention', text: 'Delete when the proceedings, including any appeal, have ended.' },
    ],
  });
  await act(ARC, 'executor', ncii, 'execute');
  await seedEvidence(ARC, BOR, ncii, await contextFor(ARC, 'executor'));

  const journalist = await submitNew(CAL, 'journalist-false-information.json');
  await act(BOR, 'reviewer', journalist, 'consult', {
    note: 'The offence punishes publication of reporting about a minister, and the data sought would identify a journalist’s sources. Please explain what conduct other than publication is alleged.',
  });
  await act(CAL, 'officer', journalist, 'answer-consultation', {
    note: 'The reporting was false and caused public unrest; no other conduct is alleged.',
  });
  await act(BOR, 'reviewer', journalist, 'refuse', {
    grounds: ['persecution', 'human-rights'],
    note: 'The conduct is journalism. Assistance would serve to punish the expression of political opinion and to identify confidential sources (UNCC art. 6(2), 40(22)).',
  });

  await submitNew(CAL, 'csam-cloud-distribution.json');
  await createCase(ARC.core, await contextFor(ARC, 'officer'), demoRequest('preservation-draft.json'));
}

/** A demo officer's vouching key, made once in the party's keys folder (a real officer's lives sealed in the
 * node's database and is published by the administrator). */
function demoOfficerKey(
  dir: string,
  party: string,
  local: string,
): { pem: string; kid: string; jwk: PublicJwk } {
  const folder = join(dir, party, 'keys', 'officers');
  const path = join(folder, `${local}.pem`);
  if (!existsSync(path)) {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    writeFileSync(path, newOfficerKey(party).pem, { mode: 0o600 });
  }
  const pem = readFileSync(path, 'utf8');
  const jwk = officerPublicJwk(createPrivateKey(pem));
  return { pem, kid: officerKid(party, jwk), jwk };
}

/** The demo's trust-list administrator key, made once (mode 0600) beside the nodes' folders. */
export function demoTrustAdmin(dir: string): {
  privateKey: KeyObject;
  publicJwk: PublicJwk & { crv: 'Ed25519' };
} {
  const path = join(dir, 'trust-admin-ed25519.pem');
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
  }
  const privateKey = createPrivateKey(readFileSync(path, 'utf8'));
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' }) as { x: string };
  return { privateKey, publicJwk: { kty: 'OKP', crv: 'Ed25519', x } };
}

/**
 * The demo's trust list, signed, to write over the one of the last run; null when that one is the same list
 * signed by the same key.
 */
function issueDemoTrustList(
  path: string,
  trust: TrustListFile,
  admin: ReturnType<typeof demoTrustAdmin>,
): string | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return signTrustList(trust, admin.privateKey);
  }
  try {
    const { serial: _, ...content } = TrustList.parse(text, admin.publicJwk).file;
    if (JSON.stringify(content) === JSON.stringify(TrustListSchema.parse(trust))) return null;
  } catch {
    // Signed by another key (a handover in the last run), or unreadable: issued afresh.
  }
  let serial: number | undefined;
  try {
    // Only its number counts, so its signature need not be checked.
    serial = TrustList.inspect(text).trust.file.serial;
  } catch {
    serial = undefined;
  }
  return signTrustList({ ...trust, serial: (serial ?? 0) + 1 }, admin.privateKey);
}

export async function startDemo(opts: DemoOptions = {}): Promise<Demo> {
  const dir = resolve(opts.dir ?? '.comity');
  const basePort = opts.basePort ?? Number(process.env.COMITY_DEMO_BASE_PORT ?? 4100);
  if (!Number.isInteger(basePort) || basePort < 0 || basePort > 65_530)
    throw new Error(`invalid base port ${basePort}`);
  const host = opts.host ?? '127.0.0.1';
  const password = opts.password ?? process.env.COMITY_DEMO_PASSWORD ?? DEFAULT_DEMO_PASSWORD;
  mkdirSync(dir, { recursive: true });

  // Each node's keys are made once and kept in its folder; the trust list is rewritten at every start because
  // the ports may have moved.
  const trust: TrustListFile = {
    version: 1,
    parties: DEMO_PARTIES.map((p) => {
      const keys = nodeKeys(join(dir, p.code), p.code);
      return {
        code: p.code,
        name: p.name,
        url: `http://${host}:${opts.ports?.[p.code] ?? basePort + p.offset}`,
        keys: trustListEntries(keys),
        officers: DEMO_ACCOUNTS.filter((a) => vouches(a.roles)).map((a) => {
          const key = demoOfficerKey(dir, p.code, a.local);
          return { kid: key.kid, name: `${a.title}, ${p.name}`, jwk: key.jwk };
        }),
      };
    }),
  };
  // The demo's one administrator key signs the one trust list all three nodes share (a real node's own
  // administrator signs that node's list; docs/security.md).
  const admin = demoTrustAdmin(dir);
  const trustListPath = join(dir, 'trust-list.jws');
  // As an administrator would: the list of the last run is kept when nothing changed; a changed one (ports moved,
  // or a list installed in the last run) is issued afresh with a higher serial, so that the nodes take it as a
  // new list, not as an old one their ledger has since moved on from (even when the ports moved back).
  const issued = issueDemoTrustList(trustListPath, trust, admin);
  if (issued) {
    writeFileSync(trustListPath, `${issued}\n`);
    // The demo's administrator key signs it: a handover made in an earlier run no longer holds.
    rmSync(handoversPath(trustListPath), { force: true });
  }

  const nodes: Record<string, RunningNode> = {};
  try {
    for (const p of DEMO_PARTIES) {
      const config = {
        party: p.code,
        listen: { host, port: opts.ports?.[p.code] ?? basePort + p.offset },
        dataDir: join(dir, p.code),
        trustList: trustListPath,
        trustListSigner: admin.publicJwk,
        logLevel: opts.logLevel ?? 'info',
        logFile: join(dir, 'logs', `${p.code}.log`),
        settings: opts.settings ?? {},
        ...(opts.databaseUrls?.[p.code] ? { databaseUrl: opts.databaseUrls[p.code] } : {}),
        ...(opts.trustProxy ? { trustProxy: opts.trustProxy } : {}),
      };
      nodes[p.code] = await startNode(config, { log: createLogger(config) });
    }
    for (const node of Object.values(nodes))
      for (const a of DEMO_ACCOUNTS)
        await ensureUser(node.core, {
          email: demoEmail(a.local, node.core.party),
          name: `${a.title}, ${DEMO_PARTIES.find((p) => p.code === node.core.party)!.name}`,
          party: node.core.party,
          roles: a.roles,
          password,
          demo: true,
          ...(vouches(a.roles) ? { officerKey: demoOfficerKey(dir, node.core.party, a.local) } : {}),
        });
    let seeded = false;
    const [{ count } = { count: 0 }] = await nodes
      .ARC!.core.db.select({ count: sql<number>`count(*)::int` })
      .from(cases);
    // The marker keeps a federation whose cases were all deleted from being seeded again; databases in memory
    // start empty every time, so they are always seeded.
    const inMemory = DEMO_PARTIES.every((p) => opts.databaseUrls?.[p.code] === MEMORY_DATABASE);
    if ((opts.seed ?? true) && Number(count) === 0 && (inMemory || !existsSync(join(dir, 'seeded')))) {
      await seedCases(nodes);
      if (!inMemory) writeFileSync(join(dir, 'seeded'), `${new Date().toISOString()}\n`);
      seeded = true;
    }
    return {
      nodes,
      dir,
      password,
      seeded,
      async close() {
        for (const n of Object.values(nodes)) await n.close();
      },
    };
  } catch (e) {
    for (const n of Object.values(nodes)) await n.close().catch(() => {});
    throw e;
  }
}

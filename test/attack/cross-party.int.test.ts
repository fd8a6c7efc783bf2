/**
 * Cross-party access (design §10): users of Caldera attack cases between Arcadia and Borealis on every route of
 * the OpenAPI document, with the cases' real ids and with guessed ones. First every CAL role on CAL's own node
 * (which never had the cases), then CAL accounts provisioned by mistake on ARC's node (which holds them), then
 * CAL's node itself on the exchange endpoints. Every attempt must be refused exactly as for an id that does not
 * exist, every refusal on ARC must be logged, and no database may change except by those log entries.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, count, eq, gte, inArray, isNotNull, or } from 'drizzle-orm';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseResource } from '../../src/access/guard.ts';
import { ensureUser } from '../../src/auth/sessions.ts';
import { authorize, type Principal } from '../../src/authz/authorize.ts';
import { sealMessage } from '../../src/crypto/envelope.ts';
import { nodeAuthorization } from '../../src/crypto/node-token.ts';
import { USER_ACTIONS } from '../../src/domain/lifecycle.ts';
import { TUS_VERSION, tusCreate, tusSend } from '../../src/evidence/tus-client.ts';
import { DEMO_ACCOUNTS, demoEmail } from '../../src/node/demo.ts';
import {
  accessLog,
  caseEvents,
  cases,
  evidenceEvents,
  evidenceFiles,
  evidencePackages,
  inbox,
  ledgerEntries,
  nodeSettings,
  outbox,
  screenings,
  settingsChanges,
  users,
} from '../../src/store/schema.ts';
import { corpusRequest } from '../helpers/corpus.ts';
import { engine, PASSWORD, startTestFederation, type TestFederation } from '../helpers/federation.ts';
import {
  type Answer,
  comparable,
  differences,
  neighbour,
  type Probe,
  send,
  signIn,
  snapshot,
} from './probe.ts';

/** The ids that fill a route's path parameters: all of one ARC–BOR case's objects, or all guessed. */
interface Target {
  label: string;
  id: string;
  pkg: string;
  idx: string;
  seq: string;
  uploadId: string;
}

interface Attacker {
  label: string;
  party: 'ARC' | 'CAL';
  authorization: string;
  /** The signed-in user, as the policies see it. */
  user: Principal;
}

/** The user behind an Authorization header, as the policies see it. */
async function principalOf(url: string, authorization: string): Promise<Principal> {
  const me = JSON.parse((await send(url, { method: 'GET', path: '/api/v1/auth/me' }, authorization)).text);
  return { id: me.id, party: me.party, roles: me.roles };
}

/**
 * How a user attacks one route. `each` repeats the attack per value of a further parameter; `uses` names the
 * target ids the attack sends outside the path; `nodeLocal` marks ids that mean something else on every node
 * (a ledger index), so that on CAL's node they are only checked for leaks.
 */
interface UserAttack {
  each?: Record<string, string>[];
  uses?: (keyof Target)[];
  nodeLocal?: boolean;
  probe?: (t: Target) => Omit<Probe, 'method' | 'path'>;
}

const json = (value: unknown) => ({
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});
const tus = { 'tus-resumable': TUS_VERSION };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** A draft that passes the body schema, so that PUT reaches the case lookup. */
const draft = { ...corpusRequest('01-ransomware-hospital.json'), from: 'CAL', to: 'BOR' };

const USER_ROUTES: Record<string, UserAttack> = {
  'GET /api/v1/cases/{id}': {},
  'PUT /api/v1/cases/{id}': { probe: () => json(draft) },
  'PUT /api/v1/cases/{id}/restriction': { probe: () => json({ users: null }) },
  'GET /api/v1/cases/{id}/restriction/candidates': {},
  'GET /api/v1/cases/{id}/preflight': {},
  ...Object.fromEntries(
    USER_ACTIONS.map((action) => [`POST /api/v1/cases/{id}/actions/${action}`, { probe: () => json({}) }]),
  ),
  'POST /api/v1/cases/{id}/evidence': { probe: () => json({}) },
  'GET /api/v1/cases/{id}/evidence': {},
  'POST /api/v1/cases/{id}/evidence/keys': { probe: () => json({}) },
  'GET /api/v1/evidence/{pkg}': {},
  'POST /api/v1/evidence/{pkg}/seal': { probe: () => json({}) },
  'GET /api/v1/evidence/{pkg}/export': {},
  'GET /api/v1/evidence/{pkg}/files/{idx}/sealed': {},
  'GET /api/v1/evidence/{pkg}/files/{idx}/content': {},
  'GET /api/v1/ledger/entries/{seq}/record': { nodeLocal: true },
  'POST /api/v1/evidence/uploads': {
    uses: ['pkg'],
    probe: (t) => ({
      headers: {
        ...tus,
        'upload-length': '10',
        'upload-metadata': `package ${b64(t.pkg)},filename ${b64('planted.bin')},sha256 ${b64(sha256('0123456789'))}`,
      },
    }),
  },
  'HEAD /api/v1/evidence/uploads/{uploadId}': { probe: () => ({ headers: tus }) },
  'PATCH /api/v1/evidence/uploads/{uploadId}': {
    probe: () => ({
      headers: { ...tus, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      body: Buffer.from('0123456789'),
    }),
  },
  'DELETE /api/v1/evidence/uploads/{uploadId}': { probe: () => ({ headers: tus }) },
};

/** Routes where a node, not a user, is the caller: attacked by CAL's node below. */
const NODE_ROUTES = [
  'POST /exchange/v1/messages',
  'POST /exchange/v1/evidence/uploads',
  'HEAD /exchange/v1/evidence/uploads/{uploadId}',
  'PATCH /exchange/v1/evidence/uploads/{uploadId}',
];

/** Routes that take no case, package, file or ledger id and return no case data; why each is left out. */
const NOT_ABOUT_A_CASE: Record<string, string> = {
  'POST /api/v1/auth/login': 'signs in',
  'POST /api/v1/auth/logout': 'revokes the caller’s own token',
  'POST /api/v1/cases': 'creates a new case of the caller’s own party',
  'POST /api/v1/screening': 'screens the request in its body',
  'OPTIONS /api/v1/evidence/uploads': 'tus capabilities',
  'POST /ledger/witness/add-checkpoint':
    'a peer log’s checkpoint, checked against the trust list (C2SP tlog-witness)',
  'GET /ledger/witness/{originHash}/checkpoint': 'a public checkpoint of a peer’s log, with its cosignature',
  'PUT /api/v1/node/profile': 'node settings; attacked by the CAL administrator on ARC below',
  'PUT /api/v1/node/policy': 'node settings; attacked by the CAL administrator on ARC below',
  'PATCH /api/v1/users/{id}': 'a user account of the node, not a case',
  'POST /api/v1/users/{id}/reset-second-factors': 'a user account of the node, not a case',
  'POST /api/v1/users/{id}/officer-key': 'a user account of the node, not a case',
  'DELETE /api/v1/auth/mfa/passkeys/{id}': 'one of the caller’s own passkeys, not a case',
};

/** Parameters that identify no data of a case: the party registry's `code`. */
const HARMLESS_PARAMS = new Set(['code']);

/** Queries that id-less GET routes need to answer at all. */
const SWEEP_QUERIES: Record<string, string> = {
  '/api/v1/cases': '?limit=200',
  '/ledger/entries': '?start=0&end=1000',
  '/ledger/proof/inclusion': '?index=0&size=1',
  '/ledger/proof/consistency': '?from=1&to=2',
};

interface Operation {
  key: string;
  method: string;
  path: string;
  params: string[];
}

let fed: TestFederation;
let scratch: string;
let operations: Operation[];
/** The ARC–BOR cases and what hangs off them on ARC. */
let arcBorCases: string[];
let ransomware: string;
let targets: Target[];
let guesses: Target[];
/** Strings no CAL user may ever be shown: ids and file names of the ARC–BOR cases. */
let secrets: string[];
let calUsers: Attacker[];
let rogues: Attacker[];
/** ARC's own administrator, signed in before the databases are compared (a sign-in is a ledger entry). */
let arcAdmin: string;
let before: Record<string, Record<string, string[]>>;
let ledgerSizeBefore: Record<string, number>;

const node = (party: string) => fed.demo.nodes[party]!.core;
const base = (a: Attacker) => fed.url(a.party);

const CASE_TABLES = {
  cases,
  caseEvents,
  screenings,
  outbox,
  inbox,
  evidencePackages,
  evidenceFiles,
  evidenceEvents,
  nodeSettings,
  settingsChanges,
  users,
};

/** Waits until `check` holds, polling; fails with the last value after `ms`. */
async function until<T>(what: string, get: () => Promise<T>, check: (v: T) => boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  let last = await get();
  while (!check(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await get();
  }
  return last;
}

/** BOR's executor delivers a package on the ARC→BOR ransomware case; returns its id once ARC has it. */
async function deliverEvidence(caseId: string): Promise<string> {
  const executor = await signIn(fed.url('BOR'), 'executor@bor.example', PASSWORD);
  const created = await send(
    fed.url('BOR'),
    { method: 'POST', path: `/api/v1/cases/${caseId}/evidence` },
    executor,
  );
  expect(created.status, created.text).toBe(201);
  const pkg = JSON.parse(created.text).id as string;
  const bytes = Buffer.from('2026-03-14T02:11:09Z login svc-backup from 203.0.113.77\n'.repeat(200));
  const path = join(scratch, 'vpn-gateway.log');
  writeFileSync(path, bytes);
  const headers = { authorization: executor };
  const url = await tusCreate(
    `${fed.url('BOR')}/api/v1/evidence/uploads`,
    bytes.length,
    { package: pkg, filename: 'vpn-gateway.log', sha256: sha256(bytes), collectedBy: 'BOR CERT' },
    { headers },
  );
  await tusSend(url, path, 0, { headers });
  const sealed = await send(
    fed.url('BOR'),
    { method: 'POST', path: `/api/v1/evidence/${pkg}/seal`, ...json({}) },
    executor,
  );
  expect(sealed.status, sealed.text).toBe(200);
  await fed.settle();
  await until(
    'the package received at ARC',
    async () =>
      (await node('ARC').db.select().from(evidencePackages).where(eq(evidencePackages.id, pkg)))[0]?.status,
    (s) => s === 'received',
  );
  return pkg;
}

/** ARC's executor opens a package on the BOR→ARC case and leaves an upload half done; returns both ids. */
async function halfUpload(caseId: string): Promise<{ pkg: string; uploadId: string }> {
  const executor = await signIn(fed.url('ARC'), 'executor@arc.example', PASSWORD);
  const created = await send(
    fed.url('ARC'),
    { method: 'POST', path: `/api/v1/cases/${caseId}/evidence` },
    executor,
  );
  expect(created.status, created.text).toBe(201);
  const pkg = JSON.parse(created.text).id as string;
  const bytes = randomBytes(4000);
  const half = join(scratch, 'half.bin');
  writeFileSync(half, bytes.subarray(0, 1500));
  const headers = { authorization: executor };
  const url = await tusCreate(
    `${fed.url('ARC')}/api/v1/evidence/uploads`,
    bytes.length,
    { package: pkg, filename: 'mailbox-export.pst', sha256: sha256(bytes) },
    { headers },
  );
  await tusSend(url, half, 0, { headers });
  return { pkg, uploadId: url.split('/').pop()! };
}

async function ledgerSeq(caseId: string, type: string): Promise<string> {
  const row = (
    await node('ARC')
      .db.select({ seq: ledgerEntries.seq })
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.caseId, caseId), eq(ledgerEntries.type, type)))
      .limit(1)
  )[0];
  if (!row) throw new Error(`no ${type} entry of case ${caseId} at ARC`);
  return String(row.seq);
}

/**
 * CAL accounts on ARC's node, one per role, as a mis-provisioned or shared deployment would have them. Marked
 * demo so that they sign in with the password alone: the attack is on the case routes, not on the second factor.
 */
async function provisionRogues(): Promise<Attacker[]> {
  const out: Attacker[] = [];
  for (const a of DEMO_ACCOUNTS) {
    const email = `rogue-${a.local}@cal.example`;
    await ensureUser(node('ARC'), {
      email,
      name: `Rogue ${a.title}, Caldera`,
      party: 'CAL',
      roles: a.roles,
      password: PASSWORD,
      demo: true,
    });
    const authorization = await signIn(fed.url('ARC'), email, PASSWORD);
    out.push({
      label: `CAL ${a.local} on ARC`,
      party: 'ARC',
      authorization,
      user: await principalOf(fed.url('ARC'), authorization),
    });
  }
  return out;
}

function probeOf(op: Operation, attack: UserAttack, values: Record<string, string>): Probe {
  return {
    method: op.method,
    path: op.path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? `{${name}}`),
    ...attack.probe?.(values as unknown as Target),
  };
}

/** The values an attempt sends: its path parameters and whatever else `uses` names. */
function sentValues(
  op: Operation,
  attack: UserAttack,
  values: Record<string, string>,
): Record<string, string> {
  return Object.fromEntries([...op.params, ...(attack.uses ?? [])].map((p) => [p, values[p]!]));
}

const show = (a: Answer) => `${a.status} ${a.text.slice(0, 300)}`;
/** The secrets an answer shows, other than the ones the attacker sent in the request. */
const leaked = (a: Answer, sent: Record<string, string> = {}) =>
  secrets.filter(
    (s) =>
      !Object.values(sent).includes(s) &&
      (a.text.includes(s) || Object.values(a.headers).some((h) => h.includes(s))),
  );

async function deniedOnArc(): Promise<number> {
  const [{ n } = { n: 0 }] = await node('ARC')
    .db.select({ n: count() })
    .from(accessLog)
    .where(and(eq(accessLog.outcome, 'denied'), inArray(accessLog.caseId, arcBorCases)));
  return Number(n);
}

/**
 * Runs every user route as `attacker` with every target and guess; returns the holes found: answers that differ
 * from the answer about a random id, answers that are not "not found", leaks, and (on ARC) unlogged refusals.
 */
async function attackAllRoutes(attacker: Attacker, holes: Holes): Promise<void> {
  const hole = (what: string) => holes.set(what, [...(holes.get(what) ?? []), attacker.label]);
  for (const op of operations) {
    const attack = USER_ROUTES[op.key];
    if (!attack) continue;
    for (const extra of attack.each ?? [{}]) {
      const [random, ...otherGuesses] = guesses;
      const baseValues = { ...random!, ...extra };
      const baseline = await send(base(attacker), probeOf(op, attack, baseValues), attacker.authorization);
      const localIds = attack.nodeLocal && attacker.party === 'CAL';
      if (!localIds && baseline.status !== 404)
        hole(
          `${op.method} ${op.path} ${JSON.stringify(extra)}: an unknown id answers ${show(baseline)}, not 404`,
        );
      const expected = comparable(baseline, sentValues(op, attack, baseValues));
      // Lifecycle actions: every action against the main target and a guess; everything else against all.
      const tries = attack.each ? [targets[0]!, otherGuesses[0]!] : [...targets, ...otherGuesses];
      for (const t of tries) {
        const values = { ...t, ...extra };
        const real = targets.includes(t);
        const loggedBefore = real && attacker.party === 'ARC' ? await deniedOnArc() : 0;
        const answer = await send(base(attacker), probeOf(op, attack, values), attacker.authorization);
        const where = `${op.method} ${probeOf(op, attack, values).path} (${t.label})`;
        const leaks = leaked(answer, sentValues(op, attack, values));
        if (leaks.length) hole(`${where}: the answer shows ${leaks.join(', ')}: ${show(answer)}`);
        if (localIds) continue;
        const got = comparable(answer, sentValues(op, attack, values));
        const told = differences(got, expected);
        if (told) hole(`${where}: ${told}`);
        if (real && attacker.party === 'ARC' && (await deniedOnArc()) <= loggedBefore)
          hole(`${where}: the refusal was not logged`);
      }
    }
  }
}

/** Each hole found, with the attackers who found it. */
type Holes = Map<string, string[]>;
const report = (holes: Holes) => [...holes].map(([what, who]) => `${what} [${who.join(', ')}]`);

beforeAll(async () => {
  fed = await startTestFederation({ seed: true });
  scratch = mkdtempSync(join(tmpdir(), 'comity-attack-'));
  const arc = node('ARC');
  const all = await arc.db
    .select()
    .from(cases)
    .where(
      or(
        and(eq(cases.requesting, 'ARC'), eq(cases.requested, 'BOR')),
        and(eq(cases.requesting, 'BOR'), eq(cases.requested, 'ARC')),
      ),
    );
  const find = (from: string, state: string) =>
    all.find((c) => c.requesting === from && c.state === state)!.id;
  ransomware = find('ARC', 'executing');
  const ncii = find('BOR', 'executing');
  const journalist = find('ARC', 'in-review');
  arcBorCases = all.map((c) => c.id);

  const received = await deliverEvidence(ransomware);
  const produced = (await arc.db.select().from(evidencePackages).where(eq(evidencePackages.caseId, ncii)))[0]!
    .id;
  const sealedUpload = (
    await arc.db
      .select({ uploadId: evidenceFiles.uploadId })
      .from(evidenceFiles)
      .where(and(eq(evidenceFiles.packageId, produced), isNotNull(evidenceFiles.uploadId)))
  )[0]?.uploadId;
  const open = await halfUpload(ncii);
  targets = [
    {
      label: 'the executing ARC→BOR case, its received package, a case event, a half-done upload',
      id: ransomware,
      pkg: received,
      idx: '0',
      seq: await ledgerSeq(ransomware, 'case-event'),
      uploadId: open.uploadId,
    },
    {
      label: 'the executing BOR→ARC case, its sent package, one of its uploads, an evidence event',
      id: ncii,
      pkg: produced,
      idx: '0',
      seq: await ledgerSeq(ncii, 'evidence-event'),
      uploadId: sealedUpload ?? open.uploadId,
    },
    {
      label: 'the ARC→BOR case in review, a sent message; the open package of the half-done upload',
      id: journalist,
      pkg: open.pkg,
      idx: '0',
      seq: await ledgerSeq(journalist, 'message-sent'),
      uploadId: open.uploadId,
    },
  ];
  const t = targets[0]!;
  const beyond = (await arc.db.select({ n: count() }).from(ledgerEntries))[0]!.n + 10_000;
  guesses = [
    { label: 'random ids', id: ulid(), pkg: ulid(), idx: '0', seq: String(beyond), uploadId: ulid() },
    ...[1, -1].map((step, i) => ({
      label: `ids ${step > 0 ? 'after' : 'before'} the real ones`,
      id: neighbour(t.id, step),
      pkg: neighbour(t.pkg, step),
      idx: String(i + 1),
      seq: String(beyond + i + 1),
      uploadId: neighbour(t.uploadId, step),
    })),
  ];
  const files = await arc.db
    .select({ name: evidenceFiles.name })
    .from(evidenceFiles)
    .where(inArray(evidenceFiles.packageId, [received, produced, open.pkg]));
  secrets = [...arcBorCases, received, produced, open.pkg, open.uploadId, ...files.map((f) => f.name)];
  if (sealedUpload) secrets.push(sealedUpload);

  calUsers = await Promise.all(
    DEMO_ACCOUNTS.map(async (a) => {
      const authorization = await signIn(fed.url('CAL'), demoEmail(a.local, 'CAL'), PASSWORD);
      return {
        label: `CAL ${a.local} on CAL`,
        party: 'CAL' as const,
        authorization,
        user: await principalOf(fed.url('CAL'), authorization),
      };
    }),
  );
  rogues = await provisionRogues();
  arcAdmin = await signIn(fed.url('ARC'), 'admin@arc.example', PASSWORD);
  operations = [];
  const doc = JSON.parse((await send(fed.url('ARC'), { method: 'GET', path: '/api/openapi.json' })).text);
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>))
    for (const method of Object.keys(item))
      operations.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        params: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
      });
}, 120_000);

afterAll(async () => {
  await fed?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe(`a CAL user against an ARC–BOR case (${engine})`, () => {
  it('reaches the targets as their own parties, so that the attacks below aim at real objects', async () => {
    const arc = fed.url('ARC');
    const officer = await signIn(arc, 'officer@arc.example', PASSWORD);
    const executor = await signIn(arc, 'executor@arc.example', PASSWORD);
    const [t1, t2, t3] = targets as [Target, Target, Target];
    const theCase = await send(arc, { method: 'GET', path: `/api/v1/cases/${t1.id}` }, officer);
    expect(theCase.status).toBe(200);
    const view = JSON.parse(theCase.text);
    expect(view.messages.length).toBeGreaterThan(2);
    expect(view.history.map((h: { action: string }) => h.action)).toEqual(
      expect.arrayContaining(['accept-with-conditions', 'execute', 'receive-evidence']),
    );
    for (const t of targets) {
      expect((await send(arc, { method: 'GET', path: `/api/v1/evidence/${t.pkg}` }, officer)).status).toBe(
        200,
      );
      expect(
        (await send(arc, { method: 'GET', path: `/api/v1/ledger/entries/${t.seq}/record` }, arcAdmin)).status,
      ).toBe(200);
    }
    const opened = await send(
      arc,
      { method: 'GET', path: `/api/v1/evidence/${t1.pkg}/files/0/content` },
      officer,
    );
    expect(opened.text).toContain('svc-backup');
    expect(
      (await send(arc, { method: 'GET', path: `/api/v1/evidence/${t2.pkg}/files/0/sealed` }, officer)).status,
    ).toBe(200);
    const upload = await send(
      arc,
      { method: 'HEAD', path: `/api/v1/evidence/uploads/${t3.uploadId}`, headers: tus },
      executor,
    );
    expect(upload.headers['upload-offset']).toBe('1500');

    await fed.settle();
    before = {};
    ledgerSizeBefore = {};
    for (const p of ['ARC', 'BOR', 'CAL']) {
      before[p] = await snapshot(node(p).db, CASE_TABLES);
      ledgerSizeBefore[p] = (await node(p).db.select({ n: count() }).from(ledgerEntries))[0]!.n;
    }
  });

  it('has an attack for every route of the OpenAPI document that takes an id', () => {
    const known = new Set([...Object.keys(USER_ROUTES), ...NODE_ROUTES, ...Object.keys(NOT_ABOUT_A_CASE)]);
    const uncovered = operations
      .filter((op) => !known.has(op.key) && op.params.some((p) => !HARMLESS_PARAMS.has(p)))
      .map((op) => op.key);
    expect(uncovered, 'routes without an attack: add them to USER_ROUTES or NODE_ROUTES').toEqual([]);
    const stale = [...Object.keys(USER_ROUTES), ...NODE_ROUTES].filter(
      (k) => !operations.some((op) => op.key === k),
    );
    expect(stale, 'attacks on routes that no longer exist').toEqual([]);
  });

  it('answers every CAL role on CAL’s node about the ARC–BOR ids exactly as about ids that do not exist', async () => {
    const holes: Holes = new Map();
    for (const attacker of calUsers) await attackAllRoutes(attacker, holes);
    expect(report(holes)).toEqual([]);
  });

  it('answers CAL users on ARC’s node about the ARC–BOR case exactly as about one that does not exist, and logs each refusal', async () => {
    const holes: Holes = new Map();
    for (const attacker of rogues) await attackAllRoutes(attacker, holes);
    expect(report(holes)).toEqual([]);
  }, 180_000); // every route, every CAL role: slow on a loaded machine

  it('leaves the ARC–BOR cases out of every list, search, total and statistic', async () => {
    const holes: string[] = [];
    // Words of the ARC–BOR cases' facts (one also in CAL's own case against a journalist), the id and its prefix.
    const facts = ['brigid', 'marta lind', 'petrescu'];
    const idsOf = (rows: { id: string }[]) =>
      rows
        .map((r) => r.id)
        .sort()
        .join();
    for (const attacker of [...calUsers, ...rogues]) {
      const rows = (await node(attacker.party).db.select().from(cases)).filter(
        (c) => c.requesting === 'CAL' || c.requested === 'CAL',
      );
      for (const direction of [undefined, 'incoming', 'outgoing'] as const)
        for (const q of [undefined, ransomware, ransomware.slice(0, 12), ...facts])
          for (const limit of [200, 1]) {
            const query = new URLSearchParams({
              limit: String(limit),
              ...(direction ? { direction } : {}),
              ...(q ? { q } : {}),
            });
            // What the policies let this user see of the user's own party's cases: in full (searchable by
            // facts and id) or redacted (by id only).
            const expected = rows.filter((c) => {
              const full = authorize(attacker.user, 'read', caseResource(fed.demo.nodes.CAL!.core, c));
              const redacted =
                !full && authorize(attacker.user, 'read-redacted', caseResource(fed.demo.nodes.CAL!.core, c));
              const needle = q?.toLowerCase();
              return (
                (direction !== 'incoming' || c.requested === 'CAL') &&
                (direction !== 'outgoing' || c.requesting === 'CAL') &&
                (full || redacted) &&
                (!needle || c.id.toLowerCase().includes(needle) || (full && c.searchText.includes(needle)))
              );
            });
            const where = `${attacker.label} GET /api/v1/cases?${query}`;
            const res = await send(
              base(attacker),
              { method: 'GET', path: `/api/v1/cases?${query}` },
              attacker.authorization,
            );
            if (res.status !== 200) {
              holes.push(`${where}: ${show(res)}`);
              continue;
            }
            const body = JSON.parse(res.text) as {
              items: { id: string }[];
              total: number;
              nextCursor: string | null;
            };
            const leaks = leaked(res);
            if (leaks.length) holes.push(`${where}: lists ${leaks.join(', ')}`);
            if (body.total !== expected.length)
              holes.push(
                `${where}: total ${body.total}, but the user's party has ${expected.length} such case(s)`,
              );
            if (limit === 200 && idsOf(body.items) !== idsOf(expected))
              holes.push(`${where}: lists ${idsOf(body.items)}, expected ${idsOf(expected)}`);
            if (limit === 1 && (body.nextCursor !== null) !== expected.length > 1)
              holes.push(`${where}: next cursor ${body.nextCursor} with ${expected.length} case(s) to show`);
          }
      const stats = await send(
        base(attacker),
        { method: 'GET', path: '/api/v1/statistics' },
        attacker.authorization,
      );
      if (stats.status === 200) {
        const body = JSON.parse(stats.text) as { total: number; byParty: { key: string }[] };
        const own = rows.filter((c) => c.state !== 'draft').length;
        if (body.total !== own)
          holes.push(`${attacker.label} GET /api/v1/statistics: total ${body.total}, the party has ${own}`);
        if (attacker.party === 'ARC' && body.byParty.some((p) => p.key === 'BOR'))
          holes.push(
            `${attacker.label} GET /api/v1/statistics: counts cases with BOR: ${stats.text.slice(0, 300)}`,
          );
      } else if (stats.status !== 403) holes.push(`${attacker.label} GET /api/v1/statistics: ${show(stats)}`);
    }
    expect(holes).toEqual([]);
  });

  it('shows no ARC–BOR id or file name in any id-less GET route, and refuses ARC’s settings to a CAL administrator', async () => {
    const holes: string[] = [];
    const sweep = operations.filter(
      (op) => op.method === 'GET' && op.params.every((p) => HARMLESS_PARAMS.has(p)) && !USER_ROUTES[op.key],
    );
    for (const attacker of [...calUsers, ...rogues])
      for (const op of sweep) {
        const path = `${op.path.replace('{code}', 'BOR')}${SWEEP_QUERIES[op.path] ?? ''}`;
        const res = await send(base(attacker), { method: 'GET', path }, attacker.authorization);
        if (res.status >= 500) holes.push(`${attacker.label} GET ${path}: ${show(res)}`);
        const leaks = leaked(res);
        if (leaks.length) holes.push(`${attacker.label} GET ${path}: shows ${leaks.join(', ')}`);
      }
    const admin = rogues.find((r) => r.label.includes('admin'))!;
    for (const setting of ['profile', 'policy']) {
      const current = await send(
        fed.url('ARC'),
        { method: 'GET', path: `/api/v1/node/${setting}` },
        arcAdmin,
      );
      const res = await send(
        fed.url('ARC'),
        {
          method: 'PUT',
          path: `/api/v1/node/${setting}`,
          ...json({ ...JSON.parse(current.text), code: undefined }),
        },
        admin.authorization,
      );
      if (res.status !== 403) holes.push(`${admin.label} PUT /api/v1/node/${setting}: ${show(res)}`);
    }
    expect(holes).toEqual([]);
  });

  it('refuses CAL’s node on the exchange endpoints for the ARC–BOR case and package, as for unknown ones', async () => {
    const holes: string[] = [];
    const cal = node('CAL');
    const [t1, t2] = targets as [Target, Target];
    // ARC holds the package BOR sent on the ransomware case; BOR holds the one ARC sent on the BOR→ARC case.
    const received = [
      { party: 'ARC', pkg: t1.pkg },
      { party: 'BOR', pkg: t2.pkg },
    ];
    const token = (aud: string, iss = 'CAL') =>
      nodeAuthorization({
        from: iss,
        to: aud,
        scope: 'evidence',
        key: cal.keys.signing.privateKey,
        kid: cal.keys.signing.kid,
      });
    for (const { party, pkg } of received) {
      const cipherSize = (
        await node(party).db.select().from(evidenceFiles).where(eq(evidenceFiles.packageId, pkg))
      )[0]!.cipherSize!;
      const probes = (p: string): Probe[] => [
        {
          method: 'POST',
          path: '/exchange/v1/evidence/uploads',
          headers: {
            ...tus,
            'upload-length': String(cipherSize),
            'upload-metadata': `package ${b64(p)},file ${b64('0')}`,
          },
        },
        { method: 'HEAD', path: `/exchange/v1/evidence/uploads/${p}.0`, headers: tus },
        {
          method: 'PATCH',
          path: `/exchange/v1/evidence/uploads/${p}.0`,
          headers: { ...tus, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
          body: randomBytes(64),
        },
      ];
      const unknown = ulid();
      const real = probes(pkg);
      const guess = probes(unknown);
      for (const [i, probe] of real.entries()) {
        const where = `CAL's node ${probe.method} ${party}${probe.path}`;
        const answer = await send(fed.url(party), probe, await token(party));
        const baseline = await send(fed.url(party), guess[i]!, await token(party));
        if (answer.status < 400) holes.push(`${where}: accepted, ${show(answer)}`);
        const got = comparable(answer, { pkg });
        const expected = comparable(baseline, { pkg: unknown });
        const told = differences(got, expected);
        if (told) holes.push(`${where}: ${told}`);
        // CAL's key, claiming to be the producer.
        const forged = await send(fed.url(party), probe, await token(party, party === 'ARC' ? 'BOR' : 'ARC'));
        if (forged.status !== 401) holes.push(`${where} as the producer: ${show(forged)}`);
      }
    }

    // A lifecycle message about the ransomware case, signed by CAL, to both of its parties.
    for (const party of ['ARC', 'BOR']) {
      const message = async (caseId: string) => {
        const now = Date.now();
        const { jwe } = await sealMessage({
          claims: {
            id: ulid(),
            type: 'withdrawal',
            from: 'CAL',
            to: party,
            case: caseId,
            created: new Date(now).toISOString(),
            expires: new Date(now + 3_600_000).toISOString(),
            prev: null,
            action: 'withdraw',
            actor: { name: 'Officer, Caldera' },
            body: {},
          },
          signingKey: cal.keys.signing.privateKey,
          signingKid: cal.keys.signing.kid,
          recipientKey: cal.trust.party(party)!.encryption.key,
          recipientKid: cal.trust.party(party)!.encryption.kid,
        });
        return send(fed.url(party), {
          method: 'POST',
          path: '/exchange/v1/messages',
          headers: { 'content-type': 'application/jose' },
          body: jwe,
        });
      };
      const unknown = ulid();
      const answer = await message(ransomware);
      const baseline = await message(unknown);
      const where = `CAL's node POST ${party}/exchange/v1/messages withdrawing the ARC→BOR case`;
      if (answer.status < 400) holes.push(`${where}: accepted, ${show(answer)}`);
      const got = comparable(answer, { id: ransomware });
      const expected = comparable(baseline, { id: unknown });
      const told = differences(got, expected);
      if (told) holes.push(`${where}: ${told}`);
    }
    expect(holes).toEqual([]);
  });

  it('leaves every database as it was: the ledgers grew by refusals and logged reads only', async () => {
    // Refusals and reads are logged; the forged messages of CAL's node are kept as refused.
    const allowed = new Set(['access-denied', 'case-read', 'message-refused']);
    for (const p of ['ARC', 'BOR', 'CAL']) {
      expect(await snapshot(node(p).db, CASE_TABLES), `${p}'s case tables`).toEqual(before[p]);
      const added = await node(p)
        .db.select()
        .from(ledgerEntries)
        .where(gte(ledgerEntries.seq, ledgerSizeBefore[p]!));
      expect(
        added.filter((e) => !allowed.has(e.type)).map((e) => `${e.type} ${JSON.stringify(e.record)}`),
        `${p}'s new ledger entries`,
      ).toEqual([]);
      expect(
        added.filter((e) => e.type === 'case-read' && e.caseId && arcBorCases.includes(e.caseId)),
        `${p}: reads of an ARC–BOR case by CAL users`,
      ).toEqual([]);
      const reads = await node(p)
        .db.select()
        .from(accessLog)
        .where(
          and(
            eq(accessLog.outcome, 'allowed'),
            inArray(accessLog.caseId, arcBorCases),
            eq(accessLog.party, 'CAL'),
          ),
        );
      expect(reads, `${p}: ARC–BOR case data shown to CAL users`).toEqual([]);
    }
    expect(await deniedOnArc()).toBeGreaterThan(0);
  });
});

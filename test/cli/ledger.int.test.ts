/**
 * `comity ledger verify` against a real federation, run as a child process as an auditor would: the whole log
 * downloaded and held to the signed checkpoint, trust on first use, growth since the last run, and the failures
 * (another key, a rollback, rewritten history, a changed entry, no node) as one line and exit code 1.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signLatestCheckpoint } from '../../src/audit/checkpoints.ts';
import { requestCosignatures } from '../../src/audit/cosignatures.ts';
import { canonicalJson } from '../../src/ledger/canonical.ts';
import { ed25519PublicKeyBytes, verifierKey } from '../../src/ledger/note.ts';
import { ledgerEntries } from '../../src/store/schema.ts';
import { corpusRequest } from '../helpers/corpus.ts';
import { type Client, freePort, startTestFederation, type TestFederation } from '../helpers/federation.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let fed: TestFederation;
let scratch: string;
let officer: Client;
/** The auditor's config folder, which keeps the state of the last verification between runs. */
let auditor: string;

const arc = () => fed.demo.nodes.ARC!.core;
const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
/** Where a run with that config folder keeps ARC's state by default. */
const arcState = (configDir: string) =>
  join(configDir, 'ledger', `127.0.0.1_${new URL(fed.url('ARC')).port}.json`);
const keyOf = async (party: string) => (await (await fetch(`${fed.url(party)}/ledger/key`)).text()).trim();

/** Signs ARC's newest checkpoint and has its witnesses cosign it, so that ARC publishes it; returns its size. */
async function publish(): Promise<number> {
  const size = await signLatestCheckpoint(arc());
  await requestCosignatures(arc(), { retryNow: true });
  return size;
}

function comity(args: string[], configDir: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, COMITY_CONFIG_DIR: configDir };
  for (const k of ['COMITY_TOKEN', 'COMITY_URL'] as const) delete env[k];
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/comity.mjs', ...args], { env }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const verify = (args: string[] = [], configDir = auditor) =>
  comity(['ledger', 'verify', '--url', fed.url('ARC'), ...args], configDir);

/** Creates and submits a case, and lets the nodes exchange it: a few dozen ledger entries on ARC. */
async function someEvents(): Promise<void> {
  const created = await officer.post('/api/v1/cases', corpusRequest('01-ransomware-hospital.json'));
  expect(created.status).toBe(201);
  await officer.post(`/api/v1/cases/${created.body.id}/actions/submit`);
  await fed.settle();
  await officer.get(`/api/v1/cases/${created.body.id}`);
}

function stateFile(name: string, state: Record<string, unknown>): string {
  const path = join(scratch, name);
  writeFileSync(path, JSON.stringify(state));
  return path;
}

beforeAll(async () => {
  fed = await startTestFederation();
  scratch = mkdtempSync(join(tmpdir(), 'comity-ledger-cli-'));
  auditor = join(scratch, 'auditor');
  officer = await fed.as('officer@arc.example');
  await someEvents();
  await publish();
}, 120_000);

afterAll(async () => {
  await fed?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 120_000);

describe('comity ledger verify', () => {
  let firstSize = 0;

  it('verifies the whole log on first use and remembers the key, size and root', async () => {
    const r = await verify(['--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ ok: true, origin: 'comity/ARC', previousSize: null });
    expect(report.size).toBeGreaterThan(10);
    expect(report.rootHash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(report.cosignatures).toBeGreaterThanOrEqual(0);
    expect(report.error).toBeUndefined();
    firstSize = report.size;
    const state = JSON.parse(readFileSync(arcState(auditor), 'utf8'));
    expect(state).toEqual({
      url: fed.url('ARC'),
      vkey: await keyOf('ARC'),
      size: report.size,
      rootHash: report.rootHash,
    });
  });

  it('verifies again after more events, consistent with the size verified before', async () => {
    await someEvents();
    const size = await publish();
    expect(size).toBeGreaterThan(firstSize);
    const r = await verify(['--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ ok: true, origin: 'comity/ARC', previousSize: firstSize });
    expect(report.size).toBeGreaterThanOrEqual(size);

    const text = await verify();
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(lines(text.stdout)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^ok: comity/ARC \\d+ entries, root [A-Za-z0-9+/]{16}…, consistent with the ${report.size} ` +
            'verified before, \\d+ cosignatures? not checked \\(name witnesses with --witness\\)$',
        ),
      ),
    ]);
  });

  it('checks the cosignatures of the witnesses named, a quorum of them, and remembers them', async () => {
    const dir = join(scratch, 'witnesses');
    await publish();
    const both = await verify(
      ['--witness', fed.url('BOR'), '--witness', fed.url('CAL'), '--quorum', '2'],
      dir,
    );
    expect(both.stderr).toBe('');
    expect(both.code).toBe(0);
    expect(both.stdout).toMatch(/, cosigned by 2 of 2 witnesses \(quorum 2\)\n$/);
    const state = JSON.parse(readFileSync(arcState(dir), 'utf8'));
    const borWitness = (await (await fetch(`${fed.url('BOR')}/ledger/witness/key`)).text()).trim();
    expect(state).toMatchObject({
      quorum: 2,
      witnesses: [borWitness, expect.stringMatching(/^comity\/CAL\/witness\+/)],
    });
    // The next run checks the remembered witnesses without being told.
    await someEvents();
    await publish();
    const again = JSON.parse((await verify(['--json'], dir)).stdout);
    expect(again).toMatchObject({
      ok: true,
      cosignatures: 2,
      quorum: 2,
      witnesses: [
        { name: 'comity/BOR/witness', cosigned: true },
        { name: 'comity/CAL/witness', cosigned: true },
      ],
    });
    // A witness that never cosigned ARC's log, and a log key given as a witness key.
    const stranger = verifierKey(
      'witness.example/w1',
      ed25519PublicKeyBytes(generateKeyPairSync('ed25519').privateKey),
      'cosignature/v1',
    );
    const missing = await verify(['--witness', stranger], join(scratch, 'stranger'));
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toEqual([
      expect.stringMatching(
        /^error: the checkpoint of \d+ entries is cosigned by 0 of the witnesses named, below the quorum of 1 \(missing: witness\.example\/w1\)$/,
      ),
    ]);
    const logKey = await verify(['--witness', await keyOf('BOR')], join(scratch, 'log-key'));
    expect(lines(logKey.stderr)).toEqual([expect.stringMatching(/is not a witness key/)]);
    const tooMany = await verify(['--witness', stranger, '--quorum', '2'], join(scratch, 'too-many'));
    expect(lines(tooMany.stderr)).toEqual([
      expect.stringMatching(/--quorum 2 needs at least as many witnesses/),
    ]);
  });

  it('takes the log key and the witnesses from a trust list checked with the administrator key', async () => {
    await publish();
    const list = join(fed.dir, 'trust-list.jws');
    const admin = join(fed.dir, 'trust-admin-ed25519.pem');
    const r = await verify(
      ['--trust-list', list, '--admin-key', admin, '--quorum', '2'],
      join(scratch, 'listed'),
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/, cosigned by 2 of 2 witnesses \(quorum 2\)\n$/);
    // A list signed by someone else is refused, and a list that names other keys for ARC fails the run.
    const stranger = join(scratch, 'stranger.pem');
    writeFileSync(
      stranger,
      generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    );
    const refused = await verify(['--trust-list', list, '--admin-key', stranger], join(scratch, 'listed-2'));
    expect(refused.code).toBe(1);
    expect(lines(refused.stderr)).toEqual([
      expect.stringMatching(/^error: --trust-list .*not with the configured administrator key/),
    ]);
    const other = JSON.parse(Buffer.from(readFileSync(list, 'utf8').split('.')[1]!, 'base64url').toString());
    const arcEntry = other.parties.find((p: { code: string }) => p.code === 'ARC');
    const bor = other.parties.find((p: { code: string }) => p.code === 'BOR');
    arcEntry.keys = arcEntry.keys.map((k: { use: string }) =>
      k.use === 'sig' ? { ...bor.keys.find((b: { use: string }) => b.use === 'sig') } : k,
    );
    for (const k of arcEntry.keys) k.kid = k.kid.replace(/^BOR:/, 'ARC:');
    const wrong = stateFile('wrong-list.json', other);
    const mismatch = await verify(['--trust-list', wrong], join(scratch, 'listed-3'));
    expect(lines(mismatch.stderr)).toEqual([
      expect.stringMatching(
        /^error: --trust-list .*must have the id ARC:sig:|serves the key comity\/ARC\+.* not the one given with --trust-list/,
      ),
    ]);
  });

  it('fails when the node serves another key than --key', async () => {
    const r = await verify(['--key', await keyOf('BOR')], join(scratch, 'other-key'));
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      expect.stringMatching(
        /^error: http:\/\/127\.0\.0\.1:\d+ serves the key comity\/ARC\+.* not the one given/,
      ),
    ]);
    expect(r.stdout).toBe('');
    const right = await verify(['--key', await keyOf('ARC')], join(scratch, 'right-key'));
    expect(right.code).toBe(0);
  });

  it('fails when the key differs from the one remembered', async () => {
    const state = stateFile('changed-key.json', {
      url: fed.url('ARC'),
      vkey: await keyOf('BOR'),
      size: 1,
      rootHash: Buffer.alloc(32).toString('base64'),
    });
    const r = await verify(['--state', state]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^error: the node's key changed: /)]);
  });

  it('fails on a rollback: the node has fewer entries than were verified before', async () => {
    const { size, rootHash } = JSON.parse(readFileSync(arcState(join(scratch, 'right-key')), 'utf8'));
    const state = stateFile('rollback.json', {
      url: fed.url('ARC'),
      vkey: await keyOf('ARC'),
      size: size + 1000,
      rootHash,
    });
    const r = await verify(['--state', state, '--json']);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      expect.stringMatching(
        /^error: rollback: the checkpoint of comity\/ARC has \d+ entries, fewer than the \d+/,
      ),
    ]);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ ok: false, origin: 'comity/ARC', previousSize: size + 1000 });
    expect(report.error).toMatch(/^rollback: /);
    // The state file is left as it was.
    expect(JSON.parse(readFileSync(state, 'utf8')).size).toBe(size + 1000);
  });

  it('fails when the entries verified before no longer hash to the root remembered', async () => {
    const state = stateFile('rewritten.json', {
      url: fed.url('ARC'),
      vkey: await keyOf('ARC'),
      size: 5,
      rootHash: Buffer.alloc(32, 7).toString('base64'),
    });
    const r = await verify(['--state', state]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      expect.stringMatching(/^error: the log was rewritten: its first 5 entries no longer hash to the root/),
    ]);
  });

  it('fails with one line when the node cannot be reached', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const r = await comity(['ledger', 'verify', '--url', url], join(scratch, 'nobody'));
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([`error: cannot reach ${url}: is the node running?`]);
    const json = await comity(['ledger', 'verify', '--url', url, '--json'], join(scratch, 'nobody'));
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      origin: null,
      error: `cannot reach ${url}: is the node running?`,
    });
  });

  // Last: it breaks ARC's log for good.
  it('names the entry that was changed in the database behind the signed log', async () => {
    const [row] = await arc().db.select().from(ledgerEntries).where(eq(ledgerEntries.seq, 3));
    const changed = JSON.parse(row!.entry);
    changed.time = new Date(Date.parse(changed.time) + 1000).toISOString();
    const forged = canonicalJson(changed);
    await arc().db.update(ledgerEntries).set({ entry: forged }).where(eq(ledgerEntries.seq, 3));

    const r = await verify([], join(scratch, 'after-tampering'));
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([`error: entry 3 does not match the signed log (${forged})`]);
    expect(r.stdout).toBe('');
    const json = await verify(['--json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ ok: false, origin: 'comity/ARC', previousSize: expect.any(Number) });
    expect(report.error).toBe(`entry 3 does not match the signed log (${forged})`);
  });
});

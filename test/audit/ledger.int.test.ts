/**
 * The ledger in a running node (design §7, issue 4): every event is an entry written with its change; the
 * public API serves checkpoints, entries and proofs that verify with standard RFC 9162 and signed-note
 * checks; peers witness each other the C2SP tlog-witness way, cosign (C2SP tlog-cosignature), and raise an alarm
 * when a log forks.
 */
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestCheckpoint, signLatestCheckpoint } from '../../src/audit/checkpoints.ts';
import { requestCosignatures } from '../../src/audit/cosignatures.ts';
import { appendLedger, ledgerTree } from '../../src/audit/ledger.ts';
import { monitorPeer } from '../../src/audit/witness.ts';
import { openCheckpoint } from '../../src/ledger/checkpoint.ts';
import {
  appendLeaf,
  frontierRoot,
  leafHash,
  verifyConsistency,
  verifyInclusion,
} from '../../src/ledger/merkle.ts';
import { parseVerifierKey } from '../../src/ledger/note.ts';
import { ledgerAlarms, ledgerCosignatures, ledgerEntries, ledgerHead } from '../../src/store/schema.ts';
import { corpusRequest } from '../helpers/corpus.ts';
import { type Client, engine, startTestFederation, type TestFederation } from '../helpers/federation.ts';

let fed: TestFederation;
let arcOfficer: Client;
let caseId: string;
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

beforeAll(async () => {
  fed = await startTestFederation({
    settings: { witnessIntervalMs: 3_600_000, checkpointIntervalMs: 3_600_000 },
  });
  arcOfficer = await fed.as('officer@arc.example');
  const created = await arcOfficer.post('/api/v1/cases', corpusRequest('01-ransomware-hospital.json'));
  caseId = created.body.id;
  await arcOfficer.post(`/api/v1/cases/${caseId}/actions/submit`);
  await fed.settle();
  await arcOfficer.get(`/api/v1/cases/${caseId}`);
}, 120_000);
afterAll(async () => fed?.close());

const arc = () => fed.demo.nodes.ARC!.core;
const text = async (path: string, party = 'ARC') => (await fetch(`${fed.url(party)}${path}`)).text();
const json = async (path: string, party = 'ARC') => {
  const res = await fetch(`${fed.url(party)}${path}`);
  return { status: res.status, body: (await res.json()) as any };
};

/** Signs a checkpoint of the party's log, has its witnesses cosign it, and opens what the node then publishes. */
async function checkpoint(party = 'ARC') {
  await signLatestCheckpoint(fed.demo.nodes[party]!.core);
  await requestCosignatures(fed.demo.nodes[party]!.core, { retryNow: true });
  const key = parseVerifierKey((await text('/ledger/key', party)).trim());
  const opened = openCheckpoint(await text('/ledger/checkpoint', party), [
    { name: key.name, publicKey: key.publicKey },
  ]);
  return { ...opened, key };
}

describe(`the ledger (${engine})`, () => {
  it('records each event with its change: case events, messages, screening, reads', async () => {
    const types = (await arc().db.select({ type: ledgerEntries.type }).from(ledgerEntries)).map(
      (r) => r.type,
    );
    expect(new Set(types)).toEqual(
      // account-event: the sign-ins of the test's users; trust-list: the list in force at the first start.
      new Set([
        'node-started',
        'trust-list',
        'account-event',
        'case-event',
        'message-sent',
        'message-received',
        'case-read',
      ]),
    );
    const bor = await fed.demo.nodes.BOR!.core.db.select({ type: ledgerEntries.type }).from(ledgerEntries);
    expect(bor.map((r) => r.type)).toContain('screening');
    const forCase = await arc().db.select().from(ledgerEntries).where(eq(ledgerEntries.caseId, caseId));
    expect(forCase.length).toBeGreaterThan(4);
    // Outsiders see a keyed hash, never the case id.
    for (const e of forCase) expect(e.entry).not.toContain(caseId);
  });

  it('serves a checkpoint signed with the node key of the trust list, whose root the entries rebuild', async () => {
    const { checkpoint: cp, signatures, key } = await checkpoint();
    expect(cp.origin).toBe('comity/ARC');
    expect(signatures.find((s) => s.name === 'comity/ARC')?.verified).toBe(true);
    const trusted = fed.demo.nodes.BOR!.core.trust.party('ARC')!.signing.key.export({ format: 'jwk' }).x!;
    expect(Buffer.from(key.publicKey).toString('base64url')).toBe(trusted);

    let frontier: Uint8Array[] = [];
    for (let start = 0; start < cp.size; ) {
      const page = await json(`/ledger/entries?start=${start}&end=${cp.size}`);
      expect(page.status).toBe(200);
      for (const { index, entry } of page.body.entries) {
        expect(index).toBe(start);
        expect(JSON.parse(entry).seq).toBe(index);
        frontier = appendLeaf(start, frontier, leafHash(new TextEncoder().encode(entry))).frontier;
        start++;
      }
    }
    expect(Buffer.from(frontierRoot(cp.size, frontier)).toString('base64')).toBe(
      Buffer.from(cp.rootHash).toString('base64'),
    );
  });

  it('serves inclusion and consistency proofs that verify', async () => {
    const first = (await checkpoint()).checkpoint;
    await arcOfficer.get(`/api/v1/cases/${caseId}`);
    const second = (await checkpoint()).checkpoint;
    expect(second.size).toBeGreaterThan(first.size);
    const consistency = await json(`/ledger/proof/consistency?from=${first.size}&to=${second.size}`);
    expect(
      verifyConsistency(
        first.size,
        second.size,
        first.rootHash,
        second.rootHash,
        consistency.body.hashes.map(unb64),
      ),
    ).toBe(true);
    for (const index of [0, 1, Math.floor(second.size / 2), second.size - 1]) {
      const [{ entry } = { entry: '' }] = (await json(`/ledger/entries?start=${index}&end=${index + 1}`)).body
        .entries;
      const proof = await json(`/ledger/proof/inclusion?index=${index}&size=${second.size}`);
      expect(
        verifyInclusion(
          leafHash(new TextEncoder().encode(entry)),
          index,
          second.size,
          proof.body.hashes.map(unb64),
          second.rootHash,
        ),
      ).toBe(true);
    }
  });

  it('answers malformed proof and range requests with 400 problem+json', async () => {
    const size = (await checkpoint()).checkpoint.size;
    for (const path of [
      `/ledger/proof/inclusion?index=0&size=${size + 10}`,
      '/ledger/proof/inclusion?index=-1&size=2',
      `/ledger/proof/inclusion?index=${size}&size=${size}`,
      '/ledger/proof/consistency?from=5&to=2',
      `/ledger/proof/consistency?from=1&to=${size + 1}`,
      '/ledger/entries?start=5&end=5',
      '/ledger/entries?start=x&end=2',
    ]) {
      const res = await fetch(`${fed.url('ARC')}${path}`);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('shows the full record behind an entry to those who may see its case, and checks it against the digest', async () => {
    const [e] = await arc().db.select().from(ledgerEntries).where(eq(ledgerEntries.caseId, caseId)).limit(1);
    const mine = await arcOfficer.get(`/api/v1/ledger/entries/${e!.seq}/record`);
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ index: e!.seq, digestMatches: true, record: { caseId } });
    const cal = await fed.as('reviewer@cal.example');
    const calSeq = (await fed.demo.nodes.CAL!.core.db.select().from(ledgerEntries).limit(1))[0]!.seq;
    expect((await cal.get(`/api/v1/ledger/entries/${calSeq}/record`)).status).toBe(403);
    expect((await arcOfficer.get('/api/v1/ledger/entries/0/record')).status).toBe(403);
    expect(
      (await (await fed.as('oversight@arc.example')).get('/api/v1/ledger/entries/0/record')).status,
    ).toBe(200);
  });

  it('lets peers witness and cosign each other’s checkpoints', async () => {
    const cp = (await checkpoint('ARC')).checkpoint;
    expect(await requestCosignatures(arc(), { retryNow: true })).toBe(2);
    const witnesses = await Promise.all(
      ['BOR', 'CAL'].map(async (p) => parseVerifierKey((await text('/ledger/witness/key', p)).trim())),
    );
    expect(witnesses.map((w) => [w.name, w.type])).toEqual([
      ['comity/BOR/witness', 'cosignature/v1'],
      ['comity/CAL/witness', 'cosignature/v1'],
    ]);
    const res = await fetch(`${fed.url('ARC')}/ledger/checkpoint`);
    expect(res.headers.get('comity-witnessed')).toBe('2/1');
    const opened = openCheckpoint(await res.text(), witnesses);
    expect(opened.checkpoint.size).toBe(cp.size);
    expect(opened.signatures.filter((s) => s.verified === true).map((s) => s.name)).toEqual([
      'comity/BOR/witness',
      'comity/CAL/witness',
    ]);
    // Nothing to do when every witness has cosigned the newest checkpoint.
    expect(await requestCosignatures(arc(), { retryNow: true })).toBe(2);
    const rows = await arc().db.select().from(ledgerCosignatures).where(eq(ledgerCosignatures.size, cp.size));
    expect(rows).toHaveLength(2);
    const admin = await fed.as('admin@bor.example');
    const view = await admin.get('/api/v1/ledger/witness');
    expect(view.body.peers.find((p: { party: string }) => p.party === 'ARC').checkpoint.size).toBe(cp.size);
    expect(view.body.alarms).toEqual([]);
    const arcView = (await (await fed.as('admin@arc.example')).get('/api/v1/ledger/witness')).body;
    expect(
      arcView.witnesses.map((w: { name: string; cosignedSize: number }) => [w.name, w.cosignedSize]),
    ).toEqual([
      ['comity/BOR/witness', cp.size],
      ['comity/CAL/witness', cp.size],
    ]);
    // The witness serves what it cosigned to monitors, at the origin's hash.
    const originHash = createHash('sha256').update('comity/ARC').digest('hex');
    const served = await text(`/ledger/witness/${originHash}/checkpoint`, 'BOR');
    expect(openCheckpoint(served, [witnesses[0]!]).signatures.some((s) => s.verified === true)).toBe(true);
    expect(await monitorPeer(fed.demo.nodes.BOR!.core, fed.demo.nodes.BOR!.core.trust.party('ARC')!)).toBe(
      'consistent',
    );
  });

  it('loses nothing when a transaction fails mid-append, and the next checkpoint is consistent', async () => {
    const before = (await checkpoint()).checkpoint;
    await expect(
      arc().db.transaction(async (tx) => {
        await appendLedger(arc(), tx, {
          type: 'case-read',
          party: 'ARC',
          record: { user: 'x', action: 'read' },
        });
        throw new Error('the process died here');
      }),
    ).rejects.toThrow('the process died here');
    expect((await ledgerTree(arc().db)).size).toBe(before.size);
    await arcOfficer.get(`/api/v1/cases/${caseId}`);
    const after = (await checkpoint()).checkpoint;
    const proof = await json(`/ledger/proof/consistency?from=${before.size}&to=${after.size}`);
    expect(
      verifyConsistency(
        before.size,
        after.size,
        before.rootHash,
        after.rootHash,
        proof.body.hashes.map(unb64),
      ),
    ).toBe(true);
  });

  it('raises a fork alarm at the peers when a node’s stored tree is edited', async () => {
    await checkpoint('ARC');
    await requestCosignatures(arc(), { retryNow: true });
    // Rewrite history: replace the frontier the next entries build on, as an intruder with database access could.
    const [head] = await arc().db.select().from(ledgerHead);
    const forged = head!.frontier.map(() => Buffer.alloc(32, 7).toString('base64'));
    await arc().db.update(ledgerHead).set({ frontier: forged }).where(eq(ledgerHead.id, 1));
    await arcOfficer.get(`/api/v1/cases/${caseId}`);
    await signLatestCheckpoint(arc());
    const edited = (await latestCheckpoint(arc()))!;
    // No witness cosigns the edited tree: it is not published as witnessed, and each witness has the alarm.
    expect(await requestCosignatures(arc(), { retryNow: true })).toBe(0);
    const published = openCheckpoint(await text('/ledger/checkpoint'), []).checkpoint;
    expect(published.size).toBeLessThan(edited.size);
    for (const party of ['BOR', 'CAL']) {
      const alarms = await fed.demo.nodes[party]!.core.db.select().from(ledgerAlarms);
      expect(alarms.map((a) => [a.party, a.kind])).toEqual([['ARC', 'fork']]);
    }
    const oversight = await fed.as('oversight@bor.example');
    expect((await oversight.get('/api/v1/ledger/witness')).body.alarms[0]).toMatchObject({
      party: 'ARC',
      kind: 'fork',
    });
    const arcView = (await (await fed.as('admin@arc.example')).get('/api/v1/ledger/witness')).body;
    expect(arcView.witnesses.every((w: { error: string }) => /422/.test(w.error))).toBe(true);
  });
});

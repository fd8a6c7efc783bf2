/**
 * Issue 14, item 4: an evidence upload written to, read or deleted through another upload's URL. The routes
 * authorise `:uploadId`, but @tus/server, left to itself, acts on the last `/` segment of the whole URL, query
 * string included: `PATCH …/uploads/<own>?x=/<victim>` would write into the victim's upload. Both tus endpoints
 * (a user's uploads, a peer node's inbound transfers) must act on the upload the route authorised and refuse a
 * URL that names another one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeAuthorization } from '../../src/crypto/node-token.ts';
import { TUS_VERSION, tusCreate, tusOffset, tusSend } from '../../src/evidence/tus-client.ts';
import { corpusRequest } from '../helpers/corpus.ts';
import { type Client, engine, startTestFederation, type TestFederation } from '../helpers/federation.ts';

let fed: TestFederation;
let scratch: string;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  fed = await startTestFederation();
  scratch = mkdtempSync(join(tmpdir(), 'comity-upload-ids-'));
}, 120_000);
afterAll(async () => {
  await fed?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function act(c: Client, id: string, action: string, body: unknown = {}) {
  const res = await c.post(`/api/v1/cases/${id}/actions/${action}`, body);
  expect(res.status, `${action}: ${JSON.stringify(res.body)}`).toBe(200);
  await fed.settle();
}

/** A request from ARC to `to`, accepted there and being executed. */
async function executingCase(to: 'BOR' | 'CAL'): Promise<string> {
  const officer = await fed.as('officer@arc.example');
  const request = corpusRequest('01-ransomware-hospital.json');
  request.to = to;
  const created = await officer.post('/api/v1/cases', request);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await act(officer, created.body.id, 'submit');
  await act(await fed.as(`reviewer@${to.toLowerCase()}.example`), created.body.id, 'accept');
  await act(await fed.as(`executor@${to.toLowerCase()}.example`), created.body.id, 'execute');
  return created.body.id;
}

function file(name: string, bytes: Buffer): string {
  const path = join(scratch, name);
  writeFileSync(path, bytes);
  return path;
}

/** A raw tus request (what a hostile client sends), with its problem body when refused. */
async function tus(method: string, url: string, headers: Record<string, string>, body?: Buffer) {
  const res = await fetch(url, {
    method,
    headers: {
      ...headers,
      'tus-resumable': TUS_VERSION,
      ...(body ? { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' } : {}),
    },
    ...(body ? { body: new Uint8Array(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text };
}

/** The ways to put another upload's id at the end of an upload URL that tus once read its id from. */
const tricks = (own: string, victim: string) => [
  `${own}?x=/${victim}`,
  `${own}?/${victim}`,
  `${own}?x=/${victim}/`,
  `${own}?x=%2F${victim}`,
];

describe(`upload ids (${engine})`, () => {
  it('a user cannot write to, read or cancel an upload of a case closed to them through their own upload', async () => {
    const [executor, reviewer] = await Promise.all([
      fed.as('executor@bor.example'),
      fed.as('reviewer@bor.example'),
    ]);
    // The victim's case is restricted to BOR's reviewer: BOR's executor may not touch its evidence.
    const closed = await executingCase('BOR');
    const me = await reviewer.get('/api/v1/auth/me');
    const restricted = await reviewer.put(`/api/v1/cases/${closed}/restriction`, { users: [me.body.id] });
    expect(restricted.status, JSON.stringify(restricted.body)).toBe(200);
    const victimBytes = randomBytes(100_000);
    const victimPkg = (await reviewer.post(`/api/v1/cases/${closed}/evidence`)).body.id;
    const byReviewer = { authorization: `Bearer ${reviewer.token}` };
    const victim = await tusCreate(
      `${reviewer.url}/api/v1/evidence/uploads`,
      victimBytes.length,
      { package: victimPkg, filename: 'victim.bin', sha256: sha256(victimBytes) },
      { headers: byReviewer },
    );
    writeFileSync(join(scratch, 'victim-half'), victimBytes.subarray(0, 40_000));
    await tusSend(victim, join(scratch, 'victim-half'), 0, { headers: byReviewer });

    const own = await executingCase('BOR');
    const ownPkg = (await executor.post(`/api/v1/cases/${own}/evidence`)).body.id;
    const byExecutor = { authorization: `Bearer ${executor.token}` };
    const mine = await tusCreate(
      `${executor.url}/api/v1/evidence/uploads`,
      1000,
      { package: ownPkg, filename: 'mine.bin', sha256: 'a'.repeat(64) },
      { headers: byExecutor },
    );
    const victimId = victim.split('/').pop()!;
    expect((await tus('HEAD', victim, byExecutor)).status).toBe(404);

    const answers = [];
    for (const url of tricks(mine, victimId))
      for (const method of ['HEAD', 'PATCH', 'DELETE'])
        answers.push({
          method,
          url,
          ...(await tus(method, url, byExecutor, method === 'PATCH' ? randomBytes(1000) : undefined)),
        });
    // The victim's upload is untouched: not written to, not deleted.
    expect(await tusOffset(victim, { headers: byReviewer })).toBe(40_000);
    const uploads = join(fed.demo.nodes.BOR!.core.evidenceDir, 'uploads');
    expect(statSync(join(uploads, victimId)).size).toBe(40_000);
    expect(await tusOffset(mine, { headers: byExecutor })).toBe(0);
    for (const a of answers) {
      expect(a.status, `${a.method} ${a.url}: ${a.text}`).toBe(400);
      expect(a.type).toContain('application/problem+json');
      if (a.method !== 'HEAD') expect(JSON.parse(a.text).detail).toMatch(/nothing after the id/);
    }

    // The victim's upload goes on as if nothing had happened, and seals with the hash it declared.
    writeFileSync(join(scratch, 'victim.bin'), victimBytes);
    await tusSend(victim, join(scratch, 'victim.bin'), 40_000, { headers: byReviewer });
    const view = (await reviewer.get(`/api/v1/evidence/${victimPkg}`)).body;
    expect(view.files[0]).toMatchObject({ status: 'sealed', sha256: sha256(victimBytes) });
    // Its own upload still answers at its own URL.
    expect((await tus('HEAD', mine, byExecutor)).status).toBe(200);
  });

  it('a peer node cannot write into another peer’s inbound transfer through its own', async () => {
    const arc = fed.demo.nodes.ARC!;
    const nodes = { BOR: fed.demo.nodes.BOR!, CAL: fed.demo.nodes.CAL! };
    const officer = await fed.as('officer@arc.example');
    const sealed: Record<string, { pkg: string; bytes: Buffer }> = {};
    for (const party of ['BOR', 'CAL'] as const) nodes[party].transfer.pause();
    try {
      for (const party of ['BOR', 'CAL'] as const) {
        const id = await executingCase(party);
        const executor = await fed.as(`executor@${party.toLowerCase()}.example`);
        const pkg = (await executor.post(`/api/v1/cases/${id}/evidence`)).body.id;
        const bytes = randomBytes(50_000);
        const path = file(`${party}.bin`, bytes);
        const url = await tusCreate(
          `${executor.url}/api/v1/evidence/uploads`,
          bytes.length,
          { package: pkg, filename: `${party}.bin`, sha256: sha256(bytes) },
          { headers: { authorization: `Bearer ${executor.token}` } },
        );
        await tusSend(url, path, 0, { headers: { authorization: `Bearer ${executor.token}` } });
        expect((await executor.post(`/api/v1/evidence/${pkg}/seal`, {})).status).toBe(200);
        sealed[party] = { pkg, bytes };
      }
      await fed.settle();
      const asNode = async (party: 'BOR' | 'CAL') => ({
        authorization: await nodeAuthorization({
          from: party,
          to: 'ARC',
          scope: 'evidence',
          key: nodes[party].core.keys.signing.privateKey,
          kid: nodes[party].core.keys.signing.kid,
        }),
      });
      const endpoint = `${fed.url('ARC')}/exchange/v1/evidence/uploads`;
      const create = async (party: 'BOR' | 'CAL') => {
        const view = (await officer.get(`/api/v1/evidence/${sealed[party]!.pkg}`)).body;
        expect(view.status).toBe('announced');
        return tusCreate(
          endpoint,
          view.files[0].cipherSize,
          { package: sealed[party]!.pkg, file: '0' },
          { headers: await asNode(party) },
        );
      };
      // BOR's transfer to ARC has begun; CAL, another peer, has an inbound upload of its own.
      const victim = await create('BOR');
      const calsOwn = await create('CAL');
      const victimId = victim.split('/').pop()!;
      const byCal = await asNode('CAL');
      expect((await tus('HEAD', victim, byCal)).status).toBe(404);
      const answers = [];
      for (const url of tricks(calsOwn, victimId))
        for (const method of ['HEAD', 'PATCH'])
          answers.push({
            method,
            url,
            ...(await tus(method, url, byCal, method === 'PATCH' ? randomBytes(1000) : undefined)),
          });
      expect(await tusOffset(victim, { headers: await asNode('BOR') })).toBe(0);
      expect(statSync(join(arc.core.evidenceDir, 'inbound', victimId)).size).toBe(0);
      for (const a of answers) {
        expect(a.status, `${a.method} ${a.url}: ${a.text}`).toBe(400);
        expect(a.type).toContain('application/problem+json');
      }
    } finally {
      for (const party of ['BOR', 'CAL'] as const) nodes[party].transfer.resume();
    }
    // BOR's transfer completes untouched.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const view = (await officer.get(`/api/v1/evidence/${sealed.BOR!.pkg}`)).body;
      if (view.status === 'received') break;
      if (Date.now() > deadline) throw new Error(`not received: ${JSON.stringify(view.files)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const opened = await fetch(`${officer.url}/api/v1/evidence/${sealed.BOR!.pkg}/files/0/content`, {
      headers: { authorization: `Bearer ${officer.token}` },
    });
    expect(sha256(Buffer.from(await opened.arrayBuffer()))).toBe(sha256(sealed.BOR!.bytes));
  });
});

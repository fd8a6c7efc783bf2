/**
 * The demo federation (`npm start`): seeded once with cases in different states on the three nodes, and
 * stopping and starting again keeps everything.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { type Demo, startDemo } from '../../src/node/demo.ts';
import { MEMORY_DATABASE } from '../../src/store/db.ts';
import { ledgerEntries } from '../../src/store/schema.ts';
import { client, freePort } from '../helpers/federation.ts';

const dir = mkdtempSync(join(tmpdir(), 'comity-demo-'));
let demo: Demo | undefined;
afterAll(async () => {
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function signIn(url: string, email: string) {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'comity-demo' }),
  });
  expect(res.status).toBe(200);
  return client(url, ((await res.json()) as { token: string }).token);
}

async function states(url: string, email: string) {
  const c = await signIn(url, email);
  const list = await c.get('/api/v1/cases?limit=200');
  return list.body.items
    .map(
      (i: { requesting: string; requested: string; state: string }) =>
        `${i.requesting}>${i.requested} ${i.state}`,
    )
    .sort();
}

describe('the demo federation', () => {
  it('seeds cases in different states, and keeps them across a restart', async () => {
    const ports = { ARC: await freePort(), BOR: await freePort(), CAL: await freePort() };
    const options = { dir, ports, password: 'comity-demo', logLevel: 'warn' as const };
    demo = await startDemo(options);
    expect(demo.seeded).toBe(true);
    const url = (p: keyof typeof ports) => `http://127.0.0.1:${ports[p]}`;

    const arc = await states(url('ARC'), 'officer@arc.example');
    expect(arc).toEqual([
      'ARC>BOR executing',
      'ARC>BOR in-review',
      'ARC>CAL draft',
      'BOR>ARC executing',
      'CAL>ARC in-review',
    ]);
    const bor = await states(url('BOR'), 'reviewer@bor.example');
    expect(bor).toEqual(['ARC>BOR executing', 'ARC>BOR in-review', 'BOR>ARC executing', 'CAL>BOR refused']);
    // The request that targets a journalist waits at BOR with the screen's findings.
    const reviewer = await signIn(url('BOR'), 'reviewer@bor.example');
    const waiting = await reviewer.get('/api/v1/cases?direction=incoming&state=in-review');
    expect(waiting.body.items.map((i: { verdict: string }) => i.verdict)).toEqual(['refuse-recommended']);
    const journalist = waiting.body.items.find(
      (i: { verdict: string }) => i.verdict === 'refuse-recommended',
    );
    const detail = await reviewer.get(`/api/v1/cases/${journalist.id}`);
    const grounds = detail.body.screening.findings
      .filter((f: { outcome: string }) => f.outcome === 'ground')
      .map((f: { rule: string }) => f.rule);
    expect(grounds).toEqual(expect.arrayContaining(['expression', 'persecution']));

    // ARC has delivered evidence on BOR's request; BOR's officer can open it.
    const borOfficer = await signIn(url('BOR'), 'officer@bor.example');
    const outgoing = await borOfficer.get('/api/v1/cases?direction=outgoing&state=executing');
    const evidence = await borOfficer.get(`/api/v1/cases/${outgoing.body.items[0].id}/evidence`);
    expect(evidence.body.items).toHaveLength(1);
    expect(evidence.body.items[0]).toMatchObject({ side: 'received', status: 'received', producer: 'ARC' });
    const opened = await fetch(`${url('BOR')}/api/v1/evidence/${evidence.body.items[0].id}/files/0/content`, {
      headers: { authorization: `Bearer ${borOfficer.token}` },
    });
    expect(await opened.text()).toContain('vel_anonym_77');
    // BOR executes ARC's ransomware request: its executor can attach evidence to it.
    const executor = await signIn(url('BOR'), 'executor@bor.example');
    const executing = await executor.get('/api/v1/cases?direction=incoming&state=executing');
    expect(executing.body.items).toHaveLength(1);

    const cal = await states(url('CAL'), 'officer@cal.example');
    expect(cal).toEqual(['CAL>ARC in-review', 'CAL>BOR refused']);

    await demo.close();
    demo = await startDemo(options);
    expect(demo.seeded).toBe(false);
    expect(await states(url('ARC'), 'officer@arc.example')).toEqual(arc);
    expect(await states(url('BOR'), 'reviewer@bor.example')).toEqual(bor);

    // The trust list of the last run is kept when nothing moved; moved ports issue a new one with a higher
    // serial, and so does moving them back (not an old list the ledger has moved on from).
    const recorded = async () =>
      (
        await demo!.nodes
          .ARC!.core.db.select({ record: ledgerEntries.record })
          .from(ledgerEntries)
          .where(eq(ledgerEntries.type, 'trust-list'))
          .orderBy(ledgerEntries.seq)
      ).map((r) => (r.record as { serial: number | null }).serial);
    expect(await recorded()).toEqual([null]);
    await demo.close();
    demo = await startDemo({ ...options, ports: { ...ports, BOR: await freePort() } });
    expect(await recorded()).toEqual([null, 1]);
    await demo.close();
    demo = await startDemo(options);
    expect(await recorded()).toEqual([null, 1, 2]);
    expect(demo.nodes.ARC!.core.trust.party('BOR')!.url).toBe(url('BOR'));
    expect(await states(url('BOR'), 'reviewer@bor.example')).toEqual(bor);
  }, 180_000);

  it('runs on databases kept in memory only (memory://): nothing written to disk, nothing left after a stop', async () => {
    const memDir = mkdtempSync(join(tmpdir(), 'comity-demo-memory-'));
    const ports = { ARC: await freePort(), BOR: await freePort(), CAL: await freePort() };
    const databaseUrls = { ARC: MEMORY_DATABASE, BOR: MEMORY_DATABASE, CAL: MEMORY_DATABASE };
    const options = { dir: memDir, ports, password: 'comity-demo', logLevel: 'warn' as const, databaseUrls };
    let memory = await startDemo(options);
    try {
      expect(memory.seeded).toBe(true);
      const url = (p: keyof typeof ports) => `http://127.0.0.1:${ports[p]}`;
      expect(await states(url('CAL'), 'officer@cal.example')).toEqual([
        'CAL>ARC in-review',
        'CAL>BOR refused',
      ]);
      for (const p of Object.keys(ports)) expect(existsSync(join(memDir, p, 'db'))).toBe(false);
      await memory.close();
      memory = await startDemo(options);
      expect(memory.seeded).toBe(true);
    } finally {
      await memory.close();
      rmSync(memDir, { recursive: true, force: true });
    }
  }, 180_000);
});

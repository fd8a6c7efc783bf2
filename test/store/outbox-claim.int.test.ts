/**
 * The outbox claims each due message for one worker only (design §8): two workers draining the same outbox at
 * once (on PostgreSQL: two processes' connection pools on one database) deliver every message exactly once.
 */
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeCore } from '../../src/core.ts';
import { drainOutbox } from '../../src/exchange/outbox-worker.ts';
import { openDatabase } from '../../src/store/db.ts';
import { inbox, outbox } from '../../src/store/schema.ts';
import { corpusRequest } from '../helpers/corpus.ts';
import { engine, startTestFederation, type TestFederation } from '../helpers/federation.ts';

let fed: TestFederation;
beforeAll(async () => {
  fed = await startTestFederation();
}, 120_000);
afterAll(async () => fed?.close());

describe(`outbox claims (${engine})`, () => {
  it('delivers every message once when two workers drain at the same time', async () => {
    const arc = fed.demo.nodes.ARC!;
    await arc.outbox.stop();
    const officer = await fed.as('officer@arc.example');
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const created = await officer.post('/api/v1/cases', corpusRequest('01-ransomware-hospital.json'));
      expect((await officer.post(`/api/v1/cases/${created.body.id}/actions/submit`)).status).toBe(200);
      ids.push(created.body.id);
    }
    const [{ n: pending } = { n: 0 }] = await arc.core.db
      .select({ n: count() })
      .from(outbox)
      .where(eq(outbox.status, 'pending'));
    expect(Number(pending)).toBe(12);

    // A second worker: on PostgreSQL a second process's pool on the same database, on PGlite the same client.
    const url = fed.databaseUrl('ARC');
    const second = url ? await openDatabase({ url }) : null;
    const other: NodeCore = { ...arc.core, db: second?.db ?? arc.core.db };
    try {
      const [a, b] = await Promise.all([drainOutbox(arc.core), drainOutbox(other)]);
      expect(a + b).toBe(12);
    } finally {
      await second?.close();
    }
    const rows = await arc.core.db.select().from(outbox).where(eq(outbox.type, 'request'));
    const mine = rows.filter((r) => ids.includes(r.caseId));
    expect(mine.map((r) => [r.status, r.attempts])).toEqual(ids.map(() => ['delivered', 1]));
    const received = await fed.demo.nodes.BOR!.core.db.select().from(inbox).where(eq(inbox.type, 'request'));
    expect(received.filter((r) => ids.includes(r.caseId))).toHaveLength(12);
  }, 60_000);
});

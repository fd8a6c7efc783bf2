/**
 * Issue 14, item 12: the requesting side chose who decides. A request of any type that named `channel: "24-7"`
 * went to the requested party's 24/7 contacts for decision, so a requesting state could route a request for
 * stored content past the central authority's reviewers to the desk that handles urgent preservation. The
 * requested node's policy now says which types its 24/7 contacts may decide (by default preservation and
 * partial disclosure of traffic data, UNCC art. 41-43); any other request on the 24/7 channel is read by them
 * and decided by the reviewers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusRequest } from '../helpers/corpus.ts';
import { type Client, engine, startTestFederation, type TestFederation } from '../helpers/federation.ts';

let fed: TestFederation;

beforeAll(async () => {
  fed = await startTestFederation();
}, 120_000);
afterAll(async () => fed?.close());

/** A request from ARC to BOR by the 24/7 channel, submitted and received at BOR. */
async function byTheDesk(file: string): Promise<string> {
  const officer = await fed.as('officer@arc.example');
  const request = { ...corpusRequest(file), from: 'ARC', to: 'BOR', channel: '24-7', urgency: 'urgent' };
  const created = await officer.post('/api/v1/cases', request);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const submitted = await officer.post(`/api/v1/cases/${created.body.id}/actions/submit`, {});
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
  await fed.settle();
  return created.body.id;
}

/** Accepts, acknowledging what the screen raised (a stored-data request on the 24/7 channel is a concern). */
async function accept(c: Client, id: string) {
  const screening = (await c.get(`/api/v1/cases/${id}`)).body.screening;
  const acknowledged = (screening?.findings ?? [])
    .filter((f: { outcome: string }) => f.outcome === 'concern')
    .map((f: { rule: string }) => f.rule);
  return c.post(`/api/v1/cases/${id}/actions/accept`, {
    acknowledged,
    note: 'Checked with the requesting side.',
  });
}

describe(`who decides a request on the 24/7 channel (${engine})`, () => {
  it('leaves a request for stored data to the reviewers, whatever channel the requesting side names', async () => {
    const id = await byTheDesk('01-ransomware-hospital.json');
    const contact = await fed.as('contact@bor.example');
    // The desk sees it (it is urgent and came its way) but may not decide it.
    const seen = await contact.get(`/api/v1/cases/${id}`);
    expect(seen.status).toBe(200);
    expect(seen.body.type).toBe('stored-data');
    expect(seen.body.availableActions).not.toContain('accept');
    const refused = await accept(contact, id);
    expect(refused.status).toBe(403);
    const reviewer = await fed.as('reviewer@bor.example');
    expect((await reviewer.get(`/api/v1/cases/${id}`)).body.availableActions).toContain('accept');
    const accepted = await accept(reviewer, id);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  });

  it('lets the 24/7 contacts decide and carry out a preservation request that came their way', async () => {
    const id = await byTheDesk('04-kidnapping-emergency-preservation.json');
    const contact = await fed.as('contact@bor.example');
    expect((await contact.get(`/api/v1/cases/${id}`)).body.availableActions).toContain('accept');
    expect((await accept(contact, id)).status).toBe(200);
    expect((await contact.post(`/api/v1/cases/${id}/actions/execute`, {})).status).toBe(200);
  });

  it('follows the requested node’s policy when it lets its 24/7 contacts decide more', async () => {
    const restart = await fed.stop('BOR');
    await restart({
      settings: {
        pollIntervalMs: 200,
        maxRetryDelayMs: 1_000,
        rateLimitPerMinute: 1_000_000,
        loginRateLimitPerMinute: 1_000_000,
        contactDecides: ['preservation', 'traffic-disclosure', 'stored-data'],
      },
    });
    const id = await byTheDesk('01-ransomware-hospital.json');
    const contact = await fed.as('contact@bor.example');
    expect((await accept(contact, id)).status).toBe(200);
  });
});

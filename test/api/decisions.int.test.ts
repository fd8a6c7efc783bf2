/**
 * A reviewer decides, and the screen only informs (design §6, issue 3): accepting needs every concern
 * acknowledged and every ground overridden in writing; refusing needs a consultation first unless the request
 * is an emergency; all of it lands in the history on both sides.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusRequest } from '../helpers/corpus.ts';
import { type Client, engine, startTestFederation, type TestFederation } from '../helpers/federation.ts';

let fed: TestFederation;
let arcOfficer: Client;
let borReviewer: Client;

beforeAll(async () => {
  fed = await startTestFederation();
  [arcOfficer, borReviewer] = await Promise.all([
    fed.as('officer@arc.example'),
    fed.as('reviewer@bor.example'),
  ]);
}, 120_000);
afterAll(async () => fed?.close());

async function atBor(request: Record<string, any>) {
  const created = await arcOfficer.post('/api/v1/cases', request);
  expect(created.status).toBe(201);
  expect((await arcOfficer.post(`/api/v1/cases/${created.body.id}/actions/submit`)).status).toBe(200);
  await fed.settle();
  const c = await borReviewer.get(`/api/v1/cases/${created.body.id}`);
  expect(c.body.state).toBe('in-review');
  return c.body;
}

/** Corpus 01 without the words that allege intent: Borealis requires dishonest intent for illegal access. */
function withoutIntent() {
  const r = corpusRequest('01-ransomware-hospital.json');
  r.facts =
    'On 14 March 2026 the servers of St Brigid Regional Hospital in Port Arden were entered through the remote-access gateway and files were copied to a virtual server at 198.51.100.23.';
  r.offences = [r.offences[0]];
  return r;
}

describe(`deciding on a screened request (${engine})`, () => {
  it('shows the reviewer the findings with quoted evidence and cited articles', async () => {
    const c = await atBor(withoutIntent());
    expect(c.verdict).toBe('review');
    const intent = c.screening.findings.find((f: { rule: string }) => f.rule === 'intent');
    expect(intent).toMatchObject({ outcome: 'concern', article: expect.stringMatching(/UNCC art\. 7/) });
    expect(intent.evidence).toContain('offences[0].code: "UNCC-ILLEGAL-ACCESS"');
    expect(c.screening.findings).toHaveLength(12);
  });

  it('will not accept until every concern is acknowledged, then records the acknowledgement on both sides', async () => {
    const c = await atBor(withoutIntent());
    const bare = await borReviewer.post(`/api/v1/cases/${c.id}/actions/accept`, {});
    expect(bare.status).toBe(422);
    expect(bare.body.errors).toEqual([
      expect.objectContaining({ field: 'acknowledged', message: expect.stringMatching(/intent/) }),
    ]);
    const ok = await borReviewer.post(`/api/v1/cases/${c.id}/actions/accept`, {
      acknowledged: ['intent'],
      note: 'Arcadia confirmed by telephone that extortion is alleged.',
    });
    expect(ok.status).toBe(200);
    await fed.settle();
    const arc = await arcOfficer.get(`/api/v1/cases/${c.id}`);
    expect(arc.body.state).toBe('accepted');
    expect(arc.body.history.find((h: { action: string }) => h.action === 'accept').details).toMatchObject({
      acknowledged: ['intent'],
    });
  });

  it('needs a written justification to accept over a ground, and records it on both sides', async () => {
    const r = corpusRequest('01-ransomware-hospital.json');
    r.offences = [
      {
        code: 'SERIOUS-CRIME',
        domestic: 'Theft of hospital equipment, Penal Code s. 90',
        maxPenaltyYears: 2,
      },
    ];
    const c = await atBor(r);
    expect(c.verdict).toBe('refuse-recommended');
    const acknowledgedOnly = await borReviewer.post(`/api/v1/cases/${c.id}/actions/accept`, {
      acknowledged: ['seriousness'],
    });
    expect(acknowledgedOnly.status).toBe(422);
    expect(acknowledgedOnly.body.errors.map((e: { field: string }) => e.field)).toContain('overrides');
    const short = await borReviewer.post(`/api/v1/cases/${c.id}/actions/accept`, {
      overrides: [{ rule: 'seriousness', justification: 'ok' }],
    });
    expect(short.status).toBe(400);
    const justification =
      'Borealis assists on reciprocity outside the Convention; the hospital is a victim of an ongoing attack.';
    const accepted = await borReviewer.post(`/api/v1/cases/${c.id}/actions/accept-with-conditions`, {
      overrides: [{ rule: 'seriousness', justification }],
      conditions: [{ kind: 'use-limitation', text: 'Only for this investigation.' }],
    });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    await fed.settle();
    const arc = await arcOfficer.get(`/api/v1/cases/${c.id}`);
    const decision = arc.body.history.find((h: { action: string }) => h.action === 'accept-with-conditions');
    expect(decision.details.overrides).toEqual([{ rule: 'seriousness', justification }]);
  });

  it('refuses an emergency request without consultation, and a routine one only after it', async () => {
    const urgent = corpusRequest('01-ransomware-hospital.json');
    urgent.urgency = 'emergency';
    const e = await atBor(urgent);
    expect(
      (
        await borReviewer.post(`/api/v1/cases/${e.id}/actions/refuse`, {
          grounds: ['essential-interests'],
          note: 'Cannot assist.',
        })
      ).status,
    ).toBe(200);

    const routine = await atBor(corpusRequest('01-ransomware-hospital.json'));
    const early = await borReviewer.post(`/api/v1/cases/${routine.id}/actions/refuse`, {
      grounds: ['essential-interests'],
      note: 'Cannot assist.',
    });
    expect(early.status).toBe(422);
    expect(early.body.errors[0].field).toBe('consultation');
  });

  it('screens an amended request again', async () => {
    const c = await atBor(withoutIntent());
    expect(
      (
        await borReviewer.post(`/api/v1/cases/${c.id}/actions/mark-incomplete`, {
          missing: ['facts'],
          note: 'Is dishonest intent alleged?',
        })
      ).status,
    ).toBe(200);
    await fed.settle();
    const amended = withoutIntent();
    amended.facts += ' The intruders acted to extort money from the hospital.';
    expect((await arcOfficer.post(`/api/v1/cases/${c.id}/actions/amend`, { request: amended })).status).toBe(
      200,
    );
    await fed.settle();
    const again = await borReviewer.get(`/api/v1/cases/${c.id}`);
    expect(again.body.state).toBe('in-review');
    expect(again.body.verdict).toBe('clear');
    expect(
      again.body.history.filter((h: { action: string }) => h.action === 'finish-screening'),
    ).toHaveLength(2);
  });
});

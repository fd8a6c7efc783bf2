/**
 * A node's own profile and screening policy (issue 3): administrators change them, every change is recorded,
 * incoming requests are screened with them, and an officer's pre-flight at the requesting node uses what the
 * requested node publishes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusRequest } from '../helpers/corpus.ts';
import { type Client, engine, startTestFederation, type TestFederation } from '../helpers/federation.ts';

let fed: TestFederation;
let borAdmin: Client;
let borOfficer: Client;
let borOversight: Client;
let borReviewer: Client;
let arcOfficer: Client;

beforeAll(async () => {
  fed = await startTestFederation();
  [borAdmin, borOfficer, borOversight, borReviewer, arcOfficer] = (await Promise.all(
    [
      'admin@bor.example',
      'officer@bor.example',
      'oversight@bor.example',
      'reviewer@bor.example',
      'officer@arc.example',
    ].map((e) => fed.as(e)),
  )) as [Client, Client, Client, Client, Client];
}, 120_000);
afterAll(async () => fed?.close());

function withoutIntent() {
  const r = corpusRequest('01-ransomware-hospital.json');
  r.facts =
    'On 14 March 2026 the servers of St Brigid Regional Hospital were entered and files were copied to 198.51.100.23.';
  r.offences = [r.offences[0]];
  return r;
}

const rulesOf = (s: { findings: { rule: string; outcome: string }[] }) =>
  Object.fromEntries(s.findings.filter((f) => f.outcome !== 'clear').map((f) => [f.rule, f.outcome]));

describe(`node settings (${engine})`, () => {
  it('lets only administrators change the policy, and records who changed what', async () => {
    const before = await borOfficer.get('/api/v1/node/policy');
    expect(before.status).toBe(200);
    expect(before.body.proportionality.maxIdentifiers).toBe(25);
    expect(
      (await borOfficer.put('/api/v1/node/policy', { proportionality: { maxIdentifiers: 5 } })).status,
    ).toBe(403);
    const bad = await borAdmin.put('/api/v1/node/policy', { rules: { telepathy: false } });
    expect(bad.status).toBe(400);
    const ok = await borAdmin.put('/api/v1/node/policy', {
      proportionality: { maxIdentifiers: 5 },
      note: 'Tighter review of bulk requests.',
    });
    expect(ok.status).toBe(200);
    expect(ok.body.proportionality).toMatchObject({ maxIdentifiers: 5, maxPeriodDays: 400 });

    const history = await borOversight.get('/api/v1/node/settings/history');
    expect(history.status).toBe(200);
    expect(history.body.items[0]).toMatchObject({
      key: 'policy',
      user: { name: expect.stringMatching(/Administrator/) },
      note: 'Tighter review of bulk requests.',
      before: null,
    });
    expect((await borOfficer.get('/api/v1/node/settings/history')).status).toBe(403);
  });

  it('screens incoming requests with the node’s own policy and profile', async () => {
    const send = async (request: Record<string, any>) => {
      const c = await arcOfficer.post('/api/v1/cases', request);
      await arcOfficer.post(`/api/v1/cases/${c.body.id}/actions/submit`);
      await fed.settle();
      return (await borReviewer.get(`/api/v1/cases/${c.body.id}`)).body.screening;
    };
    expect(rulesOf(await send(withoutIntent()))).toEqual({ intent: 'concern' });

    expect((await borAdmin.put('/api/v1/node/policy', { rules: { intent: false } })).status).toBe(200);
    const off = await send(withoutIntent());
    expect(off.findings.some((f: { rule: string }) => f.rule === 'intent')).toBe(false);
    expect(off.verdict).toBe('clear');

    const profile = (await borAdmin.get('/api/v1/node/profile')).body;
    expect(profile.declarations.dishonestIntentForAccess).toBe(true);
    const changed = await borAdmin.put('/api/v1/node/profile', {
      ...profile,
      code: undefined,
      law: { ...profile.law, 'UNCC-DATA-INTERFERENCE': { criminalised: false } },
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    const r = corpusRequest('01-ransomware-hospital.json');
    expect(rulesOf(await send(r))).toEqual({ 'dual-criminality': 'concern' });
    await borAdmin.put('/api/v1/node/policy', {});
  });

  it('publishes the profile and policy without sign-in, and the requesting officer’s pre-flight uses them', async () => {
    const published = await fetch(`${fed.url('BOR')}/exchange/v1/profile`);
    expect(published.status).toBe(200);
    expect(await published.json()).toMatchObject({
      party: 'BOR',
      profile: { code: 'BOR' },
      policy: { rules: { intent: true } },
    });

    const pre = await arcOfficer.post('/api/v1/screening', withoutIntent());
    expect(pre.status).toBe(200);
    expect(pre.body.context).toMatchObject({ party: 'BOR', source: 'node' });
    expect(rulesOf(pre.body)).toMatchObject({ intent: 'concern' });

    const draft = await arcOfficer.post('/api/v1/cases', withoutIntent());
    const byCase = await arcOfficer.get(`/api/v1/cases/${draft.body.id}/preflight`);
    expect(byCase.status).toBe(200);
    expect(byCase.body.verdict).toBe(pre.body.verdict);
    const arcReviewer = await fed.as('reviewer@arc.example');
    expect((await arcReviewer.post('/api/v1/screening', withoutIntent())).status).toBe(403);
  });

  it('falls back to the registry when the requested node cannot be reached, and says so', async () => {
    const restart = await fed.stop('BOR');
    try {
      const pre = await arcOfficer.post('/api/v1/screening', withoutIntent());
      expect(pre.status).toBe(200);
      expect(pre.body.context.source).toBe('registry');
      expect(pre.body.context.note).toMatch(/could not be asked/);
    } finally {
      await restart();
    }
  });
});

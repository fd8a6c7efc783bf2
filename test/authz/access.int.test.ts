/**
 * Access by role through the API (design §10, issue 7): need-to-know restrictions, oversight sees redacted
 * cases only, executing agencies see accepted requests only, 24/7 contacts see urgent items only. Lists follow
 * the same rules as single reads, and every denial is logged.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureUser } from '../../src/auth/sessions.ts';
import { accessLog } from '../../src/store/schema.ts';
import { corpusRequest } from '../helpers/corpus.ts';
import {
  type Client,
  engine,
  PASSWORD,
  startTestFederation,
  type TestFederation,
} from '../helpers/federation.ts';

let fed: TestFederation;
let arcOfficer: Client;
let borReviewer: Client;
let borReviewer2: Client;
let borReviewer2Id: string;
let borOversight: Client;
let borExecutor: Client;
let borContact: Client;

beforeAll(async () => {
  fed = await startTestFederation();
  // A second reviewer at BOR (a demo account: no second factor needed for the test).
  borReviewer2Id = await ensureUser(fed.demo.nodes.BOR!.core, {
    email: 'reviewer2@bor.example',
    name: 'Second Reviewer',
    party: 'BOR',
    roles: ['reviewer'],
    password: PASSWORD,
    demo: true,
  });
  [arcOfficer, borReviewer, borOversight, borExecutor, borContact] = await Promise.all([
    fed.as('officer@arc.example'),
    fed.as('reviewer@bor.example'),
    fed.as('oversight@bor.example'),
    fed.as('executor@bor.example'),
    fed.as('contact@bor.example'),
  ]);
  borReviewer2 = await fed.as('reviewer2@bor.example');
}, 120_000);
afterAll(async () => fed?.close());

/** A corpus request submitted by ARC and received, screened and in review at BOR. */
async function atBor(
  name = '01-ransomware-hospital.json',
  change: (r: Record<string, any>) => void = () => {},
) {
  const request = { ...corpusRequest(name), from: 'ARC', to: 'BOR' };
  change(request);
  const created = await arcOfficer.post('/api/v1/cases', request);
  expect(created.status).toBe(201);
  expect((await arcOfficer.post(`/api/v1/cases/${created.body.id}/actions/submit`)).status).toBe(200);
  await fed.settle();
  return created.body.id as string;
}

const listed = async (c: Client, q = '') =>
  (await c.get(`/api/v1/cases?direction=incoming&limit=200${q}`)).body as {
    items: { id: string }[];
    total: number;
  };

describe(`need-to-know (${engine})`, () => {
  it('closes a restricted case to everyone else on the node, in lists, totals and reads, until lifted', async () => {
    const id = await atBor();
    const me = (await borReviewer.get('/api/v1/auth/me')).body.id as string;
    const before = await listed(borReviewer2);
    expect(before.items.map((i) => i.id)).toContain(id);

    // Whom the case can be restricted to: active colleagues who read cases, shown only to those who may restrict.
    const candidates = await borReviewer.get(`/api/v1/cases/${id}/restriction/candidates`);
    expect(candidates.status).toBe(200);
    const emails = candidates.body.items.map((u: { email: string }) => u.email);
    expect(emails).toEqual(expect.arrayContaining(['reviewer@bor.example', 'reviewer2@bor.example']));
    expect(emails).not.toContain('oversight@bor.example');
    expect(emails.every((e: string) => e.endsWith('@bor.example'))).toBe(true);
    // The executor does not see a request in review at all; oversight sees it, redacted, and may not restrict.
    expect((await borExecutor.get(`/api/v1/cases/${id}/restriction/candidates`)).status).toBe(404);
    expect((await borOversight.get(`/api/v1/cases/${id}/restriction/candidates`)).status).toBe(403);

    const notMe = await borReviewer.put(`/api/v1/cases/${id}/restriction`, { users: [borReviewer2Id] });
    expect(notMe.status).toBe(422);
    expect(notMe.body.detail).toMatch(/Name yourself/);
    const unknown = await borReviewer.put(`/api/v1/cases/${id}/restriction`, { users: [me, 'nobody'] });
    expect(unknown.status).toBe(422);
    const restricted = await borReviewer.put(`/api/v1/cases/${id}/restriction`, {
      users: [me],
      note: 'Informant named in the facts.',
    });
    expect(restricted.status).toBe(200);
    expect(restricted.body.restrictedTo).toEqual([me]);
    expect(restricted.body.history.at(-1)).toMatchObject({ action: 'restrict', actor: { id: me } });

    const other = await borReviewer2.get(`/api/v1/cases/${id}`);
    expect(other.status).toBe(404);
    expect(other.body.detail).toBe(`No case ${id}.`);
    const after = await listed(borReviewer2);
    expect(after.items.map((i) => i.id)).not.toContain(id);
    expect(after.total).toBe(before.total - 1);
    expect((await borReviewer2.post(`/api/v1/cases/${id}/actions/accept`, {})).status).toBe(404);
    // Oversight still sees it, redacted.
    expect((await borOversight.get(`/api/v1/cases/${id}`)).body.redacted).toBe(true);
    // The requesting party's node knows nothing of BOR's restriction.
    expect((await arcOfficer.get(`/api/v1/cases/${id}`)).body.restrictedTo).toBeNull();

    const denials = await fed.demo.nodes
      .BOR!.core.db.select()
      .from(accessLog)
      .where(and(eq(accessLog.caseId, id), eq(accessLog.outcome, 'denied')));
    expect(denials.map((d) => d.userId)).toContain(borReviewer2Id);

    const lifted = await borReviewer.put(`/api/v1/cases/${id}/restriction`, { users: null });
    expect(lifted.status).toBe(200);
    expect(lifted.body.history.at(-1).action).toBe('lift-restriction');
    expect((await borReviewer2.get(`/api/v1/cases/${id}`)).status).toBe(200);
  });
});

describe(`oversight (${engine})`, () => {
  it('sees cases redacted: no names, identifiers, facts or free text, and cannot act or search the facts', async () => {
    const id = await atBor('07-journalist-false-information.json');
    const full = (await borReviewer.get(`/api/v1/cases/${id}`)).body;
    const seen = await borOversight.get(`/api/v1/cases/${id}`);
    expect(seen.status).toBe(200);
    const c = seen.body;
    expect(c).toMatchObject({ redacted: true, type: full.type, state: full.state, availableActions: [] });
    expect(c.request.facts).toBe('[redacted]');
    expect(c.request.purpose).toBe('[redacted]');
    for (const s of c.request.subjects) expect(s.name).toBe('[redacted]');
    for (const d of c.request.data) expect(d.identifiers).toEqual([]);
    for (const f of c.screening.findings) expect(f).toMatchObject({ reason: '[redacted]', evidence: [] });
    // Nothing of the request's text survives anywhere in what oversight receives.
    const text = JSON.stringify(c);
    for (const s of full.request.subjects) expect(text).not.toContain(s.name);
    for (const d of full.request.data) for (const i of d.identifiers) expect(text).not.toContain(i);
    expect(text).not.toContain(full.request.facts.slice(0, 40));

    // Listed, but a search on the facts finds nothing for oversight; by case id it does.
    expect((await listed(borOversight)).items.map((i) => i.id)).toContain(id);
    const word = full.request.subjects[0].name.split(' ')[0];
    expect((await listed(borReviewer, `&q=${encodeURIComponent(word)}`)).items.map((i) => i.id)).toContain(
      id,
    );
    expect(
      (await listed(borOversight, `&q=${encodeURIComponent(word)}`)).items.map((i) => i.id),
    ).not.toContain(id);
    expect((await listed(borOversight, `&q=${id}`)).items.map((i) => i.id)).toEqual([id]);
    expect(
      (await borOversight.post(`/api/v1/cases/${id}/actions/refuse`, { grounds: ['persecution'] })).status,
    ).toBe(403);
    expect((await borOversight.get(`/api/v1/cases/${id}/evidence`)).status).toBe(403);
  });
});

describe(`narrow roles (${engine})`, () => {
  it('shows an executing agency a request only once it is accepted', async () => {
    const id = await atBor();
    expect((await borExecutor.get(`/api/v1/cases/${id}`)).status).toBe(404);
    expect((await listed(borExecutor)).items.map((i) => i.id)).not.toContain(id);
    const accepted = await borReviewer.post(`/api/v1/cases/${id}/actions/accept`, {
      acknowledged: (await borReviewer.get(`/api/v1/cases/${id}`)).body.screening.findings
        .filter((f: { outcome: string }) => f.outcome === 'concern')
        .map((f: { rule: string }) => f.rule),
    });
    expect(accepted.status).toBe(200);
    expect((await borExecutor.get(`/api/v1/cases/${id}`)).status).toBe(200);
    expect((await listed(borExecutor)).items.map((i) => i.id)).toContain(id);
  });

  it('shows a 24/7 contact urgent items only', async () => {
    const routine = await atBor('01-ransomware-hospital.json', (r) => {
      r.urgency = 'routine';
    });
    const urgent = await atBor('01-ransomware-hospital.json', (r) => {
      r.urgency = 'urgent';
    });
    expect((await borContact.get(`/api/v1/cases/${routine}`)).status).toBe(404);
    expect((await borContact.get(`/api/v1/cases/${urgent}`)).status).toBe(200);
    const ids = (await listed(borContact)).items.map((i) => i.id);
    expect(ids).toContain(urgent);
    expect(ids).not.toContain(routine);
  });
});

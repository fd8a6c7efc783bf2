/**
 * The path of issue 2 through the real API: an officer of ARC creates and submits a request, it reaches BOR as a
 * signed and encrypted message, BOR's reviewer moves it through the lifecycle and ARC's view follows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_ACTIONS } from '../../src/domain/lifecycle.ts';
import { corpusRequest } from '../helpers/corpus.ts';
import { type Client, engine, startTestFederation, type TestFederation } from '../helpers/federation.ts';

let fed: TestFederation;
let arcOfficer: Client;
let arcReviewer: Client;
let borReviewer: Client;
let borExecutor: Client;
let calReviewer: Client;

beforeAll(async () => {
  fed = await startTestFederation();
  [arcOfficer, arcReviewer, borReviewer, borExecutor, calReviewer] = await Promise.all([
    fed.as('officer@arc.example'),
    fed.as('reviewer@arc.example'),
    fed.as('reviewer@bor.example'),
    fed.as('executor@bor.example'),
    fed.as('reviewer@cal.example'),
  ]);
}, 120_000);
afterAll(async () => fed?.close());

async function submitted(request = corpusRequest('01-ransomware-hospital.json')): Promise<string> {
  const created = await arcOfficer.post('/api/v1/cases', request);
  expect(created.status).toBe(201);
  const submit = await arcOfficer.post(`/api/v1/cases/${created.body.id}/actions/submit`);
  expect(submit.status, JSON.stringify(submit.body)).toBe(200);
  await fed.settle();
  return created.body.id;
}

async function act(c: Client, id: string, action: string, body: unknown = {}) {
  const res = await c.post(`/api/v1/cases/${id}/actions/${action}`, body);
  expect(res.status, `${action}: ${JSON.stringify(res.body)}`).toBe(200);
  await fed.settle();
  return res.body;
}

describe(`a request between two nodes (${engine})`, () => {
  it('travels from ARC to BOR and a refusal with grounds travels back', async () => {
    const created = await arcOfficer.post('/api/v1/cases', corpusRequest('01-ransomware-hospital.json'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      state: 'draft',
      requesting: 'ARC',
      requested: 'BOR',
      direction: 'outgoing',
    });
    expect(created.body.availableActions).toContain('submit');
    const id = created.body.id;

    const submit = await arcOfficer.post(`/api/v1/cases/${id}/actions/submit`);
    expect(submit.body.state).toBe('submitted');
    await fed.settle();

    const incoming = await borReviewer.get('/api/v1/cases?direction=incoming');
    expect(incoming.status).toBe(200);
    const item = incoming.body.items.find((c: { id: string }) => c.id === id);
    expect(item).toMatchObject({
      state: 'in-review',
      direction: 'incoming',
      verdict: 'clear',
      urgency: 'urgent',
    });
    expect(item.deadline).toMatchObject({ kind: 'decision', waitingOn: 'requested', overdue: false });

    const atBor = await borReviewer.get(`/api/v1/cases/${id}`);
    expect(atBor.body.history.map((h: { action: string }) => h.action)).toEqual([
      'submit',
      'receive',
      'screen',
      'finish-screening',
    ]);
    expect(atBor.body.screening.findings[0]).toMatchObject({ rule: 'completeness', outcome: 'clear' });
    expect(atBor.body.request.facts).toContain('St Brigid Regional Hospital');
    expect(atBor.body.availableActions).toEqual(
      expect.arrayContaining(['accept', 'refuse', 'consult', 'postpone']),
    );

    const grounds = {
      grounds: ['essential-interests', 'data-protection'],
      note: 'Disclosure would conflict with an ongoing national security matter.',
    };
    const early = await borReviewer.post(`/api/v1/cases/${id}/actions/refuse`, grounds);
    expect(early.status).toBe(422);
    expect(early.body.errors.map((e: { field: string }) => e.field)).toEqual(['consultation']);
    await act(borReviewer, id, 'consult', { note: 'Is the negotiation mailbox alone enough?' });
    await act(arcOfficer, id, 'answer-consultation', { note: 'Both items are needed.' });

    const refused = await borReviewer.post(`/api/v1/cases/${id}/actions/refuse`, grounds);
    expect(refused.status).toBe(200);
    expect(refused.body.state).toBe('refused');
    await fed.settle();

    const atArc = await arcOfficer.get(`/api/v1/cases/${id}`);
    expect(atArc.body.state).toBe('refused');
    const refusal = atArc.body.history.find((h: { action: string }) => h.action === 'refuse');
    expect(refusal).toMatchObject({
      party: 'BOR',
      actor: { kind: 'peer' },
      details: { grounds: ['essential-interests', 'data-protection'] },
    });
    expect(atArc.body.screening).toBeNull();
    expect(
      atArc.body.messages.every((m: { status: string }) => ['delivered', 'applied'].includes(m.status)),
    ).toBe(true);
    expect(atArc.body.availableActions).toEqual(['close']);
  });

  it('follows acceptance with conditions, execution and delivery to closure on both sides', async () => {
    const id = await submitted();
    await act(borReviewer, id, 'accept-with-conditions', {
      conditions: [{ kind: 'use-limitation', text: 'Only for the investigation named in the request.' }],
    });
    await act(borExecutor, id, 'execute');
    expect((await arcOfficer.get(`/api/v1/cases/${id}`)).body).toMatchObject({
      state: 'executing',
      deadline: { kind: 'execution' },
    });
    await act(borExecutor, id, 'deliver');
    await act(arcOfficer, id, 'close');
    const [arc, bor] = await Promise.all([
      arcOfficer.get(`/api/v1/cases/${id}`),
      borReviewer.get(`/api/v1/cases/${id}`),
    ]);
    expect(arc.body.state).toBe('closed');
    expect(bor.body.state).toBe('closed');
    expect(arc.body.deadline).toBeNull();
    const actions = (c: { body: { history: { action: string }[] } }) =>
      c.body.history.map((h) => h.action).filter((a) => !['screen', 'create'].includes(a));
    expect(actions(arc)).toEqual(actions(bor).filter((a) => a !== 'screen'));
  });

  it('supports postponement, consultation, and an incomplete request that is amended', async () => {
    const id = await submitted();
    await act(borReviewer, id, 'postpone', {
      grounds: ['ongoing-proceedings'],
      note: 'A domestic case against the same provider is under way.',
    });
    expect((await arcOfficer.get(`/api/v1/cases/${id}`)).body.state).toBe('postponed');
    await act(borReviewer, id, 'resume');
    await act(borReviewer, id, 'consult', { note: 'Which of the two mailboxes is essential?' });
    expect((await arcOfficer.get(`/api/v1/cases/${id}`)).body).toMatchObject({
      state: 'consultation',
      deadline: { kind: 'answer', waitingOn: 'requesting' },
    });
    await act(arcOfficer, id, 'answer-consultation', { note: 'The negotiation mailbox is essential.' });
    await act(borReviewer, id, 'mark-incomplete', {
      missing: ['data[0].identifiers'],
      note: 'Please name the mailbox precisely.',
    });
    expect((await arcOfficer.get(`/api/v1/cases/${id}`)).body.state).toBe('incomplete');

    const amended = corpusRequest('01-ransomware-hospital.json');
    amended.facts += ' The mailbox was opened on 5 March 2026.';
    await act(arcOfficer, id, 'amend', { request: amended, note: 'Opening date added.' });
    const bor = await borReviewer.get(`/api/v1/cases/${id}`);
    expect(bor.body.state).toBe('in-review');
    expect(bor.body.request.facts).toContain('opened on 5 March 2026');
    expect((await arcOfficer.get(`/api/v1/cases/${id}`)).body.state).toBe('in-review');
  });

  it('lets the requesting party withdraw, and records a decision that crosses the withdrawal without applying it', async () => {
    const id = await submitted();
    // Both act before either message is delivered: hold both outboxes until both have acted.
    const held = [fed.demo.nodes.ARC!.outbox, fed.demo.nodes.BOR!.outbox];
    for (const o of held) o.pause();
    const w = await arcOfficer.post(`/api/v1/cases/${id}/actions/withdraw`, {
      note: 'The suspect has been identified.',
    });
    const a = await borReviewer.post(`/api/v1/cases/${id}/actions/accept`, {});
    expect([w.status, a.status]).toEqual([200, 200]);
    for (const o of held) o.resume();
    await fed.settle();
    const [arc, bor] = await Promise.all([
      arcOfficer.get(`/api/v1/cases/${id}`),
      borReviewer.get(`/api/v1/cases/${id}`),
    ]);
    expect(arc.body.state).toBe('withdrawn');
    expect(bor.body.state).toBe('withdrawn');
    expect(
      arc.body.history.some(
        (h: { action: string; details: { action?: string } }) =>
          h.action === 'superseded' && h.details.action === 'accept',
      ),
    ).toBe(true);
  });
});

describe('access', () => {
  it('hides a case from another party exactly as a case that does not exist', async () => {
    const id = await submitted();
    const other = await calReviewer.get(`/api/v1/cases/${id}`);
    const missing = await calReviewer.get('/api/v1/cases/01ARZ3NDEKTSV4RRFFQ69G5FAV');
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(other.body.title).toBe(missing.body.title);
    const act = await calReviewer.post(`/api/v1/cases/${id}/actions/refuse`, {
      grounds: ['persecution'],
      note: 'x',
    });
    expect(act.status).toBe(404);
    const list = await calReviewer.get('/api/v1/cases');
    expect(list.body.items.map((c: { id: string }) => c.id)).not.toContain(id);
    expect((await borReviewer.get(`/api/v1/cases/${id}`)).body.state).toBe('in-review');
  });

  it('forbids an officer to decide an incoming request and a reviewer to create one', async () => {
    const id = await submitted();
    const borOfficer = await fed.as('officer@bor.example');
    const decide = await borOfficer.post(`/api/v1/cases/${id}/actions/accept`, {});
    expect(decide.status).toBe(403);
    expect(decide.body.detail).not.toContain(id);
    const create = await arcReviewer.post('/api/v1/cases', corpusRequest('01-ransomware-hospital.json'));
    expect(create.status).toBe(403);
    expect(create.body.type).toBe('/problems/forbidden');
  });

  it('answers 401 problem+json without a valid token, and serves health without one', async () => {
    const res = await fetch(`${fed.url('ARC')}/api/v1/cases`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const bad = await fetch(`${fed.url('ARC')}/api/v1/cases`, {
      headers: { authorization: 'Bearer not-a-real-token-0123456789' },
    });
    expect(bad.status).toBe(401);
    const health = await fetch(`${fed.url('BOR')}/api/v1/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', party: 'BOR' });
  });

  it('refuses a wrong password with the same answer as an unknown e-mail', async () => {
    const login = (email: string, password: string) =>
      fetch(`${fed.url('ARC')}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
    const wrong = await login('officer@arc.example', 'wrong');
    const unknown = await login('nobody@arc.example', 'wrong');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
  });
});

describe('bad input', () => {
  it('names each bad field of a malformed request', async () => {
    const request = corpusRequest('01-ransomware-hospital.json');
    request.type = 'telepathy';
    request.offences[0].code = 'UNCC-NOT-AN-OFFENCE';
    request.to = 'XYZ';
    request.urgency = 7;
    const res = await arcOfficer.post('/api/v1/cases', request);
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('/problems/bad-request');
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['type', 'offences[0].code', 'to', 'urgency']));
  });

  it('keeps an incomplete draft but refuses to submit it, naming what is missing', async () => {
    const request = corpusRequest('01-ransomware-hospital.json');
    request.purpose = '';
    delete request.data[0].provider;
    delete request.authority.contact;
    const created = await arcOfficer.post('/api/v1/cases', request);
    expect(created.status).toBe(201);
    const submit = await arcOfficer.post(`/api/v1/cases/${created.body.id}/actions/submit`);
    expect(submit.status).toBe(422);
    expect(submit.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['purpose', 'data[0].provider', 'authority.contact']),
    );
    expect((await arcOfficer.get(`/api/v1/cases/${created.body.id}`)).body.state).toBe('draft');
  });

  it('answers 409 for an action the state does not allow, and 400 for invalid details', async () => {
    const id = await submitted();
    const close = await arcOfficer.post(`/api/v1/cases/${id}/actions/close`, {});
    expect(close.status).toBe(409);
    const refuse = await borReviewer.post(`/api/v1/cases/${id}/actions/refuse`, {
      grounds: ['because'],
      note: '',
    });
    expect(refuse.status).toBe(400);
    expect(refuse.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['grounds[0]', 'note']),
    );
    const unknown = await borReviewer.post(`/api/v1/cases/${id}/actions/obliterate`, {});
    expect(unknown.status).toBe(400);
  });

  it('edits a draft and finds cases by words of their facts', async () => {
    const request = corpusRequest('01-ransomware-hospital.json');
    const created = await arcOfficer.post('/api/v1/cases', request);
    request.facts = 'A unique marker zebra-quokka-17 in the facts.';
    const put = await arcOfficer.put(`/api/v1/cases/${created.body.id}`, request);
    expect(put.status).toBe(200);
    const found = await arcOfficer.get('/api/v1/cases?q=QUOKKA-17');
    expect(found.body.items.map((c: { id: string }) => c.id)).toEqual([created.body.id]);
  });
});

describe('OpenAPI', () => {
  it('serves an OpenAPI 3.1 document generated from the request schemas', async () => {
    const res = await fetch(`${fed.url('ARC')}/api/openapi.json`);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, any> };
    };
    expect(doc.openapi).toMatch(/^3\.1/);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/cases', '/api/v1/cases/{id}/actions/refuse', '/api/v1/auth/login']),
    );
    expect(doc.components.schemas.InterchangeRequest.properties.type.enum).toContain('stored-data');
    // Every action is its own operation, with the body it takes; nothing is left as an untyped record.
    for (const action of USER_ACTIONS)
      expect(doc.paths[`/api/v1/cases/{id}/actions/${action}`], action).toBeDefined();
    expect(doc.paths['/api/v1/cases/{id}/actions/{action}']).toBeUndefined();
    const refuse = (doc.paths['/api/v1/cases/{id}/actions/refuse'] as any).post.requestBody.content[
      'application/json'
    ].schema;
    expect(refuse.required).toEqual(expect.arrayContaining(['grounds', 'note']));
    expect(refuse.properties.grounds.items.enum).toContain('persecution');
    // A case's request and findings are typed by their schemas.
    const c = doc.components.schemas.Case;
    expect(JSON.stringify(c.properties.request)).toContain('#/components/schemas/InterchangeRequest');
    expect(JSON.stringify(c.properties.screening)).toContain('#/components/schemas/Finding');
    expect(doc.components.schemas.Finding.properties.rule.enum).toContain('persecution');
    expect(doc.components.schemas.EvidencePackage.properties.files).toBeDefined();
    const docs = await fetch(`${fed.url('ARC')}/docs/`);
    expect(docs.status).toBe(200);
  });
});

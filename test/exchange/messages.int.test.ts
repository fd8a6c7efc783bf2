/**
 * Messages between nodes under hostile and faulty conditions (design §8): forged, expired, misaddressed,
 * replayed and out-of-chain messages are refused, kept for inspection and change nothing; a node that is down
 * receives its messages when it comes back, exactly once in effect.
 */
import { generateKeyPairSync } from 'node:crypto';
import { count, desc, eq, sum } from 'drizzle-orm';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenReceived } from '../../src/cases/screen-received.ts';
import { type MessageClaims, sealMessage, sha256b64url } from '../../src/crypto/envelope.ts';
import {
  cases,
  inboundRefusalCounts,
  inboundRefusals,
  inbox,
  ledgerEntries,
  outbox,
} from '../../src/store/schema.ts';
import { corpusRequest } from '../helpers/corpus.ts';
import { type Client, engine, startTestFederation, type TestFederation } from '../helpers/federation.ts';

let fed: TestFederation;
let arcOfficer: Client;
let borReviewer: Client;
let arcAdmin: Client;

beforeAll(async () => {
  fed = await startTestFederation();
  [arcOfficer, borReviewer, arcAdmin] = await Promise.all([
    fed.as('officer@arc.example'),
    fed.as('reviewer@bor.example'),
    fed.as('admin@arc.example'),
  ]);
}, 120_000);
afterAll(async () => fed?.close());

const arc = () => fed.demo.nodes.ARC!.core;
const bor = () => fed.demo.nodes.BOR!.core;

/** A message from BOR to ARC, sealed with BOR's real keys unless the test swaps something. */
async function fromBor(
  claims: Partial<MessageClaims> = {},
  opts: { signingKey?: ReturnType<typeof generateKeyPairSync>['privateKey']; recipient?: 'ARC' | 'CAL' } = {},
) {
  const now = new Date();
  const recipient = bor().trust.party(opts.recipient ?? 'ARC')!;
  const request = { ...corpusRequest('05-ncii-former-partner.json') };
  const full: MessageClaims = {
    id: ulid(),
    type: 'request',
    from: 'BOR',
    to: 'ARC',
    case: ulid(),
    created: now.toISOString(),
    expires: new Date(now.getTime() + 3_600_000).toISOString(),
    prev: null,
    action: 'submit',
    actor: { name: 'Test officer' },
    body: { request },
    ...claims,
  };
  const sealed = await sealMessage({
    claims: full,
    signingKey: opts.signingKey ?? bor().keys.signing.privateKey,
    signingKid: bor().keys.signing.kid,
    recipientKey: recipient.encryption.key,
    recipientKid: recipient.encryption.kid,
  });
  return { claims: full, jwe: sealed.jwe };
}

async function post(jwe: string) {
  const res = await fetch(`${fed.url('ARC')}/exchange/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/jose' },
    body: jwe,
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function refusalsAt(core = arc()) {
  const [row] = await core.db.select({ n: count() }).from(inboundRefusals);
  return Number(row?.n ?? 0);
}

async function refusalEntries(core = arc()) {
  const [row] = await core.db
    .select({ n: count() })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.type, 'message-refused'));
  return Number(row?.n ?? 0);
}

/** How many refusals before authentication were counted under `code`, over every period. */
async function counted(code: string, core = arc()) {
  const [row] = await core.db
    .select({ n: sum(inboundRefusalCounts.count) })
    .from(inboundRefusalCounts)
    .where(eq(inboundRefusalCounts.code, code));
  return Number(row?.n ?? 0);
}

async function caseCount(core = arc()) {
  const [row] = await core.db.select({ n: count() }).from(cases);
  return Number(row?.n ?? 0);
}

describe(`inbound messages (${engine})`, () => {
  it('accepts a genuine message once and answers a repeat with the same receipt, changing nothing', async () => {
    const { claims, jwe } = await fromBor();
    const first = await post(jwe);
    expect(first.status).toBe(200);
    expect(first.body.duplicate).toBe(false);
    const history = (await arc().db.select().from(inbox).where(eq(inbox.caseId, claims.case))).length;
    const again = await post(jwe);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ receipt: first.body.receipt, duplicate: true });
    expect((await arc().db.select().from(inbox).where(eq(inbox.caseId, claims.case))).length).toBe(history);
    const [row] = await arc().db.select().from(cases).where(eq(cases.id, claims.case));
    expect(['received', 'screening', 'in-review']).toContain(row?.state);
  });

  /**
   * `peer`: the signature verified with BOR's trust-listed key, so the refusal is evidence about BOR: kept, with
   * a ledger entry. `stranger`: refused before anyone is authenticated, so only counted (per hour and reason).
   */
  const hostile: [string, () => Promise<string>, RegExp, 'peer' | `stranger:${string}`][] = [
    [
      'a message signed with a key not in the trust list',
      async () => (await fromBor({}, { signingKey: generateKeyPairSync('ed25519').privateKey })).jwe,
      /does not verify/,
      'stranger:bad-signature',
    ],
    [
      'a message addressed to another party',
      async () => (await fromBor({ to: 'CAL' })).jwe,
      /addressed to CAL/,
      'peer',
    ],
    [
      'an expired message',
      async () => (await fromBor({ expires: new Date(Date.now() - 60_000).toISOString() })).jwe,
      /expired/,
      'peer',
    ],
    [
      'a message encrypted to another node',
      async () => (await fromBor({}, { recipient: 'CAL' })).jwe,
      /not to this node/,
      'stranger:not-for-us',
    ],
    ['a body that is not a JWE', async () => 'hello', /not a compact JWE/, 'stranger:malformed'],
    [
      'a message that claims to come from a party other than its signer',
      async () => (await fromBor({ from: 'CAL' })).jwe,
      /signed by BOR/,
      'peer',
    ],
    [
      'a request whose content names other parties than the message',
      async () => {
        const request = { ...corpusRequest('05-ncii-former-partner.json'), from: 'CAL' };
        return (await fromBor({ body: { request } })).jwe;
      },
      /goes from CAL/,
      'peer',
    ],
  ];
  for (const [what, make, reason, who] of hostile) {
    const kept = who === 'peer';
    it(`refuses ${what}, ${kept ? 'keeps it for inspection with a ledger entry' : 'only counts it'}, and changes nothing`, async () => {
      const code = who.replace('stranger:', '');
      const [before, refusedBefore, ledgerBefore, countedBefore] = [
        await caseCount(),
        await refusalsAt(),
        await refusalEntries(),
        await counted(code),
      ];
      const jwe = await make();
      const res = await post(jwe);
      expect(res.status).toBe(400);
      expect(res.body.detail).toMatch(reason);
      expect(await caseCount()).toBe(before);
      expect(await refusalsAt()).toBe(refusedBefore + (kept ? 1 : 0));
      expect(await refusalEntries()).toBe(ledgerBefore + (kept ? 1 : 0));
      expect(await counted(code)).toBe(countedBefore + (kept ? 0 : 1));
      if (!kept) return;
      const [row] = await arc()
        .db.select()
        .from(inboundRefusals)
        .where(eq(inboundRefusals.bodySha256, sha256b64url(jwe)));
      expect(row).toMatchObject({ signer: 'BOR', body: jwe, bodySize: Buffer.byteLength(jwe) });
      expect(row!.reason).toMatch(reason);
      // An administrator sees the refusal in the ledger, with its reason.
      const [entry] = await arc()
        .db.select()
        .from(ledgerEntries)
        .where(eq(ledgerEntries.type, 'message-refused'))
        .orderBy(desc(ledgerEntries.seq))
        .limit(1);
      const shown = await arcAdmin.get(`/api/v1/ledger/entries/${entry!.seq}/record`);
      expect(shown.status).toBe(200);
      expect(shown.body.record).toMatchObject({
        body: sha256b64url(jwe),
        reason: expect.stringMatching(reason),
      });
      expect(JSON.parse(shown.body.entry).party).toBe('BOR');
    });
  }

  it('refuses a reused message id with different content', async () => {
    const first = await fromBor();
    expect((await post(first.jwe)).status).toBe(200);
    const reuse = await fromBor({ id: first.claims.id, case: ulid() });
    const res = await post(reuse.jwe);
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/already used for different content/);
  });

  it('refuses a message that breaks the case chain, and lets the sender retry', async () => {
    const first = await fromBor();
    expect((await post(first.jwe)).status).toBe(200);
    // Wait for ARC's screening (BOR never made this case, so ARC's status messages to BOR stay pending there;
    // the federation cannot settle).
    let before: typeof cases.$inferSelect | undefined;
    for (let i = 0; i < 100 && before?.state !== 'in-review'; i++) {
      await screenReceived(arc());
      [before] = await arc().db.select().from(cases).where(eq(cases.id, first.claims.case));
      if (before?.state !== 'in-review') await new Promise((r) => setTimeout(r, 50));
    }
    const broken = await fromBor({
      type: 'withdrawal',
      action: 'withdraw',
      case: first.claims.case,
      prev: 'A'.repeat(43),
      body: { note: 'gone' },
    });
    const res = await post(broken.jwe);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ retry: true });
    const [after] = await arc().db.select().from(cases).where(eq(cases.id, first.claims.case));
    expect(after).toEqual(before);
    expect(after?.state).toBe('in-review');
  });

  it('purges the bodies of refused messages after their retention, keeping hash, size and reason', async () => {
    const { claims, jwe } = await fromBor({ to: 'CAL' });
    expect((await post(jwe)).status).toBe(400);
    const stored = async () =>
      (await arc().db.select().from(inboundRefusals).where(eq(inboundRefusals.messageId, claims.id)))[0];
    expect((await stored())?.body).toBe(jwe);
    const settings = arc().settings as unknown as Record<string, number>;
    const days = settings.refusalRetentionDays;
    settings.refusalRetentionDays = 0.2 / 86_400;
    try {
      await new Promise((r) => setTimeout(r, 300));
      fed.demo.nodes.ARC!.retention.wake();
      for (let i = 0; i < 100 && (await stored())?.body !== null; i++)
        await new Promise((r) => setTimeout(r, 100));
    } finally {
      settings.refusalRetentionDays = days!;
    }
    expect(await stored()).toMatchObject({
      body: null,
      bodySha256: sha256b64url(jwe),
      bodySize: Buffer.byteLength(jwe),
      signer: 'BOR',
      reason: expect.stringMatching(/addressed to CAL/),
    });
  });

  it('refuses an action the sender may not take', async () => {
    const first = await fromBor();
    await post(first.jwe);
    const [row] = await arc().db.select().from(cases).where(eq(cases.id, first.claims.case));
    // BOR is the requesting party here: it cannot decide its own request.
    const forged = await fromBor({
      type: 'decision',
      action: 'accept',
      case: first.claims.case,
      prev: row!.chainIn,
      body: {},
    });
    const res = await post(forged.jwe);
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/requesting party cannot accept/);
  });
});

describe(`a node that is down (${engine})`, () => {
  it('gets the message from the outbox when it comes back, exactly once', async () => {
    const restart = await fed.stop('BOR');
    const created = await arcOfficer.post('/api/v1/cases', corpusRequest('01-ransomware-hospital.json'));
    const id = created.body.id as string;
    expect((await arcOfficer.post(`/api/v1/cases/${id}/actions/submit`)).status).toBe(200);

    // ARC keeps trying while BOR is down.
    const waitFor = async <T>(f: () => Promise<T | undefined>, what: string): Promise<T> => {
      for (let i = 0; i < 200; i++) {
        const v = await f();
        if (v !== undefined) return v;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    const pending = await waitFor(async () => {
      const [row] = await arc().db.select().from(outbox).where(eq(outbox.caseId, id));
      return row && row.attempts >= 2 ? row : undefined;
    }, 'two failed attempts');
    expect(pending.status).toBe('pending');
    expect(pending.lastError).toMatch(/cannot reach/);

    await restart();
    const state = await waitFor(async () => {
      const c = await arcOfficer.get(`/api/v1/cases/${id}`);
      return c.body.state === 'in-review' ? c.body.state : undefined;
    }, 'the case to reach in-review at ARC');
    expect(state).toBe('in-review');

    const atBor = await borReviewer.get(`/api/v1/cases/${id}`);
    expect(atBor.status).toBe(200);
    expect(atBor.body.history.filter((h: { action: string }) => h.action === 'receive')).toHaveLength(1);
    const [delivered] = await arc().db.select().from(outbox).where(eq(outbox.messageId, pending.messageId));
    expect(delivered?.status).toBe('delivered');
    expect((await bor().db.select().from(inbox).where(eq(inbox.messageId, pending.messageId))).length).toBe(
      1,
    );
  }, 60_000);

  it('gives up a message that outlives its lifetime while the peer is down: failed once, never refused in a loop', async () => {
    const restart = await fed.stop('BOR');
    const ttl = arc().settings.messageTtlHours;
    arc().settings.messageTtlHours = 2 / 3600;
    let id: string;
    try {
      const created = await arcOfficer.post('/api/v1/cases', corpusRequest('01-ransomware-hospital.json'));
      id = created.body.id as string;
      expect((await arcOfficer.post(`/api/v1/cases/${id}/actions/submit`)).status).toBe(200);
    } finally {
      arc().settings.messageTtlHours = ttl;
    }
    let row: typeof outbox.$inferSelect | undefined;
    for (let i = 0; i < 100 && row?.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      [row] = await arc().db.select().from(outbox).where(eq(outbox.caseId, id));
    }
    expect(row).toMatchObject({ status: 'failed', lastError: 'expired before it could be delivered' });
    await restart();
    await new Promise((r) => setTimeout(r, 1500));
    const [later] = await arc().db.select().from(outbox).where(eq(outbox.caseId, id));
    expect(later).toMatchObject({ status: 'failed', attempts: row!.attempts });
    expect(
      await bor().db.select().from(inboundRefusals).where(eq(inboundRefusals.messageId, row!.messageId)),
    ).toEqual([]);
    expect(await bor().db.select().from(cases).where(eq(cases.id, id))).toEqual([]);
  }, 60_000);
});

/**
 * Identity for nodes and officers (issue 7): a signed trust list, recorded in the ledger when it changes; keys
 * rotated (the old key still verifies what it signed before, new messages use the new key) and revoked;
 * emergency requests accepted only when a named officer of the requesting party vouches for them.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { count, desc, eq } from 'drizzle-orm';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureUser } from '../../src/auth/sessions.ts';
import { type MessageClaims, sealMessage } from '../../src/crypto/envelope.ts';
import { type PublicJwk, rotateNodeKeys } from '../../src/crypto/keys.ts';
import { TrustList } from '../../src/crypto/trust-list.ts';
import { handoversPath, loadTrustListInForce } from '../../src/crypto/trust-list-handovers.ts';
import { signTrustList, trustAdminKid } from '../../src/crypto/trust-list-jws.ts';
import type { TrustListFile } from '../../src/crypto/trust-list-schema.ts';
import { signVouch } from '../../src/crypto/vouch.ts';
import { type InterchangeRequest, InterchangeRequestSchema } from '../../src/domain/request.ts';
import { followRecordedTrustList } from '../../src/exchange/trust-install.ts';
import { demoTrustAdmin } from '../../src/node/demo.ts';
import { openDatabase } from '../../src/store/db.ts';
import { cases, inboundRefusals, ledgerEntries, outbox, trustLists, users } from '../../src/store/schema.ts';
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
let borAdmin: Client;

const arc = () => fed.demo.nodes.ARC!.core;
const bor = () => fed.demo.nodes.BOR!.core;

beforeAll(async () => {
  fed = await startTestFederation();
  [arcOfficer, borReviewer, borAdmin] = await Promise.all([
    fed.as('officer@arc.example'),
    fed.as('reviewer@bor.example'),
    fed.as('admin@bor.example'),
  ]);
}, 120_000);
afterAll(async () => fed?.close());

/** An emergency preservation request from ARC to BOR (corpus 04, re-addressed). */
const emergency = (): InterchangeRequest =>
  InterchangeRequestSchema.parse({
    ...corpusRequest('04-kidnapping-emergency-preservation.json'),
    from: 'ARC',
    to: 'BOR',
  });

/** The trust list in force, as a plain object to edit. */
const currentList = (): TrustListFile => structuredClone(bor().trust.file) as TrustListFile;

/** Signs a list with the demo's administrator key (what `comity trust sign` does). */
const signed = (list: TrustListFile) => signTrustList(list, demoTrustAdmin(fed.dir).privateKey);

/**
 * A message from ARC to BOR, sealed with ARC's real node keys (or the signing key given): only what the test puts
 * in it is forged.
 */
async function fromArc(
  body: Record<string, unknown>,
  claims: Partial<MessageClaims> = {},
  signing: { privateKey: KeyObject; kid: string } = arc().keys.signing,
) {
  const now = new Date();
  const recipient = arc().trust.party('BOR')!;
  const full: MessageClaims = {
    id: ulid(),
    type: 'request',
    from: 'ARC',
    to: 'BOR',
    case: ulid(),
    created: now.toISOString(),
    expires: new Date(now.getTime() + 3_600_000).toISOString(),
    prev: null,
    action: 'submit',
    actor: { name: 'Forger' },
    body,
    ...claims,
  };
  const { jwe } = await sealMessage({
    claims: full,
    signingKey: signing.privateKey,
    signingKid: signing.kid,
    recipientKey: recipient.encryption.key,
    recipientKid: recipient.encryption.kid,
  });
  const res = await fetch(`${fed.url('BOR')}/exchange/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/jose' },
    body: jwe,
  });
  return { claims: full, status: res.status, body: (await res.json()) as Record<string, any> };
}

const refusals = async () => Number((await bor().db.select({ n: count() }).from(inboundRefusals))[0]?.n ?? 0);

describe(`the signed trust list (${engine})`, () => {
  it('accepts only a list signed with the configured administrator key', () => {
    const admin = demoTrustAdmin(fed.dir);
    const list = currentList();
    const text = signTrustList(list, admin.privateKey);
    expect(TrustList.parse(text, admin.publicJwk).signedBy).toMatch(/^trust-admin:/);
    // Unsigned, signed by someone else, or altered after signing: refused.
    expect(() => TrustList.parse(JSON.stringify(list), admin.publicJwk)).toThrow(/not signed/);
    const other = generateKeyPairSync('ed25519').privateKey;
    expect(() => TrustList.parse(signTrustList(list, other), admin.publicJwk)).toThrow(
      /not with the configured/,
    );
    const [h, p, s] = text.split('.') as [string, string, string];
    const altered = JSON.parse(Buffer.from(p, 'base64url').toString());
    altered.parties[0].url = 'https://attacker.example';
    const forged = `${h}.${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${s}`;
    expect(() => TrustList.parse(forged, admin.publicJwk)).toThrow(/does not verify/);
  });

  it('records the list in force in the ledger, and a change with what changed', async () => {
    const recorded = await bor()
      .db.select()
      .from(ledgerEntries)
      .where(eq(ledgerEntries.type, 'trust-list'))
      .orderBy(ledgerEntries.seq);
    expect(recorded.length).toBeGreaterThanOrEqual(1);
    expect(recorded.at(-1)!.record).toMatchObject({
      digest: bor().trust.digest(),
      signedBy: expect.stringMatching(/^trust-admin:/),
    });

    const list = { ...currentList(), serial: 5 };
    const cal = list.parties.find((p) => p.code === 'CAL')!;
    cal.name = 'Caldera (renamed)';
    const officer = await borReviewer.put('/api/v1/node/trust-list', { trustList: signed(list) });
    expect(officer.status).toBe(403);
    const unsigned = await borAdmin.put('/api/v1/node/trust-list', { trustList: JSON.stringify(list) });
    expect(unsigned.status).toBe(422);
    const ok = await borAdmin.put('/api/v1/node/trust-list', { trustList: signed(list) });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ serial: 5, signedBy: expect.stringMatching(/^trust-admin:/) });
    expect(bor().trust.party('CAL')!.name).toBe('Caldera (renamed)');
    // Saved where the node reads it at start.
    expect(readFileSync(bor().trustSource.path, 'utf8').trim()).toBe(signed(list));
    const back = await borAdmin.put('/api/v1/node/trust-list', { trustList: signed({ ...list, serial: 4 }) });
    expect(back.status).toBe(409);
    expect(back.body.detail).toMatch(/serial 4 is lower/);
  });

  it('puts a list installed by another process of the node in force, on the same host or another', async () => {
    // A second process of BOR shares its database (on PostgreSQL through a pool of its own) and its files, but
    // holds the list it loaded at its start.
    const stale = bor().trust;
    const url = fed.databaseUrl('BOR');
    const pool = url ? await openDatabase({ url }) : null;
    const process2 = {
      ...bor(),
      db: pool?.db ?? bor().db,
      trust: stale,
      trustSource: { ...bor().trustSource },
    };
    // A third runs on another host: a folder of its own, holding the list of its last start.
    const elsewhere = join(fed.dir, 'elsewhere', 'trust-list.jws');
    mkdirSync(dirname(elsewhere), { recursive: true });
    writeFileSync(elsewhere, `${stale.text}\n`);
    const process3 = { ...bor(), trust: stale, trustSource: { ...bor().trustSource, path: elsewhere } };
    const list = { ...currentList(), serial: 6 };
    list.parties.find((p) => p.code === 'CAL')!.name = 'Caldera (renamed again)';
    expect((await borAdmin.put('/api/v1/node/trust-list', { trustList: signed(list) })).status).toBe(200);
    const installed = bor().trust.digest();

    expect(await followRecordedTrustList(process2)).toBe(true);
    expect(process2.trust.digest()).toBe(installed);
    expect(process2.trust.party('CAL')!.name).toBe('Caldera (renamed again)');
    expect(await followRecordedTrustList(process2)).toBe(false);
    await pool?.close();
    // The other host reads the list from the database, checks its signature, and keeps it for its next start.
    expect(await followRecordedTrustList(process3)).toBe(true);
    expect(process3.trust.digest()).toBe(installed);
    expect(readFileSync(elsewhere, 'utf8').trim()).toBe(signed(list));
    expect(TrustList.load(elsewhere, demoTrustAdmin(fed.dir).publicJwk).digest()).toBe(installed);

    // It keeps its list rather than take one it cannot check: a kept text signed by a key that is not the
    // administrator's, or one that is not the list its ledger entry records (someone with write access to the
    // database); or when nothing kept leads from its list (one ahead of the recorded ones).
    const [last] = await bor()
      .db.select({ seq: trustLists.seq, text: trustLists.text })
      .from(trustLists)
      .orderBy(desc(trustLists.seq))
      .limit(1);
    const tamper = (text: string) =>
      bor().db.update(trustLists).set({ text }).where(eq(trustLists.seq, last!.seq));
    for (const [text, why] of [
      [signTrustList(list, generateKeyPairSync('ed25519').privateKey), /not with the configured/],
      [signed({ ...list, serial: 7 }), /not the list its ledger entry records/],
    ] as const) {
      await tamper(text);
      const process4 = {
        ...bor(),
        trust: stale,
        trustSource: { ...process2.trustSource, seq: last!.seq - 1 },
      };
      const warn = vi.spyOn(process4.log, 'warn');
      expect(await followRecordedTrustList(process4)).toBe(false);
      expect(process4.trust).toBe(stale);
      expect(warn).toHaveBeenCalledWith(
        expect.objectContaining({ seq: last!.seq, reason: expect.stringMatching(why) }),
        expect.stringMatching(/not put in force here/),
      );
      warn.mockRestore();
    }
    await tamper(last!.text);
    const ahead = new TrustList({ ...currentList(), serial: 99 }, stale.signedBy);
    const process5 = { ...bor(), trust: ahead, trustSource: { ...bor().trustSource, seq: last!.seq - 1 } };
    const warn = vi.spyOn(process5.log, 'warn');
    expect(await followRecordedTrustList(process5)).toBe(false);
    expect(process5.trust).toBe(ahead);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({
        seq: last!.seq,
        reason: expect.stringMatching(/serial 6 is lower .* \(99\)/),
      }),
      expect.stringMatching(/not put in force here/),
    );
    warn.mockRestore();

    // The node's own loop does the same: a process that fell behind catches up within a poll.
    bor().trust = stale;
    bor().trustSource.seq = process2.trustSource.seq! - 1;
    await vi.waitFor(() => expect(bor().trust.digest()).toBe(installed), { timeout: 10_000 });

    // A process that starts on a file behind the ledger (it was stopped when the list was installed elsewhere)
    // catches up at start rather than record the old list again; it does not start if it cannot.
    await tamper(signed({ ...list, serial: 7 }));
    const start = await fed.stop('BOR');
    writeFileSync(bor().trustSource.path, `${stale.text}\n`);
    await expect(start()).rejects.toThrow(/behind the one recorded at .*cannot catch up/);
    writeFileSync(bor().trustSource.path, `${signed(list)}\n`);
    await start();
    await tamper(last!.text);
    const again = await fed.stop('BOR');
    writeFileSync(bor().trustSource.path, `${stale.text}\n`);
    await again();
    expect(bor().trust.digest()).toBe(installed);
    expect(readFileSync(bor().trustSource.path, 'utf8').trim()).toBe(signed(list));
    const lastRecorded = await bor()
      .db.select({ seq: ledgerEntries.seq })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.type, 'trust-list'))
      .orderBy(desc(ledgerEntries.seq))
      .limit(1);
    expect(lastRecorded[0]!.seq).toBe(last!.seq);
  });
});

describe(`emergency requests (${engine})`, () => {
  it('arrive with the name of the officer who vouched for them', async () => {
    const created = await arcOfficer.post('/api/v1/cases', emergency());
    expect(created.status).toBe(201);
    const submitted = await arcOfficer.post(`/api/v1/cases/${created.body.id}/actions/submit`);
    expect(submitted.status).toBe(200);
    await fed.settle();
    const atBor = await borReviewer.get(`/api/v1/cases/${created.body.id}`);
    expect(atBor.status).toBe(200);
    expect(atBor.body.vouchedBy).toMatchObject({
      name: expect.stringMatching(/Arcadia/),
      party: 'ARC',
      kid: expect.stringMatching(/^ARC:officer:/),
    });
  });

  it('are refused, logged, and never reach a person when the officer signature is missing, forged or moved', async () => {
    const before = await refusals();
    const request = emergency();
    const bare = await fromArc({ request });
    expect(bare.status).toBe(400);
    expect(bare.body.detail).toMatch(/emergency request refused: .*signature of the officer/);

    // Signed by a key the trust list does not name.
    const stranger = generateKeyPairSync('ed25519').privateKey;
    const pem = stranger.export({ format: 'pem', type: 'pkcs8' }) as string;
    const unknown = await fromArc({
      request,
      vouch: signVouch(
        { pem, kid: 'ARC:officer:0000000000000000' },
        'Nobody',
        { case: 'x', request },
        new Date(),
      ),
    });
    // Not refused for good: it may be a new officer whose entry has not reached BOR yet.
    expect(unknown.status).toBe(409);
    expect(unknown.body).toMatchObject({
      retry: true,
      detail: expect.stringMatching(/not in the trust list \(yet\)/),
    });

    // A genuine vouch for another case cannot be reused.
    const officerRow = (
      await arc().db.select().from(users).where(eq(users.email, 'officer@arc.example'))
    )[0]!;
    const real = { pem: arc().secrets.open(officerRow.officerKey!), kid: officerRow.officerKid! };
    const moved = await fromArc({
      request,
      vouch: signVouch(real, 'Officer', { case: ulid(), request }, new Date()),
    });
    expect(moved.body.detail).toMatch(/for another case/);
    // Nor one for a different request on the same case.
    const id = ulid();
    const changed = await fromArc(
      {
        request,
        vouch: signVouch(real, 'Officer', { case: id, request: { ...request, facts: 'other' } }, new Date()),
      },
      { case: id },
    );
    expect(changed.body.detail).toMatch(/different request/);

    expect(await refusals()).toBe(before + 4);
    for (const r of [bare, unknown, moved, changed])
      expect(await bor().db.select().from(cases).where(eq(cases.id, r.claims.case))).toEqual([]);
  });

  it('cannot be sent by an officer whose key is not in the trust list', async () => {
    await ensureUser(arc(), {
      email: 'newofficer@arc.example',
      name: 'New Officer',
      party: 'ARC',
      roles: ['officer'],
      password: PASSWORD,
      demo: true,
    });
    const newcomer = await fed.as('newofficer@arc.example');
    const created = await newcomer.post('/api/v1/cases', emergency());
    const refused = await newcomer.post(`/api/v1/cases/${created.body.id}/actions/submit`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/vouched for by an officer whose key is in the trust list/);
    expect((await newcomer.get(`/api/v1/cases/${created.body.id}`)).body.state).toBe('draft');
  });
});

/** ARC's signing key retired by the rotation test below, and when. */
let retired: { privateKey: KeyObject; kid: string; at: Date } | undefined;

/** A request from ARC to BOR signed with ARC's retired key, created and expiring when the test says. */
const fromRetiredArc = (created: Date, expires = new Date(Date.now() + 3_600_000)) =>
  fromArc(
    { request: { ...emergency(), urgency: 'urgent' } },
    { created: created.toISOString(), expires: expires.toISOString(), actor: { name: 'Officer' } },
    retired!,
  );

describe(`rotation and revocation (${engine})`, () => {
  it('refuses messages signed with a revoked node key, and an officer key once revoked', async () => {
    const officerKid = (await arc().db.select().from(users).where(eq(users.email, 'officer@arc.example')))[0]!
      .officerKid!;
    const list = { ...currentList(), serial: 10 };
    const arcEntry = list.parties.find((p) => p.code === 'ARC')!;
    arcEntry.officers = arcEntry.officers!.map((o) =>
      o.kid === officerKid ? { ...o, status: 'revoked' as const } : o,
    );
    expect((await borAdmin.put('/api/v1/node/trust-list', { trustList: signed(list) })).status).toBe(200);
    const last = (
      await bor()
        .db.select()
        .from(ledgerEntries)
        .where(eq(ledgerEntries.type, 'trust-list'))
        .orderBy(ledgerEntries.seq)
    ).at(-1)!;
    expect(last.record).toMatchObject({ changes: { revoked: [officerKid] } });

    // ARC still trusts its officer; BOR no longer does: ARC's emergency request is refused at BOR.
    const created = await arcOfficer.post('/api/v1/cases', emergency());
    await arcOfficer.post(`/api/v1/cases/${created.body.id}/actions/submit`);
    await fed.settle().catch(() => {});
    const message = (await arc().db.select().from(outbox).where(eq(outbox.caseId, created.body.id)))[0]!;
    expect(message.lastError).toMatch(/officer key .* was revoked/);

    // A revoked key cannot be made trusted again.
    const again = { ...list, serial: 11 };
    again.parties = again.parties.map((p) =>
      p.code === 'ARC'
        ? { ...p, officers: p.officers!.map((o) => ({ ...o, status: 'active' as const })) }
        : p,
    );
    const back = await borAdmin.put('/api/v1/node/trust-list', { trustList: signed(again) });
    expect(back.status).toBe(409);
    expect(back.body.detail).toMatch(/revoked key cannot be trusted again/);
  });

  it('rotates a node’s keys: the new key signs, the retired one only what it signed before, old mail still opens', async () => {
    // ARC rotates: stop, new keys, a new list (old signing key retired, new keys active), signed and installed.
    const start = await fed.stop('ARC');
    const { before, after } = rotateNodeKeys(join(fed.dir, 'ARC', 'keys'), 'ARC');
    const retiredAt = new Date();
    const list = { ...currentList(), serial: 20 };
    const arcEntry = list.parties.find((p) => p.code === 'ARC')!;
    arcEntry.keys = [
      {
        kid: before.signing.kid,
        use: 'sig',
        jwk: before.signing.publicJwk,
        status: 'retired',
        retiredAt: retiredAt.toISOString(),
      },
      { kid: before.encryption.kid, use: 'enc', jwk: before.encryption.publicJwk, status: 'retired' },
      { kid: after.signing.kid, use: 'sig', jwk: after.signing.publicJwk as PublicJwk, status: 'active' },
      {
        kid: after.encryption.kid,
        use: 'enc',
        jwk: after.encryption.publicJwk as PublicJwk,
        status: 'active',
      },
      { kid: after.witness.kid, use: 'wit', jwk: after.witness.publicJwk as PublicJwk, status: 'active' },
    ];
    writeFileSync(join(fed.dir, 'trust-list.jws'), `${signed(list)}\n`);
    await start();
    expect(arc().keys.signing.kid).toBe(after.signing.kid);
    expect(arc().keys.previousEncryption.has(before.encryption.kid)).toBe(true);

    // BOR has not installed the new list yet: ARC's new key is unknown there, and the message waits.
    const created = await arcOfficer.post('/api/v1/cases', { ...emergency(), urgency: 'urgent' });
    expect(created.status).toBe(201);
    await arcOfficer.post(`/api/v1/cases/${created.body.id}/actions/submit`);
    await waitFor(async () => {
      const m = (await arc().db.select().from(outbox).where(eq(outbox.caseId, created.body.id)))[0];
      return m?.lastError?.includes('not in the trust list') ?? false;
    });
    // Once BOR installs the new list, the retried message goes through.
    expect((await borAdmin.put('/api/v1/node/trust-list', { trustList: signed(list) })).status).toBe(200);
    await fed.settle();
    expect((await borReviewer.get(`/api/v1/cases/${created.body.id}`)).status).toBe(200);

    // The retired key: what it signed before its retirement still verifies; nothing newer does.
    retired = { ...before.signing, at: retiredAt };
    const late = await fromRetiredArc(new Date());
    expect(late.status).toBe(400);
    expect(late.body.detail).toMatch(/was retired at .* and signs no newer message/);
    expect((await fromRetiredArc(new Date(retiredAt.getTime() - 60_000))).status).toBe(200);

    // A peer that still encrypts to ARC's old encryption key is understood.
    const borKeys = bor().keys;
    const { jwe } = await sealMessage({
      claims: {
        id: ulid(),
        type: 'request',
        from: 'BOR',
        to: 'ARC',
        case: ulid(),
        created: new Date().toISOString(),
        expires: new Date(Date.now() + 3_600_000).toISOString(),
        prev: null,
        action: 'submit',
        actor: { name: 'Officer' },
        body: { request: { ...corpusRequest('05-ncii-former-partner.json') } },
      },
      signingKey: borKeys.signing.privateKey,
      signingKid: borKeys.signing.kid,
      recipientKey: createPublicKey(before.encryption.privateKey),
      recipientKid: before.encryption.kid,
    });
    const old = await fetch(`${fed.url('ARC')}/exchange/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/jose' },
      body: jwe,
    });
    expect(old.status).toBe(200);
  });

  it('refuses what a retired key signs with a backdated `created` or a lifetime longer than a message lives', async () => {
    const hour = 3_600_000;
    const lifetime = bor().settings.messageTtlHours * hour;
    const skew = bor().settings.clockSkewSeconds * 1000;
    // Whoever holds the retired key dates a message before the retirement, long ago: refused, and told why.
    const backdated = await fromRetiredArc(new Date(retired!.at.getTime() - 30 * 24 * hour));
    expect(backdated.status).toBe(400);
    expect(backdated.body.detail).toMatch(/created at .*, longer ago than a message lives \(\d+ hours/);
    // Dated just before the retirement but valid for a year: refused too.
    const created = new Date(retired!.at.getTime() - 60_000);
    const long = await fromRetiredArc(created, new Date(created.getTime() + 365 * 24 * hour));
    expect(long.status).toBe(400);
    expect(long.body.detail).toMatch(/valid for \d+ hours, longer than a message lives \(\d+ hours/);
    // The longest lifetime allowed, with the tolerated skew, still goes through.
    expect((await fromRetiredArc(created, new Date(created.getTime() + lifetime + skew))).status).toBe(200);
  });
});

describe(`handing the administrator key over (${engine})`, () => {
  it('accepts the named next key, then only it, and walks from the configured key to it after a restart', async () => {
    const admin1 = demoTrustAdmin(fed.dir);
    const admin2 = generateKeyPairSync('ed25519').privateKey;
    const jwk2 = createPublicKey(admin2).export({ format: 'jwk' }) as { x: string };
    const next = { kty: 'OKP' as const, crv: 'Ed25519' as const, x: jwk2.x };
    const [kid1, kid2] = [trustAdminKid(admin1.publicJwk), trustAdminKid(next)];
    const install = (text: string) => borAdmin.put('/api/v1/node/trust-list', { trustList: text });
    const refusedAs = async (text: string, reason: RegExp) => {
      const res = await install(text);
      expect(res.status).toBe(422);
      expect(res.body.detail).toMatch(reason);
    };
    const lastRecord = async () =>
      (
        await bor()
          .db.select()
          .from(ledgerEntries)
          .where(eq(ledgerEntries.type, 'trust-list'))
          .orderBy(desc(ledgerEntries.seq))
          .limit(1)
      )[0]!.record as Record<string, unknown>;
    const handovers = () => readFileSync(handoversPath(bor().trustSource.path), 'utf8').trim().split('\n');

    // Before any handover is announced, the new key is a stranger.
    await refusedAs(
      signTrustList({ ...currentList(), serial: 100 }, admin2),
      new RegExp(`signed with ${kid2}, not with the configured administrator key ${kid1}$`),
    );

    // A second process of BOR that sleeps through the handover (see 'another process' above).
    const behind = { ...bor(), trustSource: { ...bor().trustSource } };
    // And one on another host, with its files in a folder of its own.
    const away = join(fed.dir, 'away', 'trust-list.jws');
    mkdirSync(dirname(away), { recursive: true });
    writeFileSync(away, `${bor().trust.text}\n`);
    const behindElsewhere = { ...bor(), trustSource: { ...bor().trustSource, path: away } };

    // The configured key announces the next one; the ledger says so.
    const announce = signTrustList({ ...currentList(), serial: 101, nextSigner: next }, admin1.privateKey);
    expect((await install(announce)).status).toBe(200);
    expect(await lastRecord()).toMatchObject({ serial: 101, signedBy: kid1, nextSigner: kid2 });
    // A third key is still refused, however the list is worded.
    const stranger = generateKeyPairSync('ed25519').privateKey;
    await refusedAs(
      signTrustList({ ...currentList(), serial: 102 }, stranger),
      new RegExp(`not with the configured administrator key ${kid1} or ${kid2}$`),
    );

    // The first list signed with the next key hands over, and is a ledger entry of its own even with the same
    // content; the list that named the key is kept. From now on the old key signs nothing accepted.
    const handed = await install(signTrustList({ ...currentList(), serial: 101, nextSigner: next }, admin2));
    expect(handed.status).toBe(200);
    expect(handed.body.signedBy).toBe(kid2);
    expect(await lastRecord()).toMatchObject({ serial: 101, signedBy: kid2 });
    expect(handovers()).toEqual([announce]);
    // The process behind follows both steps at once: it walks the kept handover from the key it holds.
    expect(behind.trustSource.signer).toEqual(admin1.publicJwk);
    expect(await followRecordedTrustList(behind)).toBe(true);
    expect(behind.trust.signedBy).toBe(kid2);
    expect(behind.trustSource.signer).toEqual(next);
    // The one on another host too, and it keeps the handover: its next start walks to the new key.
    expect(await followRecordedTrustList(behindElsewhere)).toBe(true);
    expect(behindElsewhere.trust.signedBy).toBe(kid2);
    expect(readFileSync(handoversPath(away), 'utf8').trim().split('\n')).toEqual([announce]);
    expect(loadTrustListInForce(away, admin1.publicJwk).trust.signedBy).toBe(kid2);
    const { nextSigner: _, ...plain } = currentList();
    await refusedAs(
      signTrustList({ ...plain, serial: 103 }, admin1.privateKey),
      new RegExp(`signed with ${kid1}, not with the configured administrator key ${kid2}$`),
    );

    // The node's config still names the first key: at start it walks the kept handover to the second.
    const start = await fed.stop('BOR');
    await start();
    expect(bor().trust.signedBy).toBe(kid2);
    expect(bor().trustSource.signer).toEqual(next);
    expect((await install(signTrustList({ ...plain, serial: 104 }, admin2))).status).toBe(200);
    await refusedAs(signTrustList({ ...plain, serial: 105 }, admin1.privateKey), /not with the configured/);

    // An operator who puts the new key in the config by hand starts the walk there: the old line is skipped.
    await (await fed.stop('BOR'))({ trustListSigner: next });
    expect(bor().trustSource.signer).toEqual(next);
    expect((await install(signTrustList({ ...plain, serial: 106 }, admin2))).status).toBe(200);

    // A stop in the middle of the next handover (to a third key), after the list that names it was kept and
    // before the new list was written (nor its ledger entry committed), leaves that list in force: the node
    // starts on it, with the third key in force.
    const admin3 = generateKeyPairSync('ed25519').privateKey;
    const third = {
      kty: 'OKP' as const,
      crv: 'Ed25519' as const,
      x: (createPublicKey(admin3).export({ format: 'jwk' }) as { x: string }).x,
    };
    const announce3 = signTrustList({ ...plain, serial: 107, nextSigner: third }, admin2);
    expect((await install(announce3)).status).toBe(200);
    const cut = await fed.stop('BOR');
    writeFileSync(handoversPath(bor().trustSource.path), `${announce}\n${announce3}\n`);
    await cut();
    expect(bor().trust.signedBy).toBe(kid2);
    expect(bor().trustSource.signer).toEqual(third);
    expect((await install(signTrustList({ ...plain, serial: 108 }, admin3))).status).toBe(200);

    // A kept line signed by the key in force that does not verify stops the node with the line named.
    const broken = await fed.stop('BOR');
    const [h, p] = announce3.split('.');
    writeFileSync(handoversPath(bor().trustSource.path), `${announce}\n${h}.${p}.${'A'.repeat(86)}\n`);
    await expect(broken()).rejects.toThrow(/\.handovers, line 2: the signature does not verify/);
    writeFileSync(handoversPath(bor().trustSource.path), `${announce}\n${announce3}\n`);
    await broken();
    expect(bor().trust.file.serial).toBe(108);

    // A host that missed both handovers (no kept lines, the first key configured) cannot bring that key back
    // with a list of its own, whatever its serial: the ledger shows the key handed over.
    const path = bor().trustSource.path;
    const kept = { lines: readFileSync(handoversPath(path), 'utf8'), list: readFileSync(path, 'utf8') };
    const missed = await fed.stop('BOR');
    rmSync(handoversPath(path));
    writeFileSync(path, `${signTrustList({ ...plain, serial: 200 }, admin1.privateKey)}\n`);
    await expect(missed()).rejects.toThrow(new RegExp(`key ${kid1} handed over to ${kid2}`));
    writeFileSync(handoversPath(path), kept.lines);
    writeFileSync(path, kept.list);
    await missed();
    expect(bor().trust.file.serial).toBe(108);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 200));
  }
}

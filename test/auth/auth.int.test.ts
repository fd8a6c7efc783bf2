/**
 * Identity for people (issue 7): second factors for every account that can see case data (TOTP, passkeys,
 * recovery codes), browser sessions as cookies with CSRF protection, lockout, and an administrator who
 * disables an account and thereby ends its sessions at once.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTotpSecret, totp } from '../../src/auth/totp.ts';
import { ledgerEntries } from '../../src/store/schema.ts';
import { type Client, engine, startTestFederation, type TestFederation } from '../helpers/federation.ts';
import { SoftAuthenticator } from '../helpers/soft-authenticator.ts';

let fed: TestFederation;
let admin: Client;
let url: string;
/** The same node by name: WebAuthn needs a domain, and browsers treat http://localhost as secure. */
let named: string;

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

async function call(
  method: string,
  path: string,
  opts: {
    body?: unknown;
    token?: string;
    cookie?: string;
    headers?: Record<string, string>;
    base?: string;
  } = {},
): Promise<Answer> {
  const res = await fetch(`${opts.base ?? url}${path}`, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
      ...opts.headers,
    },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

const PASSWORD = 'a long enough password';
let counter = 0;

/** A new non-demo account made by BOR's administrator. */
async function newAccount(roles: string[] = ['reviewer']): Promise<{ id: string; email: string }> {
  const email = `person${++counter}-${Date.now()}@bor.example`;
  const res = await admin.post('/api/v1/users', {
    email,
    name: `Person ${counter}`,
    roles,
    password: PASSWORD,
  });
  expect(res.status).toBe(201);
  return { id: res.body.id, email };
}

/** The code the authenticator app shows for `secret`, `offset` steps from now. */
const codeFor = (secret: string, offset = 0) =>
  totp(decodeTotpSecret(secret), new Date(Date.now() + offset * 30_000));

/** Signs up a new account with TOTP; returns its secret and recovery codes. */
async function accountWithTotp() {
  const account = await newAccount();
  const first = await call('POST', '/api/v1/auth/login', {
    body: { email: account.email, password: PASSWORD },
  });
  const setup = await call('POST', '/api/v1/auth/mfa/totp/setup', { token: first.body.token });
  const confirmed = await call('POST', '/api/v1/auth/mfa/totp/confirm', {
    token: first.body.token,
    body: { code: codeFor(setup.body.secret) },
  });
  expect(confirmed.status).toBe(200);
  for (const secret of [
    setup.body.secret,
    first.body.token,
    confirmed.body.session.token,
    ...confirmed.body.recoveryCodes,
  ])
    fed.secret(secret);
  return {
    ...account,
    secret: setup.body.secret as string,
    recoveryCodes: confirmed.body.recoveryCodes as string[],
  };
}

beforeAll(async () => {
  fed = await startTestFederation({ settings: { lockoutThreshold: 3 } });
  url = fed.url('BOR');
  named = url.replace('127.0.0.1', 'localhost');
  admin = await fed.as('admin@bor.example');
}, 120_000);
afterAll(async () => fed?.close());

describe(`second factors (${engine})`, () => {
  it('makes a new account enrol an authenticator app before it sees anything, then asks for a code each time', async () => {
    const account = await newAccount();
    const first = await call('POST', '/api/v1/auth/login', {
      body: { email: account.email, password: PASSWORD },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ stage: 'enrol', user: { email: account.email } });
    const enrolling = first.body.token as string;
    // Until a factor is enrolled, nothing but enrolment opens.
    const cases = await call('GET', '/api/v1/cases?direction=incoming', { token: enrolling });
    expect(cases.status).toBe(403);
    expect(cases.body).toMatchObject({ stage: 'enrol' });
    expect((await call('GET', '/api/v1/auth/me', { token: enrolling })).body).toMatchObject({
      stage: 'enrol',
      demo: false,
    });

    const setup = await call('POST', '/api/v1/auth/mfa/totp/setup', { token: enrolling });
    expect(setup.status).toBe(200);
    expect(setup.body.uri).toMatch(/^otpauth:\/\/totp\/Comity%20BOR%3Aperson\d+/);
    expect(setup.body.qrSvg).toMatch(/^<svg/);
    const wrong = await call('POST', '/api/v1/auth/mfa/totp/confirm', {
      token: enrolling,
      body: { code: '000000' },
    });
    expect(wrong.status).toBe(422);
    const confirmed = await call('POST', '/api/v1/auth/mfa/totp/confirm', {
      token: enrolling,
      body: { code: codeFor(setup.body.secret) },
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    expect(confirmed.body.session).toMatchObject({ stage: 'full' });
    // The enrolment token is replaced, not upgraded.
    expect((await call('GET', '/api/v1/auth/me', { token: enrolling })).status).toBe(401);
    const full = confirmed.body.session.token as string;
    expect((await call('GET', '/api/v1/cases?direction=incoming', { token: full })).status).toBe(200);

    // Next time: password, then a code. A code is good once.
    const second = await call('POST', '/api/v1/auth/login', {
      body: { email: account.email, password: PASSWORD },
    });
    expect(second.body).toMatchObject({ stage: 'mfa', methods: ['totp', 'recovery-code'] });
    expect((await call('GET', '/api/v1/cases', { token: second.body.token })).status).toBe(403);
    const bad = await call('POST', '/api/v1/auth/verify/totp', {
      token: second.body.token,
      body: { code: '123456' },
    });
    expect(bad.status).toBe(401);
    // The code of the next step: the enrolment consumed the current one.
    const code = codeFor(setup.body.secret, 1);
    const good = await call('POST', '/api/v1/auth/verify/totp', { token: second.body.token, body: { code } });
    expect(good.status).toBe(200);
    expect(good.body.stage).toBe('full');
    const third = await call('POST', '/api/v1/auth/login', {
      body: { email: account.email, password: PASSWORD },
    });
    const replay = await call('POST', '/api/v1/auth/verify/totp', {
      token: third.body.token,
      body: { code },
    });
    expect(replay.status).toBe(401);
    expect(replay.body.detail).toMatch(/already used/);
  });

  it('accepts each recovery code once, and locks the second factor after repeated failures', async () => {
    const account = await accountWithTotp();
    const [code] = account.recoveryCodes;
    const pending = await call('POST', '/api/v1/auth/login', {
      body: { email: account.email, password: PASSWORD },
    });
    const used = await call('POST', '/api/v1/auth/verify/recovery-code', {
      token: pending.body.token,
      body: { code: code!.toUpperCase() },
    });
    expect(used.status).toBe(200);
    const status = await call('GET', '/api/v1/auth/mfa', { token: used.body.token });
    expect(status.body).toMatchObject({ totp: true, recoveryCodesLeft: 9 });

    const again = await call('POST', '/api/v1/auth/login', {
      body: { email: account.email, password: PASSWORD },
    });
    for (let i = 0; i < 3; i++) {
      const wrong = await call('POST', '/api/v1/auth/verify/recovery-code', {
        token: again.body.token,
        body: { code: code! },
      });
      expect(wrong.status).toBe(401);
    }
    // Locked now, even with a right code.
    const locked = await call('POST', '/api/v1/auth/verify/totp', {
      token: again.body.token,
      body: { code: codeFor(account.secret, 1) },
    });
    expect(locked.status).toBe(429);
    expect(locked.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('enrols a passkey and signs in with it; refuses a passkey from another origin or a replayed counter', async () => {
    const account = await newAccount();
    const authenticator = new SoftAuthenticator();
    const origin = { origin: named };
    const first = await call('POST', '/api/v1/auth/login', {
      base: named,
      body: { email: account.email, password: PASSWORD },
    });
    // By IP address, passkeys cannot work; the answer says where to go.
    const byIp = await call('POST', '/api/v1/auth/mfa/passkeys/options', {
      token: first.body.token,
      headers: { origin: url },
    });
    expect(byIp.status).toBe(400);
    expect(byIp.body.detail).toMatch(/localhost/);

    const options = await call('POST', '/api/v1/auth/mfa/passkeys/options', {
      base: named,
      token: first.body.token,
      headers: origin,
    });
    expect(options.status).toBe(200);
    expect(options.body.rp).toEqual({ name: 'Comity BOR', id: 'localhost' });
    const registered = await call('POST', '/api/v1/auth/mfa/passkeys', {
      base: named,
      token: first.body.token,
      headers: origin,
      body: { response: authenticator.register(options.body, named), name: 'Laptop' },
    });
    expect(registered.status).toBe(200);
    expect(registered.body.recoveryCodes).toHaveLength(10);
    expect(registered.body.session.stage).toBe('full');

    const signIn = async (misbehave = {}) => {
      const pending = await call('POST', '/api/v1/auth/login', {
        base: named,
        body: { email: account.email, password: PASSWORD },
      });
      expect(pending.body.methods).toEqual(['passkey', 'recovery-code']);
      const opts = await call('POST', '/api/v1/auth/verify/passkey/options', {
        base: named,
        token: pending.body.token,
        headers: origin,
      });
      return call('POST', '/api/v1/auth/verify/passkey', {
        base: named,
        token: pending.body.token,
        headers: origin,
        body: { response: authenticator.authenticate(opts.body, named, misbehave) },
      });
    };
    const ok = await signIn();
    expect(ok.status).toBe(200);
    expect(ok.body.stage).toBe('full');
    // A cloned authenticator shows itself by repeating a counter the node has already seen.
    const replayed = await signIn({ counter: 'repeat' });
    expect(replayed.status).toBe(401);
    expect(replayed.body.detail).toMatch(/counter/i);
    expect((await signIn({ origin: 'http://localhost:9999' })).status).toBe(401);
  });
});

describe(`browser sessions (${engine})`, () => {
  it('keeps the token in an HttpOnly, SameSite=Strict cookie and refuses changes without the CSRF token', async () => {
    const login = await call('POST', '/api/v1/auth/login', {
      body: { email: 'officer@bor.example', password: 'test-password-0', session: 'cookie' },
    });
    expect(login.status).toBe(200);
    expect(login.body.token).toBeUndefined();
    expect(login.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(
      /^comity_session_BOR=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Secure; Max-Age=\d+$/,
    );
    const cookie = setCookie.split(';')[0]!;

    expect((await call('GET', '/api/v1/cases?direction=outgoing', { cookie })).status).toBe(200);
    const draft = { type: 'preservation' };
    const noCsrf = await call('POST', '/api/v1/screening', { cookie, body: draft });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.detail).toMatch(/CSRF/);
    const crossSite = await call('POST', '/api/v1/screening', {
      cookie,
      body: draft,
      headers: { 'x-csrf-token': login.body.csrfToken, origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    const withCsrf = await call('POST', '/api/v1/screening', {
      cookie,
      body: draft,
      headers: { 'x-csrf-token': login.body.csrfToken },
    });
    // Past the CSRF check: the body itself is judged (and found incomplete).
    expect(withCsrf.status).toBe(400);

    // A cookie token is not a bearer token, nor the reverse.
    const token = cookie.split('=')[1]!;
    expect((await call('GET', '/api/v1/auth/me', { token })).status).toBe(401);

    // Signing out needs no CSRF token: a forged sign-out costs nothing but a sign-in.
    const out = await call('POST', '/api/v1/auth/logout', { cookie });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/comity_session_BOR=; .*Max-Age=0/);
    expect((await call('GET', '/api/v1/auth/me', { cookie })).status).toBe(401);
  });
});

describe(`lockout and administration (${engine})`, () => {
  it('locks an address after repeated failed sign-ins, known or not, with the same answer', async () => {
    const account = await newAccount();
    for (const email of [account.email, `nobody-${Date.now()}@bor.example`]) {
      for (let i = 0; i < 3; i++) {
        const wrong = await call('POST', '/api/v1/auth/login', {
          body: { email, password: 'wrong password!' },
        });
        expect(wrong.status).toBe(401);
        expect(wrong.body.detail).toBe('Wrong e-mail or password.');
      }
      const locked = await call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } });
      expect(locked.status).toBe(429);
      expect(locked.body.detail).toMatch(/locked until \d\d:\d\d UTC/);
    }
    // Both lockouts are ledger events; the unknown address is not named.
    const core = fed.demo.nodes.BOR!.core;
    const events = await core.db.select().from(ledgerEntries).where(eq(ledgerEntries.type, 'account-event'));
    const locks = events.map((e) => e.record as Record<string, unknown>).filter((r) => r.event === 'locked');
    expect(locks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ userId: account.id }),
        expect.objectContaining({ unknownAccount: true }),
      ]),
    );
  });

  it('lets an administrator disable an account, which ends its sessions at once', async () => {
    const account = await accountWithTotp();
    const pending = await call('POST', '/api/v1/auth/login', {
      body: { email: account.email, password: PASSWORD },
    });
    const session = await call('POST', '/api/v1/auth/verify/totp', {
      token: pending.body.token,
      body: { code: codeFor(account.secret, 1) },
    });
    const token = session.body.token as string;
    expect((await call('GET', '/api/v1/cases', { token })).status).toBe(200);

    const officer = await fed.as('officer@bor.example');
    expect((await officer.get('/api/v1/users')).status).toBe(403);
    const disabled = await call('PATCH', `/api/v1/users/${account.id}`, {
      token: admin.token,
      body: { disabled: true },
    });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ disabled: true, secondFactor: true });
    expect((await call('GET', '/api/v1/cases', { token })).status).toBe(401);
    const again = await call('POST', '/api/v1/auth/login', {
      body: { email: account.email, password: PASSWORD },
    });
    expect(again.status).toBe(401);

    const self = await call('GET', '/api/v1/auth/me', { token: admin.token });
    const selfDisable = await call('PATCH', `/api/v1/users/${self.body.id}`, {
      token: admin.token,
      body: { disabled: true },
    });
    expect(selfDisable.status).toBe(409);
  });

  it('gives officers a vouching key and shows the administrator whether the trust list holds it', async () => {
    const officer = await newAccount(['officer']);
    const reviewer = await newAccount(['reviewer']);
    const { items } = (await admin.get('/api/v1/users')).body as {
      items: {
        id: string;
        email: string;
        officerKey: { kid: string; jwk: { x: string }; inTrustList: boolean } | null;
      }[];
    };
    const byEmail = (e: string) => items.find((a) => a.email === e)!;
    expect(byEmail(officer.email).officerKey).toMatchObject({
      kid: expect.stringMatching(/^BOR:officer:/),
      inTrustList: false,
    });
    expect(byEmail(reviewer.email).officerKey).toBeNull();
    // The demo's officer is published in the demo's trust list.
    expect(byEmail('officer@bor.example').officerKey).toMatchObject({ inTrustList: true });
  });

  it('gives an officer a new key on request, recorded in the ledger; never to an account that does not vouch', async () => {
    const officer = await newAccount(['contact-24-7']);
    const before = (await admin.get('/api/v1/users')).body.items.find(
      (a: { email: string }) => a.email === officer.email,
    ).officerKey.kid as string;
    const renewed = await admin.post(`/api/v1/users/${officer.id}/officer-key`);
    expect(renewed.status).toBe(200);
    const after = renewed.body.officerKey.kid as string;
    expect(after).toMatch(/^BOR:officer:/);
    expect(after).not.toBe(before);
    expect(renewed.body.officerKey.inTrustList).toBe(false);
    const events = await fed.demo.nodes
      .BOR!.core.db.select()
      .from(ledgerEntries)
      .where(eq(ledgerEntries.type, 'account-event'));
    expect(events.map((e) => e.record)).toContainEqual(
      expect.objectContaining({
        event: 'officer-key-renewed',
        userId: officer.id,
        previous: before,
        kid: after,
      }),
    );

    const reviewer = await newAccount(['reviewer']);
    const refused = await admin.post(`/api/v1/users/${reviewer.id}/officer-key`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toBe('Only officers and 24/7 contacts hold a key to vouch with.');
    const demo = (await admin.get('/api/v1/users')).body.items.find(
      (a: { email: string }) => a.email === 'officer@bor.example',
    );
    expect((await admin.post(`/api/v1/users/${demo.id}/officer-key`)).status).toBe(409);
    const self = await fed.as('reviewer@bor.example');
    expect((await self.post(`/api/v1/users/${officer.id}/officer-key`)).status).toBe(403);
  });

  it('refuses weak passwords and duplicate accounts', async () => {
    const short = await admin.post('/api/v1/users', {
      email: 'short@bor.example',
      name: 'Short',
      roles: ['officer'],
      password: 'short',
    });
    expect(short.status).toBe(400);
    const account = await newAccount();
    const dup = await admin.post('/api/v1/users', {
      email: account.email.toUpperCase(),
      name: 'Again',
      roles: ['officer'],
      password: PASSWORD,
    });
    expect(dup.status).toBe(409);
  });
});

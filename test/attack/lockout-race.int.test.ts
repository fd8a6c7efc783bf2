/**
 * Issue 14, item 7: racing the lockouts. A lockout that checks "is it locked?", then verifies, then counts the
 * failure lets every attempt sent at once pass the check before any failure is counted: nineteen wrong
 * passwords sent together reached argon2 sixteen times with a threshold of five. The same for the second
 * factor, and one TOTP code sent twice at once signed in twice. Each attempt must be counted before it is
 * verified, so that no more than the threshold are ever verified, and the last TOTP step must be moved with a
 * compare-and-set, so that one code signs in once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTotpSecret, totp } from '../../src/auth/totp.ts';
import { type Client, engine, startTestFederation, type TestFederation } from '../helpers/federation.ts';
import { SoftAuthenticator } from '../helpers/soft-authenticator.ts';

const THRESHOLD = 5;
const ATTEMPTS = 19;
const PASSWORD = 'a long enough password';

let fed: TestFederation;
let admin: Client;
let url: string;
let counter = 0;

beforeAll(async () => {
  fed = await startTestFederation({ settings: { lockoutThreshold: THRESHOLD } });
  url = fed.url('BOR');
  admin = await fed.as('admin@bor.example');
}, 120_000);
afterAll(async () => fed?.close());

async function post(path: string, body: unknown, token?: string, base = url) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(base !== url ? { origin: base } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function newAccount(): Promise<{ email: string }> {
  const email = `racer${++counter}-${Date.now()}@bor.example`;
  const res = await admin.post('/api/v1/users', {
    email,
    name: `Racer ${counter}`,
    roles: ['reviewer'],
    password: PASSWORD,
  });
  expect(res.status).toBe(201);
  return { email };
}

const codeFor = (secret: string, offset = 0) =>
  totp(decodeTotpSecret(secret), new Date(Date.now() + offset * 30_000));

/** An account with an authenticator app; the enrolment used the current step's code. */
async function accountWithTotp(): Promise<{ email: string; secret: string; recoveryCodes: string[] }> {
  const { email } = await newAccount();
  const first = await post('/api/v1/auth/login', { email, password: PASSWORD });
  const setup = await post('/api/v1/auth/mfa/totp/setup', {}, first.body.token);
  const confirmed = await post(
    '/api/v1/auth/mfa/totp/confirm',
    { code: codeFor(setup.body.secret) },
    first.body.token,
  );
  expect(confirmed.status).toBe(200);
  for (const s of [setup.body.secret, ...confirmed.body.recoveryCodes]) fed.secret(s);
  return { email, secret: setup.body.secret, recoveryCodes: confirmed.body.recoveryCodes };
}

const statuses = (answers: { status: number }[]) => answers.map((a) => a.status).sort();

describe(`racing the lockouts (${engine})`, () => {
  it('verifies no more wrong passwords than the threshold, however many arrive at once', async () => {
    const { email } = await newAccount();
    const answers = await Promise.all(
      Array.from({ length: ATTEMPTS }, (_, i) =>
        post('/api/v1/auth/login', { email, password: `wrong password ${i}` }),
      ),
    );
    // Every 401 is an attempt whose password was hashed and compared; the rest were refused as locked.
    expect(answers.filter((a) => a.status === 401)).toHaveLength(THRESHOLD);
    expect(statuses(answers)).toEqual([
      ...Array(THRESHOLD).fill(401),
      ...Array(ATTEMPTS - THRESHOLD).fill(429),
    ]);
    // And the address is locked, even for the right password.
    expect((await post('/api/v1/auth/login', { email, password: PASSWORD })).status).toBe(429);
  });

  it('counts the same for an unknown address', async () => {
    const email = `nobody-${Date.now()}@bor.example`;
    const answers = await Promise.all(
      Array.from({ length: ATTEMPTS }, () =>
        post('/api/v1/auth/login', { email, password: 'wrong password!' }),
      ),
    );
    expect(answers.filter((a) => a.status === 401)).toHaveLength(THRESHOLD);
  });

  it('verifies no more wrong second factors than the threshold', async () => {
    const account = await accountWithTotp();
    const pending = await post('/api/v1/auth/login', { email: account.email, password: PASSWORD });
    expect(pending.body.stage).toBe('mfa');
    const answers = await Promise.all(
      Array.from({ length: ATTEMPTS }, (_, i) =>
        post('/api/v1/auth/verify/totp', { code: String(100000 + i) }, pending.body.token),
      ),
    );
    expect(answers.filter((a) => a.status === 401)).toHaveLength(THRESHOLD);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(ATTEMPTS - THRESHOLD);
  });

  it('lets one TOTP code sign in once, even when it is sent on two sessions at the same moment', async () => {
    const account = await accountWithTotp();
    const sessions = await Promise.all(
      [1, 2, 3].map(() => post('/api/v1/auth/login', { email: account.email, password: PASSWORD })),
    );
    for (const s of sessions) expect(s.body.stage).toBe('mfa');
    const code = codeFor(account.secret, 1);
    const answers = await Promise.all(
      sessions.map((s) => post('/api/v1/auth/verify/totp', { code }, s.body.token)),
    );
    expect(statuses(answers)).toEqual([200, 401, 401]);
    expect(answers.find((a) => a.status === 401)?.body.detail).toMatch(/already used/);
  });

  it('starts the count again after a second factor is given right', async () => {
    const account = await accountWithTotp();
    // Twice: one fewer wrong code than the threshold, then a right one (a recovery code): never locked.
    for (const right of account.recoveryCodes.slice(0, 2)) {
      const pending = await post('/api/v1/auth/login', { email: account.email, password: PASSWORD });
      for (let i = 0; i < THRESHOLD - 1; i++)
        expect((await post('/api/v1/auth/verify/totp', { code: '000000' }, pending.body.token)).status).toBe(
          401,
        );
      expect(
        (await post('/api/v1/auth/verify/recovery-code', { code: right }, pending.body.token)).status,
      ).toBe(200);
    }
  });

  it('lets one passkey answer complete one sign-in, even when it is sent twice at once', async () => {
    // WebAuthn needs a domain name: the same node as http://localhost.
    const named = url.replace('127.0.0.1', 'localhost');
    const { email } = await newAccount();
    const authenticator = new SoftAuthenticator();
    const first = await post('/api/v1/auth/login', { email, password: PASSWORD }, undefined, named);
    const options = await post('/api/v1/auth/mfa/passkeys/options', {}, first.body.token, named);
    const registered = await post(
      '/api/v1/auth/mfa/passkeys',
      { response: authenticator.register(options.body, named), name: 'Laptop' },
      first.body.token,
      named,
    );
    expect(registered.status).toBe(200);
    fed.secret(first.body.token);

    const pending = await post('/api/v1/auth/login', { email, password: PASSWORD }, undefined, named);
    const opts = await post('/api/v1/auth/verify/passkey/options', {}, pending.body.token, named);
    const response = authenticator.authenticate(opts.body, named);
    const answers = await Promise.all(
      [1, 2].map(() => post('/api/v1/auth/verify/passkey', { response }, pending.body.token, named)),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.find((a) => a.status !== 200)?.status).toBeOneOf([401, 409]);
  });
});

/**
 * Behind a reverse proxy that terminates TLS: the node believes X-Forwarded-Proto and X-Forwarded-For from the
 * proxies its config names (`trustProxy`), and from nobody else. Session cookies are then Secure, and each
 * client has its own sign-in budget instead of sharing the proxy's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFederation, type TestFederation } from '../helpers/federation.ts';

let fed: TestFederation;
beforeAll(async () => {
  fed = await startTestFederation({ trustProxy: ['127.0.0.1'], settings: { loginRateLimitPerMinute: 3 } });
}, 120_000);
afterAll(() => fed?.close());

const PROXY = '127.0.0.1';
const STRANGER = '192.0.2.10';

/** A cookie sign-in to ARC as if from `from`, with the forwarded headers given. */
function signIn(
  from: string,
  headers: Record<string, string>,
  email = 'nobody@arc.example',
  password = 'wrong',
) {
  return fed.demo.nodes.ARC!.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress: from,
    headers: { host: 'comity.arc.example', ...headers },
    payload: { email, password, session: 'cookie' },
  });
}
const officer = (from: string, headers: Record<string, string>) =>
  signIn(from, headers, 'officer@arc.example', 'test-password-0');

describe('a node behind a TLS-terminating proxy', () => {
  it('sets Secure on the session cookie when the trusted proxy says the client used HTTPS', async () => {
    const viaHttps = await officer(PROXY, {
      'x-forwarded-proto': 'https',
      'x-forwarded-for': '198.51.100.20',
    });
    expect(viaHttps.statusCode).toBe(200);
    expect(String(viaHttps.headers['set-cookie'])).toMatch(/;\s*Secure/);

    const viaHttp = await officer(PROXY, { 'x-forwarded-for': '198.51.100.21' });
    expect(viaHttp.statusCode).toBe(200);
    expect(String(viaHttp.headers['set-cookie'])).not.toMatch(/Secure/);
  });

  it('ignores forwarded headers from anyone but the proxy', async () => {
    const forged = await officer(STRANGER, {
      'x-forwarded-proto': 'https',
      'x-forwarded-for': '198.51.100.22',
    });
    expect(forged.statusCode).toBe(200);
    expect(String(forged.headers['set-cookie'])).not.toMatch(/Secure/);
  });

  it('gives each client behind the proxy its own sign-in budget, and a client forging X-Forwarded-For none', async () => {
    // Three attempts a minute per client address (this federation's setting); five failures for one e-mail
    // address lock it, so the second half uses another.
    for (let i = 0; i < 3; i++)
      expect((await signIn(PROXY, { 'x-forwarded-for': '203.0.113.1' })).statusCode).toBe(401);
    expect((await signIn(PROXY, { 'x-forwarded-for': '203.0.113.1' })).statusCode).toBe(429);
    // Another client through the same proxy is not affected.
    expect((await signIn(PROXY, { 'x-forwarded-for': '203.0.113.2' })).statusCode).toBe(401);
    // Without the proxy's word, X-Forwarded-For changes nothing: the stranger's own address is counted.
    const stranger = '192.0.2.11';
    for (let i = 0; i < 3; i++)
      expect(
        (await signIn(stranger, { 'x-forwarded-for': `203.0.113.${10 + i}` }, 'other@arc.example'))
          .statusCode,
      ).toBe(401);
    expect(
      (await signIn(stranger, { 'x-forwarded-for': '203.0.113.99' }, 'other@arc.example')).statusCode,
    ).toBe(429);
  });
});

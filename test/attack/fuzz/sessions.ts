/**
 * Signing in: the accounts the fuzzer makes for itself (one to log out, one half through sign-in, one with an
 * authenticator app…) and the tokens of every demo user, renewed when a case has ended them.
 */

import { ensureUser } from '../../../src/auth/sessions.ts';
import { decodeTotpSecret, totp } from '../../../src/auth/totp.ts';
import { demoEmail } from '../../../src/node/demo.ts';
import { ROLES, TARGETS, type Target } from './request.ts';
import { FUZZ_PASSWORD } from './settings.ts';
import { type FuzzState, nodeOf } from './state.ts';

/** Makes the fuzzer's own accounts on ARC and BOR, and gives fuzz-mfa an authenticator app. */
export async function createAccounts(state: FuzzState): Promise<void> {
  const { fed } = state;
  for (const t of TARGETS) {
    const core = fed.demo.nodes[t]!.core;
    for (const local of ['fuzz-login', 'fuzz-logout', 'fuzz-account', 'fuzz-enrol', 'fuzz-mfa']) {
      const id = await ensureUser(core, {
        email: `${local}@fuzz.example`,
        name: `Fuzzing (${local})`,
        party: t,
        roles: ['officer'],
        password: FUZZ_PASSWORD,
      });
      if (local === 'fuzz-logout') state.disposableUser[t] = id;
    }
  }
  for (const t of TARGETS) await enrolTotp(state, t);
}

async function login(state: FuzzState, t: Target, email: string): Promise<string | null> {
  const a = await nodeOf(state, t).app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password: FUZZ_PASSWORD },
  });
  return a.statusCode === 200 ? (JSON.parse(a.body).token as string) : null;
}

/** Gives fuzz-mfa an authenticator app, so that its sign-ins wait for a second factor. */
async function enrolTotp(state: FuzzState, t: Target): Promise<void> {
  const token = await login(state, t, 'fuzz-mfa@fuzz.example');
  const headers = { authorization: `Bearer ${token}` };
  const setup = await nodeOf(state, t).app.inject({
    method: 'POST',
    url: '/api/v1/auth/mfa/totp/setup',
    headers,
  });
  const secret = setup.statusCode === 200 ? (JSON.parse(setup.body).secret as string) : null;
  const confirm = secret
    ? await nodeOf(state, t).app.inject({
        method: 'POST',
        url: '/api/v1/auth/mfa/totp/confirm',
        headers,
        payload: { code: totp(decodeTotpSecret(secret), new Date()) },
      })
    : null;
  if (confirm?.statusCode !== 200)
    console.warn(
      `fuzz: cannot enrol an authenticator for fuzz-mfa on ${t}: ${setup.statusCode} ${confirm?.statusCode}`,
    );
}

/** Signs in again every identity whose token no longer works. */
export async function signIn(state: FuzzState): Promise<void> {
  for (const t of TARGETS)
    for (const stage of ['mfa', 'enrol']) {
      const key = `${t}:stage-${stage}`;
      const token = state.tokens.get(key);
      const me = token
        ? await nodeOf(state, t).app.inject({
            method: 'GET',
            url: '/api/v1/auth/me',
            headers: { authorization: `Bearer ${token}` },
          })
        : null;
      if (me?.statusCode === 200) continue;
      // Locked after the fuzzer's wrong codes, say: the identity goes without a token until it opens again.
      const fresh = await login(state, t, `fuzz-${stage}@fuzz.example`);
      if (fresh) state.tokens.set(key, fresh);
      else state.tokens.delete(key);
    }
  for (const t of TARGETS)
    for (const role of ROLES) {
      const key = `${t}:${role}`;
      const token = state.tokens.get(key);
      if (token) {
        const me = await nodeOf(state, t).app.inject({
          method: 'GET',
          url: '/api/v1/auth/me',
          headers: { authorization: `Bearer ${token}` },
        });
        if (me.statusCode === 200) continue;
      }
      try {
        state.tokens.set(key, (await state.fed.as(demoEmail(role, t))).token);
      } catch (e) {
        // A role that cannot sign in with a password alone is fuzzed as anonymous.
        console.warn(`fuzz: cannot sign in as ${demoEmail(role, t)}: ${(e as Error).message}`);
      }
    }
}

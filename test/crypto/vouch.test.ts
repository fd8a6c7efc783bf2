/** An officer's vouch for an emergency request, checked against the officer keys of the trust list. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateNodeKeys } from '../../src/crypto/keys.ts';
import { TrustList } from '../../src/crypto/trust-list.ts';
import { checkVouch, newOfficerKey, signVouch, VouchError } from '../../src/crypto/vouch.ts';
import { type InterchangeRequest, InterchangeRequestSchema } from '../../src/domain/request.ts';
import { corpusRequest } from '../helpers/corpus.ts';

const dir = mkdtempSync(join(tmpdir(), 'comity-vouch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const arc = loadOrCreateNodeKeys(dir, 'ARC');
const [active, retired, revoked, unlisted] = [1, 2, 3, 4].map(() => newOfficerKey('ARC')) as [
  ReturnType<typeof newOfficerKey>,
  ReturnType<typeof newOfficerKey>,
  ReturnType<typeof newOfficerKey>,
  ReturnType<typeof newOfficerKey>,
];
const trust = new TrustList({
  version: 1,
  parties: [
    {
      code: 'ARC',
      name: 'Arcadia',
      url: 'http://127.0.0.1:1',
      keys: [
        { kid: arc.signing.kid, use: 'sig', jwk: arc.signing.publicJwk },
        { kid: arc.encryption.kid, use: 'enc', jwk: arc.encryption.publicJwk },
      ],
      officers: [
        { kid: active.kid, name: 'On duty', jwk: active.jwk },
        { kid: retired.kid, name: 'Moved on', jwk: retired.jwk, status: 'retired' },
        { kid: revoked.kid, name: 'Compromised', jwk: revoked.jwk, status: 'revoked' },
      ],
    },
  ],
});
const request: InterchangeRequest = InterchangeRequestSchema.parse({
  ...corpusRequest('04-kidnapping-emergency-preservation.json'),
  from: 'ARC',
  to: 'BOR',
});
const vouchWith = (key: { pem: string; kid: string }) =>
  signVouch(key, 'Officer', { case: 'case-1', request }, new Date());
const check = (jws: string) => checkVouch(jws, { case: 'case-1', from: 'ARC', request }, trust);

function refusal(jws: string): VouchError {
  try {
    check(jws);
  } catch (e) {
    expect(e).toBeInstanceOf(VouchError);
    return e as VouchError;
  }
  throw new Error('the vouch was accepted');
}

describe('checkVouch', () => {
  it('accepts an active officer key of the requesting party and says who vouched', () => {
    expect(check(vouchWith(active))).toMatchObject({ kid: active.kid, name: 'On duty', party: 'ARC' });
  });

  it('refuses a retired or revoked key for good, and a key not listed yet for now (the sender may retry)', () => {
    expect(refusal(vouchWith(retired))).toMatchObject({
      retry: false,
      message: expect.stringMatching(/retired/),
    });
    expect(refusal(vouchWith(revoked))).toMatchObject({
      retry: false,
      message: expect.stringMatching(/revoked/),
    });
    expect(refusal(vouchWith(unlisted))).toMatchObject({
      retry: true,
      message: expect.stringMatching(/is not in the trust list \(yet\)$/),
    });
  });
});

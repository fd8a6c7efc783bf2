/**
 * Proves the software authenticator against the real @simplewebauthn/server: honest ceremonies verify, and
 * every misbehaviour is refused by the library for the right reason. Server code's passkey tests can then
 * trust the helper and test only their own wiring.
 */
import { randomBytes } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { describe, expect, it } from 'vitest';
import { encodeCbor, type Misbehaviour, SoftAuthenticator } from '../helpers/soft-authenticator.ts';

// Browsers refuse IP addresses as RP IDs, and treat http://localhost as a secure context: tests use localhost.
const RP_ID = 'localhost';
const ORIGIN = 'http://localhost:4101';

/** Registration options as the server would make them, for a fresh random user. */
async function registrationOptions(excludeCredentials: { id: string }[] = []) {
  return generateRegistrationOptions({
    rpName: 'Comity',
    rpID: RP_ID,
    userName: `user-${randomBytes(4).toString('hex')}`,
    userID: new Uint8Array(randomBytes(16)),
    excludeCredentials,
  });
}

/** Registers with the given misbehaviour and runs the server's check with its default options. */
async function registerAndVerify(misbehave: Misbehaviour = {}, requireUserVerification = true) {
  const authenticator = new SoftAuthenticator();
  const options = await registrationOptions();
  const response = authenticator.register(options, ORIGIN, misbehave);
  return verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification,
  });
}

/** An authenticator with one enrolled passkey, and the credential the server stored for it. */
async function enrol(): Promise<{ authenticator: SoftAuthenticator; credential: WebAuthnCredential }> {
  const authenticator = new SoftAuthenticator();
  const options = await registrationOptions();
  const verification = await verifyRegistrationResponse({
    response: authenticator.register(options, ORIGIN),
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
  });
  if (!verification.verified) throw new Error('enrolment did not verify');
  return { authenticator, credential: verification.registrationInfo.credential };
}

/** Runs one sign-in ceremony against the stored credential, with the given misbehaviour. */
async function signIn(
  authenticator: SoftAuthenticator,
  credential: WebAuthnCredential,
  misbehave: Misbehaviour = {},
  requireUserVerification = true,
) {
  const options = await generateAuthenticationOptions({
    rpID: RP_ID,
    allowCredentials: [{ id: credential.id }],
    userVerification: requireUserVerification ? 'required' : 'discouraged',
  });
  return verifyAuthenticationResponse({
    response: authenticator.authenticate(options, ORIGIN, misbehave),
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential,
    requireUserVerification,
  });
}

describe('SoftAuthenticator, honest', () => {
  it('enrols a passkey that the server verifies, with none attestation and a zero AAGUID', async () => {
    const authenticator = new SoftAuthenticator();
    const options = await registrationOptions();
    const response = authenticator.register(options, ORIGIN);

    const verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
    });

    expect(verification.verified).toBe(true);
    const info = verification.registrationInfo!;
    expect(info.fmt).toBe('none');
    expect(info.aaguid).toBe('00000000-0000-0000-0000-000000000000');
    expect(info.userVerified).toBe(true);
    expect(info.credentialDeviceType).toBe('singleDevice');
    expect(info.rpID).toBe(RP_ID);
    expect(info.credential.id).toBe(response.id);
    expect(info.credential.counter).toBe(0);
    expect(info.credential.transports).toEqual(['internal']);
    // The server stores exactly the COSE key the authenticator encoded: our CBOR is canonical.
    const [held] = authenticator.credentials;
    expect(Buffer.from(info.credential.publicKey).equals(Buffer.from(held!.cosePublicKey))).toBe(true);
    expect(held!.userHandle).toBe(options.user.id);
  });

  it('signs in with the enrolled passkey and reports a counter that goes up each time', async () => {
    const { authenticator, credential } = await enrol();

    const first = await signIn(authenticator, credential);
    expect(first.verified).toBe(true);
    expect(first.authenticationInfo.newCounter).toBe(1);
    expect(first.authenticationInfo.credentialID).toBe(credential.id);
    expect(first.authenticationInfo.userVerified).toBe(true);

    // The server stores the new counter; the next sign-in must go above it.
    const second = await signIn(authenticator, { ...credential, counter: 1 });
    expect(second.verified).toBe(true);
    expect(second.authenticationInfo.newCounter).toBe(2);
  });

  it('signs in without allowCredentials (discoverable) and returns the user handle given at enrolment', async () => {
    const authenticator = new SoftAuthenticator();
    const regOptions = await registrationOptions();
    const registration = await verifyRegistrationResponse({
      response: authenticator.register(regOptions, ORIGIN),
      expectedChallenge: regOptions.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
    });

    const options = await generateAuthenticationOptions({ rpID: RP_ID });
    const response = authenticator.authenticate(options, ORIGIN);
    expect(response.response.userHandle).toBe(regOptions.user.id);

    const verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential: registration.registrationInfo!.credential,
    });
    expect(verification.verified).toBe(true);
  });

  it('refuses, like a browser, to enrol again when one of its credentials is excluded', async () => {
    const { authenticator, credential } = await enrol();
    const options = await registrationOptions([{ id: credential.id }]);
    expect(() => authenticator.register(options, ORIGIN)).toThrow(/InvalidStateError/);
  });

  it('refuses, like a browser, to sign in with a credential the server did not allow', async () => {
    const { authenticator } = await enrol();
    const options = await generateAuthenticationOptions({
      rpID: RP_ID,
      allowCredentials: [{ id: randomBytes(32).toString('base64url') }],
    });
    expect(() => authenticator.authenticate(options, ORIGIN)).toThrow(/NotAllowedError/);
  });

  it('refuses, like a browser, an IP address as RP ID or an RP ID that does not fit the origin', async () => {
    const authenticator = new SoftAuthenticator();
    const options = await registrationOptions();
    expect(() =>
      authenticator.register({ ...options, rp: { ...options.rp, id: '127.0.0.1' } }, 'http://127.0.0.1:4101'),
    ).toThrow(/IP address/);
    expect(() => authenticator.register(options, 'https://evil.example')).toThrow(/registrable suffix/);
  });
});

describe('SoftAuthenticator, misbehaving: the server refuses enrolment', () => {
  it('from another origin', async () => {
    await expect(registerAndVerify({ origin: 'https://phish.example' })).rejects.toThrow(/origin/);
  });

  it('for another RP ID', async () => {
    await expect(registerAndVerify({ rpId: 'phish.example' })).rejects.toThrow(/RP ID hash/);
  });

  it('without user presence', async () => {
    await expect(registerAndVerify({ clearUserPresence: true })).rejects.toThrow(/User presence/);
  });

  it('without user verification when it is required (the default)', async () => {
    await expect(registerAndVerify({ clearUserVerification: true })).rejects.toThrow(/User verification/);
    // …but accepts it when the server does not ask for verification.
    const relaxed = await registerAndVerify({ clearUserVerification: true }, false);
    expect(relaxed.verified).toBe(true);
  });
});

describe('SoftAuthenticator, misbehaving: the server refuses sign-in', () => {
  it('from another origin', async () => {
    const { authenticator, credential } = await enrol();
    await expect(signIn(authenticator, credential, { origin: 'https://phish.example' })).rejects.toThrow(
      /origin/,
    );
  });

  it('for another RP ID', async () => {
    const { authenticator, credential } = await enrol();
    await expect(signIn(authenticator, credential, { rpId: 'phish.example' })).rejects.toThrow(/RP ID hash/);
  });

  it('with a tampered signature (verified is false: the library does not throw)', async () => {
    const { authenticator, credential } = await enrol();
    const verification = await signIn(authenticator, credential, { tamperSignature: true });
    expect(verification.verified).toBe(false);
  });

  it('with a counter that did not go up past the stored one (a cloned authenticator)', async () => {
    const { authenticator, credential } = await enrol();
    const first = await signIn(authenticator, credential);
    const stored = { ...credential, counter: first.authenticationInfo.newCounter };

    await expect(signIn(authenticator, stored, { counter: 'repeat' })).rejects.toThrow(/counter/);
    await expect(signIn(authenticator, stored, { counter: 'decrease' })).rejects.toThrow(/counter/);
    await expect(signIn(authenticator, { ...stored, counter: 50 })).rejects.toThrow(/counter/);
    // The honest authenticator's own counter was not moved by the misbehaviour: it still signs in.
    expect((await signIn(authenticator, stored)).verified).toBe(true);
  });

  it('without user presence, even when user verification is not required', async () => {
    const { authenticator, credential } = await enrol();
    await expect(signIn(authenticator, credential, { clearUserPresence: true }, false)).rejects.toThrow(
      /User not present/,
    );
  });

  it('without user verification when it is required', async () => {
    const { authenticator, credential } = await enrol();
    await expect(signIn(authenticator, credential, { clearUserVerification: true })).rejects.toThrow(
      /User verification required/,
    );
    expect((await signIn(authenticator, credential, { clearUserVerification: true }, false)).verified).toBe(
      true,
    );
  });

  it('when a captured response is replayed against a new challenge', async () => {
    const { authenticator, credential } = await enrol();
    const captured = authenticator.authenticate(
      await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] }),
      ORIGIN,
    );
    const fresh = await generateAuthenticationOptions({
      rpID: RP_ID,
      allowCredentials: [{ id: credential.id }],
    });
    await expect(
      verifyAuthenticationResponse({
        response: captured,
        expectedChallenge: fresh.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        credential,
      }),
    ).rejects.toThrow(/challenge/);
  });
});

describe('encodeCbor', () => {
  // Test vectors from RFC 8949 Appendix A.
  it.each([
    [0, '00'],
    [23, '17'],
    [24, '1818'],
    [100, '1864'],
    [1000, '1903e8'],
    [1000000, '1a000f4240'],
    [1000000000000, '1b000000e8d4a51000'],
    [-1, '20'],
    [-10, '29'],
    [-100, '3863'],
    [-1000, '3903e7'],
    ['', '60'],
    ['IETF', '6449455446'],
    ['\u00fc', '62c3bc'],
    [new Uint8Array([1, 2, 3, 4]), '4401020304'],
    [new Map(), 'a0'],
    [
      new Map([
        [1, 2],
        [3, 4],
      ]),
      'a201020304',
    ],
  ] as const)('encodes %o as %s', (value, hex) => {
    expect(encodeCbor(value).toString('hex')).toBe(hex);
  });
});

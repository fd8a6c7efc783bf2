import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkTotp,
  decodeTotpSecret,
  hotp,
  newTotpSecret,
  otpauthUri,
  totp,
  totpStep,
} from '../../src/auth/totp.ts';
import { secretBox } from '../../src/crypto/secret-box.ts';

const RFC_SECRET = Buffer.from('12345678901234567890');

describe('HOTP and TOTP', () => {
  it('matches the RFC 4226 appendix D values', () => {
    const expected = [
      '755224',
      '287082',
      '359152',
      '969429',
      '338314',
      '254676',
      '287922',
      '162583',
      '399871',
      '520489',
    ];
    expect(expected.map((_, i) => hotp(RFC_SECRET, i))).toEqual(expected);
  });

  it('matches the RFC 6238 appendix B values (SHA-1, 8 digits)', () => {
    const vectors: [number, string][] = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [seconds, code] of vectors) expect(totp(RFC_SECRET, new Date(seconds * 1000), 8)).toBe(code);
  });

  it('accepts a code one step either side of now, once', () => {
    const secret = decodeTotpSecret(newTotpSecret());
    const now = new Date('2026-11-28T10:00:10Z');
    const step = totpStep(now);
    const previous = totp(secret, new Date(now.getTime() - 30_000));
    expect(checkTotp(secret, previous, now, null)).toBe(step - 1);
    expect(checkTotp(secret, totp(secret, now), now, null)).toBe(step);
    expect(checkTotp(secret, totp(secret, new Date(now.getTime() + 30_000)), now, null)).toBe(step + 1);
    expect(checkTotp(secret, totp(secret, new Date(now.getTime() + 90_000)), now, null)).toBeNull();
    // Once the current step was used, it and earlier ones are refused.
    expect(checkTotp(secret, totp(secret, now), now, step)).toBeNull();
    expect(checkTotp(secret, previous, now, step - 1)).toBeNull();
    expect(checkTotp(secret, 'abcdef', now, null)).toBeNull();
    expect(
      checkTotp(secret, `${totp(secret, now).slice(0, 3)} ${totp(secret, now).slice(3)}`, now, null),
    ).toBe(step);
  });

  it('round-trips secrets through base32 and writes the URI authenticator apps read', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(decodeTotpSecret(secret)).toHaveLength(20);
    expect(otpauthUri('JBSWY3DPEHPK3PXP', 'ana@bor.example', 'Comity BOR')).toBe(
      'otpauth://totp/Comity%20BOR%3Aana%40bor.example?secret=JBSWY3DPEHPK3PXP&issuer=Comity+BOR&algorithm=SHA1&digits=6&period=30',
    );
  });
});

describe('secret box', () => {
  it('seals and opens, and refuses a sealed secret that was altered or sealed under another key', () => {
    const box = secretBox(randomBytes(32));
    const sealed = box.seal('JBSWY3DPEHPK3PXP');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.open(sealed)).toBe('JBSWY3DPEHPK3PXP');
    expect(box.seal('x')).not.toBe(box.seal('x'));
    const parts = sealed.split('.');
    parts[2] = Buffer.from('KBSWY3DPEHPK3PXP').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
    expect(() => secretBox(randomBytes(32)).open(sealed)).toThrow();
  });
});

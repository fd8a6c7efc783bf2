/**
 * Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): HMAC-SHA-1, 6 digits, 30-second steps, the
 * parameters every authenticator app understands. A code is accepted one step either side of now, and never
 * twice: the caller stores the last accepted step.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { base32 } from '@scure/base';

export const TOTP_STEP_SECONDS = 30;
export const TOTP_DIGITS = 6;

/** RFC 4226 §5.3: the dynamic truncation of HMAC-SHA-1(secret, counter) to `digits` decimal digits. */
export function hotp(secret: Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

export const totpStep = (at: Date) => Math.floor(at.getTime() / 1000 / TOTP_STEP_SECONDS);

export function totp(secret: Uint8Array, at: Date, digits = TOTP_DIGITS): string {
  return hotp(secret, totpStep(at), digits);
}

/**
 * The time step a code belongs to (now, one before or one after), or null. Steps at or before `lastStep` are
 * refused, so a code seen by someone looking over a shoulder cannot be replayed.
 */
export function checkTotp(
  secret: Uint8Array,
  code: string,
  at: Date,
  lastStep: number | null,
): number | null {
  const given = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(given)) return null;
  const now = totpStep(at);
  for (const step of [now - 1, now, now + 1]) {
    if (lastStep !== null && step <= lastStep) continue;
    if (timingSafeEqual(Buffer.from(hotp(secret, step)), Buffer.from(given))) return step;
  }
  return null;
}

/** A new 160-bit secret (RFC 4226 recommends 160 bits), base32 as authenticator apps expect it. */
export function newTotpSecret(): string {
  return base32.encode(randomBytes(20)).replace(/=+$/, '');
}

export function decodeTotpSecret(secret: string): Uint8Array {
  const padded = secret.toUpperCase() + '='.repeat((8 - (secret.length % 8)) % 8);
  return base32.decode(padded);
}

/** The otpauth:// URI an authenticator app reads from a QR code (Key Uri Format). */
export function otpauthUri(secret: string, account: string, issuer: string): string {
  const label = encodeURIComponent(`${issuer}:${account}`);
  const params = new URLSearchParams({
    secret,
    issuer,
    algorithm: 'SHA1',
    digits: String(TOTP_DIGITS),
    period: String(TOTP_STEP_SECONDS),
  });
  return `otpauth://totp/${label}?${params}`;
}

/**
 * The key id a compact JWS's protected header claims, read before anything is verified (to find the key to
 * verify with). Untrusted: `claimed` is whatever the header holds, for quoting in an error; `kid` is it as a
 * string, or '' when it is not one.
 */
import { decodeProtectedHeader } from 'jose';
import { stringOrEmpty } from '../domain/untrusted.ts';

/** The claimed key id, or null when the text is not a compact JWS. */
export function claimedKid(jws: string): { kid: string; claimed: unknown } | null {
  try {
    const claimed = decodeProtectedHeader(jws).kid;
    return { kid: stringOrEmpty(claimed), claimed };
  } catch {
    return null;
  }
}

/** Text encodings the requests need: percent-encoding for paths and queries, base64 and SHA-256 in hex. */

import { createHash } from 'node:crypto';

/** Percent-encodes every byte of the UTF-8 text but the unreserved characters of RFC 3986. */
export function percentEncode(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8'))
    out += /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b))
      ? String.fromCharCode(b)
      : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

export const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
export const sha256hex = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

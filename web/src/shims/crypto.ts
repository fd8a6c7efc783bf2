/** The part of `node:crypto` that shared code (src/ledger/merkle.ts) uses, for the browser: SHA-256. */
import { sha256 } from '@noble/hashes/sha2.js';

export function createHash(algorithm: string) {
  if (algorithm !== 'sha256') throw new Error(`only sha256 is available in the browser, not ${algorithm}`);
  const h = sha256.create();
  return {
    update(data: Uint8Array | string) {
      h.update(typeof data === 'string' ? new TextEncoder().encode(data) : data);
      return this;
    },
    digest(): Uint8Array {
      return h.digest();
    },
  };
}

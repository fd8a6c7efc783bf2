/** The ledger's 32-byte hashes in base64, as the node serves them and the state file keeps them. */

export const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** Strict base64 of a 32-byte hash, or null. */
export function hash32(s: unknown): Uint8Array | null {
  if (typeof s !== 'string') return null;
  const bytes = Buffer.from(s, 'base64');
  return bytes.length === 32 && bytes.toString('base64') === s ? new Uint8Array(bytes) : null;
}

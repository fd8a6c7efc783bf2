/**
 * RFC 8785 canonical JSON: the one byte form of a value that ledger entries, vouches and evidence proofs hash
 * and sign, so that two nodes computing it from the same value agree byte for byte. Pure.
 */
import canonicalize from 'canonicalize';

/** RFC 8785 canonical JSON of a value; throws on what JSON cannot hold (undefined, functions, cycles). */
export function canonicalJson(value: unknown): string {
  const out = canonicalize(value);
  if (out === undefined) throw new Error('value cannot be canonicalised');
  return out;
}

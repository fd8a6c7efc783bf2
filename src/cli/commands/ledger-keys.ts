/**
 * The keys `comity ledger verify` holds a node to: its log key and the witnesses' cosignature keys
 * (C2SP tlog-cosignature), given as verifier keys, read from a node, or taken from a trust list.
 */
import { readFileSync } from 'node:fs';
import { TrustList } from '../../crypto/trust-list.ts';
import { loadTrustListInForce } from '../../crypto/trust-list-handovers.ts';
import { ed25519PublicKeyBytes, parseVerifierKey, verifierKey } from '../../ledger/note.ts';
import { CliError } from '../errors.ts';
import { getText } from './ledger-fetch.ts';
import { adminKeyOf } from './trust.ts';

export type Key = ReturnType<typeof parseVerifierKey>;

export function parseKey(vkey: string, what: string): Key {
  try {
    return parseVerifierKey(vkey);
  } catch (e) {
    throw new CliError(`${what} is not a verifier key: ${(e as Error).message}`);
  }
}

export const sameKey = (a: Key, b: Key) =>
  a.name === b.name && Buffer.compare(a.publicKey, b.publicKey) === 0;

/**
 * A witness named with --witness: its verifier key (tlog-cosignature v1, type 0x04), or the URL of a Comity node
 * whose witness key is read from `<url>/ledger/witness/key`.
 */
export async function witnessKey(value: string): Promise<string> {
  const vkey = /^https?:\/\//.test(value)
    ? (await getText(value.replace(/\/$/, ''), '/ledger/witness/key')).trim()
    : value.trim();
  const key = parseKey(vkey, `the witness key ${value}`);
  if (key.type !== 'cosignature/v1')
    throw new CliError(`${value} is not a witness key: a tlog-cosignature key has type 0x04, not a log key`);
  return vkey;
}

/**
 * The trust list named with --trust-list: with --admin-key, checked as a node checks the list it starts with
 * (following the handovers kept beside it); without, taken as the user vouches for it.
 */
export function namedTrustList(opts: { trustList?: string; adminKey?: string }): TrustList | null {
  if (!opts.trustList) {
    if (opts.adminKey) throw new CliError('--admin-key checks the list given with --trust-list: give one');
    return null;
  }
  try {
    if (opts.adminKey)
      return loadTrustListInForce(opts.trustList, adminKeyOf(opts.adminKey, '--admin-key')).trust;
    return TrustList.inspect(readFileSync(opts.trustList, 'utf8')).trust;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`--trust-list ${opts.trustList}: ${(e as Error).message}`);
  }
}

/** From a trust list: the log key of the party whose node is at `url`, and the other parties' witness keys. */
export function keysFromTrustList(trust: TrustList, url: string): { log: string; witnesses: string[] } {
  const base = url.replace(/\/$/, '');
  const party = trust.parties().find((p) => p.url === base);
  if (!party) throw new CliError(`no party of the trust list is at ${base}`);
  const witnesses = trust
    .parties()
    .filter((p) => p.code !== party.code)
    .flatMap((p) =>
      p.witness.keys.map((k) => verifierKey(p.witness.name, ed25519PublicKeyBytes(k.key), 'cosignature/v1')),
    );
  return { log: verifierKey(party.ledger.origin, ed25519PublicKeyBytes(party.signing.key)), witnesses };
}

/**
 * The handover of the administrator key that signs the trust list, in band: a list signed with the current key
 * names the next one (`nextSigner`); a list signed with that next key is then accepted, and from that moment the
 * old key signs nothing the node accepts. The node keeps the list that named the new key
 * (`<trust list>.handovers`), so that at start it can walk from the configured key to the one in force.
 */
import { readFileSync } from 'node:fs';
import { claimedKid } from './jws-kid.ts';
import type { PublicJwk } from './keys.ts';
import { TrustList } from './trust-list.ts';
import { trustAdminKid } from './trust-list-jws.ts';

/** Where a node keeps the lists that handed the administrator key over, oldest first, one JWS per line. */
export const handoversPath = (trustListPath: string) => `${trustListPath}.handovers`;

/**
 * The administrator key in force: from the configured one, through every kept list that the key then in force
 * signed and that names a next key. Lines signed by other keys are skipped: an operator who configures a new
 * key by hand (after a compromise, say) starts the walk there. A line signed by the key in force that does not
 * verify or parse stops the node with the file and line named.
 *
 * Also returns the last handover taken and the key that signed it: a node stopped between keeping that line
 * and writing the new list still holds that list in force, and may load it.
 */
export function walkHandovers(
  path: string,
  configured: PublicJwk,
): { signer: PublicJwk; last: { text: string; signer: PublicJwk } | null } {
  let lines: string[];
  try {
    lines = readFileSync(path, 'utf8').split('\n');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { signer: configured, last: null };
    throw new Error(`cannot read the trust-list handovers ${path}: ${(e as Error).message}`);
  }
  let signer = configured;
  let last: { text: string; signer: PublicJwk } | null = null;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || claimedKid(line)?.kid !== trustAdminKid(signer)) return;
    let list: TrustList;
    try {
      list = TrustList.parse(line, signer);
    } catch (e) {
      throw new Error(`${path}, line ${i + 1}: ${(e as Error).message}`);
    }
    if (!list.file.nextSigner) throw new Error(`${path}, line ${i + 1}: the list names no next key`);
    last = { text: line, signer };
    signer = list.file.nextSigner;
  });
  return { signer, last };
}

/**
 * What a node puts in force at start: the administrator key it walks to from the configured one (see
 * `walkHandovers`) and the list signed with it; or, after a stop in the middle of a handover, the list that
 * named that key, exactly as kept. Without a configured key, the list as it is.
 */
export function loadTrustListInForce(
  path: string,
  configured: PublicJwk | undefined,
): { trust: TrustList; signer?: PublicJwk } {
  if (!configured) return { trust: TrustList.load(path) };
  const walk = walkHandovers(handoversPath(path), configured);
  let text: string | null = null;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    // TrustList.load says what is wrong with the file.
  }
  const signedBy = walk.last && text === walk.last.text ? walk.last.signer : walk.signer;
  return { trust: TrustList.load(path, signedBy), signer: walk.signer };
}

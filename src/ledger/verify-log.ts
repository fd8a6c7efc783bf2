/**
 * Holding a downloaded copy of a node's ledger to its signed checkpoint, pure (no I/O): the shape of each entry,
 * the leaf hashes and running root of the copy, and, when the copy does not rebuild the signed root, which entry
 * is the first to differ, found with O(log n) inclusion proofs instead of trusting anything else the node says.
 */
import canonicalize from 'canonicalize';
import {
  appendLeaf,
  emptyRoot,
  type Frontier,
  frontierRoot,
  inclusionProofRanges,
  leafHash,
  nodeHash,
  verifyInclusion,
} from './merkle.ts';

/** Leaf hashes by index: a plain `Uint8Array[]`, or a packed store such as LogReplica's. */
export type LeafHashes = { readonly length: number; at(index: number): Uint8Array | undefined };

/** Fetches PATH(index, D[size]) from the node, for the `size` the caller verifies against. */
export type InclusionProofFetcher = (index: number) => Promise<Uint8Array[]>;

const HASH_SIZE = 32;
const utf8 = new TextEncoder();

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function leafAt(leaves: LeafHashes, index: number): Uint8Array {
  const leaf = leaves.at(index);
  if (!leaf) throw new RangeError(`no local leaf hash ${index}`);
  return leaf;
}

/** The largest power of two strictly smaller than n (n ≥ 2): the RFC 9162 split point. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[start:end]) over local leaf hashes, as rootOf(leaves.slice(start, end)) but without copying. */
export function localRangeRoot(leaves: LeafHashes, start: number, end: number): Uint8Array {
  if (end <= start) return emptyRoot();
  if (end - start === 1) return leafAt(leaves, start);
  const mid = start + splitPoint(end - start);
  return nodeHash(localRangeRoot(leaves, start, mid), localRangeRoot(leaves, mid, end));
}

/**
 * The first index whose local leaf hash is not the one the tree of `size` with `root` commits to, or null when
 * all match. One inclusion proof per step, at most ⌈log2 size⌉ + 1 of them, and O(size) hashing in all.
 *
 * A step takes a leaf `a` such that every leaf before `a` is known to match (a = 0 at first) and fetches its
 * proof. The proof's hashes are the MTHs of the sibling ranges along the leaf's path (inclusionProofRanges).
 * - If the proof does not verify with the local leaf hash against `root`, the leaf is the divergent one: an
 *   honest proof of the leaf the tree holds at `a` would verify, and the leaves before it match.
 * - If it verifies, each of its hashes is authentic (it lies on a hash path to the signed root), so each
 *   sibling range can be checked by computing its MTH locally. The ranges right of the leaf partition
 *   (a, size); the lowest one that differs holds the first divergent leaf, and every leaf below its start
 *   matches, so the next step takes its first leaf. That range is a subtree containing the next leaf's path,
 *   so each step works in a range at most half the size of the last. If none differs, nothing diverges.
 *
 * Throws when a proof has the wrong number or size of hashes for its leaf.
 */
export async function locateDivergence(
  localLeaves: LeafHashes,
  size: number,
  getInclusionProof: InclusionProofFetcher,
  root: Uint8Array,
): Promise<number | null> {
  if (localLeaves.length !== size)
    throw new RangeError(`${localLeaves.length} local leaf hashes for a tree of ${size}`);
  if (size === 0) return null;
  let leaf = 0;
  for (;;) {
    const ranges = inclusionProofRanges(leaf, size);
    const proof = await getInclusionProof(leaf);
    if (proof.length !== ranges.length || proof.some((h) => h.length !== HASH_SIZE))
      throw new Error(
        `an inclusion proof of ${proof.length} hashes for entry ${leaf} in the tree of ${size}, not ` +
          `${ranges.length} hashes of ${HASH_SIZE} bytes`,
      );
    if (!verifyInclusion(leafAt(localLeaves, leaf), leaf, size, proof, root)) return leaf;
    const differing = ranges
      .map((range, i) => ({ range, hash: proof[i]! }))
      .filter(({ range: [start] }) => start > leaf)
      .sort((x, y) => x.range[0] - y.range[0])
      // Lazily, lowest first: the ranges above the first difference are never hashed.
      .find(({ range: [start, end], hash }) => !equalBytes(localRangeRoot(localLeaves, start, end), hash));
    if (!differing) return null;
    leaf = differing.range[0];
  }
}

const ENTRY_KEYS = ['case', 'digest', 'party', 'seq', 'time', 'type'];
// What Date.prototype.toISOString writes (src/audit/ledger.ts), with any number of fraction digits.
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const DIGEST = /^[0-9a-f]{64}$/;

/**
 * Why `entry` is not a well-formed ledger entry at `index`, or null: it must be the RFC 8785 canonical JSON of
 * `{ case, digest, party, seq, time, type }` (src/audit/ledger.ts) with `seq` equal to its index.
 */
export function checkEntryShape(index: number, entry: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(entry);
  } catch {
    return 'it is not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it is not a JSON object';
  const keys = Object.keys(value).sort();
  if (keys.join(',') !== ENTRY_KEYS.join(','))
    return `its keys are ${keys.join(', ') || '(none)'}, not ${ENTRY_KEYS.join(', ')}`;
  if (canonicalize(value) !== entry) return 'it is not canonical JSON (RFC 8785)';
  const e = value as Record<string, unknown>;
  if (e.seq !== index) return `its seq is ${JSON.stringify(e.seq)}, not its index ${index}`;
  if (typeof e.time !== 'string' || !ISO_UTC.test(e.time) || Number.isNaN(Date.parse(e.time)))
    return 'its time is not an ISO 8601 UTC timestamp';
  if (typeof e.type !== 'string' || e.type === '') return 'its type is not a non-empty string';
  if (typeof e.party !== 'string' || e.party === '') return 'its party is not a non-empty string';
  if (e.case !== null && typeof e.case !== 'string') return 'its case is neither null nor a string';
  if (typeof e.digest !== 'string' || !DIGEST.test(e.digest)) return 'its digest is not a hex SHA-256';
  return null;
}

/**
 * A local copy of a log, entry by entry: the leaf hashes packed into one buffer (32 bytes a leaf, so ten
 * million entries take 320 MB, not millions of small arrays), the right-edge frontier for the running root,
 * and the roots of chosen prefixes as the copy passes them.
 */
export class LogReplica {
  private packed: Uint8Array;
  private frontier: Frontier = [];
  private count = 0;
  private readonly prefixRoots = new Map<number, Uint8Array>();
  private readonly wanted: Set<number>;

  /** `expected` sizes the buffer (it grows if need be); `prefixes` are the sizes whose roots to keep. */
  constructor(expected = 0, prefixes: number[] = []) {
    this.packed = new Uint8Array(Math.max(1, expected) * HASH_SIZE);
    this.wanted = new Set(prefixes);
    if (this.wanted.has(0)) this.prefixRoots.set(0, emptyRoot());
  }

  /** Number of entries so far. */
  get size(): number {
    return this.count;
  }

  /** Appends an entry: the exact string that is hashed, as UTF-8. */
  append(entry: string): void {
    this.appendLeafHash(leafHash(utf8.encode(entry)));
  }

  /** Appends a leaf hash. */
  appendLeafHash(hash: Uint8Array): void {
    if (hash.length !== HASH_SIZE) throw new RangeError('a leaf hash is 32 bytes');
    if ((this.count + 1) * HASH_SIZE > this.packed.length) {
      const grown = new Uint8Array(this.packed.length * 2);
      grown.set(this.packed);
      this.packed = grown;
    }
    this.packed.set(hash, this.count * HASH_SIZE);
    this.frontier = appendLeaf(this.count, this.frontier, hash).frontier;
    this.count += 1;
    if (this.wanted.has(this.count)) this.prefixRoots.set(this.count, this.root());
  }

  /** The root of the copy so far. */
  root(): Uint8Array {
    return frontierRoot(this.count, this.frontier);
  }

  /** The root of the first `size` entries, if `size` was asked for and has been reached. */
  prefixRoot(size: number): Uint8Array | undefined {
    return this.prefixRoots.get(size);
  }

  /** The leaf hashes, as views into the packed buffer. */
  get leaves(): LeafHashes {
    const count = this.count;
    const packed = this.packed;
    return {
      length: count,
      at: (index) =>
        Number.isSafeInteger(index) && index >= 0 && index < count
          ? packed.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE)
          : undefined,
    };
  }
}

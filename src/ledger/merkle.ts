/**
 * RFC 9162 §2.1 (identical to RFC 6962 §2.1) Merkle tree hashing, proofs and appends, pure and synchronous.
 *
 * Storage model: a store keeps the hash of every complete aligned subtree `{ level, index }`, which covers the
 * leaves [index·2^level, (index+1)·2^level). Every range the RFC recursion visits is a run of such subtrees, so a
 * proof for any leaf of a ten-million-leaf tree reads O(log n) stored hashes and never rehashes leaves.
 *
 * SHA-256 is injectable (last, optional parameter). The default, node:crypto's createHash, is the module's only
 * Node dependency: a browser build passes its own synchronous SHA-256 and stubs node:crypto out. (WebCrypto's
 * digest is asynchronous, so it cannot be passed as is.)
 */
import { createHash } from 'node:crypto';

/** A synchronous SHA-256. */
export type Sha256 = (data: Uint8Array) => Uint8Array;

/** The complete aligned subtree covering leaves [index·2^level, (index+1)·2^level); level 0 = leaf hashes. */
export type SubtreeRef = { level: number; index: number };

/** Looks up the stored hash of a complete aligned subtree. */
export type SubtreeLookup = (ref: SubtreeRef) => Uint8Array;

/** Hashes of the complete subtrees on the right edge of a tree, one per set bit of its size, largest first. */
export type Frontier = Uint8Array[];

/** A half-open leaf range [start, end). */
export type Range = [start: number, end: number];

/** SHA-256 via node:crypto, the default hasher. */
export const nodeSha256: Sha256 = (data) => new Uint8Array(createHash('sha256').update(data).digest());

const HASH_SIZE = 32;

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// Sizes go past 2^31, so no bitwise operators: plain arithmetic is exact up to 2^53.
const half = (n: number) => Math.floor(n / 2);
const isOdd = (n: number) => n % 2 === 1;

/** The largest power of two strictly smaller than n (n ≥ 2): the RFC's split point k. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The largest power of two ≤ n (n ≥ 1), as its width and level (log2). */
function highestBit(n: number): { width: number; level: number } {
  let width = 1;
  let level = 0;
  for (; width * 2 <= n; level++) width *= 2;
  return { width, level };
}

function checkCount(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative safe integer`);
}

/** RFC 9162 §2.1.1: the leaf hash SHA-256(0x00 ‖ entry). */
export function leafHash(entry: Uint8Array, sha256: Sha256 = nodeSha256): Uint8Array {
  return sha256(concat(Uint8Array.of(0x00), entry));
}

/** RFC 9162 §2.1.1: the interior node hash SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array, sha256: Sha256 = nodeSha256): Uint8Array {
  return sha256(concat(Uint8Array.of(0x01), left, right));
}

/** RFC 9162 §2.1.1: the hash of the empty tree, SHA-256 of the empty string. */
export function emptyRoot(sha256: Sha256 = nodeSha256): Uint8Array {
  return sha256(new Uint8Array(0));
}

/** Reference MTH over leaf hashes (RFC 9162 §2.1.1): recursive split at the largest power of two below n. */
export function rootOf(leafHashes: Uint8Array[], sha256: Sha256 = nodeSha256): Uint8Array {
  if (leafHashes.length === 0) return emptyRoot(sha256);
  if (leafHashes.length === 1) return leafHashes[0]!;
  const k = splitPoint(leafHashes.length);
  return nodeHash(rootOf(leafHashes.slice(0, k), sha256), rootOf(leafHashes.slice(k), sha256), sha256);
}

/**
 * The aligned complete subtrees whose hashes compose MTH(D[start:end]), largest (leftmost) first.
 * Requires start to be a multiple of the largest power of two ≤ end − start, which holds for every range the
 * RFC recursion produces: then the §2.1.1 split peels off one stored subtree per set bit of the length.
 */
export function rangeSubtrees(start: number, end: number): SubtreeRef[] {
  checkCount('start', start);
  checkCount('end', end);
  if (end < start) throw new RangeError(`range [${start}, ${end}) is reversed`);
  if (end === start) return [];
  if (start % highestBit(end - start).width !== 0) {
    throw new RangeError(`range [${start}, ${end}) is not built from aligned subtrees`);
  }
  const refs: SubtreeRef[] = [];
  let at = start;
  while (at < end) {
    const { width, level } = highestBit(end - at);
    refs.push({ level, index: at / width });
    at += width;
  }
  return refs;
}

/** MTH(D[start:end]) from stored subtree hashes, folded right-to-left as the RFC recursion nests them. */
export function rangeHash(
  start: number,
  end: number,
  lookup: SubtreeLookup,
  sha256: Sha256 = nodeSha256,
): Uint8Array {
  const hashes = rangeSubtrees(start, end).map(lookup);
  if (hashes.length === 0) return emptyRoot(sha256);
  let hash = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) hash = nodeHash(hashes[i]!, hash, sha256);
  return hash;
}

/** The ranges whose MTHs form PATH(index, D[size]) (RFC 9162 §2.1.3.1), bottom-up. */
export function inclusionProofRanges(index: number, size: number): Range[] {
  checkCount('index', index);
  checkCount('size', size);
  if (index >= size) throw new RangeError(`leaf ${index} is not in a tree of size ${size}`);
  // Walk the recursion top-down, then reverse: the RFC appends the sibling after the deeper path.
  const ranges: Range[] = [];
  let [lo, hi] = [0, size];
  while (hi - lo > 1) {
    const mid = lo + splitPoint(hi - lo);
    if (index < mid) {
      ranges.push([mid, hi]);
      hi = mid;
    } else {
      ranges.push([lo, mid]);
      lo = mid;
    }
  }
  return ranges.reverse();
}

/** The ranges whose MTHs form PROOF(m, D[n]) (RFC 9162 §2.1.4.1), bottom-up; empty when m = 0 or m = n. */
export function consistencyProofRanges(m: number, n: number): Range[] {
  checkCount('m', m);
  checkCount('n', n);
  if (m > n) throw new RangeError(`old size ${m} exceeds new size ${n}`);
  if (m === 0) return [];
  // SUBPROOF(m, D[lo:hi], b) unrolled top-down. `whole` is the RFC's b: while lo = 0 the node D[0:m] the
  // recursion ends on is the old root itself, which the verifier already holds, so it is left out.
  const ranges: Range[] = [];
  let [lo, hi, whole] = [0, n, true];
  while (m < hi) {
    const k = splitPoint(hi - lo);
    if (m - lo <= k) {
      ranges.push([lo + k, hi]);
      hi = lo + k;
    } else {
      ranges.push([lo, lo + k]);
      lo += k;
      whole = false;
    }
  }
  if (!whole) ranges.push([lo, hi]);
  return ranges.reverse();
}

/** The deduplicated subtrees needed for all the ranges, so a store can fetch them in one query. */
export function proofSubtrees(ranges: Range[]): SubtreeRef[] {
  const seen = new Map<string, SubtreeRef>();
  for (const [start, end] of ranges) {
    for (const ref of rangeSubtrees(start, end)) seen.set(`${ref.level}:${ref.index}`, ref);
  }
  return [...seen.values()];
}

/** PATH(index, D[size]) as hashes, from stored subtrees. */
export function inclusionProof(
  index: number,
  size: number,
  lookup: SubtreeLookup,
  sha256: Sha256 = nodeSha256,
): Uint8Array[] {
  return inclusionProofRanges(index, size).map(([s, e]) => rangeHash(s, e, lookup, sha256));
}

/** PROOF(m, D[n]) as hashes, from stored subtrees. */
export function consistencyProof(
  m: number,
  n: number,
  lookup: SubtreeLookup,
  sha256: Sha256 = nodeSha256,
): Uint8Array[] {
  return consistencyProofRanges(m, n).map(([s, e]) => rangeHash(s, e, lookup, sha256));
}

const wellFormed = (hashes: Uint8Array[]) => hashes.every((h) => h.length === HASH_SIZE);

/** RFC 9162 §2.1.3.2 steps 2–5: the root an inclusion proof leads to, or null if the proof has the wrong length. */
function rootFromInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: Uint8Array[],
  sha256: Sha256,
): Uint8Array | null {
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r, sha256);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p, sha256);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : null;
}

/** RFC 9162 §2.1.3.2: whether `proof` shows `leaf` at `index` in the tree of `size` with `root`. */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: Uint8Array[],
  root: Uint8Array,
  sha256: Sha256 = nodeSha256,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  if (!wellFormed([leaf, root, ...proof])) return false;
  const r = rootFromInclusion(leaf, index, size, proof, sha256);
  return r !== null && equalBytes(r, root);
}

/**
 * RFC 9162 §2.1.4.2: whether `proof` shows the tree of size m (rootM) is a prefix of the tree of size n (rootN).
 * The algorithm covers 0 < m < n; at m = n the trees are the same (empty proof, equal roots), and at m = 0 the
 * empty tree (§2.1.1: rootM = SHA-256 of "") is a prefix of every tree with an empty proof.
 */
export function verifyConsistency(
  m: number,
  n: number,
  rootM: Uint8Array,
  rootN: Uint8Array,
  proof: Uint8Array[],
  sha256: Sha256 = nodeSha256,
): boolean {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 0 || m > n) return false;
  if (!wellFormed([rootM, rootN, ...proof])) return false;
  if (m === 0 || m === n) {
    const emptyOk = m > 0 || equalBytes(rootM, emptyRoot(sha256));
    return proof.length === 0 && emptyOk && (m < n || equalBytes(rootM, rootN));
  }
  // Step 1: a non-trivial proof is never empty. Step 2: a power-of-two old tree is itself a node of the new one.
  if (proof.length === 0) return false;
  const path = m === highestBit(m).width ? [rootM, ...proof] : proof;
  // Steps 3–4: skip the levels where the old tree's last node is a right child.
  let fn = m - 1;
  let sn = n - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Steps 5–6: rebuild both roots from the shared path.
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr, sha256);
      sr = nodeHash(c, sr, sha256);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c, sha256);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  return sn === 0 && equalBytes(fr, rootM) && equalBytes(sr, rootN);
}

function checkFrontier(size: number, frontier: Frontier): void {
  checkCount('size', size);
  let bits = 0;
  for (let x = size; x > 0; x = half(x)) if (isOdd(x)) bits++;
  if (frontier.length !== bits) throw new RangeError(`a frontier of size ${size} has ${bits} hashes`);
}

/**
 * Appends leaf hash `leaf` (index `size`) and returns the new frontier plus every complete subtree it completes:
 * the leaf at level 0, then one parent per trailing set bit of `size`, so a store writes exactly those rows.
 */
export function appendLeaf(
  size: number,
  frontier: Frontier,
  leaf: Uint8Array,
  sha256: Sha256 = nodeSha256,
): { frontier: Frontier; completed: { level: number; index: number; hash: Uint8Array }[] } {
  checkFrontier(size, frontier);
  if (leaf.length !== HASH_SIZE) throw new RangeError('a leaf hash is 32 bytes');
  const next = frontier.slice();
  let hash = leaf;
  let level = 0;
  let index = size;
  const completed = [{ level, index, hash }];
  // Each trailing 1 bit of size is a complete left sibling on the frontier waiting for this right half.
  while (isOdd(index)) {
    hash = nodeHash(next.pop()!, hash, sha256);
    level += 1;
    index = half(index);
    completed.push({ level, index, hash });
  }
  next.push(hash);
  return { frontier: next, completed };
}

/** The tree root from its frontier: the right-to-left fold of RFC 9162 §2.1.1 (emptyRoot for size 0). */
export function frontierRoot(size: number, frontier: Frontier, sha256: Sha256 = nodeSha256): Uint8Array {
  checkFrontier(size, frontier);
  if (size === 0) return emptyRoot(sha256);
  let hash = frontier[frontier.length - 1]!;
  for (let i = frontier.length - 2; i >= 0; i--) hash = nodeHash(frontier[i]!, hash, sha256);
  return hash;
}

import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendLeaf,
  type Frontier,
  inclusionProof,
  leafHash,
  rootOf,
  type SubtreeRef,
} from '../../src/ledger/merkle.ts';
import {
  checkEntryShape,
  LogReplica,
  localRangeRoot,
  locateDivergence,
} from '../../src/ledger/verify-log.ts';

const utf8 = new TextEncoder();

function leavesOf(n: number, salt = ''): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => leafHash(utf8.encode(`entry ${i}${salt}`)));
}

function tampered(leaves: Uint8Array[], ...at: number[]): Uint8Array[] {
  return leaves.map((l, i) => (at.includes(i) ? leafHash(utf8.encode(`forged ${i}`)) : l));
}

/** The node's side: a full in-memory tree stored as the subtrees appendLeaf completes, proofs from lookups. */
function fakeNode(leaves: Uint8Array[]) {
  const rows = new Map<string, Uint8Array>();
  let frontier: Frontier = [];
  leaves.forEach((leaf, size) => {
    const out = appendLeaf(size, frontier, leaf);
    for (const c of out.completed) rows.set(`${c.level}:${c.index}`, c.hash);
    frontier = out.frontier;
  });
  const lookup = (ref: SubtreeRef) => {
    const hash = rows.get(`${ref.level}:${ref.index}`);
    if (!hash) throw new Error(`subtree ${ref.level}:${ref.index} was never stored`);
    return hash;
  };
  const fetched: number[] = [];
  const size = leaves.length;
  return {
    root: rootOf(leaves),
    fetched,
    getInclusionProof: async (index: number) => {
      fetched.push(index);
      return inclusionProof(index, size, lookup);
    },
  };
}

/** The bound the search keeps to: one proof per level of the tree, plus the first. */
const maxFetches = (n: number) => Math.ceil(Math.log2(n)) + 1;

describe('locateDivergence', () => {
  it('finds nothing in an untampered copy, with one proof', async () => {
    for (const n of [0, 1, 2, 3, 7, 8, 9, 100]) {
      const leaves = leavesOf(n);
      const node = fakeNode(leaves);
      expect(await locateDivergence(leaves, n, node.getInclusionProof, node.root)).toBeNull();
      expect(node.fetched).toEqual(n === 0 ? [] : [0]);
    }
  });

  it('finds the first and the last entry', async () => {
    for (const n of [1, 2, 3, 5, 8, 13, 64, 65, 1000]) {
      const leaves = leavesOf(n);
      for (const at of [0, n - 1]) {
        const node = fakeNode(leaves);
        expect(await locateDivergence(tampered(leaves, at), n, node.getInclusionProof, node.root)).toBe(at);
        expect(node.fetched.length).toBeLessThanOrEqual(maxFetches(n));
      }
    }
  });

  it('finds exactly the tampered entry in trees of random sizes, with at most log2(n) + 1 proofs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3000 }).chain((n) => fc.tuple(fc.constant(n), fc.nat({ max: n - 1 }))),
        async ([n, at]) => {
          const leaves = leavesOf(n);
          const node = fakeNode(leaves);
          const found = await locateDivergence(tampered(leaves, at), n, node.getInclusionProof, node.root);
          expect(found).toBe(at);
          expect(node.fetched.length).toBeLessThanOrEqual(maxFetches(n));
          expect(node.fetched.length).toBeLessThanOrEqual(Math.max(1, 2 * Math.log2(n)));
        },
      ),
      { numRuns: 120 },
    );
  });

  it('finds the first of several tampered entries, even when the first one is entry 0', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 2, max: 600 })
          .chain((n) =>
            fc.tuple(fc.constant(n), fc.uniqueArray(fc.nat({ max: n - 1 }), { minLength: 2, maxLength: 6 })),
          ),
        async ([n, at]) => {
          const leaves = leavesOf(n);
          const node = fakeNode(leaves);
          const found = await locateDivergence(tampered(leaves, ...at), n, node.getInclusionProof, node.root);
          expect(found).toBe(Math.min(...at));
        },
      ),
    );
    const leaves = leavesOf(100);
    const node = fakeNode(leaves);
    expect(await locateDivergence(tampered(leaves, 0, 70), 100, node.getInclusionProof, node.root)).toBe(0);
  });

  it('works on a LogReplica copy as on an array', async () => {
    const leaves = leavesOf(77);
    const node = fakeNode(leaves);
    const copy = new LogReplica(10);
    for (const leaf of tampered(leaves, 42)) copy.appendLeafHash(leaf);
    expect(await locateDivergence(copy.leaves, 77, node.getInclusionProof, node.root)).toBe(42);
  });

  it('refuses a proof of the wrong length and a copy of the wrong size', async () => {
    const leaves = leavesOf(10);
    const node = fakeNode(leaves);
    const short = async (i: number) => (await node.getInclusionProof(i)).slice(1);
    await expect(locateDivergence(tampered(leaves, 3), 10, short, node.root)).rejects.toThrow(
      /^an inclusion proof of \d+ hashes for entry 0 in the tree of 10, not \d+ hashes of 32 bytes$/,
    );
    await expect(locateDivergence(leaves.slice(1), 10, node.getInclusionProof, node.root)).rejects.toThrow(
      RangeError,
    );
  });
});

describe('localRangeRoot', () => {
  it('is rootOf over the slice', () => {
    const leaves = leavesOf(41);
    for (const [s, e] of [
      [0, 41],
      [0, 1],
      [32, 41],
      [16, 32],
      [40, 41],
      [3, 3],
    ] as const)
      expect(localRangeRoot(leaves, s, e)).toEqual(rootOf(leaves.slice(s, e)));
  });
});

describe('LogReplica', () => {
  it('rebuilds the root and keeps the roots of the prefixes asked for', () => {
    const entries = Array.from({ length: 300 }, (_, i) => `entry ${i}`);
    const copy = new LogReplica(1, [0, 1, 100, 300, 500]);
    for (const e of entries) copy.append(e);
    const leaves = entries.map((e) => leafHash(utf8.encode(e)));
    expect(copy.size).toBe(300);
    expect(copy.root()).toEqual(rootOf(leaves));
    expect(copy.prefixRoot(0)).toEqual(rootOf([]));
    expect(copy.prefixRoot(1)).toEqual(leaves[0]);
    expect(copy.prefixRoot(100)).toEqual(rootOf(leaves.slice(0, 100)));
    expect(copy.prefixRoot(300)).toEqual(rootOf(leaves));
    expect(copy.prefixRoot(500)).toBeUndefined();
    expect(copy.prefixRoot(50)).toBeUndefined();
    expect(copy.leaves.length).toBe(300);
    expect(copy.leaves.at(299)).toEqual(leaves[299]);
    expect(copy.leaves.at(300)).toBeUndefined();
  });
});

describe('checkEntryShape', () => {
  const entry = (over: Record<string, unknown> = {}) =>
    canonicalize({
      seq: 7,
      time: '2026-03-01T10:00:00.000Z',
      type: 'case-event',
      party: 'ARC',
      case: 'x3-QdZ1',
      digest: createHash('sha256').update('r').digest('hex'),
      ...over,
    })!;

  it('accepts a canonical entry whose seq is its index, with or without a case', () => {
    expect(checkEntryShape(7, entry())).toBeNull();
    expect(checkEntryShape(7, entry({ case: null }))).toBeNull();
  });

  it('says why an entry is refused', () => {
    expect(checkEntryShape(8, entry())).toBe('its seq is 7, not its index 8');
    expect(checkEntryShape(7, entry({ seq: '7' }))).toBe('its seq is "7", not its index 7');
    expect(checkEntryShape(7, 'nope')).toBe('it is not JSON');
    expect(checkEntryShape(7, '[1]')).toBe('it is not a JSON object');
    expect(checkEntryShape(7, entry({ extra: 1 }))).toMatch(/^its keys are case, digest, extra,/);
    const { seq: _, ...noSeq } = JSON.parse(entry());
    expect(checkEntryShape(7, canonicalize(noSeq)!)).toMatch(/^its keys are case, digest, party, time, type/);
    expect(checkEntryShape(7, JSON.stringify(JSON.parse(entry()), null, 1))).toBe(
      'it is not canonical JSON (RFC 8785)',
    );
    expect(checkEntryShape(7, entry().replace('"seq":7', '"seq":7.0'))).toBe(
      'it is not canonical JSON (RFC 8785)',
    );
    expect(checkEntryShape(7, entry({ time: 'yesterday' }))).toBe(
      'its time is not an ISO 8601 UTC timestamp',
    );
    expect(checkEntryShape(7, entry({ type: '' }))).toBe('its type is not a non-empty string');
    expect(checkEntryShape(7, entry({ party: 3 }))).toBe('its party is not a non-empty string');
    expect(checkEntryShape(7, entry({ case: 3 }))).toBe('its case is neither null nor a string');
    expect(checkEntryShape(7, entry({ digest: 'abc' }))).toBe('its digest is not a hex SHA-256');
  });
});

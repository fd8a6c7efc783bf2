import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendLeaf,
  consistencyProof,
  consistencyProofRanges,
  emptyRoot,
  type Frontier,
  frontierRoot,
  inclusionProof,
  inclusionProofRanges,
  leafHash,
  nodeHash,
  proofSubtrees,
  type Range,
  rangeHash,
  rangeSubtrees,
  rootOf,
  type SubtreeRef,
  verifyConsistency,
  verifyInclusion,
} from '../../src/ledger/merkle.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const key = (r: SubtreeRef) => `${r.level}:${r.index}`;
/** "level,index level,index …" → [level, index][]. */
const parseIds = (ids: string) =>
  ids === '' ? [] : ids.split(' ').map((id) => id.split(',').map(Number) as [number, number]);

/** A store holding exactly the subtrees appendLeaf reported; lookups of anything else fail loudly. */
function buildStore(leaves: Uint8Array[]) {
  const rows = new Map<string, Uint8Array>();
  const frontiers: Frontier[] = [[]];
  let frontier: Frontier = [];
  leaves.forEach((leaf, size) => {
    const out = appendLeaf(size, frontier, leaf);
    for (const c of out.completed) rows.set(key(c), c.hash);
    frontier = out.frontier;
    frontiers.push(frontier);
  });
  const lookup = (ref: SubtreeRef) => {
    const hash = rows.get(key(ref));
    if (!hash) throw new Error(`subtree ${key(ref)} was never stored`);
    return hash;
  };
  return { rows, frontiers, lookup };
}

// RFC 6962 reference vectors, copied as data from github.com/transparency-dev/merkle:
// testonly/constants.go (LeafInputs, NodeHashes, RootHashes, CompactTrees) and proof/verify_test.go
// (inclusionProofs, consistencyProofs; leaf numbers there are 1-based). The same values appear in
// google/certificate-transparency-go's merkletree tests.
const LEAF_INPUTS = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(unhex);
const NODE_HASHES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  [
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
// CompactTrees(): the frontier after each size, as "level,index" into NODE_HASHES.
const COMPACT_TREES = ['', '0,0', '1,0', '1,0 0,2', '2,0', '2,0 0,4', '2,0 1,2', '2,0 1,2 0,6', '3,0'];
const INCLUSION_VECTORS: { leaf: number; size: number; proof: string[] }[] = [
  { leaf: 1, size: 1, proof: [] },
  {
    leaf: 1,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leaf: 6,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { leaf: 3, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    leaf: 2,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];
const CONSISTENCY_VECTORS: { size1: number; size2: number; proof: string[] }[] = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];
// From proof/verify_test.go: an arbitrary 32-byte hash and the empty tree hash used in its corruption probes.
const SOME_HASH = unhex('abacaba000000000000000000000000000000000000000000060061e00123456');
const EMPTY_HASH = unhex('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');

const vectorLeaves = LEAF_INPUTS.map((d) => leafHash(d));
const vectorStore = buildStore(vectorLeaves);
const flipped = (h: Uint8Array, byte: number, mask: number) => h.map((x, i) => (i === byte ? x ^ mask : x));

describe('RFC 6962 reference vectors (transparency-dev/merkle)', () => {
  it('hashes leaves and every complete subtree like testonly.NodeHashes', () => {
    expect(hex(emptyRoot())).toBe(ROOTS[0]);
    expect(vectorLeaves.map(hex)).toEqual(NODE_HASHES[0]);
    NODE_HASHES.forEach((row, level) => {
      row.forEach((h, index) => {
        expect(hex(vectorStore.lookup({ level, index }))).toBe(h);
      });
    });
    expect(vectorStore.rows.size).toBe(15);
    expect(hex(nodeHash(vectorLeaves[0]!, vectorLeaves[1]!))).toBe(NODE_HASHES[1]![0]);
  });

  it('computes the root of every prefix like testonly.RootHashes, four ways', () => {
    for (let size = 0; size <= 8; size++) {
      const want = ROOTS[size];
      expect(hex(rootOf(vectorLeaves.slice(0, size)))).toBe(want);
      expect(hex(rangeHash(0, size, vectorStore.lookup))).toBe(want);
      expect(hex(frontierRoot(size, vectorStore.frontiers[size]!))).toBe(want);
      const compact = parseIds(COMPACT_TREES[size]!).map(([l, i]) => NODE_HASHES[l]![i]);
      expect(vectorStore.frontiers[size]!.map(hex)).toEqual(compact);
    }
  });

  it.each(INCLUSION_VECTORS)('reproduces and verifies inclusion proof for leaf $leaf of $size', (v) => {
    const index = v.leaf - 1;
    const proof = inclusionProof(index, v.size, vectorStore.lookup);
    expect(proof.map(hex)).toEqual(v.proof);
    const root = unhex(ROOTS[v.size]!);
    const leaf = vectorLeaves[index]!;
    expect(verifyInclusion(leaf, index, v.size, proof, root)).toBe(true);
    // The corruption probes of verify_test.go's corruptInclusionProof.
    const bad: [number, number, Uint8Array, Uint8Array, Uint8Array[]][] = [
      [index - 1, v.size, root, leaf, proof],
      [index + 1, v.size, root, leaf, proof],
      [index ^ 2, v.size, root, leaf, proof],
      [index, v.size * 2, root, leaf, proof],
      [index, Math.floor(v.size / 2), root, leaf, proof],
      [index, v.size, root, new TextEncoder().encode('WrongLeaf'), proof],
      [index, v.size, EMPTY_HASH, leaf, proof],
      [index, v.size, SOME_HASH, leaf, proof],
      [index, v.size, root, leaf, [...proof, new Uint8Array(0)]],
      [index, v.size, root, leaf, [...proof, root]],
      [index, v.size, root, leaf, [new Uint8Array(0), ...proof]],
      [index, v.size, root, leaf, [root, ...proof]],
      ...proof.map((_, i): [number, number, Uint8Array, Uint8Array, Uint8Array[]] => [
        index,
        v.size,
        root,
        leaf,
        proof.map((h, j) => (i === j ? flipped(h, 0, 8) : h)),
      ]),
    ];
    if (proof.length > 0) bad.push([index, v.size, root, leaf, proof.slice(0, -1)]);
    if (proof.length > 1) bad.push([index, v.size, root, leaf, [proof[0]!, SOME_HASH, ...proof.slice(1)]]);
    for (const [i, s, r, l, p] of bad) expect(verifyInclusion(l, i, s, p, r)).toBe(false);
  });

  it.each(CONSISTENCY_VECTORS)('reproduces and verifies consistency proof $size1 → $size2', (v) => {
    const proof = consistencyProof(v.size1, v.size2, vectorStore.lookup);
    expect(proof.map(hex)).toEqual(v.proof);
    const [root1, root2] = [unhex(ROOTS[v.size1]!), unhex(ROOTS[v.size2]!)];
    expect(verifyConsistency(v.size1, v.size2, root1, root2, proof)).toBe(true);
    if (proof.length === 0) return; // verify_test.go probes only non-trivial proofs
    const wrongRoot = new TextEncoder().encode('WrongRoot');
    const bad: [number, number, Uint8Array, Uint8Array, Uint8Array[]][] = [
      [v.size1 - 1, v.size2, root1, root2, proof],
      [v.size1 + 1, v.size2, root1, root2, proof],
      [v.size1 ^ 2, v.size2, root1, root2, proof],
      [v.size1, v.size2 * 2, root1, root2, proof],
      [v.size1, Math.floor(v.size2 / 2), root1, root2, proof],
      [v.size1, v.size2, wrongRoot, root2, proof],
      [v.size1, v.size2, root1, wrongRoot, proof],
      [v.size1, v.size2, root2, root1, proof],
      [v.size1, v.size2, root1, root2, []],
      [v.size1, v.size2, root1, root2, [...proof, new Uint8Array(0)]],
      [v.size1, v.size2, root1, root2, [...proof, root1]],
      [v.size1, v.size2, root1, root2, [...proof, root2]],
      [v.size1, v.size2, root1, root2, [new Uint8Array(0), ...proof]],
      [v.size1, v.size2, root1, root2, [root1, ...proof]],
      [v.size1, v.size2, root1, root2, [root2, ...proof]],
      [v.size1, v.size2, root1, root2, [proof[0]!, ...proof]],
      [v.size1, v.size2, root1, root2, proof.slice(0, -1)],
      ...proof.map((_, i): [number, number, Uint8Array, Uint8Array, Uint8Array[]] => [
        v.size1,
        v.size2,
        root1,
        root2,
        proof.map((h, j) => (i === j ? flipped(h, 0, 16) : h)),
      ]),
    ];
    for (const [m, n, r1, r2, p] of bad) expect(verifyConsistency(m, n, r1, r2, p)).toBe(false);
  });

  it('handles the single-entry and degenerate cases of verify_test.go', () => {
    const hash = leafHash(new TextEncoder().encode('data'));
    expect(verifyInclusion(hash, 0, 1, [], hash)).toBe(true);
    expect(verifyInclusion(new Uint8Array(0), 0, 1, [], hash)).toBe(false);
    expect(verifyInclusion(hash, 0, 1, [], new Uint8Array(0))).toBe(false);
    for (const [index, size] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [2, 1],
    ] as const) {
      expect(verifyInclusion(SOME_HASH, index, size, [], new Uint8Array(0))).toBe(false);
      expect(verifyInclusion(new Uint8Array(0), index, size, [], EMPTY_HASH)).toBe(false);
      expect(verifyInclusion(SOME_HASH, index, size, [], EMPTY_HASH)).toBe(false);
    }
  });
});

describe('verifyConsistency edge cases (RFC 9162 §2.1.4)', () => {
  const [r1, r2] = [unhex(ROOTS[1]!), unhex(ROOTS[2]!)];
  it('accepts identical trees and the empty tree with an empty proof only', () => {
    expect(verifyConsistency(0, 0, EMPTY_HASH, EMPTY_HASH, [])).toBe(true);
    expect(verifyConsistency(0, 5, EMPTY_HASH, SOME_HASH, [])).toBe(true);
    expect(verifyConsistency(2, 2, r2, r2, [])).toBe(true);
    expect(verifyConsistency(0, 5, SOME_HASH, SOME_HASH, [])).toBe(false); // not the empty tree's hash
    expect(verifyConsistency(0, 0, EMPTY_HASH, SOME_HASH, [])).toBe(false);
    expect(verifyConsistency(1, 1, r1, r2, [])).toBe(false);
    expect(verifyConsistency(0, 1, EMPTY_HASH, r1, [EMPTY_HASH])).toBe(false);
    expect(verifyConsistency(1, 1, r1, r1, [EMPTY_HASH])).toBe(false);
  });
  it('rejects time travel, empty proofs and malformed input', () => {
    expect(verifyConsistency(2, 1, r2, r1, [])).toBe(false);
    expect(verifyConsistency(1, 0, r1, EMPTY_HASH, [])).toBe(false);
    expect(verifyConsistency(1, 2, r1, r2, [])).toBe(false);
    expect(verifyConsistency(1, 2, r1, r2, [vectorLeaves[1]!])).toBe(true);
    expect(verifyConsistency(1, 2, r1, r2, [vectorLeaves[1]!.slice(1)])).toBe(false);
    expect(verifyConsistency(1, 2, r1.slice(1), r2, [vectorLeaves[1]!])).toBe(false);
    expect(verifyConsistency(1.5, 2, r1, r2, [vectorLeaves[1]!])).toBe(false);
    expect(verifyConsistency(-1, 2, r1, r2, [vectorLeaves[1]!])).toBe(false);
  });
});

// proof/proof_test.go TestInclusion and TestConsistency (transparency-dev/merkle): the node IDs Go's
// proof.Inclusion / proof.Consistency return, as "level,index", with `rehash: [begin, end)` marking the IDs
// that are folded into one proof hash (the ephemeral node of a range on the tree's right edge).
type GoNodes = { ids: string; rehash?: [number, number] };
const GO_INCLUSION: (GoNodes & { size: number; index: number })[] = [
  { size: 1, index: 0, ids: '' },
  { size: 2, index: 0, ids: '0,1' },
  { size: 2, index: 1, ids: '0,0' },
  { size: 3, index: 1, ids: '0,0 0,2' },
  { size: 7, index: 0, ids: '0,1 1,1 0,6 1,2', rehash: [2, 4] },
  { size: 7, index: 1, ids: '0,0 1,1 0,6 1,2', rehash: [2, 4] },
  { size: 7, index: 2, ids: '0,3 1,0 0,6 1,2', rehash: [2, 4] },
  { size: 7, index: 3, ids: '0,2 1,0 0,6 1,2', rehash: [2, 4] },
  { size: 7, index: 4, ids: '0,5 0,6 2,0' },
  { size: 7, index: 5, ids: '0,4 0,6 2,0' },
  { size: 7, index: 6, ids: '1,2 2,0' },
  { size: 4, index: 2, ids: '0,3 1,0' },
  { size: 5, index: 3, ids: '0,2 1,0 0,4' },
  { size: 6, index: 3, ids: '0,2 1,0 1,2' },
  { size: 6, index: 4, ids: '0,5 2,0' },
  { size: 15, index: 10, ids: '0,11 1,4 0,14 1,6 3,0', rehash: [2, 4] },
  { size: 31, index: 24, ids: '0,25 1,13 0,30 1,14 3,2 4,0', rehash: [2, 4] },
  { size: 95, index: 81, ids: '0,80 1,41 2,21 0,94 1,46 2,22 4,4 6,0', rehash: [3, 6] },
];
const GO_CONSISTENCY: (GoNodes & { size1: number; size2: number })[] = [
  { size1: 1, size2: 2, ids: '0,1' },
  { size1: 1, size2: 4, ids: '0,1 1,1' },
  { size1: 1, size2: 6, ids: '0,1 1,1 1,2' },
  { size1: 2, size2: 3, ids: '0,2' },
  { size1: 2, size2: 8, ids: '1,1 2,1' },
  { size1: 3, size2: 7, ids: '0,2 0,3 1,0 0,6 1,2', rehash: [3, 5] },
  { size1: 4, size2: 7, ids: '0,6 1,2', rehash: [0, 2] },
  { size1: 5, size2: 7, ids: '0,4 0,5 0,6 2,0' },
  { size1: 6, size2: 7, ids: '1,2 0,6 2,0' },
  { size1: 7, size2: 8, ids: '0,6 0,7 1,2 2,0' },
  ...[1, 2, 3, 4, 5, 7, 8].map((s) => ({ size1: s, size2: s, ids: '' })),
  { size1: 2, size2: 4, ids: '1,1' },
  { size1: 3, size2: 5, ids: '0,2 0,3 1,0 0,4' },
  { size1: 3, size2: 6, ids: '0,2 0,3 1,0 1,2' },
  { size1: 4, size2: 6, ids: '1,2' },
  { size1: 1, size2: 7, ids: '0,1 1,1 0,6 1,2', rehash: [2, 4] },
  { size1: 10, size2: 15, ids: '1,4 1,5 0,14 1,6 3,0', rehash: [2, 4] },
  { size1: 24, size2: 31, ids: '3,2 0,30 1,14 2,6 4,0', rehash: [1, 4] },
  { size1: 81, size2: 95, ids: '0,80 0,81 1,41 2,21 0,94 1,46 2,22 4,4 6,0', rehash: [4, 7] },
];

/** Go's node list as proof ranges: each ID is its own range, except the rehashed run, which is one range. */
function goRanges({ ids, rehash }: GoNodes): Range[] {
  const out: Range[] = [];
  parseIds(ids).forEach(([level, index], i) => {
    const r: Range = [index * 2 ** level, (index + 1) * 2 ** level];
    const last = out[out.length - 1];
    if (rehash && i > rehash[0] && i < rehash[1] && last) {
      out[out.length - 1] = [Math.min(last[0], r[0]), Math.max(last[1], r[1])];
    } else out.push(r);
  });
  return out;
}
const idSet = (ids: string) => new Set(parseIds(ids).map(([level, index]) => key({ level, index })));

describe("ranges match Go's proof.Inclusion / proof.Consistency (proof/proof_test.go)", () => {
  it.each(GO_INCLUSION)('inclusion of $index in $size', ({ size, index, ...want }) => {
    const ranges = inclusionProofRanges(index, size);
    expect(ranges).toEqual(goRanges(want));
    expect(new Set(proofSubtrees(ranges).map(key))).toEqual(idSet(want.ids));
  });
  it.each(GO_CONSISTENCY)('consistency $size1 → $size2', ({ size1, size2, ...want }) => {
    const ranges = consistencyProofRanges(size1, size2);
    expect(ranges).toEqual(goRanges(want));
    expect(new Set(proofSubtrees(ranges).map(key))).toEqual(idSet(want.ids));
  });
  it('rejects the invalid parameters Go rejects', () => {
    for (const [index, size] of [
      [0, 0],
      [1, 0],
      [2, 1],
      [3, 0],
      [8, 7],
    ]) {
      expect(() => inclusionProofRanges(index!, size!)).toThrow(RangeError);
    }
    expect(() => consistencyProofRanges(5, 0)).toThrow(RangeError);
    expect(() => consistencyProofRanges(9, 8)).toThrow(RangeError);
    expect(consistencyProofRanges(0, 8)).toEqual([]);
  });
});

describe('subtree vectors (draft-ietf-plants-merkle-tree-certs, via transparency-dev/merkle)', () => {
  // testonly/vectors_test.go: leaves d[i] = byte(i) for i < 130. For every end in 1..130 and every valid
  // start (0, or a multiple of bit_ceil(end − start)) it feeds one line per result into a rolling SHA-256 and
  // compares the digest with the value the draft's "Subtree Test Vectors" appendix publishes.
  const { lookup } = buildStore(Array.from({ length: 130 }, (_, i) => leafHash(Uint8Array.of(i))));
  const bitCeil = (n: number) => 2 ** Math.ceil(Math.log2(n));
  const validSubtrees: Range[] = [];
  for (let end = 1; end <= 130; end++) {
    for (let start = 0; start < end; start++) {
      if (start === 0 || start % bitCeil(end - start) === 0) validSubtrees.push([start, end]);
    }
  }

  it('TestSubtreeHashVectors: "[start, end) <MTH>" for every valid subtree', () => {
    const rolling = createHash('sha256');
    for (const [start, end] of validSubtrees) {
      rolling.update(`[${start}, ${end}) ${hex(rangeHash(start, end, lookup))}\n`);
    }
    expect(rolling.digest('hex')).toBe('94a95384a8c69acea9b50d035a58285b3a777cb7a724005faa5e1f1e1190007f');
  });

  it('TestSubtreeInclusionProofVectors: "<index> [start, end) <PATH…>" for every leaf of every valid subtree', () => {
    // A subtree inclusion proof is PATH(index − start, D[start:end]); our ranges, shifted by start.
    const rolling = createHash('sha256');
    for (const [start, end] of validSubtrees) {
      for (let index = start; index < end; index++) {
        const proof = inclusionProofRanges(index - start, end - start).map(([s, e]) =>
          hex(rangeHash(start + s, start + e, lookup)),
        );
        rolling.update(`${index} [${start}, ${end})${proof.map((h) => ` ${h}`).join('')}\n`);
      }
    }
    expect(rolling.digest('hex')).toBe('ac2a8f989e44d99e399db448050ff5f19757df53cfb716aa81015d3955d8163f');
  });
});

describe('rangeSubtrees', () => {
  it('decomposes a range into aligned subtrees, largest first, and rejects unaligned ranges', () => {
    expect(rangeSubtrees(0, 7)).toEqual([
      { level: 2, index: 0 },
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ]);
    expect(rangeSubtrees(8, 11)).toEqual([
      { level: 1, index: 4 },
      { level: 0, index: 10 },
    ]);
    expect(rangeSubtrees(5, 5)).toEqual([]);
    expect(() => rangeSubtrees(1, 3)).toThrow(RangeError);
    expect(() => rangeSubtrees(3, 2)).toThrow(RangeError);
  });

  it('reads O(log n) stored hashes for any proof in a ten-million-leaf tree', () => {
    const n = 10_000_000;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 1, max: n }), (index, m) => {
        const inclusion = proofSubtrees(inclusionProofRanges(index, n));
        const consistency = proofSubtrees(consistencyProofRanges(m, n));
        // log2(1e7) < 24: at most one range on the right edge splits into several subtrees.
        expect(inclusion.length).toBeLessThanOrEqual(2 * 24);
        expect(consistency.length).toBeLessThanOrEqual(2 * 24);
        for (const ref of [...inclusion, ...consistency])
          expect((ref.index + 1) * 2 ** ref.level).toBeLessThanOrEqual(n);
      }),
      { numRuns: 300 },
    );
  });

  it('stays exact past 2^32 leaves', () => {
    const size = 2 ** 40 + 2 ** 33 + 5;
    const refs = rangeSubtrees(0, size);
    expect(refs).toEqual([
      { level: 40, index: 0 },
      { level: 33, index: 2 ** 7 },
      { level: 2, index: (2 ** 40 + 2 ** 33) / 4 },
      { level: 0, index: 2 ** 40 + 2 ** 33 + 4 },
    ]);
    expect(inclusionProofRanges(size - 1, size).at(-1)).toEqual([0, 2 ** 40]);
  });
});

describe('properties', () => {
  // One fixed 300-leaf tree serves every size: the store only grows, and smaller trees are prefixes.
  const N = 300;
  const leaves = Array.from({ length: N }, (_, i) => leafHash(new TextEncoder().encode(`entry ${i}`)));
  const store = buildStore(leaves);
  const roots = Array.from({ length: N + 1 }, (_, size) => rootOf(leaves.slice(0, size)));

  it('every inclusion proof for every size ≤ 300 verifies against rootOf', () => {
    for (let size = 1; size <= N; size++) {
      for (let index = 0; index < size; index++) {
        const proof = inclusionProof(index, size, store.lookup);
        if (!verifyInclusion(leaves[index]!, index, size, proof, roots[size]!)) {
          throw new Error(`inclusion of ${index} in ${size} failed`);
        }
      }
    }
  });

  it('every consistency proof for 1 ≤ m ≤ n ≤ 200 verifies', () => {
    for (let n = 1; n <= 200; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProof(m, n, store.lookup);
        if (!verifyConsistency(m, n, roots[m]!, roots[n]!, proof))
          throw new Error(`consistency ${m} → ${n} failed`);
      }
    }
  });

  // RFC 9162 §2.1.3.2 and §2.1.4.2 use the sizes only to steer the walk up the tree: the root binds the leaf
  // and the path, not the size. A proof therefore also verifies under another size whose path has the same
  // shape (which side each sibling sits on); the size must come authenticated with the root, as in a signed
  // checkpoint. These shapes state exactly when that happens; anything else must fail.
  const inclusionShape = (index: number, size: number) =>
    index < size
      ? inclusionProofRanges(index, size)
          .map(([s]) => (s < index ? 'L' : 'R'))
          .join('')
      : null;
  const consistencyShape = (m: number, n: number) =>
    m > 0 && m < n
      ? `${Number.isInteger(Math.log2(m))}:${consistencyProofRanges(m, n)
          .map(([, e]) => (e <= m ? 'L' : 'R'))
          .join('')}`
      : null;

  it('any changed proof byte, leaf, index or root breaks an inclusion proof, and size only as the RFC allows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: N }).chain((size) => fc.tuple(fc.constant(size), fc.nat(size - 1))),
        fc.nat(),
        fc.nat(31),
        fc.integer({ min: 1, max: 255 }),
        fc.integer({ min: 1, max: N }),
        ([size, index], which, byte, mask, other) => {
          const proof = inclusionProof(index, size, store.lookup);
          const leaf = leaves[index]!;
          const root = roots[size]!;
          const at = which % proof.length;
          const tampered = proof.map((h, i) => (i === at ? flipped(h, byte, mask) : h));
          expect(verifyInclusion(leaf, index, size, tampered, root)).toBe(false);
          expect(verifyInclusion(leaf, index, size, proof, flipped(root, byte, mask))).toBe(false);
          expect(verifyInclusion(flipped(leaf, byte, mask), index, size, proof, root)).toBe(false);
          const otherIndex = other % size;
          if (otherIndex !== index) expect(verifyInclusion(leaf, otherIndex, size, proof, root)).toBe(false);
          if (other !== size) {
            const sameShape = inclusionShape(index, other) === inclusionShape(index, size);
            expect(verifyInclusion(leaf, index, other, proof, root)).toBe(sameShape);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('any changed proof byte or root breaks a consistency proof, and sizes only as the RFC allows', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: N })
          .chain((n) => fc.tuple(fc.integer({ min: 1, max: n - 1 }), fc.constant(n))),
        fc.nat(),
        fc.nat(31),
        fc.integer({ min: 1, max: 255 }),
        fc.integer({ min: 0, max: N }),
        ([m, n], which, byte, mask, other) => {
          const proof = consistencyProof(m, n, store.lookup);
          const at = which % proof.length;
          const tampered = proof.map((h, i) => (i === at ? flipped(h, byte, mask) : h));
          expect(verifyConsistency(m, n, roots[m]!, roots[n]!, tampered)).toBe(false);
          expect(verifyConsistency(m, n, flipped(roots[m]!, byte, mask), roots[n]!, proof)).toBe(false);
          expect(verifyConsistency(m, n, roots[m]!, flipped(roots[n]!, byte, mask), proof)).toBe(false);
          expect(verifyConsistency(m, n, roots[n]!, roots[m]!, proof)).toBe(false);
          const shape = consistencyShape(m, n);
          if (other !== m) {
            const ok = verifyConsistency(other, n, roots[m]!, roots[n]!, proof);
            expect(ok).toBe(consistencyShape(other, n) === shape);
          }
          if (other !== n) {
            const ok = verifyConsistency(m, other, roots[m]!, roots[n]!, proof);
            expect(ok).toBe(consistencyShape(m, other) === shape);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('appendLeaf keeps frontierRoot = rootOf and stores exactly the complete subtrees', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 140 }), (hashes) => {
        const { rows, frontiers, lookup } = buildStore(hashes);
        for (let size = 0; size <= hashes.length; size++) {
          const root = rootOf(hashes.slice(0, size));
          expect(frontierRoot(size, frontiers[size]!)).toEqual(root);
          // Computable from appended rows alone: appendLeaf reported every subtree a root needs.
          expect(rangeHash(0, size, lookup)).toEqual(root);
        }
        // And nothing else: the rows are exactly the complete aligned subtrees of the final tree.
        const want = new Set<string>();
        for (let level = 0; 2 ** level <= hashes.length; level++) {
          for (let index = 0; (index + 1) * 2 ** level <= hashes.length; index++)
            want.add(key({ level, index }));
        }
        expect(new Set(rows.keys())).toEqual(want);
        if (hashes.length > 0) {
          const index = hashes.length - 1;
          const proof = inclusionProof(index, hashes.length, lookup);
          expect(
            verifyInclusion(hashes[index]!, index, hashes.length, proof, rangeHash(0, hashes.length, lookup)),
          ).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('appendLeaf rejects a frontier that does not fit the size', () => {
    expect(() => appendLeaf(3, [SOME_HASH], SOME_HASH)).toThrow(RangeError);
    expect(() => frontierRoot(1, [])).toThrow(RangeError);
    expect(() => appendLeaf(0, [], new Uint8Array(31))).toThrow(RangeError);
  });
});

import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Checkpoint,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
} from '../../src/ledger/checkpoint.ts';
import { emptyRoot, leafHash, rootOf } from '../../src/ledger/merkle.ts';
import { ed25519PublicKeyBytes } from '../../src/ledger/note.ts';

// The example at the top of https://c2sp.org/tlog-checkpoint (C2SP/C2SP tlog-checkpoint.md); its key is not
// published, so its signature can only be parsed, not verified.
const SPEC_TEXT = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const SPEC_NOTE =
  `${SPEC_TEXT}\n— example.com/behind-the-sofa ` +
  'Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n';

// The RFC 6962 reference tree of 8 leaves (transparency-dev/merkle testonly/constants.go); its root
// 5dc9da79… in base64 is root2 of testdata/consistency/1/happy-path.json in the same repository.
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const ROOT8 = rootOf(LEAVES.map((h) => leafHash(Buffer.from(h, 'hex'))));
const ROOT8_B64 = 'XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=';

const log = { name: 'example.com/origin', privateKey: generateKeyPairSync('ed25519').privateKey };
const logVerifier = { name: log.name, publicKey: ed25519PublicKeyBytes(log.privateKey) };

describe('formatCheckpoint / parseCheckpoint', () => {
  it('parses the spec example', () => {
    const cp = parseCheckpoint(SPEC_TEXT);
    expect(cp.origin).toBe('example.com/behind-the-sofa');
    expect(cp.size).toBe(20852163);
    expect(Buffer.from(cp.rootHash).toString('base64')).toBe('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
    expect(cp.extensions).toEqual([]);
    expect(formatCheckpoint(cp)).toBe(SPEC_TEXT);
  });

  it('formats a tree head as three lines plus extensions', () => {
    expect(formatCheckpoint({ origin: 'example.com/origin', size: 8, rootHash: ROOT8 })).toBe(
      `example.com/origin\n8\n${ROOT8_B64}\n`,
    );
    const withExt = { origin: 'o', size: 0, rootHash: emptyRoot(), extensions: ['ext one', 'ext+two'] };
    expect(formatCheckpoint(withExt)).toBe(
      'o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\next+two\n',
    );
    expect(parseCheckpoint(formatCheckpoint(withExt))).toEqual(withExt);
  });

  it('round-trips any valid checkpoint', () => {
    const line = fc.string({ minLength: 1, unit: 'grapheme' }).filter((s) => ![...s].some((c) => c < ' '));
    fc.assert(
      fc.property(
        line,
        fc.maxSafeNat(),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(line, { maxLength: 3 }),
        (origin, size, rootHash, extensions) => {
          const cp: Checkpoint = { origin, size, rootHash, extensions };
          expect(parseCheckpoint(formatCheckpoint(cp))).toEqual(cp);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects malformed text with a readable error', () => {
    const root = `${ROOT8_B64}\n`;
    const bad: [string, RegExp][] = [
      [`o\n8\n${ROOT8_B64}`, /end with a newline/],
      ['o\n8\n', /origin, size and root/],
      [`\n8\n${root}`, /origin must not be empty/],
      [`o\n08\n${root}`, /size "08" is invalid/],
      [`o\n-1\n${root}`, /size "-1" is invalid/],
      [`o\n1.0\n${root}`, /invalid/],
      [`o\n 1\n${root}`, /invalid/],
      [`o\n\n${root}`, /size "" is invalid/],
      [`o\n0x10\n${root}`, /invalid/],
      [`o\n9007199254740993\n${root}`, /too large/],
      ['o\n8\nAAAA\n', /32 bytes/],
      [`o\n8\n${ROOT8_B64.replace('=', '')}\n`, /32 bytes/],
      [`o\n8\n${ROOT8_B64.slice(0, -2)}h=\n`, /32 bytes/],
      [`o\n8\n${root}\n`, /extension line must not be empty/],
      [`o\n8\n${root}a\tb\n`, /control character/],
    ];
    for (const [text, message] of bad)
      expect(() => parseCheckpoint(text), JSON.stringify(text)).toThrow(message);
  });

  it('refuses to format what it could not parse back', () => {
    const ok = { origin: 'o', size: 1, rootHash: ROOT8 };
    expect(() => formatCheckpoint({ ...ok, origin: '' })).toThrow(/origin/);
    expect(() => formatCheckpoint({ ...ok, origin: 'a\nb' })).toThrow(/origin/);
    expect(() => formatCheckpoint({ ...ok, size: -1 })).toThrow(/size/);
    expect(() => formatCheckpoint({ ...ok, size: 1.5 })).toThrow(/size/);
    expect(() => formatCheckpoint({ ...ok, rootHash: new Uint8Array(31) })).toThrow(/32 bytes/);
    expect(() => formatCheckpoint({ ...ok, extensions: [''] })).toThrow(/extension/);
    expect(() => formatCheckpoint({ ...ok, extensions: ['a\nb'] })).toThrow(/extension/);
  });
});

describe('signCheckpoint / openCheckpoint', () => {
  const cp = { origin: 'example.com/origin', size: 8, rootHash: ROOT8 };

  it('signs a checkpoint as a note that opens and verifies', () => {
    const note = signCheckpoint(cp, log);
    expect(note.startsWith(`example.com/origin\n8\n${ROOT8_B64}\n\n— example.com/origin `)).toBe(true);
    const opened = openCheckpoint(note, [logVerifier]);
    expect(opened.checkpoint).toEqual({ ...cp, extensions: [] });
    expect(opened.signatures).toEqual([
      {
        name: log.name,
        hash: expect.any(Number),
        verified: true,
        type: 'ed25519',
        line: note.trimEnd().split('\n').at(-1),
      },
    ]);
  });

  it('fails the signature when the tree head is changed', () => {
    const forged = signCheckpoint(cp, log).replace('\n8\n', '\n9\n');
    const opened = openCheckpoint(forged, [logVerifier]);
    expect(opened.checkpoint.size).toBe(9);
    expect(opened.signatures[0]!.verified).toBe(false);
  });

  it('parses the spec example with an unknown key as unverified', () => {
    const opened = openCheckpoint(SPEC_NOTE, [logVerifier]);
    expect(opened.checkpoint.size).toBe(20852163);
    expect(opened.signatures).toEqual([
      {
        name: 'example.com/behind-the-sofa',
        hash: 0x033de0ae,
        verified: null,
        line: SPEC_NOTE.trimEnd().split('\n').at(-1),
      },
    ]);
  });

  it('rejects a well-signed note whose text is not a checkpoint', () => {
    const note = signCheckpoint(cp, log).replace('\n8\n', '\n08\n');
    expect(() => openCheckpoint(note, [logVerifier])).toThrow(/size "08" is invalid/);
    expect(() => openCheckpoint(SPEC_TEXT, [logVerifier])).toThrow(/malformed note/);
  });
});

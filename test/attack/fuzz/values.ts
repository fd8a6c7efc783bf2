/**
 * Values that break things: edge-case strings and numbers, huge strings, deep nesting, prototype pollution,
 * and the mutations and text edits that carry them into otherwise valid inputs (applied by mutate.ts).
 */

import fc from 'fast-check';
import type { Mutation, TextEdit } from './request.ts';

/** Serialised as its text, unchanged: JSON that JSON.stringify cannot write (10k levels, 1e999). */
export class Raw {
  constructor(readonly text: string) {}
}

export const EDGE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uD83D',
  '\uDE00x',
  '\uFEFF',
  '\u202E',
  '\u200F',
  '\u200B',
  '\u2028\u2029',
  '\u00A0',
  '\u0085',
  '\uFFFF',
  '\uFFFD',
  '👩‍👩‍👧‍👦',
  '🏳️‍⚧️',
  'e\u0301\u0301\u0301',
  'İı',
  'ß',
  'ﬃ',
  '\r\n',
  '\t',
  '\\',
  '"',
  "'",
  '`',
  '<script>alert(1)</script>',
  "'; drop table cases; --",
  "' or '1'='1",
  '$1',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: template injection probe, meant literally
  '${7*7}',
  '{{7*7}}',
  '%s%n%x',
  '../../../etc/passwd',
  'C:\\Windows\\win.ini',
  'NaN',
  'Infinity',
  '-Infinity',
  'undefined',
  'null',
  'true',
  '1e999',
  '-0',
  '0x1F',
  '0b101',
  '1_000',
  '١٢٣',
  '１２３',
  '9'.repeat(400),
  `0.${'0'.repeat(300)}1`,
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'ARC\u0000',
  'arc',
  ' ARC ',
  'ÂRC',
  '2026-02-30',
  '2026-13-01T25:61:61Z',
  '0000-00-00',
  '+275760-09-13T00:00:00.001Z',
];
const EDGE_NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  1e308,
  -1e308,
  5e-324,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1e21,
  1e-7,
];
const RAW_NUMBERS = [
  '1e999',
  '-1e999',
  `1${'0'.repeat(400)}`,
  `0.${'0'.repeat(400)}1`,
  '-0',
  '1E+2',
  '1e-400',
  '123456789012345678901234567890',
];
const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype'];
export const ODD_KEYS = [
  ...POLLUTION_KEYS,
  'toString',
  'valueOf',
  'hasOwnProperty',
  '',
  ' ',
  'a\u0000',
  '\uD800',
  '$ref',
];

/** An object with `key` as its own enumerable property, even `__proto__`. */
export function own(key: string, value: unknown): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  return o;
}

const deepText = (depth: number, kind: 'array' | 'object' | 'mixed') =>
  kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : kind === 'object'
      ? `${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`
      : `${'[{"a":'.repeat(depth)}0${'}]'.repeat(depth)}`;

export const hugeString = fc
  .record({
    unit: fc.constantFrom('a', 'é', '€', '𝄞', '\u0000', '\uD800', 'ab\u202E', '👩‍👩‍👧', '"\\'),
    size: fc.constantFrom(1_000, 20_001, 50_001, 200_000, 1_048_576, 2_200_000),
  })
  .map(({ unit, size }) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size));

export const deep = fc
  .record({
    depth: fc.constantFrom(100, 1_000, 5_000, 10_000, 12_000, 100_000),
    kind: fc.constantFrom('array' as const, 'object' as const, 'mixed' as const),
  })
  .map(({ depth, kind }) => new Raw(deepText(depth, kind)));

const pollution = fc
  .tuple(
    fc.constantFrom(...POLLUTION_KEYS),
    fc.constantFrom<unknown>(
      { polluted: 'fuzz' },
      { prototype: { polluted: 'fuzz' } },
      { toString: 'fuzz', valueOf: 1 },
      'fuzz',
      null,
      [1],
    ),
  )
  .map(([k, v]) => own(k, structuredClone(v)));

export const smallJson = fc.jsonValue({ maxDepth: 2 });

/** A value of the wrong kind, or a string or number that software tends to get wrong. */
export const nasty: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), smallJson) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>([], {}, [null], '', 0) },
  { weight: 5, arbitrary: fc.constantFrom(...EDGE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom('ARC', 'officer@arc.example', '2026-01-01', 'stored-data'),
        fc.constantFrom(...EDGE_STRINGS),
      )
      .map(([a, b]) => a + b),
  },
  { weight: 2, arbitrary: fc.constantFrom(...EDGE_NUMBERS) },
  { weight: 1, arbitrary: fc.constantFrom(...RAW_NUMBERS).map((t) => new Raw(t)) },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: fc.constantFrom(1_000, 10_000, 100_000).map((n) => new Array<number>(n).fill(1)) },
  { weight: 1, arbitrary: deep },
  { weight: 2, arbitrary: pollution },
);

export const taint = fc.record({
  kind: fc.constant('taint' as const),
  at: fc.nat(),
  text: fc.oneof(
    fc.constantFrom(...EDGE_STRINGS.filter((e) => e.length < 50)),
    fc.string({ unit: 'binary', maxLength: 4 }),
  ),
  prefix: fc.boolean(),
});

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: nasty }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      at: fc.nat(),
      key: fc.oneof(fc.constantFrom(...ODD_KEYS), fc.string({ maxLength: 12 })),
      value: fc.oneof(nasty, pollution),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wrap' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stringify' as const), at: fc.nat() }) },
  { weight: 5, arbitrary: taint },
);

const JUNK = [
  '{',
  '}',
  '[',
  ']',
  '"',
  '\\',
  '\\u',
  '\\ud800',
  '\\u0000',
  ',',
  ':',
  'NaN',
  'undefined',
  '/*x*/',
  '\u0000',
  '\uFEFF',
  '"__proto__":{"polluted":"fuzz"},',
  '"constructor":{"prototype":{"polluted":"fuzz"}},',
  '.',
  '..',
  '=',
];
const junk = fc.oneof(
  fc.constantFrom(...JUNK),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);

export const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: junk }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('swap-segments' as const), i: fc.nat(5), j: fc.nat(5) }),
  fc.record({ kind: fc.constant('append' as const), text: junk }),
  fc.record({ kind: fc.constant('prefix' as const), text: junk }),
);

/**
 * What goes around a body on the wire: header values a client can send, content types, bodies no route
 * expects, and raw path segments and query strings.
 */

import fc from 'fast-check';
import type { Body } from './request.ts';
import { deep } from './values.ts';

/** Header values a client can send: visible ASCII, now and then Latin-1, rarely 20 kB. */
export const headerText = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 60,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.string({
      unit: fc.integer({ min: 0xa0, max: 0xff }).map((c) => String.fromCharCode(c)),
      maxLength: 10,
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(8_000), 'x'.repeat(20_000)) },
);

export const numericHeader = fc.oneof(
  fc.nat(100_000).map(String),
  fc.constantFrom(
    '-1',
    '0',
    '1e3',
    '0x10',
    '99999999999999999999999',
    '9007199254740993',
    ' 5',
    '+5',
    '',
    'NaN',
    '1.5',
    String(64 * 1024 ** 4),
    String(64 * 1024 ** 4 + 1),
  ),
  headerText,
);

const CONTENT_TYPES = [
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/json;',
  'application/json ; charset="utf-8"',
  'application/problem+json',
  'application/merge-patch+json',
  'application/jose',
  'application/offset+octet-stream',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'application/xml',
  '*/*',
  'application/*',
  ';',
  '',
  'application/json, text/plain',
  'application/json; boundary=',
];
export const contentType = fc.oneof(fc.constantFrom(...CONTENT_TYPES), headerText);

/** Bodies that are not what any route expects. */
export const rawBody: fc.Arbitrary<Body> = fc.oneof(
  fc
    .constantFrom(
      '',
      'null',
      'true',
      '1',
      '"x"',
      '[]',
      '{}',
      '{',
      '{"a":1,"a":2}',
      '\uFEFF{}',
      '{"__proto__":{"polluted":"fuzz"}}',
      '{"constructor":{"prototype":{"polluted":"fuzz"}}}',
      '{"a":NaN}',
      '{"a":1e999}',
      '{/*c*/}',
      '{"a":"\\ud800"}',
      '{"a":"\\u0000"}',
      'a=1&b=2',
      '--fuzz\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--fuzz--',
    )
    .map((text) => ({ kind: 'text' as const, text })),
  fc.string({ maxLength: 200 }).map((text) => ({ kind: 'text' as const, text })),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ kind: 'bytes' as const, bytes })),
  fc
    .constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82])
    .map((b) => ({
      kind: 'bytes' as const,
      bytes: Buffer.concat([Buffer.from('{"email":"'), Buffer.from(b), Buffer.from('","password":"x"}')]),
    })),
  deep.map((r) => ({ kind: 'text' as const, text: r.text })),
  fc.constantFrom(100_000, 1_000_000).map((n) => ({ kind: 'text' as const, text: '['.repeat(n) })),
);

export const RAW_PATH_SEGMENTS = [
  '..',
  '.',
  '%2e%2e',
  '%00',
  '%',
  '%E0%A4%A',
  '%ZZ',
  '%C0%AF',
  '%ED%A0%80',
  '%FF',
  'a%2Fb',
  'a/b',
  '',
  '%20',
  ';x',
  '~',
  'x'.repeat(101),
  'x'.repeat(5_000),
  '%uD800',
];

export const RAW_QUERY_BITS = [
  '&&&',
  '=',
  'a=%',
  'a=%E0%A4%A',
  'a=%ZZ',
  '__proto__=1',
  '__proto__[polluted]=fuzz',
  'constructor[prototype][polluted]=fuzz',
  'constructor.prototype.polluted=fuzz',
  'limit=1&limit=2',
  'limit[]=1',
  'a[b][c][d]=1',
  `q=${'x'.repeat(100_000)}`,
  `${'a='.repeat(5_000)}`,
  'a=1;b=2',
];

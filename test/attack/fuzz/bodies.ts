/**
 * Bodies to send: valid ones (from the schema or gathered from the federation) mutated, tainted or edited as
 * text, garbage of any content type, messages for the exchange endpoint, and tus uploads with their metadata.
 */

import fc from 'fast-check';
import { ACTIONS } from '../../../src/domain/lifecycle.ts';
import { sha256hex } from './encoding.ts';
import { actionBody, type Generation } from './generation.ts';
import { contentType, headerText, rawBody } from './http-values.ts';
import { messageSpec } from './message-specs.ts';
import { applyEdits, applyMutations, toJson } from './mutate.ts';
import type { Operation } from './operations.ts';
import type { FuzzRequest, MetaValue } from './request.ts';
import { schemaArbitrary } from './schema.ts';
import { EDGE_STRINGS, mutation, ODD_KEYS, taint, textEdit } from './values.ts';

/** The content type, body and upload metadata of a request to `op`. */
export function payload(
  gen: Generation,
  op: Operation,
): fc.Arbitrary<Pick<FuzzRequest, 'contentType' | 'body' | 'metadata'>> {
  const none = { contentType: null, body: { kind: 'none' as const }, metadata: null };
  const garbage = fc.record({ contentType: contentType, body: rawBody, metadata: fc.constant(null) });
  if (op.kind === 'message')
    return fc.oneof(
      {
        weight: 9,
        arbitrary: fc.record({
          contentType: fc.oneof(
            { weight: 8, arbitrary: fc.constant('application/jose') },
            fc.constantFrom(
              'application/jose; charset=utf-8',
              'APPLICATION/JOSE',
              'application/jose+json',
              'application/josex',
              'application/json',
              'text/plain',
            ),
          ),
          body: messageSpec(gen).map((spec) => ({ kind: 'message' as const, spec })),
          metadata: fc.constant(null),
        }),
      },
      garbage,
    );
  if (op.kind === 'tus')
    return fc.record({
      contentType: fc.oneof(
        { weight: 6, arbitrary: fc.constant('application/offset+octet-stream') },
        contentType,
      ),
      body: fc.oneof(
        { weight: 2, arbitrary: fc.constant({ kind: 'none' as const }) },
        {
          weight: 4,
          arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ kind: 'bytes' as const, bytes })),
        },
        {
          weight: 1,
          arbitrary: fc
            .constantFrom(65_536, 1_048_576)
            .map((n) => ({ kind: 'bytes' as const, bytes: new Uint8Array(n).fill(0x61) })),
        },
        rawBody,
      ),
      metadata: fc.option(metadata(op), { freq: 3 }),
    });
  if (!op.body) return fc.oneof({ weight: 8, arbitrary: fc.constant(none) }, garbage);
  const seeds = gen.seeds.get(op.key) ?? [];
  const generated = schemaArbitrary(op.body, gen.doc);
  const valid = op.path.endsWith('/actions/{action}')
    ? fc.constantFrom(...ACTIONS).chain((a) => actionBody(gen, a))
    : generated;
  const base = seeds.length ? fc.oneof(valid, { weight: 3, arbitrary: fc.constantFrom(...seeds) }) : valid;
  const json = fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, contentType);
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        contentType: json,
        body: base.map((value) => ({ kind: 'json' as const, value })),
        metadata: fc.constant(null),
      }),
    },
    {
      // Valid but for a NUL, an RTL mark, a lone surrogate… in one of its strings: goes deepest.
      weight: 4,
      arbitrary: fc.record({
        contentType: fc.constant('application/json'),
        body: fc
          .tuple(base, fc.array(taint, { minLength: 1, maxLength: 2 }))
          .map(([v, m]) => ({ kind: 'json' as const, value: applyMutations(v, m) })),
        metadata: fc.constant(null),
      }),
    },
    {
      weight: 6,
      arbitrary: fc.record({
        contentType: json,
        body: fc
          .tuple(base, fc.array(mutation, { minLength: 1, maxLength: 3 }))
          .map(([v, m]) => ({ kind: 'json' as const, value: applyMutations(v, m) })),
        metadata: fc.constant(null),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        contentType: json,
        body: fc
          .tuple(base, fc.array(textEdit, { minLength: 1, maxLength: 3 }))
          .map(([v, e]) => ({ kind: 'text' as const, text: applyEdits(toJson(v), e) })),
        metadata: fc.constant(null),
      }),
    },
    { weight: 1, arbitrary: garbage },
    { weight: 1, arbitrary: fc.constant(none) },
  );
}

/** tus Upload-Metadata: the valid pairs, or any pairs of known and odd keys. */
function metadata(op: Operation): fc.Arbitrary<[string, MetaValue | null][]> {
  const keys = op.path.startsWith('/exchange')
    ? ['package', 'file', 'filename', 'sha256']
    : ['package', 'filename', 'sha256', 'mediaType', 'collectedBy', 'collectedAt'];
  const value: fc.Arbitrary<MetaValue> = fc.oneof(
    { weight: 3, arbitrary: fc.nat().map((known) => ({ known })) },
    {
      weight: 4,
      arbitrary: fc
        .oneof(
          fc.constantFrom(
            'fuzz.txt',
            'text/plain',
            '0',
            '1',
            '99999',
            sha256hex('x'),
            '2026-01-01T00:00:00Z',
            'Fuzz Ltd',
          ),
          fc.constantFrom(...EDGE_STRINGS),
          fc.string({ maxLength: 30 }),
        )
        .map((text) => ({ text })),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.constantFrom('%%%', '====', 'a', 'YQ', '\u00ff'), headerText)
        .map((base64) => ({ base64 })),
    },
  );
  const pair = fc.tuple(
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...keys) },
      fc.constantFrom(...ODD_KEYS.filter((k) => /^[\x21-\x7e]+$/.test(k) && !k.includes(','))),
    ),
    fc.option(value, { freq: 8 }),
  );
  const valid = fc.constant(
    keys.map((k): [string, MetaValue | null] => [
      k,
      k === 'package'
        ? { known: 0 }
        : { text: k === 'file' ? '0' : k === 'sha256' ? sha256hex('x') : 'fuzz' },
    ]),
  );
  return fc.oneof(valid, fc.array(pair, { maxLength: 8 }));
}

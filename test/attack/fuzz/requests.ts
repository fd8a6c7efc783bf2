/**
 * Whole requests to generate for an operation: target node, method, identity, path parameters, query, headers
 * and body (bodies.ts), and now and then a real socket instead of `app.inject`.
 */

import fc from 'fast-check';
import { payload } from './bodies.ts';
import type { Generation } from './generation.ts';
import { headerText, numericHeader, RAW_PATH_SEGMENTS, RAW_QUERY_BITS } from './http-values.ts';
import { identityArbitrary, nodeIdentity } from './identities.ts';
import { messageSpec } from './message-specs.ts';
import { toJson } from './mutate.ts';
import type { Operation } from './operations.ts';
import { EMPTY_REQUEST, type FuzzRequest, type ParamValue, TARGETS } from './request.ts';
import { type JsonSchema, schemaArbitrary } from './schema.ts';
import { HTTP_ONE_IN } from './settings.ts';
import { EDGE_STRINGS, nasty, ODD_KEYS } from './values.ts';

/** The requests to try on `op`. */
export function requestArbitrary(gen: Generation, op: Operation): fc.Arbitrary<FuzzRequest> {
  const target = fc.constantFrom(...TARGETS);
  if (op.kind === 'parse-message')
    return fc.record({ target, spec: messageSpec(gen) }).map(({ target, spec }) => ({
      ...EMPTY_REQUEST,
      target,
      body: { kind: 'message', spec },
    }));
  if (op.kind === 'parse-node-token')
    return fc.record({ target, identity: nodeIdentity() }).map(({ target, identity }) => ({
      ...EMPTY_REQUEST,
      target,
      identity,
    }));
  return fc
    .record({
      target,
      method: fc.oneof(
        { weight: 120, arbitrary: fc.constant(null) },
        fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
      ),
      identity: identityArbitrary(op),
      params: pathParams(gen, op),
      query: query(gen, op),
      headers: headers(op),
      payload: payload(gen, op),
      http: fc.nat(HTTP_ONE_IN - 1).map((n) => n === 0),
    })
    .map(({ payload, ...rest }) => ({ ...rest, ...payload }));
}

function pathParams(gen: Generation, op: Operation): fc.Arbitrary<Record<string, ParamValue>> {
  const model: Record<string, fc.Arbitrary<ParamValue>> = {};
  for (const p of op.pathParams)
    model[p.name] = fc.oneof(
      { weight: 6, arbitrary: fc.nat().map((known) => ({ known })) },
      { weight: 3, arbitrary: schemaArbitrary(p.schema, gen.doc).map((v) => ({ text: String(v) })) },
      {
        weight: 2,
        arbitrary: nasty.map((v) => ({
          text: typeof v === 'string' ? v.slice(0, 10_000) : toJson(v).slice(0, 10_000),
        })),
      },
      { weight: 1, arbitrary: fc.constantFrom(...RAW_PATH_SEGMENTS).map((text) => ({ text, raw: true })) },
    );
  return fc.record(model);
}

function query(gen: Generation, op: Operation): fc.Arbitrary<FuzzRequest['query']> {
  const value = (schema: JsonSchema) =>
    fc.oneof(
      {
        weight: 5,
        arbitrary: schemaArbitrary(schema, gen.doc).map((v) => (typeof v === 'string' ? v : toJson(v))),
      },
      { weight: 2, arbitrary: nasty.map((v) => (typeof v === 'string' ? v : toJson(v)).slice(0, 100_000)) },
    );
  const known = fc.tuple(
    ...op.queryParams.map((p) =>
      fc.option(
        value(p.schema).map((v): [string, string] => [p.name, v]),
        { freq: p.required ? 8 : 2 },
      ),
    ),
  );
  const extra = fc.array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(...ODD_KEYS, ...op.queryParams.map((p) => p.name), 'limit'),
        fc.string({ maxLength: 8 }),
      ),
      fc.oneof(fc.constantFrom(...EDGE_STRINGS), fc.string({ maxLength: 20 })),
    ),
    { maxLength: op.queryParams.length ? 2 : 1 },
  );
  return fc
    .record({
      known,
      extra: fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, extra),
      raw: fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, fc.constantFrom(...RAW_QUERY_BITS)),
    })
    .map(({ known, extra, raw }) => ({
      pairs: [...known.filter((p): p is [string, string] => p !== null), ...extra],
      raw,
    }));
}

function headers(op: Operation): fc.Arbitrary<Record<string, string>> {
  const names = [
    'accept',
    'accept-language',
    'accept-encoding',
    'content-encoding',
    'cookie',
    'origin',
    'referer',
    'x-forwarded-for',
    'x-request-id',
    'user-agent',
    'if-none-match',
    'range',
    'x-http-method-override',
  ];
  const values = fc.oneof(
    headerText,
    fc.constantFrom(
      'gzip',
      'br, deflate',
      'application/json',
      'text/html',
      '*/*',
      'comity_session=x',
      `comity_session=${'A'.repeat(43)}`,
      'bytes=0-1,5-',
      '127.0.0.1, ::1',
      'DELETE',
      'PUT',
    ),
  );
  const tus =
    op.kind === 'tus'
      ? fc.record(
          {
            'tus-resumable': fc.oneof(
              { weight: 8, arbitrary: fc.constant('1.0.0') },
              fc.constantFrom('0.2.2', '1.0', '', '1.0.0, 0.2.2'),
              headerText,
            ),
            'upload-length': numericHeader,
            'upload-offset': numericHeader,
            'upload-defer-length': fc.oneof(fc.constant('1'), headerText),
            'upload-concat': fc.constantFrom('partial', 'final;/a /b', 'final;', 'final;x'),
            'x-http-method-override': fc.constantFrom(
              'PATCH',
              'DELETE',
              'HEAD',
              'GET',
              'POST',
              'OPTIONS',
              'FOO',
            ),
          },
          { requiredKeys: [] },
        )
      : fc.constant({});
  return fc
    .tuple(
      tus,
      fc.oneof(
        { weight: 3, arbitrary: fc.constant({}) },
        fc.dictionary(fc.constantFrom(...names), values, { maxKeys: 3 }),
      ),
    )
    .map(([a, b]) => ({ ...b, ...a }) as Record<string, string>);
}

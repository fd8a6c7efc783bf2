/**
 * Inbound messages to generate, from plain garbage through genuine messages with edits and crafted headers
 * down to well signed and encrypted claims (genuine or from the schema) with odd content. messages.ts seals
 * them.
 */

import fc from 'fast-check';
import { ACTIONS } from '../../../src/domain/lifecycle.ts';
import { actionBody, type Generation } from './generation.ts';
import type { ClaimsSpec, MessageSpec, Mutation, TextEdit } from './request.ts';
import { SIGNERS } from './request.ts';
import { schemaArbitrary } from './schema.ts';
import { deep, EDGE_STRINGS, hugeString, mutation, nasty, smallJson, textEdit } from './values.ts';

export function messageSpec(gen: Generation): fc.Arbitrary<MessageSpec> {
  const signer = fc.oneof(
    { weight: 6, arbitrary: fc.constant('peer' as const) },
    fc.constantFrom(...SIGNERS),
  );
  const recipient = fc.oneof(
    { weight: 6, arbitrary: fc.constant('target' as const) },
    fc.constantFrom('wrong-kid' as const, 'wrong-key' as const),
  );
  // Header values end up quoted in refusal reasons, which are stored and logged: odd text matters most.
  const headerValue = fc.oneof(
    nasty,
    { weight: 2, arbitrary: fc.constantFrom(...EDGE_STRINGS) },
    fc.constantFrom(
      'ECDH-ES+A256KW',
      'A256GCM',
      'dir',
      'none',
      'RSA-OAEP',
      'PBES2-HS256+A128KW',
      'DEF',
      'JWS',
    ),
  );
  const header = fc.oneof(
    fc.record(
      {
        alg: fc.oneof({ weight: 3, arbitrary: fc.constant('ECDH-ES+A256KW') }, headerValue),
        enc: fc.oneof({ weight: 3, arbitrary: fc.constant('A256GCM') }, headerValue),
        kid: fc.oneof(fc.constant('$target'), headerValue),
        epk: fc.oneof(
          fc.constant({ kty: 'OKP', crv: 'X25519', x: 'A'.repeat(43) }),
          fc.constant({ kty: 'EC', crv: 'P-256', x: 'A', y: 'B' }),
          nasty,
        ),
        zip: fc.constant('DEF'),
        crit: fc.constantFrom(['exp'], ['zip'], [], 'x'),
        p2c: fc.constantFrom(1e9, -1, 'x'),
        cty: fc.constantFrom('JWS', 'JWT', ''),
      },
      { requiredKeys: ['alg', 'enc'] },
    ),
    nasty,
  );
  const segment = fc.oneof(
    fc
      .base64String({ maxLength: 64 })
      .map((s) => s.replace(/=/g, '').replace(/\+/g, '-').replace(/\//g, '_')),
    fc.string({ maxLength: 20 }),
    fc.constant(''),
  );
  const claimsBase = fc.oneof(
    { weight: 3, arbitrary: fc.nat().map((genuine) => ({ genuine })) },
    {
      weight: 1,
      arbitrary: schemaArbitrary(gen.claimsSchema, gen.claimsSchema).map((generated) => ({ generated })),
    },
  );
  const action = fc.option(
    fc
      .constantFrom(...ACTIONS, 'send-evidence')
      .chain((a) => actionBody(gen, a).map((body) => ({ action: a, body }))),
    { freq: 2 },
  );
  const claims: fc.Arbitrary<ClaimsSpec> = fc.record({
    base: claimsBase,
    fresh: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, fc.constant(false)),
    onCase: fc.option(
      fc.record({
        known: fc.nat(),
        chained: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, fc.constant(false)),
      }),
      { freq: 3 },
    ),
    action,
    mutations: fc.oneof(
      { weight: 2, arbitrary: fc.constant<Mutation[]>([]) },
      fc.array(mutation, { minLength: 1, maxLength: 3 }),
    ),
    edits: fc.oneof(
      { weight: 12, arbitrary: fc.constant<TextEdit[]>([]) },
      fc.array(textEdit, { minLength: 1, maxLength: 2 }),
    ),
  });
  return fc.oneof(
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.string({ maxLength: 200 }),
          fc.string({ unit: 'binary', maxLength: 200 }),
          hugeString,
          fc.constantFrom(...EDGE_STRINGS, '....', 'a.b.c.d.e', 'a.b.c'),
        )
        .map((text) => ({ layer: 'text' as const, text })),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        layer: fc.constant('genuine' as const),
        pick: fc.nat(),
        edits: fc.array(textEdit, { maxLength: 3 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        layer: fc.constant('crafted' as const),
        header,
        segments: fc.array(segment, { minLength: 0, maxLength: 6 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        layer: fc.constant('inner' as const),
        recipient,
        inner: fc.oneof(
          fc
            .oneof(
              fc.string({ maxLength: 100 }),
              fc.constantFrom('a.b.c', '..', 'e30.e30.', 'eyJhbGciOiJub25lIn0.e30.'),
            )
            .map((text) => ({ text })),
          fc.record({
            header: fc.oneof(
              fc.record(
                {
                  alg: fc.oneof(fc.constant('EdDSA'), headerValue),
                  kid: fc.oneof(fc.constant('$peer'), headerValue),
                },
                { requiredKeys: ['alg'] },
              ),
              nasty,
            ),
            payload: fc.oneof(
              fc.string({ maxLength: 100 }),
              smallJson.map((v) => JSON.stringify(v)),
              deep.map((r) => r.text),
            ),
            signer,
          }),
        ),
      }),
    },
    {
      weight: 10,
      arbitrary: fc.record({ layer: fc.constant('claims' as const), recipient, signer, claims }),
    },
  );
}

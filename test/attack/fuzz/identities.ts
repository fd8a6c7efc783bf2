/**
 * Who sends a request: no one, a demo user of the node or of its peer, a session half through sign-in, any
 * Authorization header, or another node with a token signed by the right key or a wrong one.
 */

import fc from 'fast-check';
import { headerText } from './http-values.ts';
import type { Operation } from './operations.ts';
import { type Identity, ROLES, SIGNERS } from './request.ts';
import { EDGE_STRINGS, smallJson } from './values.ts';

/** The identities worth trying on an operation, weighted by where it is. */
export function identityArbitrary(op: Operation): fc.Arbitrary<Identity> {
  const role = fc.constantFrom(...ROLES);
  const user = role.map((r) => ({ kind: 'user' as const, role: r }));
  const anonymous = fc.constant({ kind: 'anonymous' as const });
  const foreign = role.map((r) => ({ kind: 'foreign' as const, role: r }));
  const header = fc
    .oneof(
      fc.constantFrom(
        'Bearer',
        'Bearer ',
        'Bearer x',
        `bearer ${'A'.repeat(43)}`,
        `Bearer ${'A'.repeat(201)}`,
        `Bearer\t${'A'.repeat(43)}`,
        `Bearer ${'a'.repeat(43)} extra`,
        'Basic dXNlcjpwYXNz',
        'Comity-Node x',
        'Token abc',
        '__proto__',
      ),
      headerText.map((s) => `Bearer ${s}`),
      headerText,
    )
    .map((value) => ({ kind: 'header' as const, value }));
  const stage = fc
    .constantFrom('mfa' as const, 'enrol' as const)
    .map((st) => ({ kind: 'stage' as const, stage: st }));
  if (op.path.startsWith('/api/v1/auth/verify/') || op.path.startsWith('/api/v1/auth/mfa/'))
    return fc.oneof({ weight: 8, arbitrary: stage }, { weight: 4, arbitrary: user }, anonymous, header);
  if (op.path === '/api/v1/auth/logout')
    return fc.oneof(
      { weight: 6, arbitrary: fc.constant({ kind: 'disposable' as const }) },
      anonymous,
      header,
      foreign,
    );
  if (op.path.startsWith('/exchange/v1/evidence'))
    return fc.oneof({ weight: 6, arbitrary: nodeIdentity() }, anonymous, header, user);
  if (op.isPublic)
    return fc.oneof(
      { weight: 4, arbitrary: anonymous },
      { weight: 3, arbitrary: user },
      header,
      nodeIdentity(),
    );
  return fc.oneof(
    { weight: 40, arbitrary: user },
    { weight: 2, arbitrary: anonymous },
    { weight: 1, arbitrary: foreign },
    { weight: 2, arbitrary: header },
    { weight: 1, arbitrary: stage },
    { weight: 1, arbitrary: nodeIdentity() },
  );
}

/** A node token, mostly signed by the peer. */
export function nodeIdentity(): fc.Arbitrary<Identity> {
  return fc.record(
    {
      kind: fc.constant('node' as const),
      signer: fc.oneof({ weight: 6, arbitrary: fc.constant('peer' as const) }, fc.constantFrom(...SIGNERS)),
      scope: fc.oneof({ weight: 6, arbitrary: fc.constant('evidence') }, fc.constantFrom(...EDGE_STRINGS)),
      payload: fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom(
          '{}',
          '[]',
          'null',
          '{"iss":"BOR"}',
          '{"iss":"BOR","aud":"ARC","scope":"evidence","iat":1e999,"exp":1e999}',
        ),
        smallJson.map((v) => JSON.stringify(v)),
      ),
    },
    { requiredKeys: ['kind', 'signer', 'scope'] },
  );
}

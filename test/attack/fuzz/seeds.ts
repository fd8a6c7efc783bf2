/**
 * Valid bodies to start mutations from: the request corpus (test/fixtures/corpus), each node's profile and
 * policy as they are, details for the lifecycle actions, accounts and sign-ins.
 */

import { readdirSync } from 'node:fs';
import { corpusRequest } from '../../helpers/corpus.ts';
import type { Operation } from './operations.ts';
import { TARGETS, type Target } from './request.ts';
import { PEER, SELF } from './schema.ts';
import { FUZZ_PASSWORD } from './settings.ts';
import { type FuzzState, nodeOf } from './state.ts';

/** Fills `seeds` (by operation key) with valid bodies for the operations that take one. */
export async function gatherSeeds(
  state: FuzzState,
  operations: readonly Operation[],
  seeds: Map<string, unknown[]>,
): Promise<void> {
  const corpus = readdirSync(new URL('../../fixtures/corpus/', import.meta.url))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => corpusRequest(f));
  const requests = [...corpus, ...corpus.map((r) => ({ ...r, from: SELF, to: PEER }))];
  const as = async (t: Target, role: string, url: string) => {
    const token = state.tokens.get(`${t}:${role}`);
    const a = await nodeOf(state, t).app.inject({
      method: 'GET',
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return a.statusCode === 200 ? (JSON.parse(a.body) as unknown) : undefined;
  };
  const profiles: unknown[] = [];
  const policies: unknown[] = [];
  for (const t of TARGETS) {
    const profile = await as(t, 'admin', '/api/v1/node/profile');
    if (profile) profiles.push({ ...(profile as object), note: 'fuzz' });
    const policy = await as(t, 'admin', '/api/v1/node/policy');
    if (policy) policies.push(policy);
  }
  const actions = [
    { grounds: ['persecution'], note: 'Refused for fuzzing.' },
    { conditions: [{ kind: 'use-limitation', text: 'Only for fuzzing.' }] },
    { note: 'A note.' },
    { missing: ['facts'], note: 'More please.' },
    {},
  ];
  const set = (suffix: string, values: unknown[]) => {
    for (const op of operations) if (op.key.endsWith(suffix)) seeds.set(op.key, values);
  };
  set(' /api/v1/cases', requests);
  set('PUT /api/v1/cases/{id}', requests);
  set(' /api/v1/screening', requests);
  set(' /api/v1/node/profile', profiles);
  set(' /api/v1/node/policy', policies);
  for (const op of operations)
    if (op.path.startsWith('/api/v1/cases/{id}/actions/')) seeds.set(op.key, actions);
  set(' /api/v1/evidence/{pkg}/seal', [{}, { discardIncomplete: true }, { discardIncomplete: false }]);
  set('POST /api/v1/users', [
    {
      email: 'fuzz-new@fuzz.example',
      name: 'Made by fuzzing',
      roles: ['officer'],
      password: FUZZ_PASSWORD,
    },
  ]);
  set('PATCH /api/v1/users/{id}', [
    { name: 'Renamed by fuzzing' },
    { roles: ['officer', 'reviewer'] },
    { disabled: true },
    { disabled: false },
  ]);
  set(' /api/v1/auth/login', [
    { email: 'fuzz-login@fuzz.example', password: FUZZ_PASSWORD },
    { email: 'FUZZ-LOGIN@fuzz.example ', password: FUZZ_PASSWORD },
    { email: 'fuzz-login@fuzz.example', password: 'wrong' },
    { email: 'nobody@arc.example', password: 'x' },
  ]);
}

/**
 * Lists are filtered in SQL (src/cases/visibility.ts) so that paging and totals count only what the user may
 * see; single reads are decided by Cedar. Over every combination of the attributes the policies look at, and
 * users holding every role and every pair of roles, the two must agree exactly: a case is listed and counted if
 * and only if the policies let the user read it, in full or redacted.
 */
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseResource } from '../../src/access/guard.ts';
import { authorize } from '../../src/authz/authorize.ts';
import { listCases } from '../../src/cases/list-cases.ts';
import type { NodeCore } from '../../src/core.ts';
import type { RequestContext } from '../../src/domain/actor.ts';
import type { CaseState } from '../../src/domain/lifecycle.ts';
import { ROLES } from '../../src/domain/roles.ts';
import type { CaseRow } from '../../src/store/schema.ts';
import { cases } from '../../src/store/schema.ts';
import { engine, startTestFederation, type TestFederation } from '../helpers/federation.ts';

let fed: TestFederation;
let core: NodeCore;
const rows: CaseRow[] = [];
const WORDS = ['ransomware', 'fraud'];
/** States the policies tell apart: a draft, before acceptance, during execution, after. */
const STATES: CaseState[] = ['draft', 'in-review', 'accepted', 'executing', 'closed', 'refused'];

beforeAll(async () => {
  fed = await startTestFederation();
  core = fed.demo.nodes.ARC!.core;
  // Every combination of what the policies read: parties, channel, urgency, state, author, need-to-know.
  const now = new Date();
  let n = 0;
  for (const [requesting, requested] of [
    ['ARC', 'BOR'],
    ['BOR', 'ARC'],
    ['BOR', 'CAL'],
  ] as const)
    for (const channel of ['central-authority', '24-7'])
      for (const urgency of ['routine', 'emergency'])
        for (const state of STATES)
          for (const createdBy of [null, 'U1'])
            for (const restrictedTo of [null, ['U1', 'U2'], ['U2']])
              rows.push({
                id: ulid(),
                requesting,
                requested,
                type: 'preservation',
                instrument: 'uncc',
                channel,
                urgency,
                state,
                request: {},
                createdBy,
                restrictedTo,
                createdAt: now,
                updatedAt: now,
                searchText: `list-filter ${WORDS[n++ % 2]}`,
              } as unknown as CaseRow);
  for (let i = 0; i < rows.length; i += 500) await core.db.insert(cases).values(rows.slice(i, i + 500));
}, 120_000);
afterAll(async () => fed?.close());

const ctxOf = (party: string, roles: string[]): RequestContext => ({
  requestId: 'test',
  ip: '127.0.0.1',
  user: { kind: 'user', id: 'U1', name: 'U1', email: 'u1@arc.example', party, roles },
});

const ROLE_SETS = [
  ...ROLES.map((r) => [r]),
  ...ROLES.flatMap((a, i) => ROLES.slice(i + 1).map((b) => [a, b])),
];

describe(`list filter and policies (${engine})`, () => {
  it('lists and counts exactly the cases the policies let each user read, with and without a search', async () => {
    const generated = new Set(rows.map((r) => r.id));
    const mismatches: string[] = [];
    let listedSomething = 0;
    for (const party of ['ARC', 'BOR'])
      for (const roles of ROLE_SETS) {
        const ctx = ctxOf(party, roles);
        const full = rows.filter((r) => authorize(ctx.user, 'read', caseResource(core, r)));
        const redacted = rows.filter(
          (r) => !full.includes(r) && authorize(ctx.user, 'read-redacted', caseResource(core, r)),
        );
        // Without a search: everything readable, in full or redacted.
        const all = await listCases(core, ctx, { limit: 10_000, offset: 0 });
        const listed = all.items.filter((i) => generated.has(i.id)).map((i) => i.id);
        const want = [...full, ...redacted].map((r) => r.id);
        if (listed.length !== want.length || want.some((id) => !listed.includes(id)))
          mismatches.push(`${party} ${roles}: listed ${listed.length}, policies allow ${want.length}`);
        if (all.total !== all.items.length)
          mismatches.push(`${party} ${roles}: total ${all.total} ≠ ${all.items.length}`);
        // A search on the facts finds only cases read in full: a redacted reader's search matches ids only.
        const found = await listCases(core, ctx, { q: 'list-filter ransomware', limit: 10_000, offset: 0 });
        const wantFound = full.filter((r) => r.searchText.endsWith('ransomware')).length;
        if (found.total !== wantFound || found.items.length !== wantFound)
          mismatches.push(
            `${party} ${roles}: search found ${found.total}/${found.items.length}, want ${wantFound}`,
          );
        listedSomething += listed.length;
      }
    expect(mismatches).toEqual([]);
    // Not vacuous: the users between them see a good part of the cases, and none sees all of them.
    expect(listedSomething).toBeGreaterThan(rows.length);
  }, 240_000);
});

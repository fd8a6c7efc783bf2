import { describe, expect, it } from 'vitest';
import { type AuthzAction, authorize, type Principal, type Resource } from '../../src/authz/authorize.ts';
import { type Action, TRANSITIONS, USER_ACTIONS } from '../../src/domain/lifecycle.ts';
import { ROLES, type Role } from '../../src/domain/roles.ts';

type Relation = 'requesting' | 'requested' | 'unrelated';
type Channel = 'central-authority' | '24-7';

const RELATIONS: Relation[] = ['requesting', 'requested', 'unrelated'];
const CHANNELS: Channel[] = ['central-authority', '24-7'];
const PARTY_OF: Record<Relation, string> = { requesting: 'ARC', requested: 'BOR', unrelated: 'CAL' };

// The rules of design §10 and the lifecycle (§4), written out.
const REQUESTING_SIDE = ['submit', 'amend', 'answer-consultation', 'close', 'withdraw'];
const DECIDING = [
  'accept',
  'accept-with-conditions',
  'postpone',
  'resume',
  'consult',
  'refuse',
  'mark-incomplete',
];
const EXECUTING = ['execute', 'deliver'];

function expected(role: Role, action: string, relation: Relation, channel: Channel): boolean {
  if (relation === 'unrelated') return false;
  if (action === 'read') return true;
  if (REQUESTING_SIDE.includes(action))
    return relation === 'requesting' && (role === 'officer' || role === 'contact-24-7');
  if (DECIDING.includes(action))
    return (
      relation === 'requested' && (role === 'reviewer' || (role === 'contact-24-7' && channel === '24-7'))
    );
  if (EXECUTING.includes(action))
    return (
      relation === 'requested' &&
      (role === 'reviewer' || role === 'executor' || (role === 'contact-24-7' && channel === '24-7'))
    );
  throw new Error(`no rule written for ${action}`);
}

const caseFor = (channel: Channel, state = 'in-review'): Resource => ({
  kind: 'case',
  id: '01JCASE0000000000000000000',
  requesting: 'ARC',
  requested: 'BOR',
  channel,
  urgency: 'routine',
  state,
});

const user = (role: Role, relation: Relation, extra: Partial<Principal> = {}): Principal => ({
  id: `${relation}-${role}`,
  party: PARTY_OF[relation],
  roles: [role],
  ...extra,
});

const TABLE_ACTIONS: AuthzAction[] = [...USER_ACTIONS, 'read'];

interface Row {
  role: Role;
  action: AuthzAction;
  relation: Relation;
  channel: Channel;
  want: boolean;
  got: boolean;
}

const table: Row[] = [];
for (const role of ROLES)
  for (const action of TABLE_ACTIONS)
    for (const relation of RELATIONS)
      for (const channel of CHANNELS)
        table.push({
          role,
          action,
          relation,
          channel,
          want: expected(role, action, relation, channel),
          got: authorize(user(role, relation), action, caseFor(channel)),
        });

const describeRow = (r: Row) =>
  `${r.role} of the ${r.relation} party, ${r.action}, ${r.channel}: want ${r.want ? 'allow' : 'deny'}`;

describe('authorize on cases', () => {
  it('has a written rule for every action a person can take on a case', () => {
    for (const a of USER_ACTIONS) expect([...REQUESTING_SIDE, ...DECIDING, ...EXECUTING]).toContain(a);
  });

  it('decides every role × action × relation × channel as the rules say', () => {
    expect(table).toHaveLength(ROLES.length * TABLE_ACTIONS.length * RELATIONS.length * CHANNELS.length);
    const mismatches = table.filter((r) => r.want !== r.got).map(describeRow);
    expect(mismatches).toEqual([]);
  });

  it('both allows and denies within the table, so the comparison is not vacuous', () => {
    expect(table.some((r) => r.got)).toBe(true);
    expect(table.some((r) => !r.got)).toBe(true);
  });

  it('lets every role of both parties read the case and no role of any other party', () => {
    for (const role of ROLES)
      for (const channel of CHANNELS) {
        expect(authorize(user(role, 'requesting'), 'read', caseFor(channel))).toBe(true);
        expect(authorize(user(role, 'requested'), 'read', caseFor(channel))).toBe(true);
        expect(authorize(user(role, 'unrelated'), 'read', caseFor(channel))).toBe(false);
      }
  });

  it('denies everything to a user of a third party, even one holding every role', () => {
    const everyone: Principal = { id: 'cal-all', party: 'CAL', roles: [...ROLES] };
    for (const action of [...TABLE_ACTIONS, 'edit'] as AuthzAction[])
      for (const channel of CHANNELS)
        expect(authorize(everyone, action, caseFor(channel)), action).toBe(false);
  });

  it('leaves the state of the case to the lifecycle check', () => {
    for (const state of ['draft', 'closed', 'executing'])
      expect(authorize(user('reviewer', 'requested'), 'accept', caseFor('central-authority', state))).toBe(
        true,
      );
  });

  it('lets officers and 24/7 contacts of the requesting party edit the case, and nobody else', () => {
    for (const role of ROLES)
      for (const relation of RELATIONS)
        expect(
          authorize(user(role, relation), 'edit', caseFor('central-authority')),
          `${role} ${relation}`,
        ).toBe(relation === 'requesting' && (role === 'officer' || role === 'contact-24-7'));
  });
});

describe('authorize agrees with the lifecycle table', () => {
  it('allows an action only to a role the transition lists, on the side that takes it', () => {
    const problems: string[] = [];
    for (const r of table) {
      if (!r.got || r.action === 'read') continue;
      const t = TRANSITIONS[r.action as Action];
      if (!(t.roles as readonly string[]).includes(r.role))
        problems.push(`${describeRow(r)}: ${r.role} is not among ${t.roles.join(', ')}`);
      if (t.side !== r.relation)
        problems.push(`${describeRow(r)}: the transition belongs to the ${t.side} side`);
    }
    expect(problems).toEqual([]);
  });

  it('lets every role a transition lists take it on some channel', () => {
    const missing: string[] = [];
    for (const action of USER_ACTIONS)
      for (const role of TRANSITIONS[action].roles)
        if (
          !table.some(
            (r) => r.action === action && r.role === role && r.relation === TRANSITIONS[action].side && r.got,
          )
        )
          missing.push(`${role} never may ${action}`);
    expect(missing).toEqual([]);
  });
});

describe('authorize on parties and nodes', () => {
  it('lets only officers and 24/7 contacts of a party create requests on its behalf', () => {
    for (const role of ROLES) {
      const own = authorize({ id: role, party: 'ARC', roles: [role] }, 'create', {
        kind: 'party',
        code: 'ARC',
      });
      expect(own, role).toBe(role === 'officer' || role === 'contact-24-7');
      const other = authorize({ id: role, party: 'BOR', roles: [role] }, 'create', {
        kind: 'party',
        code: 'ARC',
      });
      expect(other, `${role} of BOR for ARC`).toBe(false);
    }
  });

  it('lets a user read the registry of the user’s own node only', () => {
    expect(authorize(user('oversight', 'requesting'), 'read-registry', { kind: 'node', party: 'ARC' })).toBe(
      true,
    );
    expect(authorize(user('officer', 'requesting'), 'read-registry', { kind: 'node', party: 'BOR' })).toBe(
      false,
    );
  });

  it('grants no lifecycle action on a party or a node', () => {
    const all: Principal = { id: 'a', party: 'ARC', roles: [...ROLES] };
    for (const action of USER_ACTIONS) {
      expect(authorize(all, action, { kind: 'party', code: 'ARC' }), action).toBe(false);
      expect(authorize(all, action, { kind: 'node', party: 'ARC' }), action).toBe(false);
    }
  });
});

describe('a disabled user', () => {
  it('is denied everything, whatever the roles and the party', () => {
    const allowedWhenEnabled: string[] = [];
    for (const relation of RELATIONS) {
      const p: Principal = {
        id: `disabled-${relation}`,
        party: PARTY_OF[relation],
        roles: [...ROLES],
        disabled: true,
      };
      const requests: [AuthzAction, Resource][] = [
        ...[...TABLE_ACTIONS, 'edit' as const].flatMap((a) =>
          CHANNELS.map((c): [AuthzAction, Resource] => [a, caseFor(c)]),
        ),
        ['create', { kind: 'party', code: PARTY_OF[relation] }],
        ['read-registry', { kind: 'node', party: PARTY_OF[relation] }],
      ];
      for (const [action, resource] of requests) {
        expect(authorize(p, action, resource), `${relation} ${action} ${JSON.stringify(resource)}`).toBe(
          false,
        );
        if (authorize({ ...p, disabled: false }, action, resource)) allowedWhenEnabled.push(action);
      }
    }
    // Enabled, the same users could do a great deal: the denials come from being disabled.
    expect(allowedWhenEnabled.length).toBeGreaterThan(10);
  });
});

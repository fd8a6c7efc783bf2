import { describe, expect, it } from 'vitest';
import { type AuthzAction, authorize, type Principal, type Resource } from '../../src/authz/authorize.ts';
import { type Action, TRANSITIONS, USER_ACTIONS } from '../../src/domain/lifecycle.ts';
import { ROLES, type Role } from '../../src/domain/roles.ts';

type Relation = 'requesting' | 'requested' | 'unrelated';
/**
 * The channel, and for the 24/7 channel whether the requested node's policy lets its 24/7 contacts decide that
 * type (`24-7`) or not (`24-7-other`: read by them, decided by reviewers; issue 14, item 12).
 */
type Channel = 'central-authority' | '24-7' | '24-7-other';
type Urgency = 'routine' | 'urgent';
/** Need-to-know: no restriction, restricted to a list naming this user, or to a list of others. */
type Restriction = 'none' | 'includes-user' | 'others';

const RELATIONS: Relation[] = ['requesting', 'requested', 'unrelated'];
const CHANNELS: Channel[] = ['central-authority', '24-7', '24-7-other'];
const URGENCIES: Urgency[] = ['routine', 'urgent'];
const STATES = ['draft', 'in-review', 'executing'] as const;
const RESTRICTIONS: Restriction[] = ['none', 'includes-user', 'others'];
const PARTY_OF: Record<Relation, string> = { requesting: 'ARC', requested: 'BOR', unrelated: 'CAL' };

// The rules of design §10, issue 7 and the lifecycle (§4), written out independently of policies.cedar.
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
const EXECUTION_STATES = ['accepted', 'accepted-with-conditions', 'executing', 'delivered', 'closed'];

interface Situation {
  role: Role;
  action: AuthzAction;
  relation: Relation;
  channel: Channel;
  urgency: Urgency;
  state: (typeof STATES)[number];
  restriction: Restriction;
  /** Whether this user drafted the case. */
  own: boolean;
}

function expected(s: Situation): boolean {
  const { role, action, relation, channel } = s;
  if (relation === 'unrelated') return false;
  // A draft is its author's party's alone.
  const seen = !(relation === 'requested' && s.state === 'draft');
  // Oversight sees every case of its party redacted, restricted or not, and nothing in full.
  if (action === 'read-redacted') return seen && role === 'oversight';
  if (s.restriction === 'others') return false;
  const urgentItem = channel !== 'central-authority' || s.urgency === 'urgent';
  switch (action) {
    case 'read':
      return (
        seen &&
        (role === 'officer' ||
          role === 'reviewer' ||
          role === 'admin' ||
          (role === 'executor' && relation === 'requested' && EXECUTION_STATES.includes(s.state)) ||
          (role === 'contact-24-7' && (urgentItem || s.own)))
      );
    case 'restrict':
      return role === 'officer' || role === 'reviewer' || role === 'admin';
    case 'add-evidence':
      return (
        relation === 'requested' &&
        (role === 'executor' || role === 'reviewer' || (role === 'contact-24-7' && channel === '24-7'))
      );
    case 'open-evidence':
      return relation === 'requesting' && (role === 'officer' || role === 'contact-24-7');
    case 'export-evidence-key':
      return relation === 'requesting' && role === 'admin';
  }
  if (action === 'edit' || REQUESTING_SIDE.includes(action))
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

const caseFor = (
  channel: Channel,
  state = 'in-review',
  extra: Partial<Extract<Resource, { kind: 'case' }>> = {},
): Resource => ({
  kind: 'case',
  id: '01JCASE0000000000000000000',
  requesting: 'ARC',
  requested: 'BOR',
  channel: channel === 'central-authority' ? channel : '24-7',
  contactDecides: channel === '24-7',
  urgency: 'routine',
  state,
  ...extra,
});

const user = (role: Role, relation: Relation, extra: Partial<Principal> = {}): Principal => ({
  id: `${relation}-${role}`,
  party: PARTY_OF[relation],
  roles: [role],
  ...extra,
});

const CASE_ACTIONS: AuthzAction[] = [
  ...USER_ACTIONS,
  'read',
  'read-redacted',
  'restrict',
  'edit',
  'add-evidence',
  'open-evidence',
  'export-evidence-key',
];
const TABLE_ACTIONS: AuthzAction[] = [...USER_ACTIONS, 'read'];

interface Row extends Situation {
  want: boolean;
  got: boolean;
}

function decide(s: Situation): boolean {
  const u = user(s.role, s.relation);
  return authorize(
    u,
    s.action,
    caseFor(s.channel, s.state, {
      urgency: s.urgency,
      createdBy: s.own ? u.id : 'someone-else',
      restrictedTo:
        s.restriction === 'none'
          ? null
          : s.restriction === 'includes-user'
            ? [u.id, 'colleague']
            : ['colleague'],
    }),
  );
}

const table: Row[] = [];
for (const role of ROLES)
  for (const action of CASE_ACTIONS)
    for (const relation of RELATIONS)
      for (const channel of CHANNELS)
        for (const urgency of URGENCIES)
          for (const state of STATES)
            for (const restriction of RESTRICTIONS)
              for (const own of [false, true]) {
                const s: Situation = { role, action, relation, channel, urgency, state, restriction, own };
                table.push({ ...s, want: expected(s), got: decide(s) });
              }

const describeRow = (r: Row) =>
  `${r.role} of the ${r.relation} party, ${r.action}, ${r.channel}/${r.urgency}/${r.state}, restriction ${r.restriction}${r.own ? ', own draft' : ''}: want ${r.want ? 'allow' : 'deny'}`;

describe('authorize on cases', () => {
  it('has a written rule for every action a person can take on a case', () => {
    for (const a of USER_ACTIONS) expect([...REQUESTING_SIDE, ...DECIDING, ...EXECUTING]).toContain(a);
  });

  it('decides every role × action × relation × channel × urgency × state × restriction as the rules say', () => {
    expect(table).toHaveLength(
      ROLES.length *
        CASE_ACTIONS.length *
        RELATIONS.length *
        CHANNELS.length *
        URGENCIES.length *
        STATES.length *
        RESTRICTIONS.length *
        2,
    );
    const mismatches = table.filter((r) => r.want !== r.got).map(describeRow);
    expect(mismatches).toEqual([]);
  });

  it('both allows and denies within the table, so the comparison is not vacuous', () => {
    expect(table.some((r) => r.got)).toBe(true);
    expect(table.some((r) => !r.got)).toBe(true);
  });

  it('lets case workers of both parties read the case, oversight only redacted, and no one of another party', () => {
    for (const role of ROLES)
      for (const relation of RELATIONS) {
        const full = authorize(user(role, relation), 'read', caseFor('central-authority', 'executing'));
        const redacted = authorize(user(role, relation), 'read-redacted', caseFor('central-authority'));
        const worker =
          role !== 'oversight' &&
          role !== 'contact-24-7' &&
          (role !== 'executor' || relation === 'requested');
        expect(full, `${role} ${relation} read`).toBe(relation !== 'unrelated' && worker);
        expect(redacted, `${role} ${relation} read-redacted`).toBe(
          relation !== 'unrelated' && role === 'oversight',
        );
      }
  });

  it('shows a 24/7 contact urgent items and its own drafts only', () => {
    const contact = user('contact-24-7', 'requested');
    expect(authorize(contact, 'read', caseFor('central-authority'))).toBe(false);
    expect(
      authorize(contact, 'read', caseFor('central-authority', 'in-review', { urgency: 'emergency' })),
    ).toBe(true);
    expect(authorize(contact, 'read', caseFor('24-7'))).toBe(true);
    const drafter = user('contact-24-7', 'requesting');
    expect(authorize(drafter, 'read', caseFor('central-authority', 'draft', { createdBy: drafter.id }))).toBe(
      true,
    );
    expect(authorize(drafter, 'read', caseFor('central-authority', 'draft', { createdBy: 'another' }))).toBe(
      false,
    );
  });

  it('denies everything to a user of a third party, even one holding every role', () => {
    const everyone: Principal = { id: 'cal-all', party: 'CAL', roles: [...ROLES] };
    for (const action of CASE_ACTIONS)
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
      if (!r.got || !(USER_ACTIONS as readonly string[]).includes(r.action)) continue;
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

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  type Action,
  ActionDetailSchemas,
  availableActions,
  CASE_STATES,
  type CaseState,
  checkTransition,
  GROUNDS,
  type Side,
  TERMINAL_STATES,
  TRANSITIONS,
  USER_ACTIONS,
} from '../../src/domain/lifecycle.ts';

/**
 * Design §4's diagram, written out as a table:
 *
 *   draft → submitted → received → screening → in-review ─┬→ accepted → executing → delivered → closed
 *                                             │             ├→ accepted-with-conditions → executing …
 *                                             │             ├→ postponed → in-review
 *                                             │             ├→ consultation → in-review   (before any refusal)
 *                                             │             └→ refused → closed
 *                                             └→ incomplete → (requesting side amends) → received
 *   withdrawn from any open state by the requesting side
 *
 * Readings of the diagram where it leaves room:
 * - `incomplete` branches off between screening and in-review; screening never decides alone (§6), so a person
 *   marks a request incomplete from in-review.
 * - an amendment travels like a first submission: amend → submitted, then the requested node's receive → received.
 * - "open" states are those after submission that still wait on someone: delivered and refused only wait to be
 *   closed, and a draft was never sent, so there is nothing to withdraw.
 * - the requesting side closes the case once it is delivered or refused.
 */
const DIAGRAM: Record<Action, { from: CaseState[]; to: CaseState; side: Side }> = {
  submit: { from: ['draft'], to: 'submitted', side: 'requesting' },
  receive: { from: ['submitted'], to: 'received', side: 'requested' },
  screen: { from: ['received'], to: 'screening', side: 'requested' },
  'finish-screening': { from: ['screening'], to: 'in-review', side: 'requested' },
  accept: { from: ['in-review'], to: 'accepted', side: 'requested' },
  'accept-with-conditions': { from: ['in-review'], to: 'accepted-with-conditions', side: 'requested' },
  postpone: { from: ['in-review'], to: 'postponed', side: 'requested' },
  // docs/decisions/0001: the reviewer may also end a consultation that went unanswered.
  resume: { from: ['postponed', 'consultation'], to: 'in-review', side: 'requested' },
  consult: { from: ['in-review'], to: 'consultation', side: 'requested' },
  'answer-consultation': { from: ['consultation'], to: 'in-review', side: 'requesting' },
  refuse: { from: ['in-review'], to: 'refused', side: 'requested' },
  'mark-incomplete': { from: ['in-review'], to: 'incomplete', side: 'requested' },
  amend: { from: ['incomplete'], to: 'submitted', side: 'requesting' },
  execute: { from: ['accepted', 'accepted-with-conditions'], to: 'executing', side: 'requested' },
  deliver: { from: ['executing'], to: 'delivered', side: 'requested' },
  close: { from: ['delivered', 'refused'], to: 'closed', side: 'requesting' },
  withdraw: {
    from: [
      'submitted',
      'received',
      'screening',
      'in-review',
      'postponed',
      'consultation',
      'incomplete',
      'accepted',
      'accepted-with-conditions',
      'executing',
    ],
    to: 'withdrawn',
    side: 'requesting',
  },
};

/** The actions design §4 says a person takes through the API or CLI. */
const DESIGN_USER_ACTIONS = [
  'submit',
  'accept',
  'accept-with-conditions',
  'postpone',
  'consult',
  'answer-consultation',
  'refuse',
  'mark-incomplete',
  'amend',
  'execute',
  'deliver',
  'close',
  'withdraw',
];

const DESIGN_GROUNDS = [
  'non-conforming',
  'essential-interests',
  'domestic-law',
  'legal-system',
  'persecution',
  'political-offence',
  'no-dual-criminality',
  'human-rights',
  'death-penalty',
  'ne-bis-in-idem',
  'data-protection',
  'ongoing-proceedings',
];

const SIDES: Side[] = ['requesting', 'requested'];
const sorted = (xs: readonly string[]) => [...xs].sort();
const other = (side: Side): Side => (side === 'requesting' ? 'requested' : 'requesting');

describe('the transition table', () => {
  it('has exactly the actions of the diagram', () => {
    expect(sorted(ACTIONS)).toEqual(sorted(Object.keys(DIAGRAM)));
  });

  it.each(Object.keys(DIAGRAM) as Action[])(
    'moves a case by %s from and to the states of design §4',
    (action) => {
      const t = TRANSITIONS[action];
      const want = DIAGRAM[action];
      expect({ from: sorted(t.from), to: t.to, side: t.side }).toEqual({
        from: sorted(want.from),
        to: want.to,
        side: want.side,
      });
    },
  );

  it('lets a person take every action design §4 lists', () => {
    for (const a of DESIGN_USER_ACTIONS) expect(USER_ACTIONS, a).toContain(a);
  });

  it('leaves receiving and screening to the node itself', () => {
    for (const a of ['receive', 'screen', 'finish-screening'] as const) {
      expect(TRANSITIONS[a].roles).toEqual([]);
      expect(USER_ACTIONS).not.toContain(a);
    }
  });

  it('names only states of CASE_STATES', () => {
    for (const a of ACTIONS) {
      expect(CASE_STATES).toContain(TRANSITIONS[a].to);
      for (const s of TRANSITIONS[a].from) expect(CASE_STATES).toContain(s);
    }
  });

  it('cites exactly the grounds design §4 lists', () => {
    expect(sorted(GROUNDS)).toEqual(sorted(DESIGN_GROUNDS));
  });

  it('treats closed and withdrawn as the terminal states', () => {
    expect(sorted(TERMINAL_STATES)).toEqual(['closed', 'withdrawn']);
  });

  it('has no transition out of a terminal state', () => {
    for (const a of ACTIONS)
      for (const s of TERMINAL_STATES)
        expect(TRANSITIONS[a].from as readonly CaseState[], `${a} from ${s}`).not.toContain(s);
  });

  it('reaches every state other than draft from draft', () => {
    const seen = new Set<CaseState>(['draft']);
    const queue: CaseState[] = ['draft'];
    while (queue.length > 0) {
      const s = queue.shift()!;
      for (const a of ACTIONS) {
        const t = TRANSITIONS[a];
        if ((t.from as readonly CaseState[]).includes(s) && !seen.has(t.to)) {
          seen.add(t.to);
          queue.push(t.to);
        }
      }
    }
    expect(sorted([...seen])).toEqual(sorted(CASE_STATES));
  });

  it('leads nowhere back to draft', () => {
    for (const a of ACTIONS) expect(TRANSITIONS[a].to, a).not.toBe('draft');
  });

  it('gives every state that is not terminal a way forward', () => {
    for (const s of CASE_STATES) {
      if (TERMINAL_STATES.includes(s)) continue;
      const out = SIDES.flatMap((side) => availableActions(s, side));
      expect(out.length, `no action leaves ${s}`).toBeGreaterThan(0);
    }
  });

  it('brings an amended request back to received once the requested node takes it in', () => {
    let state: CaseState = 'incomplete';
    for (const [action, side] of [
      ['amend', 'requesting'],
      ['receive', 'requested'],
    ] as const) {
      const r = checkTransition(action, state, side);
      expect(r.ok).toBe(true);
      if (r.ok) state = r.to;
    }
    expect(state).toBe('received');
  });

  it('tells the other side of every step a person takes', () => {
    for (const a of USER_ACTIONS) expect(TRANSITIONS[a].message, a).not.toBeNull();
  });
});

describe('checkTransition', () => {
  it('allows a listed action from each of its states to its target', () => {
    for (const a of ACTIONS)
      for (const s of TRANSITIONS[a].from)
        expect(checkTransition(a, s, TRANSITIONS[a].side)).toEqual({ ok: true, to: TRANSITIONS[a].to });
  });

  it('refuses an action taken by the wrong side and names the side that may take it', () => {
    const r = checkTransition('accept', 'in-review', 'requesting');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain('requested');
    const w = checkTransition('withdraw', 'in-review', 'requested');
    expect(w.ok).toBe(false);
    if (!w.ok) expect(w.reason).toContain('requesting');
  });

  it('refuses every action to the side that does not own it, whatever the state', () => {
    for (const a of ACTIONS)
      for (const s of CASE_STATES) expect(checkTransition(a, s, other(TRANSITIONS[a].side)).ok).toBe(false);
  });

  it('refuses an action from a state it does not start from and names the state', () => {
    const r = checkTransition('submit', 'in-review', 'requesting');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toContain('in-review');
      expect(r.reason).toContain('submit');
    }
  });

  it('refuses to deliver before execution has started', () => {
    expect(checkTransition('deliver', 'accepted', 'requested').ok).toBe(false);
  });

  it('refuses to close a case that is still being executed', () => {
    expect(checkTransition('close', 'executing', 'requesting').ok).toBe(false);
  });

  it('refuses to withdraw a request that was never submitted', () => {
    expect(checkTransition('withdraw', 'draft', 'requesting').ok).toBe(false);
  });

  it('never moves a closed or withdrawn case', () => {
    for (const a of ACTIONS)
      for (const s of TERMINAL_STATES)
        for (const side of SIDES) expect(checkTransition(a, s, side).ok, `${a} from ${s}`).toBe(false);
  });
});

describe('availableActions', () => {
  it.each([
    ['draft', 'requesting', ['submit']],
    ['draft', 'requested', []],
    ['submitted', 'requested', ['receive']],
    [
      'in-review',
      'requested',
      ['accept', 'accept-with-conditions', 'postpone', 'consult', 'refuse', 'mark-incomplete'],
    ],
    ['in-review', 'requesting', ['withdraw']],
    ['incomplete', 'requesting', ['amend', 'withdraw']],
    ['incomplete', 'requested', []],
    ['executing', 'requested', ['deliver']],
    ['executing', 'requesting', ['withdraw']],
    ['delivered', 'requesting', ['close']],
    ['delivered', 'requested', []],
    ['closed', 'requesting', []],
    ['withdrawn', 'requested', []],
  ] as [CaseState, Side, Action[]][])('offers a case in %s to the %s side: %j', (state, side, expected) => {
    expect(sorted(availableActions(state, side))).toEqual(sorted(expected));
  });

  it('offers exactly the actions checkTransition allows', () => {
    for (const s of CASE_STATES)
      for (const side of SIDES)
        expect(sorted(availableActions(s, side))).toEqual(
          sorted(ACTIONS.filter((a) => checkTransition(a, s, side).ok)),
        );
  });
});

describe('ActionDetailSchemas', () => {
  const ok = (action: Action, details: unknown) => ActionDetailSchemas[action].safeParse(details).success;
  const paths = (action: Action, details: unknown) => {
    const r = ActionDetailSchemas[action].safeParse(details);
    return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
  };

  it('accepts a refusal citing grounds of the list with a note', () => {
    expect(
      ok('refuse', {
        grounds: ['persecution', 'political-offence'],
        note: 'The request targets a journalist.',
      }),
    ).toBe(true);
  });

  it.each(GROUNDS)('accepts the ground %s in a refusal', (ground) => {
    expect(ok('refuse', { grounds: [ground], note: 'n' })).toBe(true);
  });

  it('refuses a refusal that cites no ground', () => {
    expect(paths('refuse', { grounds: [], note: 'No.' })).toEqual(['grounds']);
    expect(paths('refuse', { note: 'No.' })).toEqual(['grounds']);
  });

  it('refuses a refusal citing a ground outside the list', () => {
    expect(paths('refuse', { grounds: ['we-do-not-like-it'], note: 'No.' })).toEqual(['grounds.0']);
  });

  it('refuses a refusal without a note, or with a blank one', () => {
    expect(paths('refuse', { grounds: ['domestic-law'] })).toEqual(['note']);
    expect(paths('refuse', { grounds: ['domestic-law'], note: '' })).toEqual(['note']);
    expect(paths('refuse', { grounds: ['domestic-law'], note: '   ' })).toEqual(['note']);
  });

  it('requires grounds and a note to postpone', () => {
    expect(
      ok('postpone', {
        grounds: ['ongoing-proceedings'],
        note: 'A trial is under way.',
        until: '2026-06-01',
      }),
    ).toBe(true);
    expect(paths('postpone', { grounds: [], note: 'x' })).toEqual(['grounds']);
  });

  it('accepts an acceptance with at least one condition', () => {
    expect(
      ok('accept-with-conditions', {
        conditions: [{ kind: 'use-limitation', text: 'Only for this investigation.' }],
      }),
    ).toBe(true);
  });

  it('refuses an acceptance with conditions that lists none', () => {
    expect(paths('accept-with-conditions', { conditions: [] })).toEqual(['conditions']);
    expect(paths('accept-with-conditions', {})).toEqual(['conditions']);
  });

  it('refuses a condition of an unknown kind or without text', () => {
    expect(paths('accept-with-conditions', { conditions: [{ kind: 'vibes', text: 'x' }] })).toEqual([
      'conditions.0.kind',
    ]);
    expect(paths('accept-with-conditions', { conditions: [{ kind: 'retention', text: ' ' }] })).toEqual([
      'conditions.0.text',
    ]);
  });

  it.each([
    ['accept', { note: 'fine', extra: 1 }],
    ['refuse', { grounds: ['domestic-law'], note: 'n', override: true }],
    ['accept-with-conditions', { conditions: [{ kind: 'other', text: 't', severity: 'high' }] }],
    ['withdraw', { note: 'n', reason: 'r' }],
    ['consult', { note: 'n', deadline: '2026-01-01' }],
    ['execute', { agency: 'police' }],
  ] as [Action, unknown][])('rejects unknown keys in the details of %s', (action, details) => {
    expect(ok(action, details)).toBe(false);
  });

  it('requires a note to consult, answer a consultation, mark incomplete or withdraw', () => {
    for (const a of ['consult', 'answer-consultation', 'mark-incomplete', 'withdraw'] as const) {
      expect(ok(a, {}), a).toBe(false);
      expect(ok(a, { note: 'Please say whether the subject is a journalist.' }), a).toBe(true);
    }
  });

  it('accepts an amendment only with a valid interchange request', () => {
    const request = {
      type: 'information',
      instrument: 'UNCC',
      from: 'ARC',
      to: 'BOR',
      authority: { name: 'A', contact: 'a@x.example' },
      facts: 'F',
      purpose: 'P',
    };
    expect(ok('amend', { request })).toBe(true);
    expect(ok('amend', { request: { ...request, to: 'ARC' } })).toBe(false);
    expect(ok('amend', {})).toBe(false);
  });
});

describe('random walks through the lifecycle', () => {
  const step = fc.record({
    action: fc.constantFrom(...ACTIONS),
    side: fc.constantFrom<Side>('requesting', 'requested'),
  });

  it('stay inside CASE_STATES, follow the table and never leave a terminal state', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        let state: CaseState = 'draft';
        for (const { action, side } of steps) {
          const before: CaseState = state;
          const r = checkTransition(action, state, side);
          if (TERMINAL_STATES.includes(before)) expect(r.ok).toBe(false);
          if (!r.ok) continue;
          expect(CASE_STATES).toContain(r.to);
          expect(TRANSITIONS[action].from as readonly CaseState[]).toContain(before);
          expect(TRANSITIONS[action].side).toBe(side);
          state = r.to;
        }
        expect(CASE_STATES).toContain(state);
      }),
      { numRuns: 2000 },
    );
  });

  it('reach a terminal state only by close or withdraw', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        let state: CaseState = 'draft';
        for (const { action, side } of steps) {
          const r = checkTransition(action, state, side);
          if (!r.ok) continue;
          if (TERMINAL_STATES.includes(r.to)) expect(['close', 'withdraw']).toContain(action);
          state = r.to;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('guided by the available actions, still reach only known states and stop at a terminal one', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (choices) => {
        let state: CaseState = 'draft';
        for (const n of choices) {
          const options = SIDES.flatMap((side) =>
            availableActions(state, side).map((action) => ({ action, side })),
          );
          if (TERMINAL_STATES.includes(state)) {
            expect(options).toEqual([]);
            break;
          }
          const pick = options[n % options.length]!;
          const r = checkTransition(pick.action, state, pick.side);
          expect(r.ok).toBe(true);
          if (r.ok) state = r.to;
          expect(CASE_STATES).toContain(state);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

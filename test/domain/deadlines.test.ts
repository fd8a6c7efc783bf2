import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REQUEST_TYPES, type RequestType, URGENCIES, type Urgency } from '../../src/domain/catalogue.ts';
import { deadlineOf, isOverdue, type TimedEvent } from '../../src/domain/deadlines.ts';
import type { CaseState } from '../../src/domain/lifecycle.ts';

interface TypeData {
  type: RequestType;
  preservationDays?: number;
  deadlines: { decide: Record<Urgency, number>; execute: Record<Urgency, number> };
}
const catalogue = JSON.parse(
  readFileSync(new URL('../../data/request-types.json', import.meta.url), 'utf8'),
) as {
  types: TypeData[];
  waiting: { hours: Record<Urgency, number> };
};
const typeData = (type: RequestType) => catalogue.types.find((t) => t.type === type)!;

const HOUR = 3_600_000;
const T0 = '2026-03-02T09:00:00.000Z';
const at = (hoursAfterT0: number) => new Date(Date.parse(T0) + hoursAfterT0 * HOUR).toISOString();

/** The history of a case that was drafted, edited and submitted at T0. */
const submitted: TimedEvent[] = [
  { action: 'create', at: at(-48) },
  { action: 'edit', at: at(-24) },
  { action: 'submit', at: T0 },
];

// Decision hours by urgency, as data/request-types.json gives them.
const DECIDE: Partial<Record<RequestType, Record<Urgency, number>>> = {
  preservation: { routine: 72, urgent: 24, emergency: 4 },
  'stored-data': { routine: 720, urgent: 240, emergency: 8 },
  extradition: { routine: 1440, urgent: 720, emergency: 168 },
};
const EXECUTE: Partial<Record<RequestType, Record<Urgency, number>>> = {
  preservation: { routine: 72, urgent: 24, emergency: 4 },
  'stored-data': { routine: 1080, urgent: 240, emergency: 8 },
};
const ANSWER: Record<Urgency, number> = { routine: 336, urgent: 72, emergency: 12 };

const DECISION_STATES: CaseState[] = ['submitted', 'received', 'screening', 'in-review', 'postponed'];

describe('deadlineOf', () => {
  describe('while the requested side decides', () => {
    for (const [type, hours] of Object.entries(DECIDE) as [RequestType, Record<Urgency, number>][]) {
      for (const urgency of URGENCIES) {
        it.each(DECISION_STATES)(
          `holds a ${urgency} ${type} request in %s to ${hours[urgency]} hours from submission`,
          (state) => {
            expect(deadlineOf({ type, urgency, state, history: submitted })).toEqual({
              kind: 'decision',
              dueAt: at(hours[urgency]),
              waitingOn: 'requested',
            });
          },
        );
      }
    }

    it('gives every type and urgency the decision hours of data/request-types.json', () => {
      for (const type of REQUEST_TYPES)
        for (const urgency of URGENCIES)
          expect(
            deadlineOf({ type, urgency, state: 'in-review', history: submitted })?.dueAt,
            `${type} ${urgency}`,
          ).toBe(at(typeData(type).deadlines.decide[urgency]));
    });

    it('gives a more urgent request an earlier or equal deadline', () => {
      for (const type of REQUEST_TYPES) {
        const due = URGENCIES.map((urgency) =>
          Date.parse(deadlineOf({ type, urgency, state: 'received', history: submitted })!.dueAt),
        );
        expect(due[0]!, type).toBeGreaterThanOrEqual(due[1]!);
        expect(due[1]!, type).toBeGreaterThanOrEqual(due[2]!);
      }
    });

    it('restarts the clock when the requesting side amends the request', () => {
      const history: TimedEvent[] = [
        ...submitted,
        { action: 'receive', at: at(1) },
        { action: 'mark-incomplete', at: at(50) },
        { action: 'amend', at: at(100) },
      ];
      for (const state of ['submitted', 'in-review'] as const)
        expect(deadlineOf({ type: 'stored-data', urgency: 'routine', state, history })).toEqual({
          kind: 'decision',
          dueAt: at(100 + 720),
          waitingOn: 'requested',
        });
    });

    it('counts from the last amendment when there were several', () => {
      const history: TimedEvent[] = [
        ...submitted,
        { action: 'mark-incomplete', at: at(10) },
        { action: 'amend', at: at(20) },
        { action: 'mark-incomplete', at: at(30) },
        { action: 'amend', at: at(40) },
      ];
      expect(deadlineOf({ type: 'preservation', urgency: 'urgent', state: 'received', history })?.dueAt).toBe(
        at(40 + 24),
      );
    });

    it('ignores history entries that are not lifecycle actions', () => {
      const history: TimedEvent[] = [
        ...submitted,
        { action: 'edit', at: at(5) },
        { action: 'read', at: at(6) },
      ];
      expect(deadlineOf({ type: 'stored-data', urgency: 'urgent', state: 'in-review', history })?.dueAt).toBe(
        at(240),
      );
    });
  });

  describe('while the requesting side must answer', () => {
    for (const urgency of URGENCIES) {
      it(`gives a ${urgency} consultation ${ANSWER[urgency]} hours for the answer, waiting on the requesting side`, () => {
        const history: TimedEvent[] = [...submitted, { action: 'consult', at: at(30) }];
        expect(deadlineOf({ type: 'extradition', urgency, state: 'consultation', history })).toEqual({
          kind: 'answer',
          dueAt: at(30 + ANSWER[urgency]),
          waitingOn: 'requesting',
        });
      });

      it(`gives a ${urgency} incomplete request ${ANSWER[urgency]} hours to be amended, waiting on the requesting side`, () => {
        const history: TimedEvent[] = [...submitted, { action: 'mark-incomplete', at: at(12) }];
        expect(deadlineOf({ type: 'stored-data', urgency, state: 'incomplete', history })).toEqual({
          kind: 'answer',
          dueAt: at(12 + ANSWER[urgency]),
          waitingOn: 'requesting',
        });
      });
    }

    it('takes the answer hours from data/request-types.json', () => {
      expect(ANSWER).toEqual(catalogue.waiting.hours);
    });

    it('counts a second consultation from when it was asked', () => {
      const history: TimedEvent[] = [
        ...submitted,
        { action: 'consult', at: at(10) },
        { action: 'answer-consultation', at: at(20) },
        { action: 'consult', at: at(90) },
      ];
      expect(
        deadlineOf({ type: 'stored-data', urgency: 'urgent', state: 'consultation', history })?.dueAt,
      ).toBe(at(90 + 72));
    });
  });

  describe('after acceptance', () => {
    for (const urgency of URGENCIES) {
      it.each(['accepted', 'accepted-with-conditions', 'executing'] as const)(
        `holds a ${urgency} stored-data request in %s to the execution hours from acceptance`,
        (state) => {
          const action = state === 'accepted-with-conditions' ? 'accept-with-conditions' : 'accept';
          const history: TimedEvent[] = [
            ...submitted,
            { action, at: at(100) },
            { action: 'execute', at: at(101) },
          ];
          expect(deadlineOf({ type: 'stored-data', urgency, state, history })).toEqual({
            kind: 'execution',
            dueAt: at(100 + EXECUTE['stored-data']![urgency]),
            waitingOn: 'requested',
          });
        },
      );
    }

    it('gives every type and urgency the execution hours of data/request-types.json once accepted', () => {
      const history: TimedEvent[] = [...submitted, { action: 'accept', at: at(7) }];
      for (const type of REQUEST_TYPES)
        for (const urgency of URGENCIES)
          expect(deadlineOf({ type, urgency, state: 'accepted', history })?.dueAt, `${type} ${urgency}`).toBe(
            at(7 + typeData(type).deadlines.execute[urgency]),
          );
    });

    it('holds an accepted preservation request to its execution hours until execution starts', () => {
      const history: TimedEvent[] = [...submitted, { action: 'accept', at: at(3) }];
      expect(deadlineOf({ type: 'preservation', urgency: 'emergency', state: 'accepted', history })).toEqual({
        kind: 'execution',
        dueAt: at(3 + 4),
        waitingOn: 'requested',
      });
    });

    it.each(URGENCIES)(
      'keeps %s preserved data 60 days from acceptance while executing, waiting on the follow-up',
      (urgency) => {
        const history: TimedEvent[] = [
          ...submitted,
          { action: 'accept', at: at(3) },
          { action: 'execute', at: at(4) },
        ];
        expect(deadlineOf({ type: 'preservation', urgency, state: 'executing', history })).toEqual({
          kind: 'preservation-expiry',
          dueAt: at(3 + 60 * 24),
          waitingOn: 'requesting',
        });
      },
    );

    it('takes the 60 preservation days from data/request-types.json and gives them to preservation only', () => {
      expect(typeData('preservation').preservationDays).toBe(60);
      for (const type of REQUEST_TYPES.filter((t) => t !== 'preservation')) {
        const history: TimedEvent[] = [...submitted, { action: 'accept', at: at(3) }];
        expect(deadlineOf({ type, urgency: 'routine', state: 'executing', history })?.kind, type).toBe(
          'execution',
        );
      }
    });

    it('counts preservation from an acceptance with conditions too', () => {
      const history: TimedEvent[] = [...submitted, { action: 'accept-with-conditions', at: at(8) }];
      expect(
        deadlineOf({ type: 'preservation', urgency: 'urgent', state: 'executing', history })?.dueAt,
      ).toBe(at(8 + 1440));
    });
  });

  describe('when nobody is waited on', () => {
    const full: TimedEvent[] = [
      ...submitted,
      { action: 'receive', at: at(1) },
      { action: 'screen', at: at(1) },
      { action: 'finish-screening', at: at(2) },
      { action: 'accept', at: at(10) },
      { action: 'execute', at: at(11) },
      { action: 'deliver', at: at(20) },
      { action: 'refuse', at: at(21) },
      { action: 'close', at: at(30) },
      { action: 'withdraw', at: at(31) },
    ];
    for (const type of ['preservation', 'stored-data', 'extradition'] as const)
      it.each(['draft', 'delivered', 'refused', 'closed', 'withdrawn'] as const)(
        `has no deadline for a ${type} case in %s`,
        (state) => {
          for (const urgency of URGENCIES)
            expect(deadlineOf({ type, urgency, state, history: full })).toBeNull();
        },
      );

    it('has no deadline when the history holds no event that starts the clock', () => {
      const created: TimedEvent[] = [{ action: 'create', at: T0 }];
      for (const state of [
        'submitted',
        'in-review',
        'consultation',
        'incomplete',
        'accepted',
        'executing',
      ] as const)
        expect(
          deadlineOf({ type: 'stored-data', urgency: 'routine', state, history: created }),
          state,
        ).toBeNull();
    });
  });
});

describe('isOverdue', () => {
  const deadline = { kind: 'decision' as const, dueAt: T0, waitingOn: 'requested' as const };

  it('is not overdue without a deadline', () => {
    expect(isOverdue(null, new Date(at(10_000)))).toBe(false);
  });

  it('is overdue once the due time has passed', () => {
    expect(isOverdue(deadline, new Date(Date.parse(T0) + 1))).toBe(true);
    expect(isOverdue(deadline, new Date(at(24)))).toBe(true);
  });

  it('is not overdue before or at the due time', () => {
    expect(isOverdue(deadline, new Date(at(-1)))).toBe(false);
    expect(isOverdue(deadline, new Date(T0))).toBe(false);
  });

  it('turns overdue when a computed deadline passes', () => {
    const d = deadlineOf({
      type: 'preservation',
      urgency: 'emergency',
      state: 'in-review',
      history: submitted,
    });
    expect(isOverdue(d, new Date(at(3)))).toBe(false);
    expect(isOverdue(d, new Date(at(5)))).toBe(true);
  });
});

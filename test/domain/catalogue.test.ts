import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CHANNELS,
  OFFENCE_CODES,
  offence,
  offences,
  REQUEST_TYPES,
  type RequestType,
  requestType,
  requestTypes,
  requiredFieldDescriptions,
  URGENCIES,
  waitingHours,
} from '../../src/domain/catalogue.ts';

const readJson = (path: string) =>
  JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as Record<string, unknown>;
const offencesJson = readJson('../../data/offences.json') as { offences: Record<string, unknown>[] };
const typesJson = readJson('../../data/request-types.json') as {
  requires: Record<string, string>;
  types: Record<string, unknown>[];
  waiting: { hours: Record<string, unknown> };
};

/** Design §5's offence codes. */
const DESIGN_OFFENCE_CODES = [
  'UNCC-ILLEGAL-ACCESS',
  'UNCC-ILLEGAL-INTERCEPTION',
  'UNCC-DATA-INTERFERENCE',
  'UNCC-SYSTEM-INTERFERENCE',
  'UNCC-MISUSE-OF-DEVICES',
  'UNCC-FORGERY',
  'UNCC-THEFT-FRAUD',
  'UNCC-CSAM',
  'UNCC-GROOMING',
  'UNCC-NCII',
  'UNCC-LAUNDERING',
  'SERIOUS-CRIME',
];

/** Design §4's request types with their UNCC articles and channels ('information' may use either). */
const DESIGN_TYPES: Record<RequestType, { uncc: string[]; channel: string }> = {
  preservation: { uncc: ['42'], channel: '24-7' },
  'traffic-disclosure': { uncc: ['43'], channel: '24-7' },
  'stored-data': { uncc: ['44'], channel: 'central-authority' },
  'real-time-traffic': { uncc: ['45'], channel: 'central-authority' },
  interception: { uncc: ['46'], channel: 'central-authority' },
  extradition: { uncc: ['37'], channel: 'central-authority' },
  information: { uncc: ['40', '47'], channel: 'central-authority' },
  'joint-investigation': { uncc: ['48'], channel: 'central-authority' },
  'asset-freeze': { uncc: ['31', '49'], channel: 'central-authority' },
};

const KNOWN_REQUIREMENTS = [
  'authority',
  'offences',
  'offences.maxPenaltyYears',
  'facts',
  'purpose',
  'data',
  'data.identifiers',
  'data.provider',
  'data.period',
  'subjects',
];

const sorted = (xs: readonly string[]) => [...xs].sort();

describe('data/offences.json', () => {
  it('lists exactly the offence codes of design §5, once each', () => {
    const codes = offencesJson.offences.map((o) => o.code as string);
    expect(codes).toHaveLength(new Set(codes).size);
    expect(sorted(codes)).toEqual(sorted(DESIGN_OFFENCE_CODES));
    expect(sorted(OFFENCE_CODES)).toEqual(sorted(DESIGN_OFFENCE_CODES));
  });

  it.each(OFFENCE_CODES)('gives %s a title, a UNCC article, a category and a mental element', (code) => {
    const o = offence(code);
    expect(o.code).toBe(code);
    expect(o.title.trim()).not.toBe('');
    expect(o.articles.UNCC).toMatch(/^\d+/);
    expect(['system', 'content', 'financial', 'other']).toContain(o.category);
    expect(o.mentalElement.trim()).not.toBe('');
    expect(Array.isArray(o.optionalElements)).toBe(true);
  });

  it('files every catalogue offence of the Convention under system, content or financial (design §3)', () => {
    for (const o of offences.filter((x) => x.code !== 'SERIOUS-CRIME'))
      expect(['system', 'content', 'financial'], o.code).toContain(o.category);
  });

  it('asks a SERIOUS-CRIME offence for its domestic description and a four-year threshold', () => {
    const o = offence('SERIOUS-CRIME');
    expect(o.requiresDomesticDescription).toBe(true);
    expect(o.minimumMaxPenaltyYears).toBe(4);
  });

  it('cites the Budapest article of every offence Budapest has, and none beyond arts. 2-10', () => {
    for (const o of offences) {
      if (o.articles.BUDAPEST === undefined) continue;
      const n = Number(o.articles.BUDAPEST);
      expect(n, o.code).toBeGreaterThanOrEqual(2);
      expect(n, o.code).toBeLessThanOrEqual(10);
    }
    expect(offence('UNCC-ILLEGAL-ACCESS').articles).toEqual({ UNCC: '7', BUDAPEST: '2' });
  });

  it('throws for a code outside the catalogue', () => {
    expect(() => offence('UNCC-SPAM' as never)).toThrow(/UNCC-SPAM/);
  });
});

describe('data/request-types.json', () => {
  it('lists exactly the request types of design §4, once each', () => {
    const types = typesJson.types.map((t) => t.type as string);
    expect(types).toHaveLength(new Set(types).size);
    expect(sorted(types)).toEqual(sorted(Object.keys(DESIGN_TYPES)));
    expect(sorted(REQUEST_TYPES)).toEqual(sorted(Object.keys(DESIGN_TYPES)));
  });

  it.each(REQUEST_TYPES)('gives %s the UNCC articles and the channel of design §4', (type) => {
    const info = requestType(type);
    const articles = (info.articles.UNCC ?? '').match(/\d+/g) ?? [];
    for (const a of DESIGN_TYPES[type].uncc) expect(articles).toContain(a);
    expect(info.channel).toBe(DESIGN_TYPES[type].channel);
    expect(CHANNELS).toContain(info.channel);
  });

  it.each(REQUEST_TYPES)(
    'gives %s a positive whole number of hours to decide and to execute at every urgency',
    (type) => {
      const info = requestType(type);
      for (const phase of ['decide', 'execute'] as const) {
        expect(sorted(Object.keys(info.deadlines[phase]))).toEqual(sorted(URGENCIES));
        for (const u of URGENCIES) {
          expect(Number.isInteger(info.deadlines[phase][u]), `${type} ${phase} ${u}`).toBe(true);
          expect(info.deadlines[phase][u], `${type} ${phase} ${u}`).toBeGreaterThan(0);
        }
      }
    },
  );

  it.each(REQUEST_TYPES)('never gives a more urgent %s request more time', (type) => {
    const { decide, execute } = requestType(type).deadlines;
    for (const d of [decide, execute]) {
      expect(d.routine).toBeGreaterThanOrEqual(d.urgent);
      expect(d.urgent).toBeGreaterThanOrEqual(d.emergency);
    }
  });

  it.each(REQUEST_TYPES)(
    'requires of %s only known fields, once each, always with authority, facts and purpose',
    (type) => {
      const { requires } = requestType(type);
      expect(requires).toHaveLength(new Set(requires).size);
      for (const r of requires) expect(KNOWN_REQUIREMENTS).toContain(r);
      for (const r of ['authority', 'facts', 'purpose']) expect(requires).toContain(r);
    },
  );

  it('requires per-item data fields only of types that require data', () => {
    for (const t of requestTypes) {
      const perItem = t.requires.filter((r) => r.startsWith('data.'));
      if (perItem.length > 0) expect(t.requires, t.type).toContain('data');
    }
  });

  it('describes every requirement a type may name, and no other', () => {
    expect(sorted(Object.keys(typesJson.requires))).toEqual(sorted(KNOWN_REQUIREMENTS));
    for (const k of KNOWN_REQUIREMENTS)
      expect(requiredFieldDescriptions[k as keyof typeof requiredFieldDescriptions]).toMatch(/UNCC art\./);
  });

  it('keeps preserved data at least 60 days and gives preservation days to preservation only', () => {
    for (const t of requestTypes)
      if (t.type === 'preservation') expect(t.preservationDays).toBeGreaterThanOrEqual(60);
      else expect(t.preservationDays, t.type).toBeUndefined();
  });

  it('gives the requesting side a positive whole number of hours to answer at every urgency', () => {
    expect(sorted(Object.keys(waitingHours))).toEqual(sorted(URGENCIES));
    for (const u of URGENCIES) {
      expect(Number.isInteger(waitingHours[u])).toBe(true);
      expect(waitingHours[u]).toBeGreaterThan(0);
    }
  });

  it('marks the measures that compel a provider or person as coercive and information as not', () => {
    expect(requestType('information').coercive).toBe(false);
    for (const t of [
      'preservation',
      'stored-data',
      'real-time-traffic',
      'interception',
      'extradition',
    ] as const)
      expect(requestType(t).coercive, t).toBe(true);
  });

  it('throws for a type outside the catalogue', () => {
    expect(() => requestType('wiretap' as never)).toThrow(/wiretap/);
  });
});

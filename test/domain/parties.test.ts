import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allParties, isKnownParty, partyProfile } from '../../src/domain/parties.ts';

const readJson = (path: string) =>
  JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as Record<string, unknown>;
const states = (
  readJson('../../data/states.json') as {
    states: { code: string; name: string; instruments: Record<string, unknown> }[];
  }
).states;
const demo = (
  readJson('../../data/demo/parties.json') as {
    parties: { code: string; name: string; fictional: boolean }[];
  }
).parties;

const FICTIONAL = ['ARC', 'BOR', 'CAL', 'DUN', 'VEL'];

describe('data/states.json', () => {
  const codes = states.map((s) => s.code);

  it('holds the 249 officially assigned ISO 3166-1 alpha-3 codes', () => {
    expect(codes).toHaveLength(249);
  });

  it('holds each code once', () => {
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('holds codes of three capital letters, sorted', () => {
    for (const c of codes) expect(c).toMatch(/^[A-Z]{3}$/);
    expect(codes).toEqual([...codes].sort());
  });

  it('names every state', () => {
    for (const s of states) expect(s.name.trim(), s.code).not.toBe('');
  });

  it('holds well-known states under their ISO codes', () => {
    const name = (code: string) => states.find((s) => s.code === code)?.name;
    expect(name('FRA')).toBe('France');
    expect(name('USA')).toMatch(/United States/);
    expect(name('VNM')).toMatch(/Viet ?Nam/);
  });

  it('records only ratified, signed or not-signed as a UNCC status', () => {
    for (const s of states) {
      const uncc = s.instruments.UNCC as { status: string; asOf: string; source: string } | undefined;
      if (!uncc) continue;
      expect(['ratified', 'signed', 'not-signed'], s.code).toContain(uncc.status);
      expect(uncc.asOf, s.code).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(uncc.source, s.code).toMatch(/^S\d+$/);
    }
  });
});

describe('the demo parties', () => {
  it('are exactly the fictional states ARC, BOR, CAL, DUN and VEL', () => {
    expect(demo.map((p) => p.code).sort()).toEqual(FICTIONAL);
    for (const p of demo) expect(p.fictional, p.code).toBe(true);
  });

  it.each(FICTIONAL)('use %s, a code that is not a real ISO 3166-1 state', (code) => {
    expect(states.map((s) => s.code)).not.toContain(code);
  });
});

describe('isKnownParty', () => {
  it.each([...FICTIONAL, 'FRA', 'USA', 'VNM', 'EST'])('knows %s', (code) => {
    expect(isKnownParty(code)).toBe(true);
  });

  it.each(['XXX', 'ZZZ', 'arc', 'fra', 'FR', 'FRAN', '', 'EUR'])('does not know %j', (code) => {
    expect(isKnownParty(code)).toBe(false);
  });
});

describe('partyProfile', () => {
  it('gives a demo party its full profile', () => {
    expect(partyProfile('BOR')).toMatchObject({
      code: 'BOR',
      name: 'Borealis',
      fictional: true,
      instruments: { UNCC: 'ratified', BUDAPEST: 'none' },
      abolitionist: true,
      declarations: { dishonestIntentForAccess: true },
      law: {
        'UNCC-ILLEGAL-ACCESS': { criminalised: true, maxPenaltyYears: 3, requires: ['dishonest-intent'] },
      },
    });
  });

  it('gives a real state its name and marks it as not fictional', () => {
    expect(partyProfile('FRA')).toMatchObject({ code: 'FRA', name: 'France', fictional: false });
  });

  it('maps a state that did not sign the UN Convention to the status none, with the fact behind it', () => {
    const usa = partyProfile('USA');
    expect(usa?.instruments.UNCC).toBe('none');
    expect(usa?.instrumentFacts?.UNCC?.status).toBe('not-signed');
  });

  it('keeps a signed or ratified UN Convention status as it is', () => {
    expect(partyProfile('GBR')?.instruments.UNCC).toBe('signed');
    expect(partyProfile('VNM')?.instruments.UNCC).toBe('ratified');
  });

  it('leaves an unknown status absent rather than none', () => {
    expect(partyProfile('FRA')?.instruments).toEqual({});
  });

  it('has no profile for an unknown code', () => {
    expect(partyProfile('XXX')).toBeUndefined();
  });

  it('agrees with isKnownParty and allParties', () => {
    const all = allParties();
    expect(all).toHaveLength(249 + FICTIONAL.length);
    expect(all.map((p) => p.code)).toEqual(all.map((p) => p.code).sort());
    for (const p of all) {
      expect(isKnownParty(p.code)).toBe(true);
      expect(partyProfile(p.code)).toBe(p);
    }
  });
});

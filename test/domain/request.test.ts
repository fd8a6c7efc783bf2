import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REQUEST_TYPES, type RequestType } from '../../src/domain/catalogue.ts';
import {
  amendmentProblems,
  channelOf,
  type InterchangeRequest,
  type InterchangeRequestInput,
  InterchangeRequestSchema,
  missingForSubmission,
} from '../../src/domain/request.ts';

const CORPUS_DIR = new URL('../fixtures/corpus/', import.meta.url);
const DEMO_CASES_DIR = new URL('../../data/demo/cases/', import.meta.url);

function jsonFiles(dir: URL): { name: string; json: Record<string, unknown> }[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((name) => ({
      name,
      json: JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as Record<string, unknown>,
    }));
}

const corpus = jsonFiles(CORPUS_DIR).map(({ name, json }) => ({
  name,
  request: json.request as Record<string, unknown>,
}));
const demoCases = jsonFiles(DEMO_CASES_DIR).map(({ name, json }) => ({ name, request: json }));
const INCOMPLETE = '17-incomplete-vague-fraud.json';

/** A complete stored-data request (design §5 example). */
function storedData(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'stored-data',
    instrument: 'UNCC',
    from: 'ARC',
    to: 'BOR',
    urgency: 'routine',
    authority: { name: 'Office of the Prosecutor, Arcadia', contact: 'mla@prosecutor.arc.example' },
    offences: [{ code: 'UNCC-ILLEGAL-ACCESS', domestic: 'Penal Code s. 201', maxPenaltyYears: 5 }],
    facts: 'Summary of the facts.',
    purpose: 'Identify the holder of the account used to enter the hospital network.',
    subjects: [{ name: 'J. Doe', role: 'suspect', nationality: 'BOR', description: '' }],
    data: [
      {
        category: 'subscriber',
        identifiers: ['jdoe@mail.bor.example'],
        provider: 'Mail BOR Ltd',
        from: '2025-01-01',
        to: '2025-02-01',
      },
    ],
    deathPenaltyPossible: false,
    confidential: true,
    language: 'en',
    ...overrides,
  };
}

function parse(input: unknown): InterchangeRequest {
  return InterchangeRequestSchema.parse(input);
}

/** The issues of a rejected input, each as its dotted path plus any unrecognised keys. */
function rejection(input: unknown): { path: string; keys: string[]; message: string }[] {
  const result = InterchangeRequestSchema.safeParse(input);
  expect(result.success, 'the schema should reject this input').toBe(false);
  if (result.success) return [];
  return result.error.issues.map((i) => ({
    path: i.path.map(String).join('.'),
    keys: 'keys' in i ? (i.keys as string[]) : [],
    message: i.message,
  }));
}

function rejectedPaths(input: unknown): string[] {
  return rejection(input).map((i) => i.path);
}

/** A request of `type` holding nothing but what the schema itself needs. */
function bare(type: RequestType, overrides: Record<string, unknown> = {}): InterchangeRequest {
  return parse({ type, instrument: 'UNCC', from: 'ARC', to: 'BOR', ...overrides });
}

const fieldsMissing = (r: InterchangeRequest) => missingForSubmission(r).map((m) => m.field);

describe('InterchangeRequestSchema', () => {
  it('finds the corpus and the demo cases to check', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(18);
    expect(demoCases.length).toBeGreaterThanOrEqual(5);
  });

  it.each(corpus)('accepts the request of corpus bundle $name', ({ request }) => {
    const result = InterchangeRequestSchema.safeParse(request);
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });

  it.each(demoCases)('accepts the demo case $name', ({ request }) => {
    const result = InterchangeRequestSchema.safeParse(request);
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });

  it.each(corpus)('keeps every field of corpus request $name as written', ({ request }) => {
    expect(parse(request)).toEqual(request);
  });

  it('fills the optional fields of a minimal request with their defaults', () => {
    const r = bare('information');
    expect(r).toMatchObject({
      urgency: 'routine',
      authority: {},
      offences: [],
      facts: '',
      purpose: '',
      subjects: [],
      data: [],
      deathPenaltyPossible: false,
      confidential: true,
      language: 'en',
    });
    expect(r.channel).toBeUndefined();
  });

  it('accepts version 1 and rejects any other version', () => {
    expect(InterchangeRequestSchema.safeParse(storedData({ version: 1 })).success).toBe(true);
    expect(rejectedPaths(storedData({ version: 2 }))).toEqual(['version']);
  });

  it.each([
    ['type', { type: 42 }],
    ['instrument', { instrument: 'UNTOC' }],
    ['urgency', { urgency: 'soon' }],
    ['channel', { channel: 'email' }],
    ['facts', { facts: ['not', 'a', 'string'] }],
    ['offences', { offences: 'UNCC-ILLEGAL-ACCESS' }],
    ['deathPenaltyPossible', { deathPenaltyPossible: 'no' }],
    ['confidential', { confidential: 1 }],
    ['authority.name', { authority: { name: 7 } }],
    ['offences.0.maxPenaltyYears', { offences: [{ code: 'UNCC-FORGERY', maxPenaltyYears: 'five' }] }],
    ['offences.0.maxPenaltyYears', { offences: [{ code: 'UNCC-FORGERY', maxPenaltyYears: -1 }] }],
    ['subjects.0.role', { subjects: [{ name: 'J. Doe', role: 'ringleader' }] }],
    ['data.0.category', { data: [{ category: 'metadata', identifiers: ['x'] }] }],
    ['data.0.identifiers', { data: [{ category: 'traffic', identifiers: 'x' }] }],
    ['data.0.from', { data: [{ category: 'traffic', identifiers: ['x'], from: '1 January 2025' }] }],
  ])('rejects a wrong type or value and names the field %s', (path, overrides) => {
    expect(rejectedPaths(storedData(overrides))).toEqual([path]);
  });

  it('rejects an offence code outside the catalogue at its path', () => {
    expect(rejectedPaths(storedData({ offences: [{ code: 'UNCC-SPAM' }] }))).toEqual(['offences.0.code']);
  });

  it('rejects a request type that design §4 does not list', () => {
    expect(rejectedPaths(storedData({ type: 'wiretap' }))).toEqual(['type']);
  });

  it.each([
    ['an unassigned code', 'XXX', 'unknown party code'],
    ['a lower-case code', 'arc', 'three capital letters'],
    ['an alpha-2 code', 'AR', 'three capital letters'],
    ['a four-letter code', 'ARCA', 'three capital letters'],
  ])('rejects %s as the requesting party and says why', (_what, code, why) => {
    const issues = rejection(storedData({ from: code }));
    expect(new Set(issues.map((i) => i.path))).toEqual(new Set(['from']));
    expect(issues.map((i) => i.message).join('; ')).toContain(why);
  });

  it('rejects an unknown requested party at `to`', () => {
    expect(rejectedPaths(storedData({ to: 'ZZZ' }))).toEqual(['to']);
  });

  it('accepts a real state of the registry as a party', () => {
    expect(InterchangeRequestSchema.safeParse(storedData({ to: 'FRA' })).success).toBe(true);
  });

  it('rejects a request whose requesting and requested party are the same', () => {
    const issues = rejection(storedData({ from: 'BOR', to: 'BOR' }));
    expect(issues.map((i) => i.path)).toEqual(['to']);
    expect(issues[0]?.message).toContain('another party');
  });

  it.each([
    ['the request', {}, '', 'surveillanceWarrant'],
    ['the authority', { authority: { name: 'A', contact: 'a@x.example', phone: '1' } }, 'authority', 'phone'],
    ['an offence', { offences: [{ code: 'UNCC-FORGERY', severity: 'high' }] }, 'offences.0', 'severity'],
    ['a subject', { subjects: [{ name: 'J. Doe', role: 'suspect', age: 40 }] }, 'subjects.0', 'age'],
    ['a data item', { data: [{ category: 'content', identifiers: ['x'], bulk: true }] }, 'data.0', 'bulk'],
  ])('rejects an unknown key in %s and names it', (_where, overrides, path, key) => {
    const input = path === '' ? storedData({ [key]: true }) : storedData(overrides);
    const issues = rejection(input);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path, keys: [key] });
  });

  it('rejects a data item whose period starts after it ends, at data[i].to', () => {
    const data = [
      { category: 'traffic', identifiers: ['a'], from: '2025-01-01', to: '2025-01-31' },
      { category: 'traffic', identifiers: ['b'], from: '2025-03-01', to: '2025-02-01' },
    ];
    const issues = rejection(storedData({ data }));
    expect(issues.map((i) => i.path)).toEqual(['data.1.to']);
    expect(issues[0]?.message).toContain('after');
  });

  it('accepts a data item whose period is a single day', () => {
    const data = [{ category: 'traffic', identifiers: ['a'], from: '2025-01-01', to: '2025-01-01' }];
    expect(InterchangeRequestSchema.safeParse(storedData({ data })).success).toBe(true);
  });
});

describe('missingForSubmission', () => {
  const complete = corpus.filter((c) => c.name !== INCOMPLETE);

  it.each(complete)('finds nothing missing in the complete corpus request $name', ({ request }) => {
    expect(missingForSubmission(parse(request))).toEqual([]);
  });

  it('finds the identifiers and the placeholder provider ("unknown") missing from corpus 17 (vague fraud)', () => {
    const c17 = corpus.find((c) => c.name === INCOMPLETE);
    expect(c17).toBeDefined();
    const missing = missingForSubmission(parse(c17!.request));
    expect(missing.map((m) => [m.field, m.requirement])).toEqual([
      ['data[0].identifiers', 'data.identifiers'],
      ['data[0].provider', 'data.provider'],
    ]);
  });

  it('gives each missing field the requirement it fails and a reason citing the treaty', () => {
    const missing = missingForSubmission(bare('stored-data'));
    expect(missing.length).toBeGreaterThan(0);
    for (const m of missing) {
      expect(m.reason).toMatch(/UNCC art\./);
      expect(m.field.startsWith(m.requirement.split('.')[0]!)).toBe(true);
    }
  });

  // What a request holding nothing lacks, per type (data/request-types.json `requires`); per-item requirements
  // (identifiers, provider, period, penalties) name nothing while the list they apply to is empty.
  const BARE_MISSING: Record<RequestType, string[]> = {
    preservation: ['authority.name', 'authority.contact', 'offences', 'facts', 'purpose', 'data'],
    'traffic-disclosure': ['authority.name', 'authority.contact', 'offences', 'facts', 'purpose', 'data'],
    'stored-data': ['authority.name', 'authority.contact', 'offences', 'facts', 'purpose', 'data'],
    'real-time-traffic': ['authority.name', 'authority.contact', 'offences', 'facts', 'purpose', 'data'],
    interception: ['authority.name', 'authority.contact', 'offences', 'facts', 'purpose', 'data'],
    extradition: ['authority.name', 'authority.contact', 'offences', 'facts', 'purpose', 'subjects'],
    information: ['authority.name', 'authority.contact', 'facts', 'purpose'],
    'joint-investigation': ['authority.name', 'authority.contact', 'offences', 'facts', 'purpose'],
    'asset-freeze': ['authority.name', 'authority.contact', 'offences', 'facts', 'purpose', 'data'],
  };

  it.each(REQUEST_TYPES)('names what an empty %s request lacks', (type) => {
    expect(fieldsMissing(bare(type)).sort()).toEqual([...BARE_MISSING[type]].sort());
  });

  // What one data item that holds only its category lacks, per type.
  const ITEM_MISSING: Partial<Record<RequestType, string[]>> = {
    preservation: ['data[0].identifiers', 'data[0].provider'],
    'traffic-disclosure': ['data[0].identifiers'],
    'stored-data': ['data[0].identifiers', 'data[0].provider', 'data[0].from', 'data[0].to'],
    'real-time-traffic': ['data[0].identifiers', 'data[0].from', 'data[0].to'],
    interception: ['data[0].identifiers', 'data[0].from', 'data[0].to'],
    'asset-freeze': ['data[0].identifiers', 'data[0].provider'],
  };

  it.each(Object.entries(ITEM_MISSING))(
    'names what a bare data item of a %s request lacks',
    (type, expected) => {
      const r = parse(storedData({ type, data: [{ category: 'subscriber' }] }));
      expect(fieldsMissing(r).sort()).toEqual([...expected].sort());
    },
  );

  it('requires the provider and both ends of the period of each stored-data item, by index', () => {
    const data = [
      {
        category: 'subscriber',
        identifiers: ['a@x.example'],
        provider: 'Mail BOR Ltd',
        from: '2025-01-01',
        to: '2025-02-01',
      },
      { category: 'traffic', identifiers: ['b@x.example'], from: '2025-01-01' },
      { category: 'content', identifiers: ['c@x.example'], provider: '  ', to: '2025-02-01' },
    ];
    expect(fieldsMissing(parse(storedData({ data })))).toEqual([
      'data[1].provider',
      'data[2].provider',
      'data[1].to',
      'data[2].from',
    ]);
  });

  it('counts a data item whose identifiers are all blank as lacking identifiers', () => {
    const data = [
      {
        category: 'subscriber',
        identifiers: ['', '   '],
        provider: 'P',
        from: '2025-01-01',
        to: '2025-01-02',
      },
    ];
    expect(fieldsMissing(parse(storedData({ data })))).toEqual(['data[0].identifiers']);
  });

  it('counts whitespace-only facts, purpose and authority as missing', () => {
    const r = parse(
      storedData({ facts: ' \n ', purpose: '\t', authority: { name: ' ', contact: 'x@y.example' } }),
    );
    expect(fieldsMissing(r).sort()).toEqual(['authority.name', 'facts', 'purpose']);
  });

  it('requires an extradition to name its subjects and the maximum penalty of each offence', () => {
    const r = parse(
      storedData({
        type: 'extradition',
        subjects: [],
        data: [],
        offences: [
          { code: 'UNCC-ILLEGAL-ACCESS', domestic: 'Penal Code s. 201', maxPenaltyYears: 5 },
          { code: 'UNCC-DATA-INTERFERENCE', domestic: 'Penal Code s. 204' },
        ],
      }),
    );
    expect(fieldsMissing(r).sort()).toEqual(['offences[1].maxPenaltyYears', 'subjects']);
  });

  it('does not require data of an extradition, nor subjects of a stored-data request', () => {
    expect(fieldsMissing(parse(storedData({ type: 'extradition', data: [] })))).toEqual([]);
    expect(fieldsMissing(parse(storedData({ subjects: [] })))).toEqual([]);
  });

  it('asks of an information request only its authority, facts and purpose', () => {
    const r = bare('information', {
      authority: { name: 'Cyber Unit, Arcadia Police', contact: 'cyber@police.arc.example' },
      facts: 'A botnet controller appears to be hosted in Borealis.',
      purpose: 'Share indicators of compromise.',
    });
    expect(fieldsMissing(r)).toEqual([]);
  });

  it('requires the domestic offence and the maximum penalty of a SERIOUS-CRIME offence', () => {
    const r = parse(storedData({ offences: [{ code: 'UNCC-FORGERY' }, { code: 'SERIOUS-CRIME' }] }));
    const missing = missingForSubmission(r);
    expect(missing.map((m) => [m.field, m.requirement])).toEqual([
      ['offences[1].domestic', 'offences.domestic'],
      ['offences[1].maxPenaltyYears', 'offences.maxPenaltyYears'],
    ]);
  });

  it('requires the SERIOUS-CRIME details even of a type that needs no offences', () => {
    const r = bare('information', {
      authority: { name: 'A', contact: 'a@x.example' },
      facts: 'F',
      purpose: 'P',
      offences: [{ code: 'SERIOUS-CRIME', domestic: '  ' }],
    });
    expect(fieldsMissing(r)).toEqual(['offences[0].domestic', 'offences[0].maxPenaltyYears']);
  });

  it('accepts a SERIOUS-CRIME offence that names its domestic offence and penalty', () => {
    const offences = [
      { code: 'SERIOUS-CRIME', domestic: 'Kidnapping, Criminal Code s. 300', maxPenaltyYears: 15 },
    ];
    expect(fieldsMissing(parse(storedData({ offences })))).toEqual([]);
  });

  it('names each missing field once when an extradition SERIOUS-CRIME offence lacks its penalty', () => {
    const r = parse(
      storedData({ type: 'extradition', offences: [{ code: 'SERIOUS-CRIME', domestic: 'Kidnapping' }] }),
    );
    expect(fieldsMissing(r)).toEqual(['offences[0].maxPenaltyYears']);
  });
});

describe('channelOf', () => {
  // Design §4; `information` may use either channel and defaults to the central authority.
  const DEFAULT_CHANNEL: Record<RequestType, '24-7' | 'central-authority'> = {
    preservation: '24-7',
    'traffic-disclosure': '24-7',
    'stored-data': 'central-authority',
    'real-time-traffic': 'central-authority',
    interception: 'central-authority',
    extradition: 'central-authority',
    information: 'central-authority',
    'joint-investigation': 'central-authority',
    'asset-freeze': 'central-authority',
  };

  it.each(REQUEST_TYPES)('sends a %s request by its type’s channel when none is named', (type) => {
    expect(channelOf(bare(type))).toBe(DEFAULT_CHANNEL[type]);
  });

  it('respects a channel the request names, against its type’s default', () => {
    expect(channelOf(bare('stored-data', { channel: '24-7' }))).toBe('24-7');
    expect(channelOf(bare('preservation', { channel: 'central-authority' }))).toBe('central-authority');
  });

  it('reads the channel the same way from an unparsed request', () => {
    const input: Pick<InterchangeRequestInput, 'type' | 'channel'> = { type: 'preservation' };
    expect(channelOf(input)).toBe('24-7');
  });
});

describe('an amendment', () => {
  const current = { requesting: 'ARC', requested: 'BOR', type: 'stored-data' };
  it('keeps the parties and the type, and names each one it would change', () => {
    expect(amendmentProblems({ from: 'ARC', to: 'BOR', type: 'stored-data' }, current)).toEqual([]);
    expect(amendmentProblems({ from: 'CAL', to: 'BOR', type: 'preservation' }, current)).toEqual([
      { field: 'request.from', message: 'must stay ARC' },
      { field: 'request.type', message: 'must stay stored-data' },
    ]);
  });
});

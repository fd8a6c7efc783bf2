/**
 * The wizard's model of a request (issue 16): every field of the interchange request, as the form edits it
 * (text inputs hold strings, '' for "not given"), and back. A request read into the wizard and saved without
 * changes is the same request, field for field: nothing the form does not show is dropped, and nothing it
 * shows is rewritten (no trimming; an empty input leaves an optional field out). Fields a later version adds
 * and the form does not know yet are kept from the request as it was loaded.
 */

export interface DraftOffence {
  code: string;
  domestic: string;
  maxPenaltyYears?: number | undefined;
  /** Fields of the offence the form does not edit, kept as loaded. */
  rest: Record<string, unknown>;
}

export interface DraftSubject {
  name: string;
  role: string;
  nationality: string;
  description: string;
  rest: Record<string, unknown>;
}

export interface DraftDataItem {
  category: string;
  identifiers: string[];
  provider: string;
  from: string;
  to: string;
  description: string;
  rest: Record<string, unknown>;
}

export const TERMS = ['useLimitation', 'retention', 'onwardTransfer'] as const;
export type Term = (typeof TERMS)[number];

export interface Draft {
  type: string;
  instrument: string;
  from: string;
  to: string;
  /** '' when the request names no channel. */
  channel: string;
  urgency: string;
  authority: { name: string; contact: string };
  offences: DraftOffence[];
  facts: string;
  purpose: string;
  subjects: DraftSubject[];
  data: DraftDataItem[];
  deathPenaltyPossible: boolean;
  confidential: boolean;
  /** The structured data-protection terms (issue 15): each optional. */
  dataProtection: Record<Term, string>;
  language: string;
  /** The request as loaded, for the fields the form does not edit (`version`, and any a later version adds). */
  base: Record<string, unknown>;
}

/** The fields the form edits; everything else in `base` passes through untouched. */
const EDITED = new Set([
  'type',
  'instrument',
  'from',
  'to',
  'channel',
  'urgency',
  'authority',
  'offences',
  'facts',
  'purpose',
  'subjects',
  'data',
  'deathPenaltyPossible',
  'confidential',
  'dataProtection',
  'language',
]);

export const emptyOffence = (): DraftOffence => ({ code: 'UNCC-ILLEGAL-ACCESS', domestic: '', rest: {} });
export const emptySubject = (): DraftSubject => ({
  name: '',
  role: 'suspect',
  nationality: '',
  description: '',
  rest: {},
});
export const emptyDataItem = (category = 'subscriber'): DraftDataItem => ({
  category,
  identifiers: [],
  provider: '',
  from: '',
  to: '',
  description: '',
  rest: {},
});

export const emptyDraft = (from: string): Draft => ({
  type: 'stored-data',
  instrument: 'UNCC',
  from,
  to: '',
  channel: '',
  urgency: 'routine',
  authority: { name: '', contact: '' },
  offences: [emptyOffence()],
  facts: '',
  purpose: '',
  subjects: [emptySubject()],
  data: [emptyDataItem()],
  deathPenaltyPossible: false,
  confidential: true,
  dataProtection: { useLimitation: '', retention: '', onwardTransfer: '' },
  language: 'en',
  base: { version: 1 },
});

type Loose = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const without = (o: Loose, keys: readonly string[]): Loose =>
  Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
/** The object with the optional text fields given, '' ones left out. */
const withText = (o: Loose, fields: Record<string, string>): Loose => {
  const out: Loose = { ...o };
  for (const [k, v] of Object.entries(fields)) if (v !== '') out[k] = v;
  return out;
};

/** A request (as the API returns it) in the form's terms. */
export function fromRequest(request: Loose, from: string): Draft {
  const base = emptyDraft(from);
  const r = request;
  const authority = (r.authority ?? {}) as Loose;
  const dp = (r.dataProtection ?? {}) as Loose;
  return {
    type: str(r.type) || base.type,
    instrument: str(r.instrument) || base.instrument,
    from: str(r.from) || from,
    to: str(r.to),
    channel: str(r.channel),
    urgency: str(r.urgency) || base.urgency,
    authority: { name: str(authority.name), contact: str(authority.contact) },
    offences: ((r.offences ?? []) as Loose[]).map((o) => ({
      code: str(o.code),
      domestic: str(o.domestic),
      maxPenaltyYears: typeof o.maxPenaltyYears === 'number' ? o.maxPenaltyYears : undefined,
      rest: without(o, ['code', 'domestic', 'maxPenaltyYears']),
    })),
    facts: str(r.facts),
    purpose: str(r.purpose),
    subjects: ((r.subjects ?? []) as Loose[]).map((s) => ({
      name: str(s.name),
      role: str(s.role) || 'suspect',
      nationality: str(s.nationality),
      description: str(s.description),
      rest: without(s, ['name', 'role', 'nationality', 'description']),
    })),
    data: ((r.data ?? []) as Loose[]).map((x) => ({
      category: str(x.category) || 'subscriber',
      identifiers: Array.isArray(x.identifiers) ? x.identifiers.map(String) : [],
      provider: str(x.provider),
      from: str(x.from),
      to: str(x.to),
      description: str(x.description),
      rest: without(x, ['category', 'identifiers', 'provider', 'from', 'to', 'description']),
    })),
    deathPenaltyPossible: r.deathPenaltyPossible === true,
    confidential: r.confidential !== false,
    dataProtection: {
      useLimitation: str(dp.useLimitation),
      retention: str(dp.retention),
      onwardTransfer: str(dp.onwardTransfer),
    },
    language: str(r.language) || 'en',
    base: without(r, [...EDITED]),
  };
}

/** A subject row the officer added and left blank is no subject. */
const blankSubject = (s: DraftSubject) =>
  s.name === '' && s.nationality === '' && s.description === '' && Object.keys(s.rest).length === 0;

/** The request as the API takes it: the form's fields over what it does not edit, '' optional fields left out. */
export function toRequest(d: Draft): Loose {
  const terms = Object.fromEntries(
    TERMS.filter((k) => d.dataProtection[k] !== '').map((k) => [k, d.dataProtection[k]]),
  );
  return {
    ...d.base,
    type: d.type,
    instrument: d.instrument,
    from: d.from,
    to: d.to,
    ...(d.channel ? { channel: d.channel } : {}),
    urgency: d.urgency,
    authority: withText({}, { name: d.authority.name, contact: d.authority.contact }),
    offences: d.offences.map((o) => ({
      ...withText({ ...o.rest, code: o.code }, { domestic: o.domestic }),
      ...(o.maxPenaltyYears !== undefined ? { maxPenaltyYears: o.maxPenaltyYears } : {}),
    })),
    facts: d.facts,
    purpose: d.purpose,
    subjects: d.subjects
      .filter((s) => !blankSubject(s))
      .map((s) =>
        withText(
          { ...s.rest, name: s.name, role: s.role },
          { nationality: s.nationality, description: s.description },
        ),
      ),
    data: d.data.map((x) => ({
      ...withText(
        { ...x.rest, category: x.category, identifiers: x.identifiers.filter((i) => i !== '') },
        { provider: x.provider, from: x.from, to: x.to, description: x.description },
      ),
    })),
    deathPenaltyPossible: d.deathPenaltyPossible,
    confidential: d.confidential,
    ...(Object.keys(terms).length > 0 ? { dataProtection: terms } : {}),
    language: d.language,
  };
}

/**
 * SQL injection and stored XSS through every free-text field (issue 7): classic SQL payloads and script payloads
 * in each text field of the interchange request and of the decision details, and in the list search. Every
 * attempt is either stored as data or refused with a 4xx problem+json, never a 5xx; what is stored comes back
 * byte for byte through the API on ARC and, after the message travels, on BOR; the tables are all still there
 * with the rows one expects; `%`, `_` and `\` in a search match themselves, not as LIKE wildcards. Whether a
 * stored script stays inert in the browser is checked by the browser test (test/e2e/run.ts).
 */
import { isDeepStrictEqual } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchTextOf } from '../../src/cases/search-text.ts';
import { type Action, ActionDetailSchemas } from '../../src/domain/lifecycle.ts';
import { type InterchangeRequest, InterchangeRequestSchema } from '../../src/domain/request.ts';
import type { Db } from '../../src/store/db.ts';
import { corpusRequest } from '../helpers/corpus.ts';
import { type Client, engine, startTestFederation, type TestFederation } from '../helpers/federation.ts';

/** Payloads aimed at SQL built by string concatenation, at LIKE patterns and at `String.replace` patterns. */
const SQL_PAYLOADS = [
  "'; drop table cases; --",
  "' or '1'='1",
  "\\'",
  '\\',
  '%',
  '_',
  '$1',
  "$& $' $` $$",
  '\u2018\u2019\u201c\u201d\u02bc\uff07\u201b',
  "'||(select pg_sleep(5))||'",
  '$$; drop table users; $$',
  "') union select email, password_hash from users --",
  "E'\\x27'; delete from case_events; --",
  '%_\\%\\_',
];

/** Payloads aimed at a page that would render the text as HTML or as a URL. */
const XSS_PAYLOADS = [
  '<script>window.__xss=1</script>',
  '<img src=x onerror="window.__xss=2">',
  'javascript:window.__xss=3',
  '"><svg onload=window.__xss=4>',
  '</textarea><iframe srcdoc="<script>parent.__xss=5</script>">',
  "{{constructor.constructor('window.__xss=6')()}}",
  '\u2028</script><!--\u2029',
];

const PAYLOADS = [...SQL_PAYLOADS, ...XSS_PAYLOADS];

/** Code points PostgreSQL's text and jsonb cannot hold: the node must refuse them cleanly or keep them. */
const UNSTORABLE = [
  { label: 'a NUL byte', text: 'a\u0000b' },
  { label: 'a lone surrogate', text: 'a\ud800b' },
];

/** The longest prefix of `s` within `max` UTF-16 units that does not split a surrogate pair. */
function clip(s: string, max: number): string {
  let out = '';
  for (const ch of s) {
    if (out.length + ch.length > max) break;
    out += ch;
  }
  return out;
}

/** A complete request of ARC to BOR with `p` in every free-text field (the corpus ransomware case's shape). */
function hostile(p: string): Record<string, any> {
  const base = corpusRequest('01-ransomware-hospital.json');
  return {
    ...base,
    authority: { name: p, contact: p },
    offences: [{ code: 'UNCC-ILLEGAL-ACCESS', domestic: p, maxPenaltyYears: 5 }],
    facts: p,
    purpose: p,
    subjects: [{ name: p, role: 'suspect', nationality: clip(p, 64), description: p }],
    data: [
      {
        category: 'subscriber',
        identifiers: [p, `mailbox ${p}`],
        provider: p,
        from: '2026-02-01',
        to: '2026-03-31',
        description: p,
      },
    ],
    language: clip(p, 16),
  };
}

/** The free-text fields of a request, by path: where a hostile value goes, one field at a time. */
const REQUEST_FIELDS: Record<string, (r: Record<string, any>, p: string) => void> = {
  facts: (r, p) => {
    r.facts = p;
  },
  purpose: (r, p) => {
    r.purpose = p;
  },
  'authority.name': (r, p) => {
    r.authority.name = p;
  },
  'authority.contact': (r, p) => {
    r.authority.contact = p;
  },
  'offences[0].domestic': (r, p) => {
    r.offences[0].domestic = p;
  },
  'subjects[0].name': (r, p) => {
    r.subjects[0].name = p;
  },
  'subjects[0].nationality': (r, p) => {
    r.subjects[0].nationality = p;
  },
  'subjects[0].description': (r, p) => {
    r.subjects[0].description = p;
  },
  'data[0].identifiers[0]': (r, p) => {
    r.data[0].identifiers[0] = p;
  },
  'data[0].provider': (r, p) => {
    r.data[0].provider = p;
  },
  'data[0].description': (r, p) => {
    r.data[0].description = p;
  },
  language: (r, p) => {
    r.language = p;
  },
};

interface Answer {
  status: number;
  contentType: string;
  text: string;
  body: any;
}

/** A call that keeps the raw answer: content type and text as well as the parsed body. */
async function call(c: Client, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${c.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${c.token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {}
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, body: parsed };
}

/** An answer is acceptable when it succeeded, or refused with a 4xx problem+json that names no internals. */
function cleanAnswer(a: Answer): string | null {
  if (a.status < 400) return null;
  if (a.status >= 500) return `${a.status} ${a.text.slice(0, 200)}`;
  if (!a.contentType.startsWith('application/problem+json')) return `${a.status} as ${a.contentType}`;
  if (/\b(select|insert|update|delete)\b.*\b(from|into|set)\b|node_modules|\bat .+:\d+:\d+/is.test(a.text))
    return `${a.status} names internals: ${a.text.slice(0, 200)}`;
  return null;
}

/**
 * What accepting needs of the screening (src/domain/decision.ts): every concern acknowledged, every ground and
 * missing element overridden with a written justification; one more override than needed, to carry more text.
 */
function screeningResponse(findings: { rule: string; outcome: string }[], justification: string) {
  const rules = (outcomes: string[]) => [
    ...new Set(findings.filter((f) => outcomes.includes(f.outcome)).map((f) => f.rule)),
  ];
  return {
    acknowledged: rules(['concern']),
    overrides: [...new Set([...rules(['ground', 'missing']), 'expression'])].map((rule) => ({
      rule,
      justification,
    })),
  };
}

const search = (c: Client, q: string) => call(c, 'GET', `/api/v1/cases?limit=200&q=${encodeURIComponent(q)}`);

/** The names of the database's tables and the row count of each. */
async function tableCounts(db: Db): Promise<Record<string, number>> {
  const rows = (
    (await db.execute(
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    )) as unknown as { rows: { table_name: string }[] }
  ).rows;
  const out: Record<string, number> = {};
  for (const { table_name } of rows) {
    const [{ n } = { n: -1 }] = (
      (await db.execute(sql`select count(*)::int as n from ${sql.identifier(table_name)}`)) as unknown as {
        rows: { n: number }[];
      }
    ).rows;
    out[table_name] = Number(n);
  }
  return out;
}

let fed: TestFederation;
let arcOfficer: Client;
let borReviewer: Client;
let before: { ARC: Record<string, number>; BOR: Record<string, number> };

beforeAll(async () => {
  fed = await startTestFederation();
  [arcOfficer, borReviewer] = await Promise.all([
    fed.as('officer@arc.example'),
    fed.as('reviewer@bor.example'),
  ]);
  before = {
    ARC: await tableCounts(fed.demo.nodes.ARC!.core.db),
    BOR: await tableCounts(fed.demo.nodes.BOR!.core.db),
  };
}, 120_000);
afterAll(async () => fed?.close());

/** One payload's case: the request as sent (after the schema's defaults) and the details of each action. */
interface Sent {
  payload: string;
  id: string;
  request: InterchangeRequest;
  actions: { action: string; details: Record<string, unknown> }[];
}
const sent: Sent[] = [];

describe(`injection through every text field (${engine})`, () => {
  it('stores SQL and script payloads in every field of a request as data, identical on ARC and on BOR', async () => {
    // Half the drafts are created with the payload, half created plain and then edited to hold it.
    for (const [i, payload] of PAYLOADS.entries()) {
      const request = hostile(payload);
      let res = await call(arcOfficer, 'POST', '/api/v1/cases', i % 2 ? hostile('plain') : request);
      expect(res.status, `${JSON.stringify(payload)}: ${res.text}`).toBe(201);
      const id: string = res.body.id;
      if (i % 2) {
        res = await call(arcOfficer, 'PUT', `/api/v1/cases/${id}`, request);
        expect(res.status, `${JSON.stringify(payload)}: ${res.text}`).toBe(200);
      }
      sent.push({ payload, id, request: InterchangeRequestSchema.parse(request), actions: [] });
    }
    const drafts = await Promise.all(sent.map((s) => call(arcOfficer, 'GET', `/api/v1/cases/${s.id}`)));
    for (const [i, s] of sent.entries())
      expect(drafts[i]!.body.request, JSON.stringify(s.payload)).toEqual(s.request);

    for (const s of sent) {
      const res = await call(arcOfficer, 'POST', `/api/v1/cases/${s.id}/actions/submit`, {});
      expect(res.status, `${JSON.stringify(s.payload)}: ${res.text}`).toBe(200);
    }
    await fed.settle();
    for (const s of sent) {
      const [arc, bor] = await Promise.all([
        call(arcOfficer, 'GET', `/api/v1/cases/${s.id}`),
        call(borReviewer, 'GET', `/api/v1/cases/${s.id}`),
      ]);
      expect(bor.body.state, JSON.stringify(s.payload)).toBe('in-review');
      expect(arc.body.request, JSON.stringify(s.payload)).toEqual(s.request);
      expect(bor.body.request, JSON.stringify(s.payload)).toEqual(s.request);
      // Byte for byte, not only equal after parsing: the raw JSON of each field is the same on both nodes.
      expect(JSON.stringify(bor.body.request)).toBe(JSON.stringify(arc.body.request));
    }
  });

  it('stores the payloads in every text field of the decision details, identical on both nodes', async () => {
    expect(sent.length).toBe(PAYLOADS.length);
    const client = { ARC: arcOfficer, BOR: borReviewer };
    /** Takes one action on every case at once (details per case), then lets the messages travel. */
    const round = async (
      party: 'ARC' | 'BOR',
      action: (s: Sent, i: number) => [string, Record<string, unknown>] | null,
    ) => {
      const answers = await Promise.all(
        sent.map(async (s, i) => {
          const todo = action(s, i);
          if (!todo) return null;
          const [name, details] = todo;
          const res = await call(client[party], 'POST', `/api/v1/cases/${s.id}/actions/${name}`, details);
          // What the node keeps is the schema's output: notes and condition texts are trimmed, defaults added.
          s.actions.push({
            action: name,
            details: ActionDetailSchemas[name as Action].parse(details) as Record<string, unknown>,
          });
          return res.status === 200
            ? null
            : `${name} ${JSON.stringify(s.payload)}: ${res.status} ${res.text}`;
        }),
      );
      expect(answers.filter(Boolean)).toEqual([]);
      await fed.settle();
    };

    await round('BOR', (s) => ['postpone', { grounds: ['ongoing-proceedings'], note: s.payload }]);
    await round('BOR', () => ['resume', {}]);
    await round('BOR', (s) => ['consult', { note: s.payload }]);
    await round('ARC', (s) => ['answer-consultation', { note: s.payload }]);
    await round('BOR', (s) => [
      'mark-incomplete',
      { missing: [clip(s.payload, 200), 'facts'], note: s.payload },
    ]);
    await round('ARC', (s) => {
      s.request = InterchangeRequestSchema.parse({
        ...s.request,
        facts: `${s.payload}\n${s.payload}`,
        purpose: `${s.payload}\r\n${s.payload}`,
      });
      return ['amend', { request: s.request, note: s.payload }];
    });

    // Accepting needs every concern of the new screening acknowledged and every ground overridden in writing.
    const screened = await Promise.all(sent.map((s) => call(borReviewer, 'GET', `/api/v1/cases/${s.id}`)));
    await round('BOR', (s, i) => {
      if (i % 2) return ['consult', { note: s.payload }];
      return [
        'accept-with-conditions',
        {
          conditions: [
            { kind: 'use-limitation', text: s.payload },
            { kind: 'retention', text: s.payload, until: '2030-12-31' },
          ],
          note: s.payload,
          ...screeningResponse(
            screened[i]!.body.screening?.findings ?? [],
            `Justified in writing: ${s.payload}`,
          ),
        },
      ];
    });
    await round('ARC', (s, i) =>
      i % 2 ? ['answer-consultation', { note: s.payload }] : ['withdraw', { note: s.payload }],
    );
    await round('BOR', (s, i) =>
      i % 2 ? ['refuse', { grounds: ['essential-interests', 'data-protection'], note: s.payload }] : null,
    );

    for (const [i, s] of sent.entries()) {
      const [arc, bor] = await Promise.all([
        call(arcOfficer, 'GET', `/api/v1/cases/${s.id}`),
        call(borReviewer, 'GET', `/api/v1/cases/${s.id}`),
      ]);
      const label = JSON.stringify(s.payload);
      expect(arc.body.state, label).toBe(i % 2 ? 'refused' : 'withdrawn');
      expect(bor.body.state, label).toBe(arc.body.state);
      expect(bor.body.request, label).toEqual(s.request);
      expect(arc.body.request, label).toEqual(s.request);
      for (const [party, view] of [
        ['ARC', arc],
        ['BOR', bor],
      ] as const) {
        const history: { action: string; details: Record<string, unknown> }[] = view.body.history;
        const seen = new Map<string, number>();
        for (const { action, details } of s.actions) {
          const nth = seen.get(action) ?? 0;
          seen.set(action, nth + 1);
          const event = history.filter((h) => h.action === action)[nth];
          expect(event, `${party} ${action} #${nth} of ${label}`).toBeDefined();
          // Some details stay with the deciding node (the screening response); every string that travels is exact.
          expect(event!.details, `${party} ${action} #${nth} of ${label}`).toMatchObject(
            party === 'ARC' && action === 'accept-with-conditions'
              ? { conditions: details.conditions, note: details.note }
              : action === 'amend'
                ? { note: details.note }
                : details,
          );
        }
      }
    }
  }, 180_000); // many rounds of messages between two nodes: slow on a loaded machine

  it('searches for each payload literally, on both nodes', async () => {
    const ids = new Set(sent.map((s) => s.id));
    const failures: string[] = [];
    for (const { payload } of sent) {
      const expected = sent
        .filter((s) => searchTextOf(s.request).includes(payload.toLowerCase()))
        .map((s) => s.id)
        .sort();
      expect(expected.length).toBeGreaterThan(0);
      for (const c of [arcOfficer, borReviewer]) {
        const res = await search(c, payload);
        if (res.status !== 200) {
          failures.push(`${c.url} q=${JSON.stringify(payload)}: ${res.status} ${res.text.slice(0, 200)}`);
          continue;
        }
        const got = res.body.items
          .map((x: { id: string }) => x.id)
          .filter((id: string) => ids.has(id))
          .sort();
        if (JSON.stringify(got) !== JSON.stringify(expected))
          failures.push(`q=${JSON.stringify(payload)} found ${got.length}, expected ${expected.length}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('matches %, _ and \\ in a search as themselves, not as LIKE wildcards or escapes', async () => {
    const marker = `zq${Date.now().toString(36)}`;
    const variants = ['x', '_', '%', '\\', 'abc', "'"];
    const byVariant = new Map<string, string>();
    for (const v of variants) {
      const request = corpusRequest('01-ransomware-hospital.json');
      request.facts = `Marker ${marker}${v}9 in the facts.`;
      const res = await call(arcOfficer, 'POST', '/api/v1/cases', request);
      expect(res.status).toBe(201);
      byVariant.set(v, res.body.id);
    }
    for (const v of variants) {
      const res = await search(arcOfficer, `${marker}${v}9`);
      expect(res.status).toBe(200);
      expect(
        res.body.items.map((x: { id: string }) => x.id),
        `q=${marker}${v}9`,
      ).toEqual([byVariant.get(v)]);
    }
    // A bare wildcard or escape finds only the cases that hold that very character.
    for (const v of ['%', '_', '\\']) {
      const res = await search(arcOfficer, `${marker}${v}`);
      expect(res.body.items.map((x: { id: string }) => x.id)).toEqual([byVariant.get(v)]);
    }
    const all = await search(arcOfficer, marker);
    expect(all.body.total).toBe(variants.length);
  });

  it('refuses what is too long for a field with a 400 problem+json naming the field', async () => {
    const cases: [string, Record<string, any>, string][] = [
      ['language', { ...hostile('x'), language: "'; drop table cases; --" }, 'language'],
      ['facts', { ...hostile('x'), facts: `<script>${'a'.repeat(50_001)}</script>` }, 'facts'],
      [
        'subjects[0].nationality',
        {
          ...hostile('x'),
          subjects: [{ name: 'x', role: 'suspect', nationality: `' or '1'='1 ${'-'.repeat(64)}` }],
        },
        'subjects[0].nationality',
      ],
    ];
    for (const [label, body, field] of cases) {
      const res = await call(arcOfficer, 'POST', '/api/v1/cases', body);
      expect(res.status, label).toBe(400);
      expect(res.contentType).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(cleanAnswer(res)).toBeNull();
    }
    const q = await search(arcOfficer, `' or 1=1 --${'x'.repeat(200)}`);
    expect(q.status).toBe(400);
    expect(cleanAnswer(q)).toBeNull();
  });

  it('keeps or cleanly refuses a NUL byte or a lone surrogate in every text field, detail and search', async () => {
    const problems: string[] = [];
    const note = (where: string, a: Answer) => {
      const bad = cleanAnswer(a);
      if (bad) problems.push(`${where}: ${bad}`);
    };
    // A case in review at BOR, for the decision details.
    const target = (await call(arcOfficer, 'POST', '/api/v1/cases', hostile('target'))).body.id as string;
    await call(arcOfficer, 'POST', `/api/v1/cases/${target}/actions/submit`, {});
    await fed.settle();
    const findings = (await call(borReviewer, 'GET', `/api/v1/cases/${target}`)).body.screening.findings;

    for (const { label, text } of UNSTORABLE) {
      for (const [field, put] of Object.entries(REQUEST_FIELDS)) {
        const request = hostile('plain');
        put(request, text);
        const res = await call(arcOfficer, 'POST', '/api/v1/cases', request);
        note(`${label} in ${field}`, res);
        if (res.status === 201) {
          const back = await call(arcOfficer, 'GET', `/api/v1/cases/${res.body.id}`);
          if (!isDeepStrictEqual(back.body.request, InterchangeRequestSchema.parse(request)))
            problems.push(`${label} in ${field}: stored differently`);
        }
      }
      for (const [action, details] of [
        ['consult', { note: text }],
        ['postpone', { grounds: ['ongoing-proceedings'], note: text }],
        [
          'accept-with-conditions',
          {
            conditions: [{ kind: 'other', text }],
            ...screeningResponse(findings, `Justified in writing: ${text}`),
          },
        ],
        ['mark-incomplete', { missing: [text], note: 'x' }],
      ] as const) {
        const res = await call(borReviewer, 'POST', `/api/v1/cases/${target}/actions/${action}`, details);
        note(`${label} in ${action} details`, res);
        if (res.status === 200) {
          // Kept: then it must be kept exactly, and the case has moved on, so the other actions cannot follow.
          const last = res.body.history.at(-1);
          if (!isDeepStrictEqual(last?.details, ActionDetailSchemas[action].parse(details)))
            problems.push(`${label} in ${action} details: stored differently`);
          break;
        }
      }
      // A lone surrogate cannot be percent-encoded as UTF-8; send the bytes a client would (CESU-8).
      const q = text.includes('\ud800') ? 'a%ED%A0%80b' : encodeURIComponent(text);
      note(`${label} in q`, await call(arcOfficer, 'GET', `/api/v1/cases?q=${q}`));
    }
    expect(problems).toEqual([]);
  });

  it('leaves every table in place with the rows the requests explain', async () => {
    for (const party of ['ARC', 'BOR'] as const) {
      const after = await tableCounts(fed.demo.nodes[party]!.core.db);
      expect(Object.keys(after), party).toEqual(Object.keys(before[party]));
      expect(after.users, party).toBe(before[party].users);
      expect(after.node_settings, party).toBe(before[party].node_settings);
      expect(after.case_events, party).toBeGreaterThan(before[party].case_events! + sent.length * 10);
    }
    const arcCases = await call(arcOfficer, 'GET', '/api/v1/cases?limit=200&direction=outgoing');
    expect(arcCases.body.items.map((c: { id: string }) => c.id)).toEqual(
      expect.arrayContaining(sent.map((s) => s.id)),
    );
    const borCases = await call(borReviewer, 'GET', '/api/v1/cases?limit=200&direction=incoming');
    // BOR holds the payload cases and the one decision target, nothing else.
    expect(borCases.body.total).toBe(sent.length + 1);
    for (const party of ['ARC', 'BOR']) {
      const health = await fetch(`${fed.url(party)}/api/v1/health`);
      expect(health.status).toBe(200);
    }
  });
});

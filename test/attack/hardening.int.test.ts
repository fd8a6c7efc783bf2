/**
 * HTTP hardening (issue 7): security headers with a strict Content-Security-Policy on the web application, the
 * API and the OpenAPI document; a body over 2 MiB refused with 413; per-user and per-address rate limits that
 * answer 429 with Retry-After; and error answers of every kind that say nothing of the node's internals (no stack
 * trace, file path, `node_modules` or SQL). Two federations: one with the tests' generous limits, one with low
 * limits (src/api/security.ts reads them from the node settings at start).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { eq, sql, sum } from 'drizzle-orm';
import { CompactEncrypt } from 'jose';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerTree } from '../../src/audit/ledger.ts';
import { sealMessage } from '../../src/crypto/envelope.ts';
import type { Db } from '../../src/store/db.ts';
import { inboundRefusalCounts, inboundRefusals } from '../../src/store/schema.ts';
import { corpusRequest } from '../helpers/corpus.ts';
import {
  type Client,
  engine,
  PASSWORD,
  startTestFederation,
  type TestFederation,
} from '../helpers/federation.ts';
import { type Answer, send } from './probe.ts';

const MiB = 1024 * 1024;

let fed: TestFederation;
let limited: TestFederation;
let arcOfficer: Client;
let arcReviewer: Client;

beforeAll(async () => {
  // One after the other: six nodes starting at once on a busy machine can miss Fastify's plugin timeout.
  fed = await startTestFederation();
  limited = await startTestFederation({ settings: { rateLimitPerMinute: 20, loginRateLimitPerMinute: 3 } });
  [arcOfficer, arcReviewer] = await Promise.all([
    fed.as('officer@arc.example'),
    fed.as('reviewer@arc.example'),
  ]);
}, 120_000);
afterAll(async () => {
  await Promise.all([fed?.close(), limited?.close()]);
});

/** The directives of a Content-Security-Policy header: name → sources. */
function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name!.toLowerCase(), sources]),
  );
}

/** What is wrong with an answer's security headers; empty when nothing is. */
function headerProblems(a: Answer): string[] {
  const h = a.headers;
  const problems: string[] = [];
  const csp = h['content-security-policy'];
  if (!csp) problems.push('no Content-Security-Policy');
  else {
    const d = directives(csp);
    const scripts = d.get('script-src') ?? d.get('default-src');
    if (!scripts) problems.push('CSP lets scripts come from anywhere (no script-src, no default-src)');
    else {
      if (!scripts.includes("'self'")) problems.push(`script-src without 'self': ${scripts.join(' ')}`);
      for (const bad of ["'unsafe-inline'", "'unsafe-eval'", '*', 'data:', 'http:', 'https:', 'blob:'])
        if (scripts.includes(bad)) problems.push(`script-src allows ${bad}`);
    }
    if (JSON.stringify(d.get('frame-ancestors')) !== `["'none'"]`)
      problems.push(`frame-ancestors is ${d.get('frame-ancestors')?.join(' ')}, not 'none'`);
    if (JSON.stringify(d.get('object-src')) !== `["'none'"]`)
      problems.push(`object-src is ${d.get('object-src')?.join(' ')}, not 'none'`);
    const base = d.get('base-uri');
    if (!base || !(base.includes("'none'") || JSON.stringify(base) === `["'self'"]`))
      problems.push(`base-uri is ${base?.join(' ')}`);
  }
  if (h['x-content-type-options'] !== 'nosniff')
    problems.push(`X-Content-Type-Options ${h['x-content-type-options']}`);
  if (h['referrer-policy'] !== 'no-referrer') problems.push(`Referrer-Policy ${h['referrer-policy']}`);
  if (!/max-age=\d{7,}/.test(h['strict-transport-security'] ?? ''))
    problems.push(`Strict-Transport-Security ${h['strict-transport-security']}`);
  if ('x-powered-by' in h) problems.push(`X-Powered-By ${h['x-powered-by']}`);
  return problems;
}

/** Internals an error answer must not show: stack frames, source paths, dependencies, SQL. */
const INTERNALS: [string, RegExp][] = [
  ['a stack frame', /\bat (?:async )?\S+ \(?\S+:\d+:\d+\)?|\n\s+at /],
  ['a source path', /\/(?:work|home|usr|tmp|src)\/|file:\/\/|[\w-]+\.(?:ts|js|mjs|cjs):\d+/],
  ['node_modules', /node_modules/],
  [
    'SQL',
    /\b(?:select\b[\s\S]{0,200}\bfrom|insert\s+into|update\s+"?\w+"?\s+set|delete\s+from|failed query|syntax error at or near|violates \w+ constraint|relation "\w+")\b/i,
  ],
  ['a database error', /\b(?:pglite|postgres(?:ql)?|sqlstate|drizzle)\b/i],
  ['an error class name', /\b(?:TypeError|ReferenceError|RangeError|FastifyError|ZodError)\b/],
];

function internalsIn(a: Answer): string[] {
  return INTERNALS.filter(([, re]) => re.test(a.text)).map(([name]) => name);
}

const json = (value: unknown) => ({
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

describe(`security headers (${engine})`, () => {
  it('sends a strict CSP and the other security headers on the web application, the API and the OpenAPI document', async () => {
    const base = fed.url('ARC');
    const answers: Record<string, Answer> = {
      'GET / (the web application)': await send(base, {
        method: 'GET',
        path: '/',
        headers: { accept: 'text/html' },
      }),
      'GET /inbox (a page of the web application)': await send(base, {
        method: 'GET',
        path: '/inbox',
        headers: { accept: 'text/html' },
      }),
      'GET /api/v1/health': await send(base, { method: 'GET', path: '/api/v1/health' }),
      'GET /api/v1/cases (signed in)': await send(
        base,
        { method: 'GET', path: '/api/v1/cases' },
        `Bearer ${arcOfficer.token}`,
      ),
      'GET /api/v1/cases (401)': await send(base, { method: 'GET', path: '/api/v1/cases' }),
      'GET /api/openapi.json': await send(base, { method: 'GET', path: '/api/openapi.json' }),
    };
    expect(answers['GET / (the web application)']!.headers['content-type']).toMatch(/^text\/html/);
    expect(answers['GET /api/openapi.json']!.status).toBe(200);
    const problems = Object.entries(answers).flatMap(([name, a]) =>
      headerProblems(a).map((p) => `${name}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it('serves the built web application without inline scripts, so that the CSP needs none', async () => {
    const page = await send(fed.url('BOR'), { method: 'GET', path: '/', headers: { accept: 'text/html' } });
    const scripts = [...page.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(page.text).not.toMatch(/\son[a-z]+=/i);
    // A fresh clone has not built the web application (`npm start` and `npm run test:e2e` do): the node then
    // serves its landing page, which has no script at all.
    if (!existsSync(new URL('../../web/dist/index.html', import.meta.url))) {
      expect(scripts).toEqual([]);
      return;
    }
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc="\/assets\//);
      expect(body!.trim()).toBe('');
    }
    expect(page.text).not.toMatch(/\son[a-z]+=/i);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(page.text)![1]!;
    const js = await send(fed.url('BOR'), { method: 'GET', path: asset });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('request body size', () => {
  it('refuses a JSON body over 2 MiB with 413 problem+json, and reads one just under it', async () => {
    const request = corpusRequest('01-ransomware-hospital.json');
    const over = JSON.stringify({ ...request, facts: 'x'.repeat(2 * MiB) });
    const big = await send(
      fed.url('ARC'),
      { method: 'POST', path: '/api/v1/cases', headers: { 'content-type': 'application/json' }, body: over },
      `Bearer ${arcOfficer.token}`,
    );
    expect(big.status).toBe(413);
    expect(big.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(big.text)).toMatchObject({ status: 413, type: '/problems/payload-too-large' });
    expect(internalsIn(big)).toEqual([]);

    // Under the limit the body is read and the schema speaks: the facts are too long, a 400 naming them.
    const under = JSON.stringify({ ...request, facts: 'x'.repeat(2 * MiB - 10_000) });
    const read = await send(
      fed.url('ARC'),
      { method: 'POST', path: '/api/v1/cases', headers: { 'content-type': 'application/json' }, body: under },
      `Bearer ${arcOfficer.token}`,
    );
    expect(read.status).toBe(400);
    expect(JSON.parse(read.text).errors.map((e: { field: string }) => e.field)).toContain('facts');

    // The sign-in route is public: its body limit holds before anyone is known.
    const login = await send(fed.url('ARC'), {
      method: 'POST',
      path: '/api/v1/auth/login',
      ...json({ email: 'officer@arc.example', password: 'p'.repeat(3 * MiB) }),
    });
    expect(login.status).toBe(413);
    expect(login.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('rate limits (20 requests a minute per user, 3 sign-ins a minute per address)', () => {
  it('answers the 21st request of one user in a minute with 429 and Retry-After; another user is unaffected', async () => {
    const [officer, reviewer] = await Promise.all([
      limited.as('officer@arc.example'),
      limited.as('reviewer@arc.example'),
    ]);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await officer.get('/api/v1/cases')).status);
    expect(statuses).toEqual(Array(20).fill(200));
    const limitedAnswer = await send(
      limited.url('ARC'),
      { method: 'GET', path: '/api/v1/cases' },
      `Bearer ${officer.token}`,
    );
    expect(limitedAnswer.status).toBe(429);
    expect(limitedAnswer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(limitedAnswer.text)).toMatchObject({ status: 429, type: '/problems/rate-limited' });
    expect(Number(limitedAnswer.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limitedAnswer.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(internalsIn(limitedAnswer)).toEqual([]);
    expect(headerProblems(limitedAnswer)).toEqual([]);
    // A write is refused as well, and changes nothing.
    const write = await officer.post('/api/v1/cases', corpusRequest('01-ransomware-hospital.json'));
    expect(write.status).toBe(429);

    const other = await reviewer.get('/api/v1/cases');
    expect(other.status).toBe(200);
  });

  it('answers the 4th sign-in attempt from one address in a minute with 429, even with the right password', async () => {
    const base = limited.url('BOR');
    const attempt = (email: string, password: string) =>
      send(base, { method: 'POST', path: '/api/v1/auth/login', ...json({ email, password }) });
    const first = [
      await attempt('officer@bor.example', 'wrong password 1'),
      await attempt('nobody@bor.example', 'wrong password 2'),
      await attempt('reviewer@bor.example', 'wrong password 3'),
    ];
    expect(first.map((a) => a.status)).toEqual([401, 401, 401]);
    const fourth = await attempt('officer@bor.example', PASSWORD);
    expect(fourth.status).toBe(429);
    expect(fourth.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(fourth.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(fourth.text)).not.toHaveProperty('token');
    expect(internalsIn(fourth)).toEqual([]);
    // The limit is per node: the same address still signs in on another node.
    await expect(limited.as('officer@cal.example')).resolves.toBeDefined();
  });
});

describe(`garbage at the public message endpoint (${engine})`, () => {
  /** The bytes the database holds, as PostgreSQL counts them. */
  async function databaseBytes(db: Db): Promise<number> {
    const { rows } = (await db.execute(
      sql`select pg_database_size(current_database())::bigint as n`,
    )) as unknown as { rows: { n: string | number }[] };
    return Number(rows[0]!.n);
  }
  const counted = async (db: Db) =>
    Object.fromEntries(
      (
        await db
          .select({ code: inboundRefusalCounts.code, n: sum(inboundRefusalCounts.count) })
          .from(inboundRefusalCounts)
          .groupBy(inboundRefusalCounts.code)
      ).map((r) => [r.code, Number(r.n)]),
    );

  it('grows neither the ledger nor the stored bytes: refusals before authentication are only counted', async () => {
    const arc = fed.demo.nodes.ARC!.core;
    const bor = fed.demo.nodes.BOR!.core;
    const filler = () => randomBytes(75_000).toString('base64url');
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const jweLike = (header: Record<string, unknown>) =>
      `${b64(header)}.${filler()}.${filler().slice(0, 16)}.${filler()}.${filler().slice(0, 22)}`;
    const own = arc.keys.encryption;
    const sealedBy = async (signingKid: string) =>
      (
        await sealMessage({
          claims: {
            id: ulid(),
            type: 'status',
            from: 'BOR',
            to: 'ARC',
            case: ulid(),
            created: new Date().toISOString(),
            expires: new Date(Date.now() + 3_600_000).toISOString(),
            prev: null,
            action: 'receive',
            actor: null,
            body: { filler: filler() },
          },
          signingKey: generateKeyPairSync('ed25519').privateKey,
          signingKid,
          recipientKey: arc.trust.party('ARC')!.encryption.key,
          recipientKid: own.kid,
        })
      ).jwe;
    // Each kind of garbage a stranger can send, ~100 kB each, every body different.
    const kinds: [string, () => Promise<string>][] = [
      ['malformed', async () => filler()],
      ['malformed', async () => jweLike({ alg: 'RSA1_5', enc: 'A256GCM', kid: own.kid })],
      ['not-for-us', async () => jweLike({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: 'ARC:enc:other' })],
      ['undecryptable', async () => jweLike({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: own.kid })],
      [
        'undecryptable',
        async () =>
          new CompactEncrypt(Buffer.from(filler()))
            .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: 'ARC:enc:other' })
            .encrypt(arc.trust.party('ARC')!.encryption.key)
            .then((jwe) =>
              jwe.replace(/^[^.]+/, b64({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: own.kid })),
            ),
      ],
      ['unknown-signer', () => sealedBy('BOR:sig:unknown')],
      ['bad-signature', () => sealedBy(bor.keys.signing.kid)],
    ];
    const rounds = 25;
    const [ledgerBefore, rowsBefore, bytesBefore, countedBefore] = [
      (await ledgerTree(arc.db)).size,
      (await arc.db.select({ id: inboundRefusals.id }).from(inboundRefusals)).length,
      await databaseBytes(arc.db),
      await counted(arc.db),
    ];
    let sent = 0;
    for (let round = 0; round < rounds; round++)
      await Promise.all(
        kinds.map(async ([, make]) => {
          const body = await make();
          sent += body.length;
          const res = await send(fed.url('ARC'), {
            method: 'POST',
            path: '/exchange/v1/messages',
            headers: { 'content-type': 'application/jose' },
            body,
          });
          expect([400, 409]).toContain(res.status);
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(JSON.parse(res.text).detail).toEqual(expect.any(String));
        }),
      );
    expect(sent).toBeGreaterThan(15_000_000);
    // Not one ledger entry, not one stored body; the database grew by far less than one body per request.
    expect((await ledgerTree(arc.db)).size - ledgerBefore).toBe(0);
    expect((await arc.db.select({ id: inboundRefusals.id }).from(inboundRefusals)).length).toBe(rowsBefore);
    expect(await databaseBytes(arc.db)).toBeLessThan(bytesBefore + 2_000_000);
    // Only counters moved: one per request, under the reason it was refused for.
    const after = await counted(arc.db);
    for (const code of new Set(kinds.map(([c]) => c)))
      expect(after[code]! - (countedBefore[code] ?? 0), code).toBe(
        rounds * kinds.filter(([c]) => c === code).length,
      );
    const rows = await arc.db
      .select()
      .from(inboundRefusalCounts)
      .where(eq(inboundRefusalCounts.code, 'malformed'));
    expect(rows.at(-1)).toMatchObject({
      lastSize: expect.any(Number),
      lastSha256: expect.stringMatching(/^[\w-]{43}$/),
    });
  }, 120_000);
});

describe('error answers', () => {
  it('never show a stack trace, a file path, node_modules or SQL, whatever the error', async () => {
    const base = fed.url('ARC');
    const officer = `Bearer ${arcOfficer.token}`;
    const reviewer = `Bearer ${arcReviewer.token}`;
    const draft = await arcOfficer.post('/api/v1/cases', {
      ...corpusRequest('01-ransomware-hospital.json'),
      purpose: '',
    });
    expect(draft.status).toBe(201);
    const request = corpusRequest('01-ransomware-hospital.json');

    const probes: [string, number | number[] | 'any', Parameters<typeof send>[1], string?][] = [
      [
        'malformed JSON',
        400,
        {
          method: 'POST',
          path: '/api/v1/cases',
          headers: { 'content-type': 'application/json' },
          body: '{"facts": "',
        },
        officer,
      ],
      [
        'a prototype key',
        400,
        {
          method: 'POST',
          path: '/api/v1/cases',
          headers: { 'content-type': 'application/json' },
          body: '{"__proto__": {"admin": true}}',
        },
        officer,
      ],
      [
        'a JSON scalar',
        400,
        {
          method: 'POST',
          path: '/api/v1/cases',
          headers: { 'content-type': 'application/json' },
          body: '"; drop table cases; --',
        },
        officer,
      ],
      [
        'an invalid field',
        400,
        { method: 'POST', path: '/api/v1/cases', ...json({ ...request, urgency: "' or 1=1 --" }) },
        officer,
      ],
      ['a malformed case id', 400, { method: 'GET', path: "/api/v1/cases/'%20or%20'1'%3D'1" }, officer],
      ['a bad cursor', 400, { method: 'GET', path: '/api/v1/cases?cursor=1;select' }, officer],
      ['no credentials', 401, { method: 'GET', path: '/api/v1/cases' }],
      ['a forged token', 401, { method: 'GET', path: '/api/v1/cases' }, "Bearer ' or '1'='1"],
      [
        'a wrong password',
        401,
        {
          method: 'POST',
          path: '/api/v1/auth/login',
          ...json({ email: "' or 1=1 --@arc.example", password: "' or '1'='1" }),
        },
      ],
      [
        'a role without the right',
        403,
        { method: 'POST', path: '/api/v1/cases', ...json(request) },
        reviewer,
      ],
      ['an unknown case', 404, { method: 'GET', path: '/api/v1/cases/01ARZ3NDEKTSV4RRFFQ69G5FAV' }, officer],
      ['an unknown route', 404, { method: 'GET', path: '/api/v1/../../etc/passwd' }, officer],
      ['an unknown API path', 404, { method: 'GET', path: '/api/v1/nothing-here' }, officer],
      ['an unsupported method', [404, 405], { method: 'DELETE', path: '/api/v1/cases' }, officer],
      [
        'an action the state forbids',
        409,
        { method: 'POST', path: `/api/v1/cases/${draft.body.id}/actions/close`, ...json({}) },
        officer,
      ],
      [
        'a body over 2 MiB',
        413,
        {
          method: 'POST',
          path: '/api/v1/cases',
          headers: { 'content-type': 'application/json' },
          body: `"${'x'.repeat(2 * MiB + 1)}"`,
        },
        officer,
      ],
      // Fastify reads text/plain as a string by default, so the body schema refuses it before the media type.
      [
        'a text/plain body',
        [400, 415],
        {
          method: 'POST',
          path: '/api/v1/cases',
          headers: { 'content-type': 'text/plain' },
          body: "'; drop table cases; --",
        },
        officer,
      ],
      [
        'an XML body',
        415,
        {
          method: 'POST',
          path: '/api/v1/cases',
          headers: { 'content-type': 'application/xml' },
          body: '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        },
        officer,
      ],
      [
        'an incomplete request submitted',
        422,
        { method: 'POST', path: `/api/v1/cases/${draft.body.id}/actions/submit`, ...json({}) },
        officer,
      ],
      // A NUL byte reaches the database on some paths: whatever the status, a 5xx must hide the database's words.
      [
        'a NUL byte in the facts',
        'any',
        { method: 'POST', path: '/api/v1/cases', ...json({ ...request, facts: 'a\u0000b' }) },
        officer,
      ],
      ['a NUL byte in a search', 'any', { method: 'GET', path: '/api/v1/cases?q=a%00b' }, officer],
    ];
    const failures: string[] = [];
    for (const [name, status, probe, authorization] of probes) {
      const a = await send(base, probe, authorization);
      const expected = status === 'any' ? null : [status].flat();
      if (!expected && a.status < 400) continue;
      const problems = [
        ...(expected && !expected.includes(a.status)
          ? [`status ${a.status}, expected ${expected.join(' or ')}`]
          : []),
        ...(a.headers['content-type']?.startsWith('application/problem+json')
          ? []
          : [`content type ${a.headers['content-type']}`]),
        ...internalsIn(a).map((what) => `shows ${what}`),
        ...headerProblems(a),
      ];
      if (problems.length)
        failures.push(`${name} (${a.status}): ${problems.join('; ')}\n    ${a.text.slice(0, 300)}`);
    }
    expect(failures.join('\n')).toBe('');
  });
});

/**
 * Raw HTTP probes for the attack suites: any method, header and body (tus, JOSE, JSON), the whole answer kept,
 * and a comparable form of it in which the identifiers the attacker sent are replaced by their names, so that an
 * answer about a real object can be compared with the answer about an id that does not exist.
 */
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../../src/store/db.ts';

export interface Probe {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

export async function send(base: string, probe: Probe, authorization?: string): Promise<Answer> {
  const res = await fetch(`${base}${probe.path}`, {
    method: probe.method,
    headers: { ...(authorization ? { authorization } : {}), ...probe.headers },
    ...(probe.body !== undefined
      ? { body: typeof probe.body === 'string' ? probe.body : new Uint8Array(probe.body) }
      : {}),
  });
  const headers: Record<string, string> = {};
  res.headers.forEach((value, key) => {
    headers[key] = value;
  });
  return { status: res.status, headers, text: await res.text() };
}

/** Signs in on a node by e-mail and password; returns the `Authorization` header value. */
export async function signIn(base: string, email: string, password: string): Promise<string> {
  const res = await send(base, {
    method: 'POST',
    path: '/api/v1/auth/login',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login ${email} at ${base}: ${res.status} ${res.text}`);
  return `Bearer ${(JSON.parse(res.text) as { token: string }).token}`;
}

/** Headers that differ between any two answers (time, connection, length of an echoed id). */
const VOLATILE = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
/** Problem fields that name the request rather than the resource. */
const PER_REQUEST = new Set(['instance', 'requestId']);

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function replaceSent(value: unknown, sent: [string, string][]): unknown {
  if (typeof value === 'string')
    return sent.reduce(
      (s, [name, v]) =>
        s.replace(new RegExp(`(?<![0-9A-Za-z])${escapeRegExp(v)}(?![0-9A-Za-z])`, 'g'), `{${name}}`),
      value,
    );
  if (Array.isArray(value)) return value.map((v) => replaceSent(v, sent));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !PER_REQUEST.has(k))
        .map(([k, v]) => [k, replaceSent(v, sent)]),
    );
  return value;
}

/**
 * What an outsider can tell from an answer: status, header names, content type and body, with the values the
 * outsider sent (`sent`: parameter name → value) replaced by the parameter's name. Echoing back the id one sent
 * tells nothing; anything else that differs does.
 */
export function comparable(answer: Answer, sent: Record<string, string>) {
  const pairs = Object.entries(sent)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => [k, v] as [string, string])
    .sort((a, b) => b[1].length - a[1].length);
  let body: unknown = answer.text;
  try {
    body = JSON.parse(answer.text);
  } catch {}
  return {
    status: answer.status,
    contentType: answer.headers['content-type'] ?? null,
    headers: Object.keys(answer.headers)
      .filter((h) => !VOLATILE.has(h))
      .sort(),
    body: replaceSent(body, pairs),
  };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The ULID `step` places after (or before) `id`: what an attacker who holds one id tries next. */
export function neighbour(id: string, step: number): string {
  const digits = [...id].map((c) => CROCKFORD.indexOf(c));
  let carry = step;
  for (let i = digits.length - 1; i >= 0 && carry !== 0; i--) {
    const v = digits[i]! + carry;
    digits[i] = ((v % 32) + 32) % 32;
    carry = Math.floor(v / 32);
  }
  return digits.map((d) => CROCKFORD[d]).join('');
}

/** Every row of some tables, each as JSON, sorted: equal snapshots mean equal contents. */
export async function snapshot(db: Db, tables: Record<string, PgTable>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [name, table] of Object.entries(tables))
    out[name] = (await db.select().from(table)).map((r) => JSON.stringify(r)).sort();
  return out;
}

/** What tells two comparable answers apart, field by field; empty when nothing does. */
export function differences(
  got: ReturnType<typeof comparable>,
  unknown: ReturnType<typeof comparable>,
): string {
  return (Object.keys(got) as (keyof typeof got)[])
    .filter((k) => JSON.stringify(got[k]) !== JSON.stringify(unknown[k]))
    .map((k) => `${k} ${JSON.stringify(got[k])}, where an unknown id gives ${JSON.stringify(unknown[k])}`)
    .join('; ');
}

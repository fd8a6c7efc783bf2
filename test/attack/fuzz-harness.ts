/**
 * Property-based fuzzing (fast-check) of running nodes: every operation of the OpenAPI document, the exchange
 * endpoint and the message parser. Inputs are generated from each operation's JSON schema, mutated from valid
 * ones (wrong types, ~1 MB strings, ~10k levels of nesting, unicode edge cases, `__proto__` and friends) or not
 * JSON at all, and sent through `app.inject` (and now and then through a real socket). Whatever comes in, a
 * node answers: never a 5xx, never a crash, every error as problem+json without stack traces or SQL.
 *
 * The generated values are plain data (which node, who, which path parameters, which body); what depends on
 * the federation's state (real ids, tokens, keys, the case's message chain) is looked up when the request is
 * sent, so a seed and a path replay the same request shapes. test/attack/fuzz.int.test.ts runs a few cases per
 * operation; test/attack/fuzz-run.ts the long run.
 */

import { isUtf8 } from 'node:buffer';
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { desc, eq, notInArray, sql } from 'drizzle-orm';
import fc from 'fast-check';
import { CompactEncrypt, CompactSign } from 'jose';
import { ulid } from 'ulid';
import { z } from 'zod';
import { ensureUser, issueToken } from '../../src/auth/sessions.ts';
import { decodeTotpSecret, totp } from '../../src/auth/totp.ts';
import { EnvelopeError, MessageClaimsSchema, openMessage } from '../../src/crypto/envelope.ts';
import { nodeAuthorization, verifyNodeAuthorization } from '../../src/crypto/node-token.ts';
import { ACTIONS, ActionDetailSchemas, TRANSITIONS } from '../../src/domain/lifecycle.ts';
import { DEMO_ACCOUNTS, demoEmail } from '../../src/node/demo.ts';
import type { RunningNode } from '../../src/node/node.ts';
import {
  cases,
  evidenceFiles,
  evidencePackages,
  ledgerEntries,
  outbox,
  passkeys,
  users,
} from '../../src/store/schema.ts';
import { corpusRequest } from '../helpers/corpus.ts';
import type { TestFederation } from '../helpers/federation.ts';

/** The federation settings a fuzz run needs: no rate limit (it would answer 429 to almost everything) and
 * tokens that outlive a long run. */
export const FUZZ_SETTINGS = { rateLimitPerMinute: 0, tokenTtlMinutes: 7 * 24 * 60 };

/** A request that gets no answer within this time counts as a hang. */
const REQUEST_TIMEOUT_MS = 60_000;
/** A request answered slower than this counts as a failure: the node does nothing else meanwhile. */
const SLOW_MS = 20_000;
/** One request in this many goes through a real socket instead of `app.inject`. */
const HTTP_ONE_IN = 40;
const FUZZ_PASSWORD = 'fuzz-password-0';

// ---------------------------------------------------------------------------------------------------------------
// What is generated

export type Target = 'ARC' | 'BOR';
const TARGETS: readonly Target[] = ['ARC', 'BOR'];
const peerOf = (t: Target): Target => (t === 'ARC' ? 'BOR' : 'ARC');
const ROLES = DEMO_ACCOUNTS.map((a) => a.local);

/** Who signs a message or a node token: the sender's real key, another node's, the receiver's own, a forged
 * key under the sender's key id, or a key nobody knows. */
type Signer = 'peer' | 'third' | 'self' | 'forged' | 'unknown';
const SIGNERS: readonly Signer[] = ['peer', 'third', 'self', 'forged', 'unknown'];

export type Identity =
  | { kind: 'anonymous' }
  | { kind: 'user'; role: string }
  /** A real token of the other node. */
  | { kind: 'foreign'; role: string }
  /** A fresh token of a user kept for this, so that logging out ends nobody else's token. */
  | { kind: 'disposable' }
  /** A session that has passed the password but still owes a second factor (`mfa`) or must enrol one. */
  | { kind: 'stage'; stage: 'mfa' | 'enrol' }
  | { kind: 'header'; value: string }
  /** A `Comity-Node` token, or any text signed as one when `payload` is set. */
  | { kind: 'node'; signer: Signer; scope: string; payload?: string };

type ParamValue = { known: number } | { text: string; raw?: boolean };
type MetaValue = { known: number } | { text: string } | { base64: string };

type Body =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'message'; spec: MessageSpec };

export interface FuzzRequest {
  target: Target;
  /** Another method than the operation's (HEAD for a GET, PUT for a POST…), or null. */
  method: string | null;
  identity: Identity;
  params: Record<string, ParamValue>;
  query: { pairs: [string, string][]; raw: string | null };
  headers: Record<string, string>;
  contentType: string | null;
  body: Body;
  /** tus Upload-Metadata pairs (value null: key only). */
  metadata: [string, MetaValue | null][] | null;
  http: boolean;
}

type TextEdit =
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'swap-segments'; i: number; j: number }
  | { kind: 'append'; text: string }
  | { kind: 'prefix'; text: string };

type Mutation =
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'add'; at: number; key: string; value: unknown }
  | { kind: 'wrap'; at: number }
  | { kind: 'stringify'; at: number }
  /** Adds text to one of the strings, so that the value stays valid but carries a NUL, an RTL mark… */
  | { kind: 'taint'; at: number; text: string; prefix: boolean };

/** An inbound message, from plain garbage down to well signed and encrypted claims with odd content. */
export type MessageSpec =
  | { layer: 'text'; text: string }
  | { layer: 'genuine'; pick: number; edits: TextEdit[] }
  | { layer: 'crafted'; header: unknown; segments: string[] }
  | { layer: 'inner'; recipient: Recipient; inner: InnerSpec }
  | { layer: 'claims'; recipient: Recipient; signer: Signer; claims: ClaimsSpec };
type Recipient = 'target' | 'wrong-kid' | 'wrong-key';
type InnerSpec = { text: string } | { header: unknown; payload: string; signer: Signer };
interface ClaimsSpec {
  /** A genuine message's claims (by index) or claims generated from the schema. */
  base: { genuine: number } | { generated: unknown };
  /** New id, created now, from the peer to the target: what a live sender does. */
  fresh: boolean;
  /** A case the two nodes share (by index), with `prev` following the target's chain when `chained`. */
  onCase: { known: number; chained: boolean } | null;
  action: { action: string; body: unknown } | null;
  mutations: Mutation[];
  edits: TextEdit[];
}

// ---------------------------------------------------------------------------------------------------------------
// Values that break things

/** Serialised as its text, unchanged: JSON that JSON.stringify cannot write (10k levels, 1e999). */
export class Raw {
  constructor(readonly text: string) {}
}

const EDGE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uD83D',
  '\uDE00x',
  '\uFEFF',
  '\u202E',
  '\u200F',
  '\u200B',
  '\u2028\u2029',
  '\u00A0',
  '\u0085',
  '\uFFFF',
  '\uFFFD',
  '👩‍👩‍👧‍👦',
  '🏳️‍⚧️',
  'e\u0301\u0301\u0301',
  'İı',
  'ß',
  'ﬃ',
  '\r\n',
  '\t',
  '\\',
  '"',
  "'",
  '`',
  '<script>alert(1)</script>',
  "'; drop table cases; --",
  "' or '1'='1",
  '$1',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: template injection probe, meant literally
  '${7*7}',
  '{{7*7}}',
  '%s%n%x',
  '../../../etc/passwd',
  'C:\\Windows\\win.ini',
  'NaN',
  'Infinity',
  '-Infinity',
  'undefined',
  'null',
  'true',
  '1e999',
  '-0',
  '0x1F',
  '0b101',
  '1_000',
  '١٢٣',
  '１２３',
  '9'.repeat(400),
  `0.${'0'.repeat(300)}1`,
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'ARC\u0000',
  'arc',
  ' ARC ',
  'ÂRC',
  '2026-02-30',
  '2026-13-01T25:61:61Z',
  '0000-00-00',
  '+275760-09-13T00:00:00.001Z',
];
const EDGE_NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  1e308,
  -1e308,
  5e-324,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1e21,
  1e-7,
];
const RAW_NUMBERS = [
  '1e999',
  '-1e999',
  `1${'0'.repeat(400)}`,
  `0.${'0'.repeat(400)}1`,
  '-0',
  '1E+2',
  '1e-400',
  '123456789012345678901234567890',
];
const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype'];
const ODD_KEYS = [
  ...POLLUTION_KEYS,
  'toString',
  'valueOf',
  'hasOwnProperty',
  '',
  ' ',
  'a\u0000',
  '\uD800',
  '$ref',
];

/** An object with `key` as its own enumerable property, even `__proto__`. */
function own(key: string, value: unknown): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  return o;
}

const deepText = (depth: number, kind: 'array' | 'object' | 'mixed') =>
  kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : kind === 'object'
      ? `${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`
      : `${'[{"a":'.repeat(depth)}0${'}]'.repeat(depth)}`;

const hugeString = fc
  .record({
    unit: fc.constantFrom('a', 'é', '€', '𝄞', '\u0000', '\uD800', 'ab\u202E', '👩‍👩‍👧', '"\\'),
    size: fc.constantFrom(1_000, 20_001, 50_001, 200_000, 1_048_576, 2_200_000),
  })
  .map(({ unit, size }) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size));

const deep = fc
  .record({
    depth: fc.constantFrom(100, 1_000, 5_000, 10_000, 12_000, 100_000),
    kind: fc.constantFrom('array' as const, 'object' as const, 'mixed' as const),
  })
  .map(({ depth, kind }) => new Raw(deepText(depth, kind)));

const pollution = fc
  .tuple(
    fc.constantFrom(...POLLUTION_KEYS),
    fc.constantFrom<unknown>(
      { polluted: 'fuzz' },
      { prototype: { polluted: 'fuzz' } },
      { toString: 'fuzz', valueOf: 1 },
      'fuzz',
      null,
      [1],
    ),
  )
  .map(([k, v]) => own(k, structuredClone(v)));

const smallJson = fc.jsonValue({ maxDepth: 2 });

/** A value of the wrong kind, or a string or number that software tends to get wrong. */
const nasty: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), smallJson) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>([], {}, [null], '', 0) },
  { weight: 5, arbitrary: fc.constantFrom(...EDGE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom('ARC', 'officer@arc.example', '2026-01-01', 'stored-data'),
        fc.constantFrom(...EDGE_STRINGS),
      )
      .map(([a, b]) => a + b),
  },
  { weight: 2, arbitrary: fc.constantFrom(...EDGE_NUMBERS) },
  { weight: 1, arbitrary: fc.constantFrom(...RAW_NUMBERS).map((t) => new Raw(t)) },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: fc.constantFrom(1_000, 10_000, 100_000).map((n) => new Array<number>(n).fill(1)) },
  { weight: 1, arbitrary: deep },
  { weight: 2, arbitrary: pollution },
);

const taint = fc.record({
  kind: fc.constant('taint' as const),
  at: fc.nat(),
  text: fc.oneof(
    fc.constantFrom(...EDGE_STRINGS.filter((e) => e.length < 50)),
    fc.string({ unit: 'binary', maxLength: 4 }),
  ),
  prefix: fc.boolean(),
});

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: nasty }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      at: fc.nat(),
      key: fc.oneof(fc.constantFrom(...ODD_KEYS), fc.string({ maxLength: 12 })),
      value: fc.oneof(nasty, pollution),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wrap' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stringify' as const), at: fc.nat() }) },
  { weight: 5, arbitrary: taint },
);

const JUNK = [
  '{',
  '}',
  '[',
  ']',
  '"',
  '\\',
  '\\u',
  '\\ud800',
  '\\u0000',
  ',',
  ':',
  'NaN',
  'undefined',
  '/*x*/',
  '\u0000',
  '\uFEFF',
  '"__proto__":{"polluted":"fuzz"},',
  '"constructor":{"prototype":{"polluted":"fuzz"}},',
  '.',
  '..',
  '=',
];
const junk = fc.oneof(
  fc.constantFrom(...JUNK),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);

const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: junk }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('swap-segments' as const), i: fc.nat(5), j: fc.nat(5) }),
  fc.record({ kind: fc.constant('append' as const), text: junk }),
  fc.record({ kind: fc.constant('prefix' as const), text: junk }),
);

function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let t = text;
  for (const e of edits) {
    const at = 'at' in e ? e.at % (t.length + 1) : 0;
    if (e.kind === 'truncate') t = t.slice(0, at);
    else if (e.kind === 'insert') t = t.slice(0, at) + e.text + t.slice(at);
    else if (e.kind === 'delete') t = t.slice(0, at) + t.slice(at + e.length);
    else if (e.kind === 'append') t += e.text;
    else if (e.kind === 'prefix') t = e.text + t;
    else {
      const parts = t.split('.');
      const i = e.i % parts.length;
      const j = e.j % parts.length;
      [parts[i], parts[j]] = [parts[j]!, parts[i]!];
      t = parts.join('.');
    }
  }
  return t;
}

/** JSON text of a value; Raw parts are written as they are, own `__proto__` keys are kept. */
export function toJson(v: unknown): string {
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${toJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function clone(v: unknown): unknown {
  if (v instanceof Raw || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(clone);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) Object.assign(out, own(k, clone((v as Record<string, unknown>)[k])));
  return out;
}

interface Slot {
  get(): unknown;
  set(v: unknown): void;
  remove(): void;
}

/** The places of a value where a mutation can land (at most 400, so that huge arrays stay cheap). */
function slotsOf(holder: { value: unknown }): Slot[] {
  const out: Slot[] = [
    {
      get: () => holder.value,
      set: (v) => {
        holder.value = v;
      },
      remove: () => {
        holder.value = undefined;
      },
    },
  ];
  const visit = (v: unknown) => {
    if (out.length > 400 || v === null || typeof v !== 'object' || v instanceof Raw) return;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length && out.length <= 400; i++) {
        out.push({ get: () => v[i], set: (x) => (v[i] = x), remove: () => v.splice(i, 1) });
        visit(v[i]);
      }
      return;
    }
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      out.push({
        get: () => o[k],
        set: (x) => Object.assign(o, own(k, x)),
        remove: () => delete o[k],
      });
      visit(o[k]);
    }
  };
  visit(holder.value);
  return out;
}

export function applyMutations(value: unknown, mutations: readonly Mutation[]): unknown {
  const holder = { value: clone(value) };
  for (const m of mutations) {
    const all = slotsOf(holder);
    // Free text (facts, notes, names) is where an odd character passes validation and reaches storage.
    const texts = all.filter((s) => typeof s.get() === 'string');
    const prose = texts.filter((s) => /\s/.test(s.get() as string) || (s.get() as string).length > 20);
    const strings = prose.length ? prose : texts;
    if (m.kind === 'taint') {
      const slot = strings[m.at % Math.max(1, strings.length)];
      const cur = slot?.get() as string | undefined;
      if (slot && cur !== undefined) slot.set(m.prefix ? m.text + cur : cur + m.text);
      continue;
    }
    const slot = all[m.at % all.length]!;
    const cur = slot.get();
    if (m.kind === 'replace') slot.set(clone(m.value));
    else if (m.kind === 'delete') slot.remove();
    else if (m.kind === 'wrap') slot.set([cur]);
    else if (m.kind === 'stringify') slot.set(toJson(cur));
    else if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && !(cur instanceof Raw))
      Object.assign(cur, own(m.key, clone(m.value)));
    else slot.set(own(m.key, clone(m.value)));
  }
  return holder.value;
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs from JSON schemas

type JsonSchema = Record<string, any>;
const PARTY_CODES = ['ARC', 'BOR', 'CAL', 'DUN', 'EST', 'VEL', 'XXX'];
/** Stand for the party of the node a request goes to and its peer; replaced when the request is sent. */
const SELF = '$SELF';
const PEER = '$PEER';

/** fast-check arbitraries for the values a JSON schema describes (the subset Zod and the OpenAPI document use). */
export function schemaArbitrary(schema: JsonSchema, root: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const s = schema;
  if (!s || typeof s !== 'object' || Object.keys(s).filter((k) => !k.startsWith('$')).length === 0)
    return s?.$ref ? schemaArbitrary(resolveRef(root, s.$ref), root, depth) : smallJson;
  if (s.$ref) return schemaArbitrary(resolveRef(root, s.$ref), root, depth);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (Array.isArray(alternatives))
    return fc.oneof(...alternatives.map((a: JsonSchema) => schemaArbitrary(a, root, depth)));
  if (Array.isArray(s.allOf)) return schemaArbitrary(Object.assign({}, ...s.allOf), root, depth);
  const types: string[] = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length > 1) return fc.oneof(...types.map((t) => schemaArbitrary({ ...s, type: t }, root, depth)));
  const type = types[0] ?? (s.properties ? 'object' : s.items ? 'array' : undefined);
  switch (type) {
    case 'string':
      return stringArbitrary(s);
    case 'integer': {
      const min = Math.max(s.minimum ?? -1_000_000, Number.MIN_SAFE_INTEGER);
      const max = Math.min(s.maximum ?? 1_000_000, Number.MAX_SAFE_INTEGER);
      return fc.oneof(
        fc.integer({ min: Math.max(min, -1000), max: Math.max(Math.min(max, 1000), Math.max(min, -1000)) }),
        fc.constantFrom(min, max),
      );
    }
    case 'number':
      return fc.double({
        min: s.minimum ?? -1e9,
        max: s.maximum ?? 1e9,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = s.minItems ?? 0;
      return fc.array(depth > 6 ? smallJson : schemaArbitrary(s.items ?? {}, root, depth + 1), {
        minLength,
        maxLength: Math.max(minLength, Math.min(s.maxItems ?? 4, 4)),
      });
    }
    case 'object': {
      const props: Record<string, JsonSchema> = s.properties ?? {};
      const required = new Set<string>(s.required ?? []);
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, p] of Object.entries(props))
        model[k] = depth > 6 ? smallJson : schemaArbitrary(p, root, depth + 1);
      const known = fc.record(model, { requiredKeys: Object.keys(props).filter((k) => required.has(k)) });
      const additional = s.additionalProperties;
      if (!additional || typeof additional !== 'object') return known;
      const keys = s.propertyNames ? stringArbitrary(s.propertyNames) : fc.string({ maxLength: 12 });
      return fc
        .tuple(
          known,
          fc.dictionary(keys as fc.Arbitrary<string>, schemaArbitrary(additional, root, depth + 1), {
            maxKeys: 3,
          }),
        )
        .map(([a, b]) => ({ ...b, ...a }));
    }
    default:
      return smallJson;
  }
}

function stringArbitrary(s: JsonSchema): fc.Arbitrary<string> {
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as string[]));
  if (s.format === 'date')
    return fc
      .date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10));
  if (s.format === 'date-time')
    return fc
      .date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString());
  if (s.format === 'email') return fc.emailAddress();
  if (typeof s.pattern === 'string') {
    if (s.pattern === '^[A-Z]{3}$')
      return fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(SELF, PEER, ...PARTY_CODES) },
        fc.stringMatching(/^[A-Z]{3}$/),
      );
    try {
      return fc.stringMatching(new RegExp(s.pattern));
    } catch {
      /* a pattern JavaScript cannot read: any string */
    }
  }
  const minLength = s.minLength ?? 0;
  return fc.string({
    minLength,
    maxLength: Math.max(minLength, Math.min(s.maxLength ?? 40, 40)),
    unit: 'grapheme',
  });
}

function resolveRef(root: JsonSchema, ref: string): JsonSchema {
  if (!ref.startsWith('#/')) return {};
  let at: any = root;
  for (const part of ref.slice(2).split('/')) at = at?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return at ?? {};
}

const jsonSchemaOf = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;

// ---------------------------------------------------------------------------------------------------------------
// Operations

export interface Operation {
  /** `METHOD /path` as in the OpenAPI document, or `PARSE <function>` for the parsers called directly. */
  key: string;
  method: string;
  path: string;
  kind: 'json' | 'tus' | 'message' | 'parse-message' | 'parse-node-token';
  pathParams: { name: string; schema: JsonSchema }[];
  queryParams: { name: string; schema: JsonSchema; required: boolean }[];
  body: JsonSchema | null;
  /** Answers without a signed-in user. */
  isPublic: boolean;
}

/** Public routes the OpenAPI document does not mark with `security: []`. */
const PUBLIC_PATHS = new Set(['/api/v1/auth/login', '/exchange/v1/messages']);

export function operationsOf(doc: JsonSchema): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<JsonSchema>(doc.paths ?? {}))
    for (const [method, op] of Object.entries<JsonSchema>(item)) {
      const params: JsonSchema[] = op.parameters ?? [];
      const body = op.requestBody?.content?.['application/json']?.schema ?? null;
      ops.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        kind: path.includes('/evidence/uploads')
          ? 'tus'
          : path === '/exchange/v1/messages'
            ? 'message'
            : 'json',
        pathParams: params
          .filter((p) => p.in === 'path')
          .map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        queryParams: params
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: p.schema ?? {}, required: p.required === true })),
        body,
        isPublic: (Array.isArray(op.security) && op.security.length === 0) || PUBLIC_PATHS.has(path),
      });
    }
  // Each lifecycle action has its own documented operation; the route that answers for any other name (an
  // unknown action, a node's own step such as `receive`) is not in the document, and is fuzzed all the same.
  const anAction = ops.find((o) => o.path.startsWith('/api/v1/cases/{id}/actions/'));
  if (anAction)
    ops.push({
      ...anAction,
      key: 'POST /api/v1/cases/{id}/actions/{action}',
      path: '/api/v1/cases/{id}/actions/{action}',
      pathParams: [...anAction.pathParams, { name: 'action', schema: { type: 'string' } }],
      body: {},
    });
  ops.push(
    { ...parserOp, key: 'PARSE openMessage', path: 'openMessage', kind: 'parse-message' },
    {
      ...parserOp,
      key: 'PARSE verifyNodeAuthorization',
      path: 'verifyNodeAuthorization',
      kind: 'parse-node-token',
    },
  );
  return ops;
}
const parserOp: Omit<Operation, 'key' | 'path' | 'kind'> = {
  method: 'PARSE',
  pathParams: [],
  queryParams: [],
  body: null,
  isPublic: true,
};

// ---------------------------------------------------------------------------------------------------------------
// Checking an answer

export interface Sent {
  target: Target;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload: string | Buffer | undefined;
  http: boolean;
  /** Carries a valid user token of the target node. */
  signedIn: boolean;
  /** The operation's own method and route, nothing unencoded in the path. */
  canonical: boolean;
  /** What a message body holds inside its encryption. */
  inside?: string;
}

export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** Stack frames, source paths and SQL: what an error body must never hold (unless the request put it there). */
const LEAKS: [string, RegExp][] = [
  // Bounded repetitions and lookbehinds keep these linear on a megabyte of echoed input.
  ['a stack trace', /\n[ \t]{1,40}at [^\n]{1,400}/],
  [
    'a stack frame',
    /\bat (?:async )?[\w$.<>[\] ]{0,200}\(?(?:file:\/\/|\/|node:)[^\s)]{0,400}:\d+(?::\d+)?\)?/,
  ],
  ['node_modules', /node_modules/],
  ['a source path', /(?<![\w-])[\w-]{1,200}\.(?:ts|mts|js|mjs|cjs):\d+/],
  ['the working directory', new RegExp(process.cwd().replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))],
  ['SQL', /\bselect\s{1,10}[\w"*.,()\s]{1,400}?\s{1,10}from\s{1,10}"?\w/i],
  ['SQL', /\binsert\s{1,10}into\b/i],
  ['SQL', /\bupdate\s{1,10}"?\w{1,64}"?\s{1,10}set\b/i],
  ['SQL', /\bdelete\s{1,10}from\b/i],
  [
    'a database error',
    /syntax error at|violates [\w-]{1,40} constraint|duplicate key value|failed query|invalid byte sequence|unsupported unicode escape|invalid input syntax for/i,
  ],
];

/**
 * Error answers whose form a standard fixes instead: C2SP tlog-witness answers a size conflict with the witness's
 * size as text/x.tlog.size.
 */
const STANDARD_ERRORS: Record<string, { status: number; type: RegExp; body: RegExp }> = {
  'POST /ledger/witness/add-checkpoint': {
    status: 409,
    type: /^text\/x\.tlog\.size$/,
    body: /^(0|[1-9]\d*)\n$/,
  },
};

export function problemsOf(op: Operation, sent: Sent, answer: Answer): string[] {
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`status ${answer.status}`);
  const standard = STANDARD_ERRORS[op.key];
  if (standard && answer.status === standard.status) {
    if (!standard.type.test(answer.contentType) || !standard.body.test(answer.body))
      problems.push(`${answer.status} as ${answer.contentType}, not as its standard says`);
  } else if (answer.status >= 400) {
    if (!/^application\/problem\+json\s*(;|$)/i.test(answer.contentType))
      problems.push(
        `error ${answer.status} as ${answer.contentType || 'no content type'}, not application/problem+json`,
      );
    if (sent.method !== 'HEAD') {
      let body: any;
      try {
        body = JSON.parse(answer.body);
      } catch {
        problems.push(`error ${answer.status} whose body is not JSON`);
      }
      if (body !== undefined) {
        if (body === null || typeof body !== 'object' || Array.isArray(body))
          problems.push('problem body is not an object');
        else {
          if (typeof body.type !== 'string') problems.push('problem without `type`');
          if (typeof body.title !== 'string') problems.push('problem without `title`');
          if (body.status !== answer.status)
            problems.push(`problem status ${body.status} on a ${answer.status}`);
        }
      }
    }
    const echo = [sent.url, ...Object.values(sent.headers), sent.payload?.toString(), sent.inside].join('\n');
    // An error body that echoes a megabyte of input is scanned at its ends, where a stack would be.
    const scanned =
      answer.body.length > 200_000
        ? `${answer.body.slice(0, 100_000)}\n${answer.body.slice(-100_000)}`
        : answer.body;
    for (const [what, re] of LEAKS) {
      const m = re.exec(scanned);
      if (m && !echo.includes(m[0]))
        problems.push(`error body holds ${what}: ${JSON.stringify(m[0].slice(0, 120))}`);
    }
  }
  if (!op.isPublic && !sent.signedIn && sent.canonical && answer.status < 400)
    problems.push(`answered ${answer.status} to a request without a valid sign-in`);
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// The fuzzer

export interface FuzzFailure {
  /** fast-check path of the case: with the seed, `--path` replays it. */
  path: string;
  problems: string[];
  request: string;
  answer: string;
}

export interface FuzzResult {
  key: string;
  /** The run's seed; the operation's own is derived from it (seedFor). */
  seed: number;
  cases: number;
  failures: number;
  /** The first failures with distinct problems. */
  examples: FuzzFailure[];
  /** The first failure shrunk by fast-check, when asked for. */
  shrunk: FuzzFailure | null;
  /** How many answers of each status (or outcome of a parser) came back: how deep the inputs got. */
  outcomes: Record<string, number>;
  ms: number;
}

export interface RunOptions {
  cases: number;
  seed: number;
  /** Replay one case (fast-check path) instead of a run. */
  path?: string;
  shrink?: boolean;
  onProgress?: (done: number) => void;
  /** Called before each case with its path (a watchdog's heartbeat). */
  beforeCase?: (path: string) => void;
}

interface Outcome {
  problems: string[];
  /** The status, or what a parser did. */
  outcome: string;
  /** The request and the answer as text, for a report (only built for failures: huge bodies are slow to show). */
  describe(): { request: string; answer: string };
}

interface Genuine {
  jwe: string;
  claims: Record<string, unknown>;
}

interface Known {
  cases: string[];
  /** Accounts the fuzzer may change (never the demo users whose tokens it signs in with). */
  users: string[];
  passkeys: string[];
  packages: string[];
  uploads: string[];
  inbound: string[];
  ledgerSize: number;
  /** Cases shared with the peer, with the hash the target expects as the next `prev`. */
  shared: string[];
  genuine: Genuine[];
}

/** Derives an operation's seed from the run's, so that `--only` replays what a full run would have sent. */
export function seedFor(seed: number, key: string): number {
  let h = 2166136261;
  for (const c of key) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return (seed ^ h) | 0;
}

const truncate = (s: string, n = 600) => (s.length > n ? `${s.slice(0, n)}… (${s.length} characters)` : s);

function describeValue(v: unknown): string {
  if (v instanceof Buffer && !isUtf8(v))
    return `⟨${v.length} bytes: ${v.subarray(0, 64).toString('hex')}${v.length > 64 ? '…' : ''}⟩`;
  const text = typeof v === 'string' ? v : v instanceof Buffer ? v.toString('utf8') : String(v);
  // Long runs of one unit (huge strings, deep nesting) are shown as counts; invisible characters as escapes.
  const compact = text.replace(
    /(.{1,8}?)\1{20,}/gs,
    (m, unit: string) => `⟨${JSON.stringify(unit)}×${m.length / unit.length}⟩`,
  );
  return truncate(compact, 1500).replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this makes visible
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function describeSent(s: Sent): string {
  const headers = Object.entries(s.headers)
    .map(([k, v]) => `  ${k}: ${describeValue(v)}`)
    .join('\n');
  const body =
    (s.payload === undefined ? '' : `\n  body: ${describeValue(s.payload)}`) +
    (s.inside ? `\n  inside: ${describeValue(s.inside)}` : '');
  return `${s.method} ${describeValue(s.url)} on ${s.target}${s.http ? ' (HTTP)' : ''}\n${headers}${body}`;
}

/** Any JSON-ish value, as one line. */
function show(v: unknown): string {
  try {
    return describeValue(toJson(v));
  } catch (e) {
    return `(unprintable: ${(e as Error).message})`;
  }
}

function percentEncode(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8'))
    out += /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b))
      ? String.fromCharCode(b)
      : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const sha256hex = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

class Timeout extends Error {}
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Timeout(`no answer within ${ms / 1000} s`)), ms);
    }),
  ]);
}

/** Prototype and global state that no request may change. */
function prototypeSnapshot(): string {
  const names = (o: object) => Reflect.ownKeys(o).map(String).sort().join(',');
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype].map(names).join('|');
}

export class Fuzzer {
  readonly operations: Operation[];
  private known = new Map<Target, Known>();
  private tokens = new Map<string, string>();
  /** The account whose tokens the `disposable` identity spends (logging out ends only those). */
  private readonly disposableUser: Partial<Record<Target, string>> = {};
  private readonly prototypes = prototypeSnapshot();
  private readonly crashes: string[] = [];
  private readonly forgedKey = generateKeyPairSync('ed25519').privateKey;
  /** Valid bodies per operation key, the starting points of mutations. */
  private readonly seeds = new Map<string, unknown[]>();
  private readonly claimsSchema = jsonSchemaOf(MessageClaimsSchema);
  private readonly actionSchemas = new Map<string, JsonSchema>(
    ACTIONS.map((a) => [a, jsonSchemaOf(ActionDetailSchemas[a])]),
  );
  private readonly onCrash = (e: unknown) => {
    this.crashes.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  };

  private constructor(
    readonly fed: TestFederation,
    readonly doc: JsonSchema,
  ) {
    this.operations = operationsOf(doc);
    process.on('uncaughtException', this.onCrash);
    process.on('unhandledRejection', this.onCrash);
  }

  /** Reads the OpenAPI document, signs in every demo user of ARC and BOR and gathers valid inputs. */
  static async start(fed: TestFederation): Promise<Fuzzer> {
    const arc = fed.demo.nodes.ARC!;
    const docAnswer = await arc.app.inject({ method: 'GET', url: '/api/openapi.json' });
    if (docAnswer.statusCode !== 200) throw new Error(`GET /api/openapi.json: ${docAnswer.statusCode}`);
    const fuzzer = new Fuzzer(fed, JSON.parse(docAnswer.body));
    for (const t of TARGETS) {
      const core = fed.demo.nodes[t]!.core;
      for (const local of ['fuzz-login', 'fuzz-logout', 'fuzz-account', 'fuzz-enrol', 'fuzz-mfa']) {
        const id = await ensureUser(core, {
          email: `${local}@fuzz.example`,
          name: `Fuzzing (${local})`,
          party: t,
          roles: ['officer'],
          password: FUZZ_PASSWORD,
        });
        if (local === 'fuzz-logout') fuzzer.disposableUser[t] = id;
      }
    }
    for (const t of TARGETS) await fuzzer.enrolTotp(t);
    await fuzzer.signIn();
    await fuzzer.gatherSeeds();
    await fuzzer.refresh();
    return fuzzer;
  }

  /** Stops listening for uncaught errors. */
  dispose(): void {
    process.off('uncaughtException', this.onCrash);
    process.off('unhandledRejection', this.onCrash);
  }

  private node(t: Target | 'CAL'): RunningNode {
    return this.fed.demo.nodes[t]!;
  }

  private async login(t: Target, email: string): Promise<string | null> {
    const a = await this.node(t).app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: FUZZ_PASSWORD },
    });
    return a.statusCode === 200 ? (JSON.parse(a.body).token as string) : null;
  }

  /** Gives fuzz-mfa an authenticator app, so that its sign-ins wait for a second factor. */
  private async enrolTotp(t: Target): Promise<void> {
    const token = await this.login(t, 'fuzz-mfa@fuzz.example');
    const headers = { authorization: `Bearer ${token}` };
    const setup = await this.node(t).app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/totp/setup',
      headers,
    });
    const secret = setup.statusCode === 200 ? (JSON.parse(setup.body).secret as string) : null;
    const confirm = secret
      ? await this.node(t).app.inject({
          method: 'POST',
          url: '/api/v1/auth/mfa/totp/confirm',
          headers,
          payload: { code: totp(decodeTotpSecret(secret), new Date()) },
        })
      : null;
    if (confirm?.statusCode !== 200)
      console.warn(
        `fuzz: cannot enrol an authenticator for fuzz-mfa on ${t}: ${setup.statusCode} ${confirm?.statusCode}`,
      );
  }

  private async signIn(): Promise<void> {
    for (const t of TARGETS)
      for (const stage of ['mfa', 'enrol']) {
        const key = `${t}:stage-${stage}`;
        const token = this.tokens.get(key);
        const me = token
          ? await this.node(t).app.inject({
              method: 'GET',
              url: '/api/v1/auth/me',
              headers: { authorization: `Bearer ${token}` },
            })
          : null;
        if (me?.statusCode === 200) continue;
        // Locked after the fuzzer's wrong codes, say: the identity goes without a token until it opens again.
        const fresh = await this.login(t, `fuzz-${stage}@fuzz.example`);
        if (fresh) this.tokens.set(key, fresh);
        else this.tokens.delete(key);
      }
    for (const t of TARGETS)
      for (const role of ROLES) {
        const key = `${t}:${role}`;
        const token = this.tokens.get(key);
        if (token) {
          const me = await this.node(t).app.inject({
            method: 'GET',
            url: '/api/v1/auth/me',
            headers: { authorization: `Bearer ${token}` },
          });
          if (me.statusCode === 200) continue;
        }
        try {
          this.tokens.set(key, (await this.fed.as(demoEmail(role, t))).token);
        } catch (e) {
          // A role that cannot sign in with a password alone is fuzzed as anonymous.
          console.warn(`fuzz: cannot sign in as ${demoEmail(role, t)}: ${(e as Error).message}`);
        }
      }
  }

  private async gatherSeeds(): Promise<void> {
    const corpus = readdirSync(new URL('../fixtures/corpus/', import.meta.url))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => corpusRequest(f));
    const requests = [...corpus, ...corpus.map((r) => ({ ...r, from: SELF, to: PEER }))];
    const as = async (t: Target, role: string, url: string) => {
      const token = this.tokens.get(`${t}:${role}`);
      const a = await this.node(t).app.inject({
        method: 'GET',
        url,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      return a.statusCode === 200 ? (JSON.parse(a.body) as unknown) : undefined;
    };
    const profiles: unknown[] = [];
    const policies: unknown[] = [];
    for (const t of TARGETS) {
      const profile = await as(t, 'admin', '/api/v1/node/profile');
      if (profile) profiles.push({ ...(profile as object), note: 'fuzz' });
      const policy = await as(t, 'admin', '/api/v1/node/policy');
      if (policy) policies.push(policy);
    }
    const actions = [
      { grounds: ['persecution'], note: 'Refused for fuzzing.' },
      { conditions: [{ kind: 'use-limitation', text: 'Only for fuzzing.' }] },
      { note: 'A note.' },
      { missing: ['facts'], note: 'More please.' },
      {},
    ];
    const set = (suffix: string, values: unknown[]) => {
      for (const op of this.operations) if (op.key.endsWith(suffix)) this.seeds.set(op.key, values);
    };
    set(' /api/v1/cases', requests);
    set('PUT /api/v1/cases/{id}', requests);
    set(' /api/v1/screening', requests);
    set(' /api/v1/node/profile', profiles);
    set(' /api/v1/node/policy', policies);
    for (const op of this.operations)
      if (op.path.startsWith('/api/v1/cases/{id}/actions/')) this.seeds.set(op.key, actions);
    set(' /api/v1/evidence/{pkg}/seal', [{}, { discardIncomplete: true }, { discardIncomplete: false }]);
    set('POST /api/v1/users', [
      {
        email: 'fuzz-new@fuzz.example',
        name: 'Made by fuzzing',
        roles: ['officer'],
        password: FUZZ_PASSWORD,
      },
    ]);
    set('PATCH /api/v1/users/{id}', [
      { name: 'Renamed by fuzzing' },
      { roles: ['officer', 'reviewer'] },
      { disabled: true },
      { disabled: false },
    ]);
    set(' /api/v1/auth/login', [
      { email: 'fuzz-login@fuzz.example', password: FUZZ_PASSWORD },
      { email: 'FUZZ-LOGIN@fuzz.example ', password: FUZZ_PASSWORD },
      { email: 'fuzz-login@fuzz.example', password: 'wrong' },
      { email: 'nobody@arc.example', password: 'x' },
    ]);
  }

  /**
   * Brings the federation back to a state worth fuzzing before each operation: valid tokens, an open evidence
   * package with an upload in progress on each node, and fresh lists of the ids that exist.
   */
  async refresh(): Promise<void> {
    await this.signIn();
    for (const t of TARGETS) {
      const node = this.node(t);
      const db = node.core.db;
      const executor = this.tokens.get(`${t}:executor`);
      const auth = executor ? { authorization: `Bearer ${executor}` } : {};
      let open = (
        await db
          .select({ id: evidencePackages.id })
          .from(evidencePackages)
          .where(sql`${evidencePackages.side} = 'produced' and ${evidencePackages.status} = 'open'`)
          .limit(1)
      )[0]?.id;
      if (!open) {
        const executing = await db
          .select({ id: cases.id })
          .from(cases)
          .where(sql`${cases.requested} = ${t} and ${cases.state} = 'executing'`);
        for (const c of executing) {
          const a = await node.app.inject({
            method: 'POST',
            url: `/api/v1/cases/${c.id}/evidence`,
            headers: auth,
          });
          if (a.statusCode === 201) {
            open = JSON.parse(a.body).id as string;
            break;
          }
        }
      }
      if (open) {
        const uploading = await db
          .select({ id: evidenceFiles.uploadId })
          .from(evidenceFiles)
          .where(sql`${evidenceFiles.packageId} = ${open} and ${evidenceFiles.status} = 'uploading'`)
          .limit(1);
        if (uploading.length === 0) {
          const content = 'fuzzing evidence';
          await node.app.inject({
            method: 'POST',
            url: '/api/v1/evidence/uploads',
            headers: {
              ...auth,
              'tus-resumable': '1.0.0',
              'upload-length': String(content.length),
              'upload-metadata': [
                `package ${b64(open)}`,
                `filename ${b64('fuzz.txt')}`,
                `sha256 ${b64(sha256hex(content))}`,
                `mediaType ${b64('text/plain')}`,
                `collectedBy ${b64('Fuzz Hosting Ltd')}`,
              ].join(','),
            },
          });
        }
      }
      const peer = peerOf(t);
      const caseRows = await db.select({ id: cases.id }).from(cases).orderBy(desc(cases.id)).limit(100);
      const shared = await db
        .select({ id: cases.id })
        .from(cases)
        .where(sql`${cases.requesting} = ${peer} or ${cases.requested} = ${peer}`)
        .orderBy(desc(cases.id))
        .limit(50);
      const packages = await db
        .select({ id: evidencePackages.id, side: evidencePackages.side })
        .from(evidencePackages);
      const files = await db
        .select({ pkg: evidenceFiles.packageId, idx: evidenceFiles.idx, upload: evidenceFiles.uploadId })
        .from(evidenceFiles);
      const received = new Set(packages.filter((p) => p.side === 'received').map((p) => p.id));
      const [{ n } = { n: 0 }] = await db.select({ n: sql<number>`count(*)::int` }).from(ledgerEntries);
      const spared = [
        ...ROLES.map((r) => demoEmail(r, t)),
        ...['login', 'logout', 'enrol', 'mfa'].map((u) => `fuzz-${u}@fuzz.example`),
      ];
      const accounts = await db
        .select({ id: users.id })
        .from(users)
        .where(notInArray(users.email, spared))
        .orderBy(desc(users.id))
        .limit(50);
      this.known.set(t, {
        cases: caseRows.map((c) => c.id),
        users: accounts.map((u) => u.id),
        passkeys: (await db.select({ id: passkeys.id }).from(passkeys).limit(20)).map((p) => p.id),
        packages: packages.map((p) => p.id),
        uploads: files.flatMap((f) => (f.upload ? [f.upload] : [])),
        inbound: files.filter((f) => received.has(f.pkg)).map((f) => `${f.pkg}.${f.idx}`),
        ledgerSize: Number(n),
        shared: shared.map((c) => c.id),
        // Decrypting them is slow and a few dozen are enough: gathered once.
        genuine: this.known.get(t)?.genuine ?? (await this.genuineMessages(t)),
      });
    }
  }

  /** The messages the peer sent to `t`, with their claims (decrypted with `t`'s key). */
  private async genuineMessages(t: Target): Promise<Genuine[]> {
    const peer = this.node(peerOf(t));
    const core = this.node(t).core;
    const rows = await peer.core.db
      .select({ payload: outbox.payload })
      .from(outbox)
      .where(eq(outbox.recipient, t))
      .orderBy(desc(outbox.id))
      .limit(40);
    const out: Genuine[] = [];
    for (const r of rows) {
      const opened = await openMessage({
        jwe: r.payload,
        ownKid: core.keys.encryption.kid,
        ownKey: core.keys.encryption.privateKey,
        signerKey: (kid) => core.trust.signer(kid),
      }).catch(() => null);
      if (opened) out.push({ jwe: r.payload, claims: opened.claims as unknown as Record<string, unknown> });
    }
    return out;
  }

  // ---- generation -------------------------------------------------------------------------------------------

  arbitrary(op: Operation): fc.Arbitrary<FuzzRequest> {
    const target = fc.constantFrom(...TARGETS);
    if (op.kind === 'parse-message')
      return fc.record({ target, spec: this.messageSpec() }).map(({ target, spec }) => ({
        ...EMPTY_REQUEST,
        target,
        body: { kind: 'message', spec },
      }));
    if (op.kind === 'parse-node-token')
      return fc.record({ target, identity: this.nodeIdentity() }).map(({ target, identity }) => ({
        ...EMPTY_REQUEST,
        target,
        identity,
      }));
    return fc
      .record({
        target,
        method: fc.oneof(
          { weight: 120, arbitrary: fc.constant(null) },
          fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
        ),
        identity: this.identity(op),
        params: this.pathParams(op),
        query: this.query(op),
        headers: this.headers(op),
        payload: this.payload(op),
        http: fc.nat(HTTP_ONE_IN - 1).map((n) => n === 0),
      })
      .map(({ payload, ...rest }) => ({ ...rest, ...payload }));
  }

  /** Details for a lifecycle action, from its schema. */
  private actionBody(action: string): fc.Arbitrary<unknown> {
    const schema = this.actionSchemas.get(action);
    return schema ? schemaArbitrary(schema, schema) : smallJson;
  }

  private identity(op: Operation): fc.Arbitrary<Identity> {
    const role = fc.constantFrom(...ROLES);
    const user = role.map((r) => ({ kind: 'user' as const, role: r }));
    const anonymous = fc.constant({ kind: 'anonymous' as const });
    const foreign = role.map((r) => ({ kind: 'foreign' as const, role: r }));
    const header = fc
      .oneof(
        fc.constantFrom(
          'Bearer',
          'Bearer ',
          'Bearer x',
          `bearer ${'A'.repeat(43)}`,
          `Bearer ${'A'.repeat(201)}`,
          `Bearer\t${'A'.repeat(43)}`,
          `Bearer ${'a'.repeat(43)} extra`,
          'Basic dXNlcjpwYXNz',
          'Comity-Node x',
          'Token abc',
          '__proto__',
        ),
        headerText.map((s) => `Bearer ${s}`),
        headerText,
      )
      .map((value) => ({ kind: 'header' as const, value }));
    const stage = fc
      .constantFrom('mfa' as const, 'enrol' as const)
      .map((st) => ({ kind: 'stage' as const, stage: st }));
    if (op.path.startsWith('/api/v1/auth/verify/') || op.path.startsWith('/api/v1/auth/mfa/'))
      return fc.oneof({ weight: 8, arbitrary: stage }, { weight: 4, arbitrary: user }, anonymous, header);
    if (op.path === '/api/v1/auth/logout')
      return fc.oneof(
        { weight: 6, arbitrary: fc.constant({ kind: 'disposable' as const }) },
        anonymous,
        header,
        foreign,
      );
    if (op.path.startsWith('/exchange/v1/evidence'))
      return fc.oneof({ weight: 6, arbitrary: this.nodeIdentity() }, anonymous, header, user);
    if (op.isPublic)
      return fc.oneof(
        { weight: 4, arbitrary: anonymous },
        { weight: 3, arbitrary: user },
        header,
        this.nodeIdentity(),
      );
    return fc.oneof(
      { weight: 40, arbitrary: user },
      { weight: 2, arbitrary: anonymous },
      { weight: 1, arbitrary: foreign },
      { weight: 2, arbitrary: header },
      { weight: 1, arbitrary: stage },
      { weight: 1, arbitrary: this.nodeIdentity() },
    );
  }

  private nodeIdentity(): fc.Arbitrary<Identity> {
    return fc.record(
      {
        kind: fc.constant('node' as const),
        signer: fc.oneof({ weight: 6, arbitrary: fc.constant('peer' as const) }, fc.constantFrom(...SIGNERS)),
        scope: fc.oneof({ weight: 6, arbitrary: fc.constant('evidence') }, fc.constantFrom(...EDGE_STRINGS)),
        payload: fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.constantFrom(
            '{}',
            '[]',
            'null',
            '{"iss":"BOR"}',
            '{"iss":"BOR","aud":"ARC","scope":"evidence","iat":1e999,"exp":1e999}',
          ),
          smallJson.map((v) => JSON.stringify(v)),
        ),
      },
      { requiredKeys: ['kind', 'signer', 'scope'] },
    );
  }

  private pathParams(op: Operation): fc.Arbitrary<Record<string, ParamValue>> {
    const model: Record<string, fc.Arbitrary<ParamValue>> = {};
    for (const p of op.pathParams)
      model[p.name] = fc.oneof(
        { weight: 6, arbitrary: fc.nat().map((known) => ({ known })) },
        { weight: 3, arbitrary: schemaArbitrary(p.schema, this.doc).map((v) => ({ text: String(v) })) },
        {
          weight: 2,
          arbitrary: nasty.map((v) => ({
            text: typeof v === 'string' ? v.slice(0, 10_000) : toJson(v).slice(0, 10_000),
          })),
        },
        { weight: 1, arbitrary: fc.constantFrom(...RAW_PATH_SEGMENTS).map((text) => ({ text, raw: true })) },
      );
    return fc.record(model);
  }

  private query(op: Operation): fc.Arbitrary<FuzzRequest['query']> {
    const value = (schema: JsonSchema) =>
      fc.oneof(
        {
          weight: 5,
          arbitrary: schemaArbitrary(schema, this.doc).map((v) => (typeof v === 'string' ? v : toJson(v))),
        },
        { weight: 2, arbitrary: nasty.map((v) => (typeof v === 'string' ? v : toJson(v)).slice(0, 100_000)) },
      );
    const known = fc.tuple(
      ...op.queryParams.map((p) =>
        fc.option(
          value(p.schema).map((v): [string, string] => [p.name, v]),
          { freq: p.required ? 8 : 2 },
        ),
      ),
    );
    const extra = fc.array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(...ODD_KEYS, ...op.queryParams.map((p) => p.name), 'limit'),
          fc.string({ maxLength: 8 }),
        ),
        fc.oneof(fc.constantFrom(...EDGE_STRINGS), fc.string({ maxLength: 20 })),
      ),
      { maxLength: op.queryParams.length ? 2 : 1 },
    );
    return fc
      .record({
        known,
        extra: fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, extra),
        raw: fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, fc.constantFrom(...RAW_QUERY_BITS)),
      })
      .map(({ known, extra, raw }) => ({
        pairs: [...known.filter((p): p is [string, string] => p !== null), ...extra],
        raw,
      }));
  }

  private headers(op: Operation): fc.Arbitrary<Record<string, string>> {
    const names = [
      'accept',
      'accept-language',
      'accept-encoding',
      'content-encoding',
      'cookie',
      'origin',
      'referer',
      'x-forwarded-for',
      'x-request-id',
      'user-agent',
      'if-none-match',
      'range',
      'x-http-method-override',
    ];
    const values = fc.oneof(
      headerText,
      fc.constantFrom(
        'gzip',
        'br, deflate',
        'application/json',
        'text/html',
        '*/*',
        'comity_session=x',
        `comity_session=${'A'.repeat(43)}`,
        'bytes=0-1,5-',
        '127.0.0.1, ::1',
        'DELETE',
        'PUT',
      ),
    );
    const tus =
      op.kind === 'tus'
        ? fc.record(
            {
              'tus-resumable': fc.oneof(
                { weight: 8, arbitrary: fc.constant('1.0.0') },
                fc.constantFrom('0.2.2', '1.0', '', '1.0.0, 0.2.2'),
                headerText,
              ),
              'upload-length': numericHeader,
              'upload-offset': numericHeader,
              'upload-defer-length': fc.oneof(fc.constant('1'), headerText),
              'upload-concat': fc.constantFrom('partial', 'final;/a /b', 'final;', 'final;x'),
              'x-http-method-override': fc.constantFrom(
                'PATCH',
                'DELETE',
                'HEAD',
                'GET',
                'POST',
                'OPTIONS',
                'FOO',
              ),
            },
            { requiredKeys: [] },
          )
        : fc.constant({});
    return fc
      .tuple(
        tus,
        fc.oneof(
          { weight: 3, arbitrary: fc.constant({}) },
          fc.dictionary(fc.constantFrom(...names), values, { maxKeys: 3 }),
        ),
      )
      .map(([a, b]) => ({ ...b, ...a }) as Record<string, string>);
  }

  private payload(op: Operation): fc.Arbitrary<Pick<FuzzRequest, 'contentType' | 'body' | 'metadata'>> {
    const none = { contentType: null, body: { kind: 'none' as const }, metadata: null };
    const garbage = fc.record({ contentType: contentType, body: rawBody, metadata: fc.constant(null) });
    if (op.kind === 'message')
      return fc.oneof(
        {
          weight: 9,
          arbitrary: fc.record({
            contentType: fc.oneof(
              { weight: 8, arbitrary: fc.constant('application/jose') },
              fc.constantFrom(
                'application/jose; charset=utf-8',
                'APPLICATION/JOSE',
                'application/jose+json',
                'application/josex',
                'application/json',
                'text/plain',
              ),
            ),
            body: this.messageSpec().map((spec) => ({ kind: 'message' as const, spec })),
            metadata: fc.constant(null),
          }),
        },
        garbage,
      );
    if (op.kind === 'tus')
      return fc.record({
        contentType: fc.oneof(
          { weight: 6, arbitrary: fc.constant('application/offset+octet-stream') },
          contentType,
        ),
        body: fc.oneof(
          { weight: 2, arbitrary: fc.constant({ kind: 'none' as const }) },
          {
            weight: 4,
            arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ kind: 'bytes' as const, bytes })),
          },
          {
            weight: 1,
            arbitrary: fc
              .constantFrom(65_536, 1_048_576)
              .map((n) => ({ kind: 'bytes' as const, bytes: new Uint8Array(n).fill(0x61) })),
          },
          rawBody,
        ),
        metadata: fc.option(this.metadata(op), { freq: 3 }),
      });
    if (!op.body) return fc.oneof({ weight: 8, arbitrary: fc.constant(none) }, garbage);
    const seeds = this.seeds.get(op.key) ?? [];
    const generated = schemaArbitrary(op.body, this.doc);
    const valid = op.path.endsWith('/actions/{action}')
      ? fc.constantFrom(...ACTIONS).chain((a) => this.actionBody(a))
      : generated;
    const base = seeds.length ? fc.oneof(valid, { weight: 3, arbitrary: fc.constantFrom(...seeds) }) : valid;
    const json = fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, contentType);
    return fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({
          contentType: json,
          body: base.map((value) => ({ kind: 'json' as const, value })),
          metadata: fc.constant(null),
        }),
      },
      {
        // Valid but for a NUL, an RTL mark, a lone surrogate… in one of its strings: goes deepest.
        weight: 4,
        arbitrary: fc.record({
          contentType: fc.constant('application/json'),
          body: fc
            .tuple(base, fc.array(taint, { minLength: 1, maxLength: 2 }))
            .map(([v, m]) => ({ kind: 'json' as const, value: applyMutations(v, m) })),
          metadata: fc.constant(null),
        }),
      },
      {
        weight: 6,
        arbitrary: fc.record({
          contentType: json,
          body: fc
            .tuple(base, fc.array(mutation, { minLength: 1, maxLength: 3 }))
            .map(([v, m]) => ({ kind: 'json' as const, value: applyMutations(v, m) })),
          metadata: fc.constant(null),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          contentType: json,
          body: fc
            .tuple(base, fc.array(textEdit, { minLength: 1, maxLength: 3 }))
            .map(([v, e]) => ({ kind: 'text' as const, text: applyEdits(toJson(v), e) })),
          metadata: fc.constant(null),
        }),
      },
      { weight: 1, arbitrary: garbage },
      { weight: 1, arbitrary: fc.constant(none) },
    );
  }

  private metadata(op: Operation): fc.Arbitrary<[string, MetaValue | null][]> {
    const keys = op.path.startsWith('/exchange')
      ? ['package', 'file', 'filename', 'sha256']
      : ['package', 'filename', 'sha256', 'mediaType', 'collectedBy', 'collectedAt'];
    const value: fc.Arbitrary<MetaValue> = fc.oneof(
      { weight: 3, arbitrary: fc.nat().map((known) => ({ known })) },
      {
        weight: 4,
        arbitrary: fc
          .oneof(
            fc.constantFrom(
              'fuzz.txt',
              'text/plain',
              '0',
              '1',
              '99999',
              sha256hex('x'),
              '2026-01-01T00:00:00Z',
              'Fuzz Ltd',
            ),
            fc.constantFrom(...EDGE_STRINGS),
            fc.string({ maxLength: 30 }),
          )
          .map((text) => ({ text })),
      },
      {
        weight: 1,
        arbitrary: fc
          .oneof(fc.constantFrom('%%%', '====', 'a', 'YQ', '\u00ff'), headerText)
          .map((base64) => ({ base64 })),
      },
    );
    const pair = fc.tuple(
      fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom(...keys) },
        fc.constantFrom(...ODD_KEYS.filter((k) => /^[\x21-\x7e]+$/.test(k) && !k.includes(','))),
      ),
      fc.option(value, { freq: 8 }),
    );
    const valid = fc.constant(
      keys.map((k): [string, MetaValue | null] => [
        k,
        k === 'package'
          ? { known: 0 }
          : { text: k === 'file' ? '0' : k === 'sha256' ? sha256hex('x') : 'fuzz' },
      ]),
    );
    return fc.oneof(valid, fc.array(pair, { maxLength: 8 }));
  }

  private messageSpec(): fc.Arbitrary<MessageSpec> {
    const signer = fc.oneof(
      { weight: 6, arbitrary: fc.constant('peer' as const) },
      fc.constantFrom(...SIGNERS),
    );
    const recipient = fc.oneof(
      { weight: 6, arbitrary: fc.constant('target' as const) },
      fc.constantFrom('wrong-kid' as const, 'wrong-key' as const),
    );
    // Header values end up quoted in refusal reasons, which are stored and logged: odd text matters most.
    const headerValue = fc.oneof(
      nasty,
      { weight: 2, arbitrary: fc.constantFrom(...EDGE_STRINGS) },
      fc.constantFrom(
        'ECDH-ES+A256KW',
        'A256GCM',
        'dir',
        'none',
        'RSA-OAEP',
        'PBES2-HS256+A128KW',
        'DEF',
        'JWS',
      ),
    );
    const header = fc.oneof(
      fc.record(
        {
          alg: fc.oneof({ weight: 3, arbitrary: fc.constant('ECDH-ES+A256KW') }, headerValue),
          enc: fc.oneof({ weight: 3, arbitrary: fc.constant('A256GCM') }, headerValue),
          kid: fc.oneof(fc.constant('$target'), headerValue),
          epk: fc.oneof(
            fc.constant({ kty: 'OKP', crv: 'X25519', x: 'A'.repeat(43) }),
            fc.constant({ kty: 'EC', crv: 'P-256', x: 'A', y: 'B' }),
            nasty,
          ),
          zip: fc.constant('DEF'),
          crit: fc.constantFrom(['exp'], ['zip'], [], 'x'),
          p2c: fc.constantFrom(1e9, -1, 'x'),
          cty: fc.constantFrom('JWS', 'JWT', ''),
        },
        { requiredKeys: ['alg', 'enc'] },
      ),
      nasty,
    );
    const segment = fc.oneof(
      fc
        .base64String({ maxLength: 64 })
        .map((s) => s.replace(/=/g, '').replace(/\+/g, '-').replace(/\//g, '_')),
      fc.string({ maxLength: 20 }),
      fc.constant(''),
    );
    const claimsBase = fc.oneof(
      { weight: 3, arbitrary: fc.nat().map((genuine) => ({ genuine })) },
      {
        weight: 1,
        arbitrary: schemaArbitrary(this.claimsSchema, this.claimsSchema).map((generated) => ({ generated })),
      },
    );
    const action = fc.option(
      fc
        .constantFrom(...ACTIONS, 'send-evidence')
        .chain((a) => this.actionBody(a).map((body) => ({ action: a, body }))),
      { freq: 2 },
    );
    const claims: fc.Arbitrary<ClaimsSpec> = fc.record({
      base: claimsBase,
      fresh: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, fc.constant(false)),
      onCase: fc.option(
        fc.record({
          known: fc.nat(),
          chained: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, fc.constant(false)),
        }),
        { freq: 3 },
      ),
      action,
      mutations: fc.oneof(
        { weight: 2, arbitrary: fc.constant<Mutation[]>([]) },
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
      ),
      edits: fc.oneof(
        { weight: 12, arbitrary: fc.constant<TextEdit[]>([]) },
        fc.array(textEdit, { minLength: 1, maxLength: 2 }),
      ),
    });
    return fc.oneof(
      {
        weight: 1,
        arbitrary: fc
          .oneof(
            fc.string({ maxLength: 200 }),
            fc.string({ unit: 'binary', maxLength: 200 }),
            hugeString,
            fc.constantFrom(...EDGE_STRINGS, '....', 'a.b.c.d.e', 'a.b.c'),
          )
          .map((text) => ({ layer: 'text' as const, text })),
      },
      {
        weight: 3,
        arbitrary: fc.record({
          layer: fc.constant('genuine' as const),
          pick: fc.nat(),
          edits: fc.array(textEdit, { maxLength: 3 }),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          layer: fc.constant('crafted' as const),
          header,
          segments: fc.array(segment, { minLength: 0, maxLength: 6 }),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          layer: fc.constant('inner' as const),
          recipient,
          inner: fc.oneof(
            fc
              .oneof(
                fc.string({ maxLength: 100 }),
                fc.constantFrom('a.b.c', '..', 'e30.e30.', 'eyJhbGciOiJub25lIn0.e30.'),
              )
              .map((text) => ({ text })),
            fc.record({
              header: fc.oneof(
                fc.record(
                  {
                    alg: fc.oneof(fc.constant('EdDSA'), headerValue),
                    kid: fc.oneof(fc.constant('$peer'), headerValue),
                  },
                  { requiredKeys: ['alg'] },
                ),
                nasty,
              ),
              payload: fc.oneof(
                fc.string({ maxLength: 100 }),
                smallJson.map((v) => JSON.stringify(v)),
                deep.map((r) => r.text),
              ),
              signer,
            }),
          ),
        }),
      },
      {
        weight: 10,
        arbitrary: fc.record({ layer: fc.constant('claims' as const), recipient, signer, claims }),
      },
    );
  }

  // ---- sending ----------------------------------------------------------------------------------------------

  private knownParam(t: Target, op: Operation, name: string): string[] {
    const k = this.known.get(t)!;
    switch (name) {
      case 'id':
        return op.path.startsWith('/api/v1/users/')
          ? k.users
          : op.path.includes('/passkeys/')
            ? k.passkeys
            : k.cases;
      case 'pkg':
        return k.packages;
      case 'uploadId':
        return op.path.startsWith('/exchange') ? k.inbound : k.uploads;
      case 'seq':
        return [
          '0',
          '1',
          String(Math.max(0, k.ledgerSize - 1)),
          String(k.ledgerSize),
          String(k.ledgerSize + 1),
        ];
      case 'idx':
        return ['0', '1', '2'];
      case 'action':
        return [...ACTIONS];
      case 'code':
        return PARTY_CODES;
      default:
        return [];
    }
  }

  private signingKey(t: Target, signer: Signer): { key: KeyObject; kid: string; party: string } {
    const peer = this.node(peerOf(t)).core.keys;
    const pick = (keys: typeof peer) => ({
      key: keys.signing.privateKey,
      kid: keys.signing.kid,
      party: keys.party,
    });
    if (signer === 'peer') return pick(peer);
    if (signer === 'third') return pick(this.node('CAL').core.keys);
    if (signer === 'self') return pick(this.node(t).core.keys);
    if (signer === 'forged') return { key: this.forgedKey, kid: peer.signing.kid, party: peer.party };
    return { key: this.forgedKey, kid: 'XXX:sig:unknown', party: 'XXX' };
  }

  private async authorization(
    t: Target,
    identity: Identity,
    opPath = '',
  ): Promise<{ header?: string; signedIn: boolean }> {
    switch (identity.kind) {
      case 'anonymous':
        return { signedIn: false };
      case 'user': {
        const token = this.tokens.get(`${t}:${identity.role}`);
        return token ? { header: `Bearer ${token}`, signedIn: true } : { signedIn: false };
      }
      case 'foreign': {
        const token = this.tokens.get(`${peerOf(t)}:${identity.role}`);
        return token ? { header: `Bearer ${token}`, signedIn: false } : { signedIn: false };
      }
      case 'disposable': {
        // A token as sign-in would issue it, without paying for argon2 at every case of a 100,000-case run.
        const core = this.node(t).core;
        const { token } = await core.db.transaction((tx) =>
          issueToken(core, tx, this.disposableUser[t]!, 'bearer', 'full'),
        );
        return { header: `Bearer ${token}`, signedIn: true };
      }
      case 'stage': {
        // Such a session opens only sign-in routes (/api/v1/auth/…): anywhere else it counts as no sign-in.
        const token = this.tokens.get(`${t}:stage-${identity.stage}`);
        return token
          ? { header: `Bearer ${token}`, signedIn: opPath.startsWith('/api/v1/auth/') }
          : { signedIn: false };
      }
      case 'header':
        return { header: identity.value, signedIn: false };
      case 'node':
        return { header: await this.nodeToken(t, identity), signedIn: false };
    }
  }

  private async nodeToken(t: Target, identity: Extract<Identity, { kind: 'node' }>): Promise<string> {
    const { key, kid, party } = this.signingKey(t, identity.signer);
    if (identity.payload === undefined)
      return nodeAuthorization({ from: party, to: t, scope: identity.scope, key, kid });
    const jws = await new CompactSign(new TextEncoder().encode(identity.payload))
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'comity-node+jws' })
      .sign(key);
    return `Comity-Node ${jws}`;
  }

  /** The message as sent, and what is inside it (signed and encrypted, it says nothing when printed). */
  private async seal(t: Target, spec: MessageSpec): Promise<{ jwe: string; inside: string }> {
    const target = this.node(t).core;
    const known = this.known.get(t)!;
    if (spec.layer === 'text') return { jwe: spec.text, inside: '' };
    if (spec.layer === 'genuine') {
      const g = known.genuine[spec.pick % Math.max(1, known.genuine.length)];
      const edits = spec.edits.map((e) => JSON.stringify(e)).join(', ');
      return {
        jwe: applyEdits(g?.jwe ?? 'no.genuine.message.to.edit', spec.edits),
        inside: `a genuine ${String(g?.claims.type)} message${edits ? `, edited: ${edits}` : ''}`,
      };
    }
    if (spec.layer === 'crafted') {
      const header = applyMutations(spec.header, []);
      const withKid =
        header !== null && typeof header === 'object' && (header as Record<string, unknown>).kid === '$target'
          ? { ...(header as object), kid: target.keys.encryption.kid }
          : header;
      const text = toJson(withKid);
      return {
        jwe: [Buffer.from(text).toString('base64url'), ...spec.segments].join('.'),
        inside: `header ${text}`,
      };
    }
    let plaintext: string;
    let inside: string;
    if (spec.layer === 'inner') {
      const inner = spec.inner;
      if ('text' in inner) {
        plaintext = inner.text;
        inside = `encrypted to ${spec.recipient}: ${inner.text}`;
      } else {
        const { key, kid } = this.signingKey(t, inner.signer);
        const header =
          inner.header !== null &&
          typeof inner.header === 'object' &&
          (inner.header as Record<string, unknown>).kid === '$peer'
            ? { ...(inner.header as object), kid }
            : inner.header;
        plaintext = signRaw(toJson(header), inner.payload, key);
        inside = `encrypted to ${spec.recipient}, signed by ${inner.signer}: header ${toJson(header)}, payload ${inner.payload}`;
      }
    } else {
      const { key, kid } = this.signingKey(t, spec.signer);
      const payload = applyEdits(toJson(await this.claims(t, spec.claims)), spec.claims.edits);
      plaintext = signRaw(JSON.stringify({ alg: 'EdDSA', kid, typ: 'comity-message+jws' }), payload, key);
      inside = `encrypted to ${spec.recipient}, signed by ${spec.signer}: ${payload}`;
    }
    const encryptTo =
      spec.recipient === 'wrong-key'
        ? { key: this.node('CAL').core.trust.party('CAL')!.encryption.key, kid: target.keys.encryption.kid }
        : {
            key: target.trust.party(t)!.encryption.key,
            kid:
              spec.recipient === 'wrong-kid'
                ? this.node(peerOf(t)).core.keys.encryption.kid
                : target.keys.encryption.kid,
          };
    const jwe = await new CompactEncrypt(new TextEncoder().encode(plaintext))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: encryptTo.kid, cty: 'JWS' })
      .encrypt(encryptTo.key);
    return { jwe, inside };
  }

  private async claims(t: Target, spec: ClaimsSpec): Promise<unknown> {
    const known = this.known.get(t)!;
    const base =
      'genuine' in spec.base && known.genuine.length
        ? known.genuine[spec.base.genuine % known.genuine.length]!.claims
        : 'generated' in spec.base
          ? spec.base.generated
          : {};
    let claims = clone(base) as Record<string, unknown>;
    if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) claims = {};
    const now = Date.now();
    if (spec.fresh)
      Object.assign(claims, {
        id: ulid(),
        from: peerOf(t),
        to: t,
        created: new Date(now).toISOString(),
        expires: new Date(now + 3_600_000).toISOString(),
      });
    if (spec.action) {
      const transition = (TRANSITIONS as Record<string, { message: string | null } | undefined>)[
        spec.action.action
      ];
      Object.assign(claims, {
        action: spec.action.action,
        type:
          transition?.message ?? (spec.action.action === 'send-evidence' ? 'evidence-manifest' : 'status'),
        body: clone(spec.action.body),
      });
    }
    if (spec.onCase && known.shared.length) {
      const id = known.shared[spec.onCase.known % known.shared.length]!;
      claims.case = id;
      if (spec.onCase.chained) {
        const row = (
          await this.node(t).core.db.select({ chainIn: cases.chainIn }).from(cases).where(eq(cases.id, id))
        )[0];
        claims.prev = row?.chainIn ?? null;
      }
    }
    return applyMutations(claims, spec.mutations);
  }

  private async resolve(op: Operation, req: FuzzRequest): Promise<Sent> {
    let canonical = req.method === null;
    const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const v = req.params[name] ?? { text: '' };
      if ('known' in v) {
        const list = this.knownParam(req.target, op, name);
        return percentEncode(list.length ? list[v.known % list.length]! : '01ARZ3NDEKTSV4RRFFQ69G5FAV');
      }
      if (v.raw) canonical = false;
      return v.raw ? v.text : percentEncode(v.text);
    });
    const query = [
      ...req.query.pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`),
      ...(req.query.raw === null ? [] : [req.query.raw]),
    ].join('&');
    const headers: Record<string, string> = { ...req.headers };
    const auth = await this.authorization(req.target, req.identity, op.path);
    if (auth.header !== undefined) headers.authorization = auth.header;
    if (req.metadata) headers['upload-metadata'] = this.metadataHeader(req.target, op, req.metadata);
    let payload: string | Buffer | undefined;
    let inside: string | undefined;
    const body = req.body;
    const parties = (text: string) => text.replaceAll(SELF, req.target).replaceAll(PEER, peerOf(req.target));
    if (body.kind === 'json') payload = parties(toJson(body.value));
    else if (body.kind === 'text') payload = parties(body.text);
    else if (body.kind === 'bytes') payload = Buffer.from(body.bytes);
    else if (body.kind === 'message') ({ jwe: payload, inside } = await this.seal(req.target, body.spec));
    if (req.contentType !== null) headers['content-type'] = req.contentType;
    // What a socket would deliver: Node's HTTP parser refuses control characters in a header value and trims the
    // spaces around it; app.inject does neither, so without this it would report failures no client can cause.
    for (const [name, value] of Object.entries(headers)) {
      if (/[^\t\x20-\x7e\x80-\xff]/.test(value))
        throw new ClientRefused(`no client can send this ${name} header`);
      headers[name] = value.replace(/^[ \t]+|[ \t]+$/g, '');
    }
    return {
      target: req.target,
      method: req.method ?? op.method,
      url: query ? `${path}?${query}` : path,
      headers,
      payload,
      http: req.http,
      signedIn: auth.signedIn,
      canonical,
      ...(inside ? { inside } : {}),
    };
  }

  private metadataHeader(t: Target, op: Operation, pairs: [string, MetaValue | null][]): string {
    const k = this.known.get(t)!;
    const packages = op.path.startsWith('/exchange') ? k.inbound.map((i) => i.split('.')[0]!) : k.packages;
    return pairs
      .map(([key, v]) => {
        if (v === null) return key;
        if ('base64' in v) return `${key} ${v.base64}`;
        const text =
          'known' in v
            ? (packages[v.known % Math.max(1, packages.length)] ?? '01ARZ3NDEKTSV4RRFFQ69G5FAV')
            : v.text;
        return `${key} ${b64(text)}`;
      })
      .join(',');
  }

  private async send(sent: Sent): Promise<Answer> {
    const node = this.node(sent.target);
    if (!sent.http) {
      const a = await node.app.inject({
        method: sent.method as 'GET',
        url: sent.url,
        headers: sent.headers,
        ...(sent.payload !== undefined ? { payload: sent.payload } : {}),
      });
      return { status: a.statusCode, contentType: String(a.headers['content-type'] ?? ''), body: a.body };
    }
    let res: Response;
    // A kept-alive connection the server closes just as it is reused fails with "other side closed"; a second
    // attempt gets a fresh one, so only a server that drops this very request twice counts.
    for (let attempt = 1; ; attempt++)
      try {
        res = await this.fetchOnce(node.url, sent);
        break;
      } catch (e) {
        const err = e as Error & { cause?: { code?: string; message?: string } };
        // fetch refuses some requests before sending them (a header it cannot encode): nothing to check then.
        if (err.message !== 'fetch failed') throw new ClientRefused(err.message);
        if (attempt < 2 && err.cause?.code === 'UND_ERR_SOCKET') continue;
        throw new Error(
          `the connection failed: ${err.cause?.code ?? ''} ${err.cause?.message ?? err.message}`,
        );
      }
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.text() };
  }

  private fetchOnce(base: string, sent: Sent): Promise<Response> {
    return fetch(`${base}${sent.url}`, {
      method: sent.method,
      headers: sent.headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      ...(sent.payload !== undefined && sent.method !== 'GET' && sent.method !== 'HEAD'
        ? { body: typeof sent.payload === 'string' ? sent.payload : new Uint8Array(sent.payload) }
        : {}),
    });
  }

  /** Sends one generated request and checks the answer. */
  async exercise(op: Operation, req: FuzzRequest): Promise<Outcome | null> {
    if (op.kind === 'parse-message') return this.exerciseParser(req);
    if (op.kind === 'parse-node-token') return this.exerciseNodeToken(req);
    const crashes = this.crashes.length;
    let sent: Sent;
    try {
      sent = await this.resolve(op, req);
    } catch (e) {
      if (e instanceof ClientRefused) return null;
      return {
        problems: [`the harness could not build the request: ${(e as Error).stack}`],
        outcome: 'harness error',
        describe: () => ({ request: show(req), answer: '' }),
      };
    }
    let answer: Answer;
    const started = Date.now();
    try {
      answer = await withTimeout(this.send(sent), REQUEST_TIMEOUT_MS);
    } catch (e) {
      if (e instanceof ClientRefused) return null;
      return {
        problems: [(e as Error).message],
        outcome: 'no answer',
        describe: () => ({ request: describeSent(sent), answer: '(none)' }),
      };
    }
    const problems = problemsOf(op, sent, answer);
    // One thread serves every request: an input that keeps it busy this long starves everyone (ReDoS and kin).
    const ms = Date.now() - started;
    if (ms > SLOW_MS) problems.push(`took ${(ms / 1000).toFixed(1)} s to answer`);
    if (this.crashes.length > crashes)
      problems.push(`uncaught error: ${this.crashes.slice(crashes).join('; ')}`);
    // What the node logged about a 5xx says where it broke; read it now, before the next request logs more.
    const logged = answer.status >= 500 ? await this.lastLoggedError(sent.target) : '';
    return {
      problems,
      outcome: String(answer.status),
      describe: () => ({
        request: describeSent(sent),
        answer: `${answer.status} ${answer.contentType}\n  ${describeValue(answer.body)}${logged ? `\n  logged: ${logged}` : ''}`,
      }),
    };
  }

  /** openMessage either opens a message or refuses it with an EnvelopeError; nothing else may escape. */
  private async exerciseParser(req: FuzzRequest): Promise<Outcome> {
    const core = this.node(req.target).core;
    const { jwe, inside } = await this.seal(
      req.target,
      (req.body as Extract<Body, { kind: 'message' }>).spec,
    );
    const problems: string[] = [];
    let answer: string;
    try {
      const opened = await withTimeout(
        openMessage({
          jwe,
          ownKid: core.keys.encryption.kid,
          ownKey: core.keys.encryption.privateKey,
          signerKey: (kid) => core.trust.signer(kid),
        }),
        REQUEST_TIMEOUT_MS,
      );
      answer = 'opened';
      if (!MessageClaimsSchema.safeParse(opened.claims).success)
        problems.push('opened claims that do not match the schema');
    } catch (e) {
      answer = `${(e as Error).constructor?.name ?? 'thrown'}: ${(e as Error).message}`;
      if (!(e instanceof EnvelopeError)) problems.push(`threw ${answer} instead of an EnvelopeError`);
      else if (/\n\s+at |node_modules/.test(e.message))
        problems.push('the refusal reason holds a stack trace');
    }
    return {
      problems,
      outcome: answer === 'opened' ? answer : answer.split(':')[0]!,
      describe: () => ({
        request: `openMessage on ${req.target}: ${describeValue(jwe)}${inside ? `\n  inside: ${describeValue(inside)}` : ''}`,
        answer: describeValue(answer),
      }),
    };
  }

  /** verifyNodeAuthorization accepts a token or refuses it with its own reason, not a parser's. */
  private async exerciseNodeToken(req: FuzzRequest): Promise<Outcome> {
    const core = this.node(req.target).core;
    const { header } = await this.authorization(req.target, req.identity);
    const problems: string[] = [];
    let answer: string;
    try {
      const claims = await verifyNodeAuthorization(header, {
        self: req.target,
        trust: core.trust,
        now: new Date(),
        skewSeconds: core.settings.clockSkewSeconds,
      });
      answer = `accepted: ${JSON.stringify(claims)}`;
      if (claims.aud !== req.target) problems.push(`accepted a token for ${claims.aud}`);
    } catch (e) {
      answer = `${(e as Error).name}: ${(e as Error).message}`;
      if (
        !(e instanceof Error) ||
        e instanceof SyntaxError ||
        e instanceof TypeError ||
        e instanceof RangeError
      )
        problems.push(`threw ${answer} instead of a reason of its own`);
    }
    return {
      problems,
      outcome: answer.startsWith('accepted') ? 'accepted' : 'refused',
      describe: () => ({
        request: `verifyNodeAuthorization on ${req.target}: ${describeValue(header ?? '(none)')}`,
        answer,
      }),
    };
  }

  /** Runs `cases` generated requests against one operation, counting every failing case. */
  async run(op: Operation, opts: RunOptions): Promise<FuzzResult> {
    await this.refresh();
    const seed = seedFor(opts.seed, op.key);
    const started = Date.now();
    const arbitrary = this.arbitrary(op);
    const examples: FuzzFailure[] = [];
    const seen = new Set<string>();
    let failures = 0;
    let done = 0;
    const outcomes: Record<string, number> = {};
    const offset = opts.path ? Number(opts.path.split(':')[0]) : 0;
    const property = fc.asyncProperty(arbitrary, async (req) => {
      const index = done++;
      opts.beforeCase?.(opts.path ?? String(offset + index));
      const outcome = await this.exercise(op, req);
      const kind = outcome?.outcome ?? 'not sent';
      outcomes[kind] = (outcomes[kind] ?? 0) + 1;
      if (outcome && outcome.problems.length > 0) {
        failures++;
        const signature = outcome.problems.map((p) => p.replace(/(["'`]).*?\1|\d+/g, '…')).join('; ');
        if (!seen.has(signature) && examples.length < 5) {
          seen.add(signature);
          examples.push({
            path: opts.path ?? String(offset + index),
            problems: outcome.problems,
            ...outcome.describe(),
          });
        }
      }
      opts.onProgress?.(done);
      return true;
    });
    await fc.check(property, {
      numRuns: opts.path ? 1 : opts.cases,
      seed,
      ...(opts.path ? { path: opts.path } : {}),
    });
    let shrunk: FuzzFailure | null = null;
    if (opts.shrink && examples[0]) shrunk = await this.shrink(op, seed, examples[0].path, opts.beforeCase);
    return {
      key: op.key,
      seed: opts.seed,
      cases: done,
      outcomes,
      failures,
      examples,
      shrunk,
      ms: Date.now() - started,
    };
  }

  /** Replays a failing case and lets fast-check shrink it (a bounded number of steps). */
  private async shrink(
    op: Operation,
    seed: number,
    path: string,
    beforeCase?: (path: string) => void,
  ): Promise<FuzzFailure | null> {
    const last: { failure: FuzzFailure | null } = { failure: null };
    const property = fc.asyncProperty(fc.limitShrink(this.arbitrary(op), 200), async (req) => {
      beforeCase?.(`${path} (shrinking)`);
      const outcome = await this.exercise(op, req);
      if (!outcome || outcome.problems.length === 0) return true;
      last.failure = { path: '', problems: outcome.problems, ...outcome.describe() };
      return false;
    });
    const details = await fc.check(property, { seed, path, interruptAfterTimeLimit: 120_000 });
    if (last.failure) last.failure.path = details.counterexamplePath ?? path;
    return last.failure;
  }

  /** The last error a node logged (its log file, test/helpers/federation.ts), as one line. */
  private async lastLoggedError(t: Target): Promise<string> {
    const log = this.node(t).core.log;
    await new Promise<void>((resolve) => (log.flush ? log.flush(() => resolve()) : resolve()));
    // The destination writes asynchronously even after a flush: give it a moment (only after a 5xx).
    await new Promise((resolve) => setTimeout(resolve, 300));
    let text: string;
    try {
      text = readFileSync(join(this.fed.dir, 'logs', `${t}.log`), 'utf8').slice(-500_000);
    } catch {
      return ''; // no log file: another logger
    }
    for (const line of text.trimEnd().split('\n').reverse()) {
      let entry: { level?: number; msg?: string; err?: { type?: string; message?: string; stack?: string } };
      try {
        entry = JSON.parse(line);
      } catch {
        continue; // a line cut by the 500 kB window
      }
      if ((entry.level ?? 0) < 50) continue;
      const frame =
        entry.err?.stack
          ?.split('\n')
          .find((l) => l.includes('/src/'))
          ?.trim() ?? '';
      const message = (entry.err?.message ?? '').split('\n')[0]!.slice(0, 200);
      return `${entry.msg ?? ''}: ${entry.err?.type ?? ''} ${message} ${frame}`;
    }
    return '';
  }

  /** What a whole run must leave intact: the prototypes, the process, every node's health. */
  async aftermath(): Promise<string[]> {
    const problems: string[] = [];
    if (prototypeSnapshot() !== this.prototypes)
      problems.push('a built-in prototype gained or lost properties');
    for (const probe of ['polluted', 'isAdmin'])
      if (probe in {}) problems.push(`Object.prototype.${probe} exists`);
    if (this.crashes.length) problems.push(`uncaught errors: ${this.crashes.slice(0, 5).join('; ')}`);
    for (const party of Object.keys(this.fed.demo.nodes)) {
      const node = this.fed.demo.nodes[party]!;
      const viaInject = await node.app.inject({ method: 'GET', url: '/api/v1/health' });
      if (viaInject.statusCode !== 200)
        problems.push(`${party}: /api/v1/health answers ${viaInject.statusCode}`);
      const viaSocket = await fetch(`${node.url}/api/v1/health`).catch((e: Error) => e);
      if (viaSocket instanceof Error || viaSocket.status !== 200)
        problems.push(
          `${party}: /api/v1/health over HTTP: ${viaSocket instanceof Error ? viaSocket.message : viaSocket.status}`,
        );
    }
    return problems;
  }
}

class ClientRefused extends Error {}

/** A failed operation as text: each distinct problem with its request, answer and the command that replays it. */
export function formatResult(r: FuzzResult, opts: { replay: 'test' | 'script' }): string {
  const lines = [`${r.key}: ${r.failures} of ${r.cases} cases failed (seed ${r.seed})`];
  const show = (label: string, f: FuzzFailure) => {
    lines.push(`  ${label} (path ${f.path}): ${f.problems.join('; ')}`);
    lines.push(`    request: ${f.request.replace(/\n/g, '\n    ')}`);
    lines.push(`    answer: ${f.answer.replace(/\n/g, '\n    ')}`);
    lines.push(
      `    replay: node bin/run-ts.mjs test/attack/fuzz-run.ts --seed ${r.seed} --only ${r.key} --path ${f.path}` +
        (opts.replay === 'test'
          ? `  (or FUZZ_SEED=${r.seed} npx vitest run test/attack/fuzz.int.test.ts)`
          : ''),
    );
  };
  for (const f of r.examples) show('failure', f);
  if (r.shrunk) show('shrunk', r.shrunk);
  return lines.join('\n');
}

function signRaw(headerJson: string, payload: string, key: KeyObject): string {
  // jose only signs well-formed headers; a raw JWS lets the header be anything. Ed25519 signs the input as is.
  const input = `${Buffer.from(headerJson).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
  let signature: string;
  try {
    signature = sign(null, Buffer.from(input), key).toString('base64url');
  } catch {
    signature = 'AAAA';
  }
  return `${input}.${signature}`;
}

const EMPTY_REQUEST: FuzzRequest = {
  target: 'ARC',
  method: null,
  identity: { kind: 'anonymous' },
  params: {},
  query: { pairs: [], raw: null },
  headers: {},
  contentType: null,
  body: { kind: 'none' },
  metadata: null,
  http: false,
};

/** Header values a client can send: visible ASCII, now and then Latin-1, rarely 20 kB. */
const headerText = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 60,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.string({
      unit: fc.integer({ min: 0xa0, max: 0xff }).map((c) => String.fromCharCode(c)),
      maxLength: 10,
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(8_000), 'x'.repeat(20_000)) },
);

const numericHeader = fc.oneof(
  fc.nat(100_000).map(String),
  fc.constantFrom(
    '-1',
    '0',
    '1e3',
    '0x10',
    '99999999999999999999999',
    '9007199254740993',
    ' 5',
    '+5',
    '',
    'NaN',
    '1.5',
    String(64 * 1024 ** 4),
    String(64 * 1024 ** 4 + 1),
  ),
  headerText,
);

const CONTENT_TYPES = [
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/json;',
  'application/json ; charset="utf-8"',
  'application/problem+json',
  'application/merge-patch+json',
  'application/jose',
  'application/offset+octet-stream',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'application/xml',
  '*/*',
  'application/*',
  ';',
  '',
  'application/json, text/plain',
  'application/json; boundary=',
];
const contentType = fc.oneof(fc.constantFrom(...CONTENT_TYPES), headerText);

/** Bodies that are not what any route expects. */
const rawBody: fc.Arbitrary<Body> = fc.oneof(
  fc
    .constantFrom(
      '',
      'null',
      'true',
      '1',
      '"x"',
      '[]',
      '{}',
      '{',
      '{"a":1,"a":2}',
      '\uFEFF{}',
      '{"__proto__":{"polluted":"fuzz"}}',
      '{"constructor":{"prototype":{"polluted":"fuzz"}}}',
      '{"a":NaN}',
      '{"a":1e999}',
      '{/*c*/}',
      '{"a":"\\ud800"}',
      '{"a":"\\u0000"}',
      'a=1&b=2',
      '--fuzz\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--fuzz--',
    )
    .map((text) => ({ kind: 'text' as const, text })),
  fc.string({ maxLength: 200 }).map((text) => ({ kind: 'text' as const, text })),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ kind: 'bytes' as const, bytes })),
  fc
    .constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82])
    .map((b) => ({
      kind: 'bytes' as const,
      bytes: Buffer.concat([Buffer.from('{"email":"'), Buffer.from(b), Buffer.from('","password":"x"}')]),
    })),
  deep.map((r) => ({ kind: 'text' as const, text: r.text })),
  fc.constantFrom(100_000, 1_000_000).map((n) => ({ kind: 'text' as const, text: '['.repeat(n) })),
);

const RAW_PATH_SEGMENTS = [
  '..',
  '.',
  '%2e%2e',
  '%00',
  '%',
  '%E0%A4%A',
  '%ZZ',
  '%C0%AF',
  '%ED%A0%80',
  '%FF',
  'a%2Fb',
  'a/b',
  '',
  '%20',
  ';x',
  '~',
  'x'.repeat(101),
  'x'.repeat(5_000),
  '%uD800',
];

const RAW_QUERY_BITS = [
  '&&&',
  '=',
  'a=%',
  'a=%E0%A4%A',
  'a=%ZZ',
  '__proto__=1',
  '__proto__[polluted]=fuzz',
  'constructor[prototype][polluted]=fuzz',
  'constructor.prototype.polluted=fuzz',
  'limit=1&limit=2',
  'limit[]=1',
  'a[b][c][d]=1',
  `q=${'x'.repeat(100_000)}`,
  `${'a='.repeat(5_000)}`,
  'a=1;b=2',
];

/**
 * Oracles: what counts as a finding. An answer must not be a 5xx, every error must be problem+json (or what a
 * standard prescribes) without stack traces, source paths or SQL, and nothing private may answer without a
 * sign-in. The prototypes a whole run must leave as they were are snapshot here too.
 */

import type { Operation } from './operations.ts';
import type { Target } from './request.ts';

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

/** What exercising one case came to. */
export interface Outcome {
  problems: string[];
  /** The status, or what a parser did. */
  outcome: string;
  /** The request and the answer as text, for a report (only built for failures: huge bodies are slow to show). */
  describe(): { request: string; answer: string };
}

/** Prototype and global state that no request may change. */
export function prototypeSnapshot(): string {
  const names = (o: object) => Reflect.ownKeys(o).map(String).sort().join(',');
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype].map(names).join('|');
}

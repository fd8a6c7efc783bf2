/**
 * Errors as a closed set (style.md): one class, one code → status table, one renderer of RFC 9457
 * problem+json. `detail` is for the user; `internal` goes to the log only and never leaves the node.
 */
export const ERROR_STATUS = {
  'bad-request': 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  'method-not-allowed': 405,
  conflict: 409,
  gone: 410,
  'payload-too-large': 413,
  'uri-too-long': 414,
  'unsupported-media-type': 415,
  unprocessable: 422,
  'rate-limited': 429,
  internal: 500,
  unavailable: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

const TITLES: Record<ErrorCode, string> = {
  'bad-request': 'The request is not valid',
  unauthenticated: 'Sign in first',
  forbidden: 'Not allowed',
  'not-found': 'Not found',
  'method-not-allowed': 'Method not allowed',
  conflict: 'Conflict with the current state',
  gone: 'No longer available',
  'payload-too-large': 'The body is too large',
  'uri-too-long': 'The URL is too long',
  'unsupported-media-type': 'Unsupported content type',
  unprocessable: 'The request cannot be processed as it is',
  'rate-limited': 'Too many requests',
  internal: 'Internal error',
  unavailable: 'Service unavailable',
};

export interface FieldProblem {
  field: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extra: { errors?: FieldProblem[]; internal?: unknown; [key: string]: unknown } = {},
  ) {
    super(detail);
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldProblem[];
  [key: string]: unknown;
}

/** The RFC 9457 body of an error; internals stay out. */
export function problemOf(error: AppError, instance?: string): Problem {
  const { internal: _internal, ...extra } = error.extra;
  return {
    type: `/problems/${error.code}`,
    title: TITLES[error.code],
    status: error.status,
    detail: namingFields(error.detail, error.extra.errors),
    ...(instance ? { instance } : {}),
    ...extra,
  };
}

/** Field problems a `detail` does not name yet, at most this many, are named in it. */
const NAMED_IN_DETAIL = 5;

/**
 * A detail that names the offending fields, so that someone who reads only `detail` (a log line, a client that
 * shows one message) knows what to fix: "The details of "refuse" are not valid: grounds: Too small…".
 */
export function namingFields(detail: string, errors: readonly FieldProblem[] | undefined): string {
  const unnamed = (errors ?? []).filter((e) => !detail.includes(e.field));
  if (unnamed.length === 0) return detail;
  const listed = unnamed.slice(0, NAMED_IN_DETAIL).map((e) => `${e.field}: ${e.message}`);
  const more = unnamed.length > NAMED_IN_DETAIL ? `; and ${unnamed.length - NAMED_IN_DETAIL} more` : '';
  return `${detail.replace(/[.:]\s*$/, '')}: ${listed.join('; ')}${more}.`;
}

/** Turns Zod-style issues into field problems with dotted paths such as `offences[0].code`. */
export function fieldProblems(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  prefix = '',
): FieldProblem[] {
  return issues.map((i) => ({
    field: formatPath([prefix, ...i.path].filter((p) => p !== '')),
    message: i.message,
  }));
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(body)';
}

/**
 * Zod-style issues as one readable line, for a refusal, a log line or the CLI: "request.to: unknown party code;
 * facts: too long". `whole` names the value itself when an issue has no path.
 */
export function issuesLine(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  whole = '(body)',
): string {
  return issues.map((i) => `${i.path.length > 0 ? formatPath(i.path) : whole}: ${i.message}`).join('; ');
}

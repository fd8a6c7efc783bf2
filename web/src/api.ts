/**
 * The UI talks only to the node's public API, through a client typed from the OpenAPI document the node
 * generates (web/src/api/schema.d.ts, `npm run gen:api`). Errors arrive as RFC 9457 problem+json and are shown
 * by their title and detail.
 *
 * The browser's session is an HttpOnly cookie (`comity_session_<PARTY>`) that scripts cannot read. What the UI keeps is
 * the session's CSRF token, sent as X-CSRF-Token with every request that can change something; without it the
 * node refuses such requests (403), so a page on another site cannot act with the user's cookie.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './api/schema';

export type CaseSummary = components['schemas']['CaseSummary'];
export type Case = components['schemas']['Case'];
export type Finding = components['schemas']['Finding'];
export type PackageView = components['schemas']['EvidencePackage'];
/** A request as a case carries it: in full, or redacted for an oversight body. */
export type CaseRequest = Case['request'];
export type User = components['schemas']['User'];
export type Session = components['schemas']['Session'];
export type Account = components['schemas']['Account'];
export type Me = paths['/api/v1/auth/me']['get']['responses'][200]['content']['application/json'];
export type SecondFactorMethod = NonNullable<Session['methods']>[number];
/** What enrolling a second factor answers: recovery codes the first time, a full session after enrolment. */
export type Enrolled =
  paths['/api/v1/auth/mfa/totp/confirm']['post']['responses'][200]['content']['application/json'];

export interface Problem {
  title: string;
  detail: string;
  status?: number;
  errors?: { field: string; message: string }[];
  /** On a 403 for a session that still owes its second factor: `mfa` or `enrol`. */
  stage?: string;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title);
  }
}

/**
 * localStorage rather than sessionStorage: the cookie is shared by every tab of the browser, so its CSRF token
 * must be too (a case opened in a new tab can act). A script that could read it could send requests from this
 * origin anyway; without the cookie the token is worth nothing.
 */
const CSRF_KEY = 'comity.csrf';
export const session = {
  csrfToken: () => localStorage.getItem(CSRF_KEY),
  /** Keeps the CSRF token of a new session (each sign-in step replaces the cookie and the token). */
  set: (s: { csrfToken?: string | undefined }) => {
    if (s.csrfToken) localStorage.setItem(CSRF_KEY, s.csrfToken);
  },
  clear: () => localStorage.removeItem(CSRF_KEY),
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Adds the CSRF token to the headers of a request that can change something. */
export function withCsrf(method: string, headers: Headers): Headers {
  const token = session.csrfToken();
  if (token && !SAFE_METHODS.has(method.toUpperCase())) headers.set('x-csrf-token', token);
  return headers;
}

const csrf: Middleware = {
  onRequest({ request }) {
    withCsrf(request.method, request.headers);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(csrf);

/** The lifecycle actions, one operation each in the OpenAPI document, and the body each takes. */
type ActionPath = Extract<keyof paths, `/api/v1/cases/{id}/actions/${string}`>;
export type ActionName = ActionPath extends `/api/v1/cases/{id}/actions/${infer A}` ? A : never;
export type ActionBody<A extends ActionName> = NonNullable<
  paths[`/api/v1/cases/{id}/actions/${A}`]['post']['requestBody']
>['content']['application/json'];

/** Takes a lifecycle action on a case: `POST /api/v1/cases/{id}/actions/<action>` with that action's body. */
export function act<A extends ActionName>(id: string, action: A, body: ActionBody<A>): Promise<Case> {
  const path = `/api/v1/cases/{id}/actions/${action}` as '/api/v1/cases/{id}/actions/submit';
  return ok(api.POST(path, { params: { path: { id } }, body: body as ActionBody<'submit'> }));
}

/** The sign-in steps answer 401 for a wrong password or code: the form shows it, the session goes on. */
const SIGN_IN = /^\/api\/v1\/auth\/(login|verify\/)/;

/**
 * Tells the frame what an answer says about the session: 401, it has ended; 403 for a stage, it still owes
 * its second factor; 403 for the CSRF token, this browser lost the token of its cookie (signed in again).
 */
function noticeSession(res: Response, problem: Problem): void {
  const { status } = res;
  if (status === 401 && !SIGN_IN.test(new URL(res.url, window.location.href).pathname))
    window.dispatchEvent(new CustomEvent('comity:signed-out'));
  else if (status === 403 && /X-CSRF-Token/.test(problem.detail ?? ''))
    window.dispatchEvent(new CustomEvent('comity:signed-out', { detail: new ApiError(problem) }));
  else if (status === 403 && problem.stage) window.dispatchEvent(new CustomEvent('comity:recheck'));
}

function asProblem(error: unknown, response: Response): Problem {
  if (error && typeof error === 'object' && 'title' in error) return error as Problem;
  return { title: `HTTP ${response.status}`, detail: response.statusText, status: response.status };
}

/** The data of an openapi-fetch answer, or an ApiError with the node's problem. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const problem = asProblem(error, response);
    noticeSession(response, problem);
    throw new ApiError(problem);
  }
  return data as T;
}

/** A plain authenticated request, for what the typed client does not cover (files, text). */
export async function raw(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = withCsrf(init.method ?? 'GET', new Headers(init.headers));
  const res = await fetch(path, { ...init, headers, credentials: 'same-origin' });
  if (!res.ok) {
    let problem: Problem = { title: `HTTP ${res.status}`, detail: res.statusText };
    try {
      problem = (await res.json()) as Problem;
    } catch {}
    noticeSession(res, problem);
    throw new ApiError(problem);
  }
  return res;
}

/** Saves a response body as a file in the browser. */
export async function saveAs(res: Response, fallbackName: string): Promise<void> {
  const disposition = res.headers.get('content-disposition') ?? '';
  const name = /filename\*=UTF-8''([^;]+)/.exec(disposition)?.[1];
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name ? decodeURIComponent(name) : fallbackName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The UI talks only to the node's public API, through a client typed from the OpenAPI document the node
 * generates (web/src/api/schema.d.ts, `npm run gen:api`). Errors arrive as RFC 9457 problem+json and are shown
 * by their title and detail.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './api/schema';

export type CaseSummary = components['schemas']['CaseSummary'];
export type Case = components['schemas']['Case'];
export type User = components['schemas']['User'];

export interface Problem {
  title: string;
  detail: string;
  status?: number;
  errors?: { field: string; message: string }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title);
  }
}

const TOKEN_KEY = 'comity.token';
export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

const auth: Middleware = {
  onRequest({ request }) {
    const token = session.token();
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '' });
api.use(auth);

function asProblem(error: unknown, response: Response): Problem {
  if (error && typeof error === 'object' && 'title' in error) return error as Problem;
  return { title: `HTTP ${response.status}`, detail: response.statusText, status: response.status };
}

/** The data of an openapi-fetch answer, or an ApiError with the node's problem. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    if (response.status === 401) window.dispatchEvent(new Event('comity:signed-out'));
    throw new ApiError(asProblem(error, response));
  }
  return data as T;
}

/** A plain authenticated request, for what the typed client does not cover (files, text). */
export async function raw(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = session.token();
  if (token) headers.set('authorization', `Bearer ${token}`);
  const res = await fetch(path, { ...init, headers });
  if (!res.ok) {
    let problem: Problem = { title: `HTTP ${res.status}`, detail: res.statusText };
    try {
      problem = (await res.json()) as Problem;
    } catch {}
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

/** A small client for a node's HTTP API: JSON in, JSON out, problem+json turned into CliErrors. */
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { CliError, type Problem } from './errors.ts';

/** A stuck node should not hang a script forever. */
const TIMEOUT_MS = 60_000;

export type Query = Record<string, string | number | boolean | undefined>;

export interface ApiClientOptions {
  token?: string;
  /** Said after a 401, e.g. how to sign in again; depends on where the token came from. */
  unauthenticatedHint?: string;
}

export class ApiClient {
  constructor(
    readonly url: string,
    private readonly options: ApiClientOptions = {},
  ) {}

  /** The headers that authenticate this client, for requests it does not make itself (tus uploads). */
  authHeaders(): Record<string, string> {
    return this.options.token ? { authorization: `Bearer ${this.options.token}` } : {};
  }

  /**
   * Streams a binary answer to `dest`; returns the response headers. Errors arrive as problem+json like the
   * rest. No timeout: a large file takes as long as it takes.
   */
  async download(path: string, dest: string, onProgress?: (received: number) => void): Promise<Headers> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, { headers: this.authHeaders() });
    } catch (e) {
      throw connectionError(this.url, e);
    }
    if (!res.ok || !res.body) throw this.problemError(res, parseJson(await res.text()));
    let received = 0;
    await pipeline(
      Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          received += chunk.length;
          onProgress?.(received);
          done(null, chunk);
        },
      }),
      createWriteStream(dest),
    );
    return res.headers;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.send<T>('GET', withQuery(path, query));
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.send<T>('POST', path, body ?? {});
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.send<T>('PUT', path, body);
  }

  private async send<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (e) {
      throw connectionError(this.url, e);
    }
    const text = await res.text();
    const json = parseJson(text);
    if (res.ok) {
      if (res.status === 204 || text === '') return undefined as T;
      if (json === undefined)
        throw new CliError(`${this.url} answered ${method} ${path} with something that is not JSON`);
      return json as T;
    }
    throw this.problemError(res, json);
  }

  private problemError(res: Response, json: unknown): CliError {
    const problem = isProblem(json) ? json : null;
    if (!problem)
      return new CliError(
        `${this.url} answered HTTP ${res.status} ${res.statusText} (${res.headers.get('content-type') ?? 'no content type'})`,
      );
    const hints =
      res.status === 401 && this.options.unauthenticatedHint ? [this.options.unauthenticatedHint] : [];
    return new CliError(conciseDetail(problem), { problem, fields: problem.errors ?? [], hints });
  }
}

function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== false) params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function isProblem(v: unknown): v is Problem {
  return typeof v === 'object' && v !== null && typeof (v as Problem).detail === 'string';
}

/**
 * The node's validation detail repeats every field problem after a colon ("The body is not valid: a: x; b: y",
 * src/api/app.ts); the CLI prints the fields on their own lines, so it drops that tail.
 */
function conciseDetail(problem: Problem): string {
  const fields = problem.errors ?? [];
  const tail = fields.map((e) => `${e.field}: ${e.message}`).join('; ');
  if (fields.length && problem.detail.endsWith(`: ${tail}`))
    return `${problem.detail.slice(0, -tail.length - 2)}.`;
  return problem.detail;
}

/** One readable line for a request that got no answer: refused, timed out, or another network failure. */
export function connectionError(url: string, e: unknown, timeoutMs = TIMEOUT_MS): CliError {
  const err = e as {
    name?: string;
    cause?: { code?: string; errors?: { code?: string }[]; message?: string };
  };
  if (err.name === 'TimeoutError') return new CliError(`no answer from ${url} within ${timeoutMs / 1000} s`);
  const code = err.cause?.code ?? err.cause?.errors?.[0]?.code;
  if (code === 'ECONNREFUSED') return new CliError(`cannot reach ${url}: is the node running?`);
  const reason = code ?? err.cause?.message ?? (e as Error).message;
  return new CliError(`cannot reach ${url}: ${reason}`);
}

/**
 * Sending a request to a node, through `app.inject` or now and then a real socket, within a time limit; and
 * the error for a request that no client could send (fetch refuses it, or Node's HTTP parser would).
 */

import type { Answer, Sent } from './oracles.ts';
import { REQUEST_TIMEOUT_MS } from './settings.ts';
import { type FuzzState, nodeOf } from './state.ts';

/** Sends a resolved request and reads the whole answer. */
export async function send(state: Pick<FuzzState, 'fed'>, sent: Sent): Promise<Answer> {
  const node = nodeOf(state, sent.target);
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
      res = await fetchOnce(node.url, sent);
      break;
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      // fetch refuses some requests before sending them (a header it cannot encode): nothing to check then.
      if (err.message !== 'fetch failed') throw new ClientRefused(err.message);
      if (attempt < 2 && err.cause?.code === 'UND_ERR_SOCKET') continue;
      throw new Error(`the connection failed: ${err.cause?.code ?? ''} ${err.cause?.message ?? err.message}`);
    }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.text() };
}

function fetchOnce(base: string, sent: Sent): Promise<Response> {
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

class Timeout extends Error {}
/** Rejects with a Timeout when `p` takes longer than `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Timeout(`no answer within ${ms / 1000} s`)), ms);
    }),
  ]);
}

/** A request that no client can send: not a finding, not sent. */
export class ClientRefused extends Error {}

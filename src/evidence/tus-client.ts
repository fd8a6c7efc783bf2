/**
 * A small client for the tus 1.0 resumable upload protocol (https://tus.io/protocols/resumable-upload): create an
 * upload, ask how much the server holds, and send the rest of a file from there. Used by the CLI to upload
 * evidence to its node and by a node to push sealed files to the requesting node.
 */
import { createReadStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';

export const TUS_VERSION = '1.0.0';

export class TusError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    /** Whether trying again later may succeed (network failures, 5xx, 409 offset races). */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface TusRequestOptions {
  /** Extra headers on every request, e.g. Authorization. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

function encodeMetadata(metadata: Record<string, string>): string {
  return Object.entries(metadata)
    .map(([k, v]) => `${k} ${Buffer.from(v, 'utf8').toString('base64')}`)
    .join(',');
}

async function reason(res: Response): Promise<string> {
  const text = (await res.text().catch(() => '')).trim();
  if (!text) return `HTTP ${res.status}`;
  try {
    const json = JSON.parse(text) as { detail?: string };
    if (typeof json.detail === 'string') return json.detail;
  } catch {}
  return text.slice(0, 500);
}

async function call(url: string, init: RequestInit & { duplex?: 'half' }): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new TusError(
      `cannot reach ${new URL(url).origin}: ${cause?.code ?? cause?.message ?? (e as Error).message}`,
      null,
      true,
    );
  }
}

/** Creates an upload of `length` bytes; returns its absolute URL. */
export async function tusCreate(
  endpoint: string,
  length: number,
  metadata: Record<string, string>,
  opts: TusRequestOptions = {},
): Promise<string> {
  const res = await call(endpoint, {
    method: 'POST',
    headers: {
      ...opts.headers,
      'tus-resumable': TUS_VERSION,
      'upload-length': String(length),
      'upload-metadata': encodeMetadata(metadata),
    },
    signal: opts.signal,
  });
  if (res.status !== 201) throw new TusError(await reason(res), res.status, res.status >= 500);
  const location = res.headers.get('location');
  if (!location) throw new TusError('the server created the upload but sent no Location', res.status, false);
  return new URL(location, endpoint).toString();
}

/** How many bytes the server holds of an upload, or null when it does not know the upload. */
export async function tusOffset(url: string, opts: TusRequestOptions = {}): Promise<number | null> {
  const res = await call(url, {
    method: 'HEAD',
    headers: { ...opts.headers, 'tus-resumable': TUS_VERSION },
    signal: opts.signal,
  });
  if (res.status === 404 || res.status === 410) return null;
  if (res.status !== 200 && res.status !== 204)
    throw new TusError(`HTTP ${res.status} asking for the upload offset`, res.status, res.status >= 500);
  const offset = Number(res.headers.get('upload-offset'));
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new TusError('the server sent no valid Upload-Offset', res.status, false);
  return offset;
}

/** Counts bytes as they pass, reports progress, and keeps under a rate if one is given. */
function metered(start: number, onProgress?: (sent: number) => void, bytesPerSecond?: number): Transform {
  let sent = 0;
  const began = Date.now();
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      sent += chunk.length;
      onProgress?.(start + sent);
      const wait = bytesPerSecond ? (sent / bytesPerSecond) * 1000 - (Date.now() - began) : 0;
      if (wait > 1) setTimeout(() => done(null, chunk), wait);
      else done(null, chunk);
    },
  });
}

/**
 * Sends `path` from `offset` to its end in one PATCH. Returns the server's answer to the final byte (the
 * response body, if any: a node's verdict on the whole file).
 */
export async function tusSend(
  url: string,
  path: string,
  offset: number,
  opts: TusRequestOptions & { onProgress?: (sent: number) => void; bytesPerSecond?: number } = {},
): Promise<{ offset: number; body: string }> {
  const body = createReadStream(path, { start: offset, highWaterMark: 1024 * 1024 }).pipe(
    metered(offset, opts.onProgress, opts.bytesPerSecond),
  );
  const res = await call(url, {
    method: 'PATCH',
    headers: {
      ...opts.headers,
      'tus-resumable': TUS_VERSION,
      'upload-offset': String(offset),
      'content-type': 'application/offset+octet-stream',
    },
    body: Readable.toWeb(body) as unknown as BodyInit,
    duplex: 'half',
    signal: opts.signal,
  }).finally(() => body.destroy());
  if (res.status !== 204 && res.status !== 200)
    throw new TusError(await reason(res), res.status, res.status >= 500 || res.status === 409);
  const text = await res.text().catch(() => '');
  return { offset: Number(res.headers.get('upload-offset') ?? Number.NaN), body: text };
}

/**
 * Resumable upload of a file into an evidence package from the browser (tus 1.0, the node's
 * /api/v1/evidence/uploads): the file's SHA-256 is computed here first (the node refuses a file whose bytes
 * differ), then it is sent in chunks; a failed chunk is retried from the offset the node reports.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { ApiError, withCsrf } from './api';

const CHUNK = 8 * 1024 * 1024;
const TUS = { 'tus-resumable': '1.0.0' };

/** tus headers; the session cookie goes by itself, the CSRF token with every method (HEAD does not need it). */
function headers(method: string, extra: Record<string, string> = {}): Headers {
  return withCsrf(method, new Headers({ ...TUS, ...extra }));
}

async function fail(res: Response): Promise<never> {
  let problem = { title: `HTTP ${res.status}`, detail: res.statusText };
  try {
    problem = JSON.parse(await res.text());
  } catch {}
  throw new ApiError(problem);
}

export async function hashFile(file: File, onProgress: (done: number) => void): Promise<string> {
  const h = sha256.create();
  for (let at = 0; at < file.size; at += CHUNK) {
    h.update(new Uint8Array(await file.slice(at, at + CHUNK).arrayBuffer()));
    onProgress(Math.min(file.size, at + CHUNK));
  }
  return bytesToHex(h.digest());
}

const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

export async function uploadFile(
  packageId: string,
  file: File,
  onProgress: (phase: 'hashing' | 'uploading', done: number) => void,
): Promise<void> {
  const digest = await hashFile(file, (n) => onProgress('hashing', n));
  const metadata = {
    package: packageId,
    filename: file.name,
    sha256: digest,
    mediaType: file.type || 'application/octet-stream',
  };
  const created = await fetch('/api/v1/evidence/uploads', {
    method: 'POST',
    headers: headers('POST', {
      'upload-length': String(file.size),
      'upload-metadata': Object.entries(metadata)
        .map(([k, v]) => `${k} ${b64(v)}`)
        .join(','),
    }),
  });
  if (created.status !== 201) await fail(created);
  const url = new URL(created.headers.get('location') ?? '', window.location.href).toString();
  let offset = 0;
  for (let attempt = 0; offset < file.size; ) {
    const res = await fetch(url, {
      method: 'PATCH',
      headers: headers('PATCH', {
        'upload-offset': String(offset),
        'content-type': 'application/offset+octet-stream',
      }),
      body: file.slice(offset, offset + CHUNK),
    }).catch(() => null);
    if (res && (res.status === 204 || res.status === 200)) {
      offset = Number(res.headers.get('upload-offset') ?? offset + CHUNK);
      onProgress('uploading', offset);
      attempt = 0;
      continue;
    }
    if (res && res.status < 500 && res.status !== 409) await fail(res);
    if (++attempt > 5)
      throw new ApiError({
        title: 'Upload interrupted',
        detail: `stopped at ${offset} of ${file.size} bytes`,
      });
    await new Promise((r) => setTimeout(r, 1000 * attempt));
    const head = await fetch(url, { method: 'HEAD', headers: headers('HEAD') }).catch(() => null);
    if (head?.ok) offset = Number(head.headers.get('upload-offset') ?? offset);
  }
}

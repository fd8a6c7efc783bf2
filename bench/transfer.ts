/**
 * bench/evidence transfer (issue 5): an executor at BOR uploads a file with tus (the node seals it as it
 * completes), seals the package, and BOR pushes the sealed file to ARC, which checks it against the manifest.
 * Measured: upload-and-seal MB/s, and node-to-node transfer MB/s from sealing until ARC marks the package
 * received. Reference in the same run: a plain HTTP PUT of the same number of bytes over loopback into a file,
 * by a bare Node server, the cost of moving the bytes and nothing else.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  mkdtempSync,
  openSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tusCreate, tusSend } from '../src/evidence/tus-client.ts';
import { startDemo } from '../src/node/demo.ts';
import { freePort } from './intake.ts';

export interface TransferResult {
  sizeMB: number;
  uploadAndSealMBps: number;
  transferMBps: number;
  plainHttpMBps: number;
  ratio: number;
}

const PASSWORD = 'bench-password';

function makeFile(path: string, bytes: number): string {
  const fd = openSync(path, 'w');
  const hash = createHash('sha256');
  const chunk = randomBytes(8 * 1024 * 1024);
  for (let written = 0; written < bytes; written += chunk.length) {
    const part = chunk.subarray(0, Math.min(chunk.length, bytes - written));
    writeSync(fd, part);
    hash.update(part);
  }
  closeSync(fd);
  return hash.digest('hex');
}

/** Seconds to PUT `path` over loopback to a server that writes it to disk. */
async function plainHttp(path: string, dir: string): Promise<number> {
  const server = createServer((req, res) => {
    pipeline(req, createWriteStream(join(dir, 'plain-received'))).then(
      () => res.end('ok'),
      () => res.destroy(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const start = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'PUT',
    body: Readable.toWeb(createReadStream(path, { highWaterMark: 1024 * 1024 })) as unknown as BodyInit,
    duplex: 'half',
  } as RequestInit);
  await res.text();
  const seconds = (performance.now() - start) / 1000;
  server.close();
  rmSync(join(dir, 'plain-received'), { force: true });
  return seconds;
}

async function login(url: string, email: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  return ((await res.json()) as { token: string }).token;
}

async function call(
  url: string,
  token: string,
  path: string,
  body?: unknown,
): Promise<{ id: string; state?: string; status?: string }> {
  const res = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as { id: string; state?: string; status?: string };
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export async function benchTransfer(sizesMB: number[]): Promise<TransferResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'comity-bench-transfer-'));
  const ports = { ARC: await freePort(), BOR: await freePort(), CAL: await freePort() };
  const demo = await startDemo({ dir, ports, password: PASSWORD, seed: false, logLevel: 'warn' });
  const arc = `http://127.0.0.1:${ports.ARC}`;
  const bor = `http://127.0.0.1:${ports.BOR}`;
  const results: TransferResult[] = [];
  try {
    const officer = await login(arc, 'officer@arc.example');
    const reviewer = await login(bor, 'reviewer@bor.example');
    const executor = await login(bor, 'executor@bor.example');
    const request = JSON.parse(
      (await import('node:fs')).readFileSync('test/fixtures/corpus/01-ransomware-hospital.json', 'utf8'),
    ).request;
    const waitFor = async (check: () => Promise<boolean>) => {
      for (let i = 0; !(await check()); i++) {
        if (i > 20_000) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    for (const mb of sizesMB) {
      const id = (await call(arc, officer, '/api/v1/cases', request)).id;
      await call(arc, officer, `/api/v1/cases/${id}/actions/submit`, {});
      await waitFor(
        async () =>
          (await call(bor, reviewer, `/api/v1/cases/${id}`).catch(() => null))?.state === 'in-review',
      );
      await call(bor, reviewer, `/api/v1/cases/${id}/actions/accept`, {});
      await call(bor, executor, `/api/v1/cases/${id}/actions/execute`, {});
      const pkg = (await call(bor, executor, `/api/v1/cases/${id}/evidence`, {})).id;
      const path = join(dir, `file-${mb}`);
      const sha256 = makeFile(path, mb * 1024 * 1024);
      const headers = { authorization: `Bearer ${executor}` };
      const uploadStart = performance.now();
      const url = await tusCreate(
        `${bor}/api/v1/evidence/uploads`,
        mb * 1024 * 1024,
        { package: pkg, filename: `file-${mb}.bin`, sha256 },
        { headers },
      );
      await tusSend(url, path, 0, { headers });
      const uploadSeconds = (performance.now() - uploadStart) / 1000;
      const sealStart = performance.now();
      await call(bor, executor, `/api/v1/evidence/${pkg}/seal`, {});
      demo.nodes.BOR!.outbox.wake();
      await waitFor(
        async () =>
          (await call(arc, officer, `/api/v1/evidence/${pkg}`).catch(() => null))?.status === 'received',
      );
      const transferSeconds = (performance.now() - sealStart) / 1000;
      const plain = await plainHttp(path, dir);
      rmSync(path, { force: true });
      results.push({
        sizeMB: mb,
        uploadAndSealMBps: mb / uploadSeconds,
        transferMBps: mb / transferSeconds,
        plainHttpMBps: mb / plain,
        ratio: plain / transferSeconds,
      });
    }
  } catch (e) {
    await demo.close();
    process.stderr.write(`bench/transfer failed; the nodes' data and logs are kept in ${dir}\n`);
    throw e;
  }
  await demo.close();
  rmSync(dir, { recursive: true, force: true });
  return results;
}

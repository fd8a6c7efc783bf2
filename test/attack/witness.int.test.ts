/**
 * Issue 14, finding 1 (high): a hostile peer must not obtain a node's signature over a state of that node's own
 * log that it never signed. BOR is replaced by a hostile server on its address that serves BOR's real key under
 * the name `comity/ARC` and a checkpoint "of ARC's log" with a root it chose, and that also submits such
 * checkpoints to ARC's witness. Every signature ARC hands out in reply is checked, with node:crypto alone
 * (independent of the code under test), against every key ARC holds: none may cover the forged state.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  verify,
} from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signLatestCheckpoint } from '../../src/audit/checkpoints.ts';
import { monitorPeers } from '../../src/audit/witness.ts';
import { signCheckpoint } from '../../src/ledger/checkpoint.ts';
import { verifierKey } from '../../src/ledger/note.ts';
import { engine, startTestFederation, type TestFederation } from '../helpers/federation.ts';

let fed: TestFederation;
let hostile: Server;
/** Every request body the hostile server received (what ARC sent it). */
const received: string[] = [];
const fakeRoot = randomBytes(32);
let forged: string;

const pem = (party: string, file: string) => join(fed.dir, party, 'keys', file);
const rawPublic = (key: KeyObject) =>
  new Uint8Array(
    Buffer.from(
      (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' }).x!,
      'base64url',
    ),
  );

/** The keys ARC could sign with, as (key-id algorithm byte, public key) pairs. */
function arcKeys(): { alg: number; publicKey: Uint8Array; key: KeyObject }[] {
  const keys = [{ alg: 0x01, file: 'signing-ed25519.pem' }];
  if (existsSync(pem('ARC', 'witness-ed25519.pem'))) keys.push({ alg: 0x04, file: 'witness-ed25519.pem' });
  if (existsSync(pem('ARC', 'witness-ed25519.pem'))) keys.push({ alg: 0x01, file: 'witness-ed25519.pem' });
  return keys.map(({ alg, file }) => {
    const key = createPublicKey(createPrivateKey(readFileSync(pem('ARC', file), 'utf8')));
    return { alg, publicKey: rawPublic(key), key };
  });
}

/**
 * Signature lines in `texts` that verify with one of ARC's keys over note text (plain, or as a C2SP
 * cosignature/v1) whose root is the forged one.
 */
function arcSignaturesOverForgery(texts: string[]): string[] {
  const found: string[] = [];
  const body = `comity/ARC\n5\n${fakeRoot.toString('base64')}\n`;
  for (const text of texts)
    for (const line of text.split('\n')) {
      const m = /^— (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
      if (!m) continue;
      const bytes = Buffer.from(m[2]!, 'base64');
      for (const { alg, publicKey, key } of arcKeys()) {
        const id = createHash('sha256')
          .update(`${m[1]}\n`)
          .update(Uint8Array.of(alg))
          .update(publicKey)
          .digest()
          .subarray(0, 4);
        if (!bytes.subarray(0, 4).equals(id)) continue;
        const plain = bytes.length === 68 && verify(null, Buffer.from(body), key, bytes.subarray(4));
        const cosigned =
          bytes.length === 76 &&
          verify(
            null,
            Buffer.from(`cosignature/v1\ntime ${bytes.readBigUInt64BE(4)}\n${body}`),
            key,
            bytes.subarray(12),
          );
        if (plain || cosigned) found.push(line);
      }
    }
  return found;
}

/** The body itself, and every string inside it when it is JSON. */
function notesIn(body: string): string[] {
  try {
    return [body, ...Object.values(JSON.parse(body) as Record<string, unknown>).map(String)];
  } catch {
    return [body];
  }
}

beforeAll(async () => {
  fed = await startTestFederation({
    settings: { witnessIntervalMs: 3_600_000, checkpointIntervalMs: 3_600_000 },
  });
  const borKey = createPrivateKey(readFileSync(pem('BOR', 'signing-ed25519.pem'), 'utf8'));
  forged = signCheckpoint(
    { origin: 'comity/ARC', size: 5, rootHash: fakeRoot },
    { name: 'comity/ARC', privateKey: borKey },
  );
  const port = Number(new URL(fed.url('BOR')).port);
  await fed.stop('BOR');
  hostile = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      // JSON bodies (the home-made protocol) carry the note as a string value; plain bodies are the note.
      if (req.method === 'POST') received.push(...notesIn(body));
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'GET' && path === '/ledger/key')
        return res.end(`${verifierKey('comity/ARC', rawPublic(borKey))}\n`);
      if (req.method === 'GET' && path === '/ledger/checkpoint') return res.end(forged);
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((ok) => hostile.listen(port, '127.0.0.1', ok));
}, 120_000);

afterAll(async () => {
  await new Promise((ok) => hostile?.close(ok));
  await fed?.close();
});

describe(`a hostile peer against a node's witness (${engine})`, () => {
  it('gets no signature of ARC over a forged state of ARC’s log by serving it to ARC’s witness loop', async () => {
    await signLatestCheckpoint(fed.demo.nodes.ARC!.core);
    await monitorPeers(fed.demo.nodes.ARC!.core);
    expect(arcSignaturesOverForgery(received)).toEqual([]);
  });

  it('gets no signature of ARC over a forged state of ARC’s log by submitting it to ARC', async () => {
    const replies: string[] = [];
    for (const path of ['/ledger/witness/add-checkpoint', '/ledger/cosignatures']) {
      const res = await fetch(`${fed.url('ARC')}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: `old 0\n\n${forged}`,
      });
      expect(res.status).not.toBe(200);
      replies.push(await res.text());
    }
    expect(arcSignaturesOverForgery(replies)).toEqual([]);
  });

  it('never cosigns its own log, even a checkpoint it signed itself', async () => {
    await signLatestCheckpoint(fed.demo.nodes.ARC!.core);
    const own = await (await fetch(`${fed.url('ARC')}/ledger/checkpoint`)).text();
    const res = await fetch(`${fed.url('ARC')}/ledger/witness/add-checkpoint`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: `old 0\n\n${own.slice(0, own.indexOf('\n\n') + 2)}${own.split('\n\n')[1]!.split('\n')[0]}\n`,
    });
    expect(res.status).toBe(404);
  });
});

/**
 * C2SP tlog-witness between nodes (issue 14): each node's witness answers add-checkpoint with the spec's status
 * codes, moves a log on by compare-and-set only, and records a fork that the log's signature proves; each log
 * gathers cosignatures from its peers and from external witnesses named in its config, keeps only the line that
 * verified, and publishes a checkpoint as witnessed once the configured quorum has cosigned it.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestCheckpoint, signLatestCheckpoint } from '../../src/audit/checkpoints.ts';
import { requestCosignatures } from '../../src/audit/cosignatures.ts';
import { appendLedgerAlone, subtreeLookup } from '../../src/audit/ledger.ts';
import { openCheckpoint, signCheckpoint } from '../../src/ledger/checkpoint.ts';
import { consistencyProof, consistencyProofRanges, proofSubtrees } from '../../src/ledger/merkle.ts';
import {
  cosignatureLine,
  ed25519PublicKeyBytes,
  noteText,
  parseVerifierKey,
  verifierKey,
} from '../../src/ledger/note.ts';
import { formatAddCheckpoint, TLOG_SIZE_TYPE } from '../../src/ledger/tlog-witness.ts';
import { ledgerAlarms, ledgerCosignatures, witnessedLogs } from '../../src/store/schema.ts';
import { engine, startTestFederation, type TestFederation } from '../helpers/federation.ts';

let fed: TestFederation;
const core = (party: string) => fed.demo.nodes[party]!.core;
const keyFile = (party: string, file: string) =>
  createPrivateKey(readFileSync(join(fed.dir, party, 'keys', file), 'utf8'));

async function addCheckpoint(party: string, body: string) {
  const res = await fetch(`${fed.url(party)}/ledger/witness/add-checkpoint`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body,
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

/** ARC's newest checkpoint, after one more entry so that it is new. */
async function newArcCheckpoint() {
  await appendLedgerAlone(core('ARC'), {
    type: 'node-started',
    party: 'ARC',
    record: { test: randomBytes(4).toString('hex') },
  });
  await signLatestCheckpoint(core('ARC'));
  return (await latestCheckpoint(core('ARC')))!;
}

async function arcProof(from: number, to: number) {
  if (from === 0 || from === to) return [];
  return consistencyProof(
    from,
    to,
    await subtreeLookup(core('ARC').db, proofSubtrees(consistencyProofRanges(from, to))),
  );
}

async function borSizeOfArc(): Promise<number> {
  const row = (
    await core('BOR').db.select().from(witnessedLogs).where(eq(witnessedLogs.origin, 'comity/ARC'))
  )[0];
  return row?.size ?? 0;
}

/** A fake external witness: answers add-checkpoint as `mode` says, with a key of its own. */
const external = {
  name: 'witness.example/w1',
  key: generateKeyPairSync('ed25519').privateKey,
  mode: 'refuse' as 'refuse' | 'cosign-with-junk',
  server: undefined as Server | undefined,
  url: '',
};

beforeAll(async () => {
  fed = await startTestFederation({
    settings: { witnessIntervalMs: 3_600_000, checkpointIntervalMs: 3_600_000 },
  });
  external.server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (external.mode === 'refuse') {
        res.statusCode = 503;
        return res.end('down for maintenance');
      }
      const text = noteText(body.slice(body.indexOf('\n\n') + 2));
      const good = cosignatureLine(
        text,
        { name: external.name, privateKey: external.key },
        Math.floor(Date.now() / 1000),
      );
      // A line with the witness's name and key ID but a broken signature, and one of a key nobody trusts, first.
      const bytes = Buffer.from(good.trimEnd().split(' ')[2]!, 'base64');
      bytes[20]! ^= 0xff;
      const junk = `— ${external.name} ${bytes.toString('base64')}\n`;
      const stranger = cosignatureLine(
        text,
        { name: external.name, privateKey: generateKeyPairSync('ed25519').privateKey },
        Math.floor(Date.now() / 1000),
      );
      res.end(`${junk}${stranger}${good}`);
    });
  });
  await new Promise<void>((ok) => external.server!.listen(0, '127.0.0.1', ok));
  const address = external.server.address();
  external.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}, 120_000);

afterAll(async () => {
  await new Promise((ok) => external.server?.close(ok));
  await fed?.close();
});

describe(`the witness’s add-checkpoint (${engine})`, () => {
  it('answers an origin it does not witness, or its own, with 404', async () => {
    const stranger = signCheckpoint(
      { origin: 'example.com/log', size: 1, rootHash: randomBytes(32) },
      { name: 'example.com/log', privateKey: generateKeyPairSync('ed25519').privateKey },
    );
    expect((await addCheckpoint('BOR', `old 0\n\n${stranger}`)).status).toBe(404);
    await signLatestCheckpoint(core('BOR'));
    const own = (await latestCheckpoint(core('BOR')))!.note;
    const answer = await addCheckpoint('BOR', `old 0\n\n${own}`);
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toMatchObject({
      status: 404,
      detail: expect.stringContaining('comity/BOR'),
    });
  });

  it('answers a checkpoint not signed by the party’s key with 403, and a malformed request with 400', async () => {
    const cp = await newArcCheckpoint();
    const byCal = signCheckpoint(
      { origin: 'comity/ARC', size: cp.size, rootHash: Buffer.from(cp.rootHash, 'base64') },
      { name: 'comity/ARC', privateKey: keyFile('CAL', 'signing-ed25519.pem') },
    );
    expect((await addCheckpoint('BOR', `old 0\n\n${byCal}`)).status).toBe(403);
    // ARC's name and key ID with a broken signature: malformed per signed-note, 403 per tlog-witness.
    const line = cp.note.trimEnd().split('\n').at(-1)!;
    const bytes = Buffer.from(line.split(' ')[2]!, 'base64');
    bytes[30]! ^= 1;
    const broken = `${noteText(cp.note)}\n— comity/ARC ${bytes.toString('base64')}\n`;
    expect((await addCheckpoint('BOR', `old 0\n\n${broken}`)).status).toBe(403);
    for (const body of ['', 'old x\n\n', `old 0\n${cp.note}`, `old ${cp.size + 1}\n\n${cp.note}`])
      expect((await addCheckpoint('BOR', body)).status, JSON.stringify(body)).toBe(400);
  });

  it('cosigns from the size it holds, says its size on 409, and refuses a bad proof with 422', async () => {
    const known = await borSizeOfArc();
    const cp = await newArcCheckpoint();
    const wrong = known + 1;
    const conflict = await addCheckpoint(
      'BOR',
      formatAddCheckpoint(wrong, await arcProof(wrong, cp.size), cp.note),
    );
    expect(conflict).toEqual({ status: 409, type: TLOG_SIZE_TYPE, body: `${known}\n` });
    if (known > 0) {
      const bad = (await arcProof(known, cp.size)).map((h) => h.map((b) => b ^ 1));
      expect((await addCheckpoint('BOR', formatAddCheckpoint(known, bad, cp.note))).status).toBe(422);
    } else
      expect(
        (
          await addCheckpoint(
            'BOR',
            formatAddCheckpoint(0, [], cp.note).replace(
              'old 0\n',
              `old 0\n${Buffer.alloc(32).toString('base64')}\n`,
            ),
          )
        ).status,
      ).toBe(422);
    const ok = await addCheckpoint(
      'BOR',
      formatAddCheckpoint(known, await arcProof(known, cp.size), cp.note),
    );
    expect(ok.status).toBe(200);
    const borWitness = parseVerifierKey(
      await (await fetch(`${fed.url('BOR')}/ledger/witness/key`)).text().then((t) => t.trim()),
    );
    const opened = openCheckpoint(`${noteText(cp.note)}\n${ok.body}`, [borWitness]);
    expect(opened.signatures.map((s) => [s.name, s.verified])).toEqual([['comity/BOR/witness', true]]);
    expect(await borSizeOfArc()).toBe(cp.size);
    // The same checkpoint again: cosigned again; a stale one: 409.
    expect((await addCheckpoint('BOR', formatAddCheckpoint(cp.size, [], cp.note))).status).toBe(200);
    expect(
      (await addCheckpoint('BOR', formatAddCheckpoint(known, await arcProof(known, cp.size), cp.note)))
        .status,
    ).toBe(known === cp.size ? 200 : 409);
  });

  it('moves a log on once when two submissions race from one size', async () => {
    const from = await borSizeOfArc();
    const first = await newArcCheckpoint();
    const second = await newArcCheckpoint();
    const answers = await Promise.all(
      [first, second].map(async (cp) =>
        addCheckpoint('BOR', formatAddCheckpoint(from, await arcProof(from, cp.size), cp.note)),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const won = answers[0]!.status === 200 ? first : second;
    expect(await borSizeOfArc()).toBe(won.size);
  });

  it('records a fork when the log signs two roots for one size, and does not cosign the second', async () => {
    const size = await borSizeOfArc();
    const forged = signCheckpoint(
      { origin: 'comity/ARC', size, rootHash: randomBytes(32) },
      { name: 'comity/ARC', privateKey: keyFile('ARC', 'signing-ed25519.pem') },
    );
    expect((await addCheckpoint('BOR', formatAddCheckpoint(size, [], forged))).status).toBe(422);
    const alarms = await core('BOR').db.select().from(ledgerAlarms).where(eq(ledgerAlarms.party, 'ARC'));
    expect(alarms.map((a) => [a.kind, a.detail])).toEqual([
      ['fork', `ARC signed two roots for size ${size}`],
    ]);
    await core('BOR').db.delete(ledgerAlarms);
  });
});

describe(`a log and its witnesses (${engine})`, () => {
  it('publishes a checkpoint as witnessed once the quorum, an external witness included, has cosigned', async () => {
    const vkey = verifierKey(external.name, ed25519PublicKeyBytes(external.key), 'cosignature/v1');
    await (await fed.stop('ARC'))({ witnesses: { quorum: 3, external: [{ url: external.url, key: vkey }] } });
    const cp = await newArcCheckpoint();
    external.mode = 'refuse';
    expect(await requestCosignatures(core('ARC'), { retryNow: true })).toBe(2);
    const before = await fetch(`${fed.url('ARC')}/ledger/checkpoint`);
    expect(before.headers.get('comity-witnessed')).toBe('2/3');
    const view = (await (await fed.as('admin@arc.example')).get('/api/v1/ledger/witness')).body;
    expect(view.witnesses.find((w: { name: string }) => w.name === external.name)).toMatchObject({
      party: null,
      cosignedSize: null,
      error: expect.stringContaining('503'),
    });

    external.mode = 'cosign-with-junk';
    expect(await requestCosignatures(core('ARC'), { retryNow: true })).toBe(3);
    const res = await fetch(`${fed.url('ARC')}/ledger/checkpoint`);
    expect(res.headers.get('comity-witnessed')).toBe('3/3');
    const note = await res.text();
    const opened = openCheckpoint(note, [
      { name: external.name, publicKey: ed25519PublicKeyBytes(external.key), type: 'cosignature/v1' },
    ]);
    expect(opened.checkpoint.size).toBe(cp.size);
    // Only the line that verified was kept: no junk line, no stranger's line, one line per witness.
    const lines = note
      .trimEnd()
      .split('\n')
      .filter((l) => l.startsWith('— '));
    expect(lines.map((l) => l.split(' ')[1])).toEqual([
      'comity/ARC',
      'comity/BOR/witness',
      'comity/CAL/witness',
      external.name,
    ]);
    expect(opened.signatures.filter((s) => s.name === external.name).map((s) => s.verified)).toEqual([true]);
    const stored = await core('ARC')
      .db.select()
      .from(ledgerCosignatures)
      .where(eq(ledgerCosignatures.witness, external.name));
    expect(stored.map((s) => s.line)).toEqual([lines[3]]);
  });
});

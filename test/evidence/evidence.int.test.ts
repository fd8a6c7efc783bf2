/**
 * Evidence packages between two real nodes (issue 5): BOR's executor uploads files with tus into a package on
 * an accepted request from ARC, seals it, the manifest and the files travel to ARC, ARC's officer opens them.
 * And everything that must be refused: altered and truncated uploads, files that do not match the manifest,
 * manifests with a bad signature or for the wrong party, packages whose retention has ended.
 */
import { execFileSync } from 'node:child_process';
import { createHash, type KeyObject, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { compactDecrypt } from 'jose';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGE_HANDLERS } from '../../src/api/routes/exchange.ts';
import { sealMessage } from '../../src/crypto/envelope.ts';
import { shredExpired } from '../../src/evidence/access.ts';
import { signManifest, unwrapIdentity } from '../../src/evidence/manifest.ts';
import { checkLedgerProof } from '../../src/evidence/proof.ts';
import { TUS_VERSION, tusCreate, tusOffset, tusSend } from '../../src/evidence/tus-client.ts';
import { receiveMessage } from '../../src/exchange/receive-message.ts';
import {
  cases,
  evidencePackages,
  inboundRefusals,
  inbox,
  ledgerEntries,
  outbox,
} from '../../src/store/schema.ts';
import { hasAge } from '../helpers/age.ts';
import { corpusRequest } from '../helpers/corpus.ts';
import { type Client, engine, startTestFederation, type TestFederation } from '../helpers/federation.ts';

let fed: TestFederation;
let scratch: string;
let arcOfficer: Client;
let arcAdmin: Client;
let borReviewer: Client;
let borExecutor: Client;
let borOfficer: Client;
let calOfficer: Client;

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

beforeAll(async () => {
  fed = await startTestFederation();
  scratch = mkdtempSync(join(tmpdir(), 'comity-evidence-'));
  [arcOfficer, arcAdmin, borReviewer, borExecutor, borOfficer, calOfficer] = await Promise.all([
    fed.as('officer@arc.example'),
    fed.as('admin@arc.example'),
    fed.as('reviewer@bor.example'),
    fed.as('executor@bor.example'),
    fed.as('officer@bor.example'),
    fed.as('officer@cal.example'),
  ]);
}, 120_000);
afterAll(async () => {
  await fed?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function act(c: Client, id: string, action: string, body: unknown = {}) {
  const res = await c.post(`/api/v1/cases/${id}/actions/${action}`, body);
  expect(res.status, `${action}: ${JSON.stringify(res.body)}`).toBe(200);
  await fed.settle();
}

/** A request from ARC that BOR has accepted (with `conditions`) and is executing. */
async function executingCase(conditions?: unknown[]): Promise<string> {
  const created = await arcOfficer.post('/api/v1/cases', corpusRequest('01-ransomware-hospital.json'));
  expect(created.status).toBe(201);
  await act(arcOfficer, created.body.id, 'submit');
  if (conditions) await act(borReviewer, created.body.id, 'accept-with-conditions', { conditions });
  else await act(borReviewer, created.body.id, 'accept');
  await act(borExecutor, created.body.id, 'execute');
  return created.body.id;
}

function file(name: string, bytes: Buffer): string {
  const path = join(scratch, name);
  writeFileSync(path, bytes);
  return path;
}

const auth = (c: Client) => ({ authorization: `Bearer ${c.token}` });

async function upload(c: Client, pkg: string, path: string, opts: { declared?: string; name?: string } = {}) {
  const bytes = readFileSync(path);
  const url = await tusCreate(
    `${c.url}/api/v1/evidence/uploads`,
    bytes.length,
    {
      package: pkg,
      filename: opts.name ?? path.split('/').pop()!,
      sha256: opts.declared ?? sha256(bytes),
      mediaType: 'application/octet-stream',
      collectedBy: 'Mail BOR Ltd, legal response team',
    },
    { headers: auth(c) },
  );
  return { url, result: await tusSend(url, path, 0, { headers: auth(c) }) };
}

/** Waits until `check` holds, polling; fails with the last value after `ms`. */
async function until<T>(
  what: string,
  get: () => Promise<T>,
  check: (v: T) => boolean,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last = await get();
  while (!check(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await get();
  }
  return last;
}

const packageAt = (c: Client, pkg: string) => async () => (await c.get(`/api/v1/evidence/${pkg}`)).body;

async function download(
  c: Client,
  path: string,
): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const res = await fetch(`${c.url}${path}`, { headers: auth(c) });
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

/** Every string inside a value read from a database column: itself, or each string in its JSON. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

/**
 * Whether `text` holds the identity: as it is, inside a compact JWS (decoded), or inside a compact JWE that one
 * of `keys` decrypts, however deep these nest.
 */
async function reveals(text: string, identity: string, keys: KeyObject[], depth = 0): Promise<boolean> {
  if (text.includes(identity)) return true;
  if (depth > 5) return false;
  for (const token of text.match(/[\w-]+(?:\.[\w-]*){2,4}/g) ?? []) {
    const parts = token.split('.');
    const inner: string[] = [];
    if (parts.length === 3) inner.push(Buffer.from(parts[1]!, 'base64url').toString());
    if (parts.length === 5)
      for (const key of keys)
        try {
          inner.push(new TextDecoder().decode((await compactDecrypt(token, key)).plaintext));
        } catch {
          /* not for this key */
        }
    for (const t of inner) if (await reveals(t, identity, keys, depth + 1)) return true;
  }
  return false;
}

/**
 * Every column of every row of every node's database that yields the identity to a key any node holds (each
 * node's encryption keys, current and previous), as `PARTY table.column`.
 */
async function copiesOf(identity: string): Promise<string[]> {
  const nodes = Object.values(fed.demo.nodes);
  const keys = nodes.flatMap((n) => [
    n.core.keys.encryption.privateKey,
    ...n.core.keys.previousEncryption.values(),
  ]);
  const holds = async (v: unknown) => {
    for (const t of stringsIn(v)) if (await reveals(t, identity, keys)) return true;
    return false;
  };
  const found: string[] = [];
  for (const node of nodes) {
    const db = node.core.db;
    const columns = (
      (await db.execute(
        sql`select table_name, column_name from information_schema.columns where table_schema = 'public' and data_type in ('text', 'json', 'jsonb', 'character varying') order by 1, 2`,
      )) as unknown as { rows: { table_name: string; column_name: string }[] }
    ).rows;
    for (const { table_name, column_name } of columns) {
      const { rows } = (await db.execute(
        sql`select ${sql.identifier(column_name)} as v from ${sql.identifier(table_name)}`,
      )) as unknown as { rows: { v: unknown }[] };
      for (const { v } of rows)
        if (await holds(v)) {
          found.push(`${node.core.party} ${table_name}.${column_name}`);
          break;
        }
    }
  }
  return found;
}

describe(`evidence packages between nodes (${engine})`, () => {
  it('travels sealed from the executor at BOR to the officer at ARC, who opens it; every step is in custody and ledger', async () => {
    const id = await executingCase([
      { kind: 'use-limitation', text: 'Only for the investigation named in the request.' },
      { kind: 'retention', text: 'Delete after the proceedings.', until: '2031-12-31' },
    ]);
    const created = await borExecutor.post(`/api/v1/cases/${id}/evidence`);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const pkg = created.body.id;
    expect(created.body).toMatchObject({
      side: 'produced',
      status: 'open',
      producer: 'BOR',
      receiver: 'ARC',
      conditions: {
        retentionUntil: '2031-12-31',
        useLimitation: 'Only for the investigation named in the request.',
      },
    });
    expect(created.body.recipient).toMatch(/^age1/);

    const mailbox = randomBytes(3 * 1024 * 1024 + 17);
    const logs = Buffer.from('2026-11-01T10:00:00Z login admin 10.0.0.7\n'.repeat(500));
    await upload(borExecutor, pkg, file('mailbox.mbox', mailbox));
    await upload(borExecutor, pkg, file('server.log', logs));

    // Neither the requesting side nor a third party may add files, or see a package they are not party to.
    const arcTry = await arcOfficer.post(`/api/v1/cases/${id}/evidence`);
    expect(arcTry.status).toBe(403);
    expect((await calOfficer.get(`/api/v1/evidence/${pkg}`)).status).toBe(404);

    const sealed = await borExecutor.post(`/api/v1/evidence/${pkg}/seal`, {});
    expect(sealed.status, JSON.stringify(sealed.body)).toBe(200);
    expect(sealed.body.status).toBe('sealed');
    expect(sealed.body.files.map((f: { name: string; sha256: string }) => [f.name, f.sha256])).toEqual([
      ['mailbox.mbox', sha256(mailbox)],
      ['server.log', sha256(logs)],
    ]);
    await fed.settle();

    const atArc = await until(
      'package received at ARC',
      packageAt(arcOfficer, pkg),
      (p) => p.status === 'received',
    );
    expect(atArc).toMatchObject({ side: 'received', producer: 'BOR', retentionUntil: '2031-12-31' });
    expect(atArc.files.map((f: { status: string }) => f.status)).toEqual(['received', 'received']);
    expect(atArc.custody.map((e: { event: string }) => e.event)).toEqual([
      'package-announced',
      expect.stringMatching(/^file-received$/),
      'file-received',
      'package-received',
    ]);

    // BOR, the producer, can never decrypt; ARC's officer can, and gets exactly the collected bytes.
    expect((await download(borOfficer, `/api/v1/evidence/${pkg}/files/0/content`)).status).toBe(403);
    expect((await download(borExecutor, `/api/v1/evidence/${pkg}/files/0/content`)).status).toBe(403);
    const opened = await download(arcOfficer, `/api/v1/evidence/${pkg}/files/0/content`);
    expect(opened.status).toBe(200);
    expect(sha256(opened.bytes)).toBe(sha256(mailbox));
    expect(opened.headers.get('content-disposition')).toContain('mailbox.mbox');
    const sealedBytes = await download(arcOfficer, `/api/v1/evidence/${pkg}/files/0/sealed`);
    expect(sha256(sealedBytes.bytes)).toBe(atArc.files[0].cipherSha256);

    const after = (await arcOfficer.get(`/api/v1/evidence/${pkg}`)).body;
    const openedEvent = after.custody.find((e: { event: string }) => e.event === 'file-opened');
    expect(openedEvent).toMatchObject({ file: 0, party: 'ARC', by: expect.stringContaining('Officer') });
    const entry = (
      await fed.demo.nodes
        .ARC!.core.db.select()
        .from(ledgerEntries)
        .where(eq(ledgerEntries.seq, openedEvent.ledgerIndex))
    )[0]!;
    expect(entry.type).toBe('evidence-event');
    expect(entry.record).toMatchObject({ package: pkg, event: 'file-opened', file: 0 });

    // Both case histories show the package.
    const history = (await arcOfficer.get(`/api/v1/cases/${id}`)).body.history.map(
      (h: { action: string }) => h.action,
    );
    expect(history).toEqual(expect.arrayContaining(['send-evidence', 'receive-evidence']));

    // The export holds proofs from both ledgers that verify against the trust list.
    const exported = await arcOfficer.get(`/api/v1/evidence/${pkg}/export`);
    expect(exported.status).toBe(200);
    expect(exported.body.proofs.map((p: { party: string }) => p.party).sort()).toEqual(['ARC', 'BOR']);
    for (const proof of exported.body.proofs) {
      const party = fed.demo.nodes[proof.party]!.core.trust.party(proof.party)!;
      const key = { key: party.signing.key, origin: party.ledger.origin };
      expect(checkLedgerProof(proof, sha256(exported.body.manifestJws), key)).toEqual([]);
      expect(checkLedgerProof(proof, 'f'.repeat(64), key)).toContain(
        'the ledger record does not name this manifest’s hash',
      );
    }
  });

  it('refuses an altered upload and a truncated one, and never seals either', async () => {
    const id = await executingCase();
    const pkg = (await borExecutor.post(`/api/v1/cases/${id}/evidence`)).body.id;
    const bytes = randomBytes(200_000);
    const path = file('altered.bin', bytes);
    await expect(upload(borExecutor, pkg, path, { declared: sha256('something else') })).rejects.toThrow(
      /not the .* declared by the collector/,
    );
    let view = (await borExecutor.get(`/api/v1/evidence/${pkg}`)).body;
    expect(view.files[0]).toMatchObject({ status: 'refused', lastError: expect.stringContaining('altered') });
    expect(view.custody.map((e: { event: string }) => e.event)).toContain('file-refused');

    // Truncated: the upload declares 200,000 bytes and only 120,000 arrive.
    const half = file('half.bin', bytes.subarray(0, 120_000));
    const url = await tusCreate(
      `${borExecutor.url}/api/v1/evidence/uploads`,
      bytes.length,
      { package: pkg, filename: 'whole.bin', sha256: sha256(bytes) },
      { headers: auth(borExecutor) },
    );
    await tusSend(url, half, 0, { headers: auth(borExecutor) });
    expect(await tusOffset(url, { headers: auth(borExecutor) })).toBe(120_000);
    const early = await borExecutor.post(`/api/v1/evidence/${pkg}/seal`, {});
    expect(early.status).toBe(409);
    expect(early.body.detail).toMatch(/still uploading \(whole\.bin\)/);
    // Discarding the incomplete upload would leave nothing to seal: refused, and nothing changes.
    const none = await borExecutor.post(`/api/v1/evidence/${pkg}/seal`, { discardIncomplete: true });
    expect(none.status).toBe(409);
    expect(none.body.detail).toMatch(/no sealed file/);
    view = (await borExecutor.get(`/api/v1/evidence/${pkg}`)).body;
    expect(view.status).toBe('open');
    expect(view.files.map((f: { status: string }) => f.status)).toEqual(['refused', 'uploading']);
    expect(view.files[1].bytesHeld).toBe(120_000);
    // The uploader cancels it (tus termination): it leaves the package, recorded.
    const cancelled = await fetch(url, {
      method: 'DELETE',
      headers: { ...auth(borExecutor), 'tus-resumable': TUS_VERSION },
    });
    expect(cancelled.status).toBe(204);
    view = (await borExecutor.get(`/api/v1/evidence/${pkg}`)).body;
    expect(view.files[1].status).toBe('discarded');
    expect(view.custody.at(-1)).toMatchObject({ event: 'file-discarded', file: 1 });
    expect(await tusOffset(url, { headers: auth(borExecutor) })).toBeNull();
    expect(await borExecutor.get(`/api/v1/cases/${id}/evidence`).then((r) => r.body.items.length)).toBe(1);
    expect((await arcOfficer.get(`/api/v1/cases/${id}/evidence`)).body.items).toEqual([]);
  });

  it('refuses at ARC a sealed file that does not match the signed manifest, and shows nothing as received', async () => {
    const id = await executingCase();
    const pkg = (await borExecutor.post(`/api/v1/cases/${id}/evidence`)).body.id;
    await upload(borExecutor, pkg, file('disk.img', randomBytes(300_000)));
    const bor = fed.demo.nodes.BOR!;
    bor.transfer.pause();
    try {
      expect((await borExecutor.post(`/api/v1/evidence/${pkg}/seal`, {})).status).toBe(200);
      await fed.settle();
      // Someone alters the sealed file on BOR's disk after the manifest went out.
      const sealedPath = join(bor.core.evidenceDir, 'sealed', pkg, '0.age');
      const tampered = readFileSync(sealedPath);
      tampered[tampered.length - 100]! ^= 0xff;
      writeFileSync(sealedPath, tampered);
    } finally {
      bor.transfer.resume();
    }
    const atArc = await until('refusal at ARC', packageAt(arcOfficer, pkg), (p) =>
      p.custody.some((e: { event: string }) => e.event === 'file-transfer-refused'),
    );
    expect(atArc.status).toBe('announced');
    expect(atArc.files[0].status).toBe('pending');
    expect(atArc.files[0].lastError).toMatch(/signed manifest says/);
    const open = await download(arcOfficer, `/api/v1/evidence/${pkg}/files/0/content`);
    expect(open.status).toBe(409);
    expect(JSON.parse(open.bytes.toString()).detail).toMatch(/not every file has arrived/);
  });

  it('refuses an evidence manifest with a bad signature or for another party, and logs the refusal', async () => {
    const id = await executingCase();
    const arc = fed.demo.nodes.ARC!.core;
    const bor = fed.demo.nodes.BOR!.core;
    const cal = fed.demo.nodes.CAL!.core;
    const chainOut = (await bor.db.select().from(cases).where(eq(cases.id, id)))[0]!.chainOut;
    const manifest = {
      version: 1 as const,
      package: ulid(),
      case: id,
      from: 'BOR',
      to: 'ARC',
      createdAt: new Date().toISOString(),
      recipient: 'age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj',
      conditions: {},
      files: [
        {
          name: 'x.bin',
          size: 1,
          mediaType: 'application/octet-stream',
          sha256: 'a'.repeat(64),
          cipherSize: 200,
          cipherSha256: 'b'.repeat(64),
          collectedBy: 'x',
          collectedAt: new Date().toISOString(),
          custody: [],
        },
      ],
    };
    const send = async (jws: string) => {
      const claims = {
        id: ulid(),
        type: 'evidence-manifest' as const,
        from: 'BOR',
        to: 'ARC',
        case: id,
        created: new Date().toISOString(),
        expires: new Date(Date.now() + 3_600_000).toISOString(),
        prev: chainOut,
        action: 'send-evidence',
        actor: null,
        body: {
          manifest: jws,
          wrappedIdentity: 'x',
          ledger: { origin: 'comity/BOR', index: 0, entry: '{}', record: {} },
        },
      };
      const sealed = await sealMessage({
        claims,
        signingKey: bor.keys.signing.privateKey,
        signingKid: bor.keys.signing.kid,
        recipientKey: arc.trust.party('ARC')!.encryption.key,
        recipientKid: arc.trust.party('ARC')!.encryption.kid,
      });
      return receiveMessage(arc, MESSAGE_HANDLERS, sealed.jwe, '127.0.0.1');
    };
    const forged = await send(
      await signManifest(manifest, cal.keys.signing.privateKey, cal.keys.signing.kid),
    );
    expect(forged).toMatchObject({ ok: false, refusal: { reason: expect.stringMatching(/signed by CAL/) } });
    const elsewhere = await send(
      await signManifest({ ...manifest, to: 'CAL' }, bor.keys.signing.privateKey, bor.keys.signing.kid),
    );
    expect(elsewhere).toMatchObject({
      ok: false,
      refusal: { reason: expect.stringMatching(/is for CAL, not ARC/) },
    });
    const refusals = await arc.db.select().from(inboundRefusals);
    expect(refusals.map((r) => r.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/signed by CAL/), expect.stringMatching(/is for CAL/)]),
    );
    expect((await arcOfficer.get(`/api/v1/cases/${id}/evidence`)).body.items).toEqual([]);
  });

  it('resumes a transfer cut by a crash of the receiving node from where it stopped', async () => {
    const id = await executingCase();
    const pkg = (await borExecutor.post(`/api/v1/cases/${id}/evidence`)).body.id;
    const big = randomBytes(24 * 1024 * 1024);
    await upload(borExecutor, pkg, file('image.dd', big));
    const bor = fed.demo.nodes.BOR!;
    bor.core.settings.transferBytesPerSecond = 6 * 1024 * 1024;
    try {
      expect((await borExecutor.post(`/api/v1/evidence/${pkg}/seal`, {})).status).toBe(200);
      await fed.settle();
      const partial = join(fed.demo.nodes.ARC!.core.evidenceDir, 'inbound', `${pkg}.0`);
      await until(
        'bytes arriving at ARC',
        async () => (existsSync(partial) ? statSync(partial).size : 0),
        (n) => n > 4 * 1024 * 1024,
      );
      fed.demo.nodes.ARC!.severConnections();
      const restart = await fed.stop('ARC');
      const held = statSync(partial).size;
      expect(held).toBeGreaterThan(4 * 1024 * 1024);
      expect(held).toBeLessThan(big.length);
      await new Promise((r) => setTimeout(r, 500));
      await restart();
    } finally {
      bor.core.settings.transferBytesPerSecond = 0;
    }
    const officer = await fed.as('officer@arc.example');
    await until(
      'package received after restart',
      packageAt(officer, pkg),
      (p) => p.status === 'received',
      60_000,
    );
    const sent = (await borExecutor.get(`/api/v1/evidence/${pkg}`)).body.custody.find(
      (e: { event: string }) => e.event === 'file-sent',
    );
    expect(sent.detail.resumedFrom).toBeGreaterThan(4 * 1024 * 1024);
    const opened = await download(officer, `/api/v1/evidence/${pkg}/files/0/content`);
    expect(sha256(opened.bytes)).toBe(sha256(big));
    arcOfficer = officer;
    arcAdmin = await fed.as('admin@arc.example');
  });

  it.runIf(hasAge)(
    'exports the package identity for an administrator, and the reference age decrypts the sealed file',
    async () => {
      const id = await executingCase();
      const pkg = (await borExecutor.post(`/api/v1/cases/${id}/evidence`)).body.id;
      const bytes = randomBytes(150_000);
      await upload(borExecutor, pkg, file('for-age.bin', bytes));
      await borExecutor.post(`/api/v1/evidence/${pkg}/seal`, {});
      await fed.settle();
      await until('received', packageAt(arcOfficer, pkg), (p) => p.status === 'received');
      expect((await arcOfficer.post(`/api/v1/cases/${id}/evidence/keys`)).status).toBe(403);
      const keys = await arcAdmin.post(`/api/v1/cases/${id}/evidence/keys`);
      expect(keys.status).toBe(200);
      expect(keys.body.keys).toHaveLength(1);
      const keyFile = file('identity.txt', Buffer.from(`${keys.body.keys[0].identity}\n`));
      const sealedPath = file(
        'for-age.bin.age',
        (await download(arcOfficer, `/api/v1/evidence/${pkg}/files/0/sealed`)).bytes,
      );
      const plain = execFileSync('age', ['-d', '-i', keyFile, sealedPath]);
      expect(sha256(plain)).toBe(sha256(bytes));
      const custody = (await arcOfficer.get(`/api/v1/evidence/${pkg}`)).body.custody;
      expect(custody.find((e: { event: string }) => e.event === 'key-exported')).toMatchObject({
        party: 'ARC',
      });
    },
  );

  it('destroys the package identity when retention ends: the files can no longer be opened', async () => {
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const id = await executingCase([
      { kind: 'retention', text: 'Delete when the case ends.', until: yesterday },
    ]);
    const pkg = (await borExecutor.post(`/api/v1/cases/${id}/evidence`)).body.id;
    await upload(borExecutor, pkg, file('short-lived.txt', Buffer.from('kept too long')));
    const arc = fed.demo.nodes.ARC!;
    arc.retention.pause();
    await borExecutor.post(`/api/v1/evidence/${pkg}/seal`, {});
    await fed.settle();
    await until('received', packageAt(arcOfficer, pkg), (p) => p.status === 'received');
    expect((await download(arcOfficer, `/api/v1/evidence/${pkg}/files/0/content`)).status).toBe(200);
    arc.retention.resume();
    await until('shredded', packageAt(arcOfficer, pkg), (p) => p.status === 'shredded');
    const gone = await download(arcOfficer, `/api/v1/evidence/${pkg}/files/0/content`);
    expect(gone.status).toBe(410);
    expect(JSON.parse(gone.bytes.toString()).detail).toMatch(/destroyed .* retention/);
    expect((await arcAdmin.post(`/api/v1/cases/${id}/evidence/keys`)).status).toBe(404);
    const view = (await arcOfficer.get(`/api/v1/evidence/${pkg}`)).body;
    expect(view.custody.at(-1)).toMatchObject({
      event: 'package-shredded',
      detail: { retentionUntil: yesterday },
    });
    const message = (await arc.core.db.select().from(inbox).where(eq(inbox.caseId, id))).find(
      (m) => m.type === 'evidence-manifest',
    )!;
    expect(message.jws).toMatch(/^destroyed/);
    // The sealed files remain, so their hashes can still be shown, but nothing here can decrypt them.
    expect((await download(arcOfficer, `/api/v1/evidence/${pkg}/files/0/sealed`)).status).toBe(200);
  });

  it('leaves no copy of a shredded package identity that either node could still decrypt', async () => {
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const created = await arcOfficer.post('/api/v1/cases', corpusRequest('01-ransomware-hospital.json'));
    const id = created.body.id as string;
    await act(arcOfficer, id, 'submit');
    await act(borReviewer, id, 'accept-with-conditions', {
      conditions: [{ kind: 'retention', text: 'Delete when the case ends.', until: yesterday }],
    });
    const [arc, bor] = [fed.demo.nodes.ARC!, fed.demo.nodes.BOR!];
    arc.retention.pause();
    bor.retention.pause();
    // BOR's messages wait, so that ARC first meets the manifest out of its chain and refuses it (409, retry):
    // the refused copy is kept, and holds the wrapped identity too.
    bor.outbox.pause();
    let pkg: string;
    try {
      expect((await borExecutor.post(`/api/v1/cases/${id}/actions/execute`, {})).status).toBe(200);
      pkg = (await borExecutor.post(`/api/v1/cases/${id}/evidence`)).body.id;
      await upload(borExecutor, pkg, file('to-forget.txt', Buffer.from('forget me')));
      expect((await borExecutor.post(`/api/v1/evidence/${pkg}/seal`, {})).status).toBe(200);
      const manifest = (await bor.core.db.select().from(outbox).where(eq(outbox.caseId, id))).find(
        (m) => m.type === 'evidence-manifest',
      )!;
      const early = await receiveMessage(arc.core, MESSAGE_HANDLERS, manifest.payload, '127.0.0.1');
      expect(early).toMatchObject({ ok: false, refusal: { retry: true } });
    } finally {
      bor.outbox.resume();
    }
    await fed.settle();
    await until('received', packageAt(arcOfficer, pkg), (p) => p.status === 'received');
    const wrapped = (
      await arc.core.db.select().from(evidencePackages).where(eq(evidencePackages.id, pkg))
    )[0]!.wrappedIdentity!;
    const identity = await unwrapIdentity(wrapped, arc.core.keys.encryption.privateKey);
    // The scan finds the copies while they are meant to exist.
    expect(await copiesOf(identity)).toEqual(
      expect.arrayContaining(['ARC evidence_packages.wrapped_identity']),
    );

    // Retention ends on both sides (the worker's shredding, run once on each node).
    await shredExpired(arc.core);
    await shredExpired(bor.core);
    arc.retention.resume();
    bor.retention.resume();
    expect(await copiesOf(identity)).toEqual([]);
    expect((await packageAt(arcOfficer, pkg)()).status).toBe('shredded');
  });

  it('gives up a manifest still undelivered when retention ends, keeping no copy of the identity', async () => {
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const id = await executingCase([{ kind: 'retention', text: 'Delete soon.', until: yesterday }]);
    const [arc, bor] = [fed.demo.nodes.ARC!, fed.demo.nodes.BOR!];
    bor.retention.pause();
    bor.outbox.pause();
    let pkg: string;
    let identity: string;
    try {
      pkg = (await borExecutor.post(`/api/v1/cases/${id}/evidence`)).body.id;
      await upload(borExecutor, pkg, file('never-sent.txt', Buffer.from('never sent')));
      expect((await borExecutor.post(`/api/v1/evidence/${pkg}/seal`, {})).status).toBe(200);
      const [manifest] = await bor.core.db
        .select()
        .from(outbox)
        .where(and(eq(outbox.caseId, id), eq(outbox.type, 'evidence-manifest')));
      // What ARC would read from the message: the identity, wrapped to its key.
      const opened = await compactDecrypt(manifest!.payload, arc.core.keys.encryption.privateKey);
      const claims = JSON.parse(
        Buffer.from(new TextDecoder().decode(opened.plaintext).split('.')[1]!, 'base64url').toString(),
      );
      identity = await unwrapIdentity(claims.body.wrappedIdentity, arc.core.keys.encryption.privateKey);
      await shredExpired(bor.core);
      const [after] = await bor.core.db.select().from(outbox).where(eq(outbox.id, manifest!.id));
      expect(after).toMatchObject({
        status: 'failed',
        lastError: `retention of evidence package ${pkg} ended before delivery`,
        payload: expect.stringMatching(/^destroyed /),
      });
    } finally {
      bor.outbox.resume();
      bor.retention.resume();
    }
    await fed.settle();
    expect((await borExecutor.get(`/api/v1/evidence/${pkg}`)).body).toMatchObject({ status: 'shredded' });
    expect((await arcOfficer.get(`/api/v1/evidence/${pkg}`)).status).toBe(404);
    expect(await copiesOf(identity)).toEqual([]);
  });

  it('speaks tus to a tus client: OPTIONS, version header, offsets', async () => {
    const res = await fetch(`${borExecutor.url}/api/v1/evidence/uploads`, {
      method: 'OPTIONS',
      headers: auth(borExecutor),
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get('tus-version')).toContain(TUS_VERSION);
    const anonymous = await fetch(`${borExecutor.url}/api/v1/evidence/uploads`, {
      method: 'POST',
      headers: { 'tus-resumable': TUS_VERSION, 'upload-length': '10' },
    });
    expect(anonymous.status).toBe(401);
    const peerless = await fetch(`${fed.url('ARC')}/exchange/v1/evidence/uploads`, {
      method: 'POST',
      headers: { 'tus-resumable': TUS_VERSION, 'upload-length': '10' },
    });
    expect(peerless.status).toBe(401);
    expect(peerless.headers.get('content-type')).toContain('application/problem+json');
  });
});

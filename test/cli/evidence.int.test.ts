/**
 * `comity evidence` as people run it (issue 5): BOR's executor adds files to a case from ARC (and resumes an
 * interrupted upload), ARC's officer opens one, exports the case for court and verifies the folder offline;
 * a tampered export fails verification and says where; ARC's administrator exports the key for `age`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustList } from '../../src/crypto/trust-list.ts';
import { signTrustList } from '../../src/crypto/trust-list-jws.ts';
import type { TrustListFile } from '../../src/crypto/trust-list-schema.ts';
import { tusCreate, tusSend } from '../../src/evidence/tus-client.ts';
import { demoTrustAdmin } from '../../src/node/demo.ts';
import { hasAge } from '../helpers/age.ts';
import { corpusRequest } from '../helpers/corpus.ts';
import { type Client, PASSWORD, startTestFederation, type TestFederation } from '../helpers/federation.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let fed: TestFederation;
let scratch: string;
let caseId: string;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function comity(args: string[], who: string, party = 'ARC'): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    COMITY_CONFIG_DIR: join(scratch, who),
    COMITY_URL: fed.url(party),
  };
  delete env.COMITY_TOKEN;
  delete env.COMITY_PASSWORD;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/comity.mjs', ...args],
      { env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

async function login(who: string, party: string): Promise<void> {
  const r = await comity(
    ['login', '--email', `${who}@${party.toLowerCase()}.example`, '--password', PASSWORD],
    who,
    party,
  );
  expect(r.code, r.stderr).toBe(0);
}

async function act(c: Client, id: string, action: string, body: unknown = {}) {
  const res = await c.post(`/api/v1/cases/${id}/actions/${action}`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await fed.settle();
}

const mailbox = randomBytes(2 * 1024 * 1024 + 3);
const notes = Buffer.from('Interview notes of the hosting provider, 2026-11-02.\n');

beforeAll(async () => {
  fed = await startTestFederation();
  scratch = mkdtempSync(join(tmpdir(), 'comity-cli-evidence-'));
  const [officer, reviewer, executor] = await Promise.all([
    fed.as('officer@arc.example'),
    fed.as('reviewer@bor.example'),
    fed.as('executor@bor.example'),
  ]);
  const created = await officer.post('/api/v1/cases', corpusRequest('01-ransomware-hospital.json'));
  caseId = created.body.id;
  await act(officer, caseId, 'submit');
  await act(reviewer, caseId, 'accept');
  await act(executor, caseId, 'execute');
  await login('executor', 'BOR');
  await login('officer', 'ARC');
  await login('admin', 'ARC');
  writeFileSync(join(scratch, 'mailbox.mbox'), mailbox);
  writeFileSync(join(scratch, 'notes.txt'), notes);
}, 120_000);
afterAll(async () => {
  await fed?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function receivedAtArc(): Promise<void> {
  const officer = await fed.as('officer@arc.example');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const items = (await officer.get(`/api/v1/cases/${caseId}/evidence`)).body.items;
    if (items.length && items.every((p: { status: string }) => p.status === 'received')) return;
    if (Date.now() > deadline) throw new Error(`not received: ${JSON.stringify(items)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('comity evidence', () => {
  it('adds files, resuming an upload this machine had started, and seals the package', async () => {
    // An earlier run was cut off after 1 MiB of the mailbox: its upload and the CLI's note of it remain.
    const executor = await fed.as('executor@bor.example');
    const pkg = (await executor.post(`/api/v1/cases/${caseId}/evidence`)).body.id;
    const url = await tusCreate(
      `${fed.url('BOR')}/api/v1/evidence/uploads`,
      mailbox.length,
      { package: pkg, filename: 'mailbox.mbox', sha256: sha256(mailbox) },
      { headers: { authorization: `Bearer ${executor.token}` } },
    );
    writeFileSync(join(scratch, 'first-mib'), mailbox.subarray(0, 1024 * 1024));
    await tusSend(url, join(scratch, 'first-mib'), 0, {
      headers: { authorization: `Bearer ${executor.token}` },
    });
    const { mtimeMs } = await import('node:fs').then((fs) => fs.statSync(join(scratch, 'mailbox.mbox')));
    writeFileSync(
      join(scratch, 'executor', 'uploads.json'),
      JSON.stringify({
        [`${fed.url('BOR')}|${caseId}|${join(scratch, 'mailbox.mbox')}|${mailbox.length}|${Math.floor(mtimeMs)}`]:
          {
            package: pkg,
            upload: url,
          },
      }),
    );

    const r = await comity(
      [
        'evidence',
        'add',
        caseId,
        join(scratch, 'mailbox.mbox'),
        join(scratch, 'notes.txt'),
        '--collected-by',
        'Mail BOR Ltd',
      ],
      'executor',
      'BOR',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`continuing package ${pkg}`);
    expect(r.stdout).toContain('resuming mailbox.mbox at 1.0 MiB of 2.0 MiB');
    expect(r.stdout).toMatch(
      new RegExp(`Package ${pkg} sealed and sent to ARC: manifest SHA-256 [0-9a-f]{64}`),
    );
    expect(r.stdout).toContain(sha256(mailbox));
    expect(r.stdout).toContain(sha256(notes));
    expect(JSON.parse(readFileSync(join(scratch, 'executor', 'uploads.json'), 'utf8'))).toEqual({});
    await fed.settle();
    await receivedAtArc();
  });

  it('opens a received file for the officer, checked against the manifest', async () => {
    const list = await comity(['evidence', 'list', caseId, '--json'], 'officer');
    expect(list.code, list.stderr).toBe(0);
    const [pkg] = JSON.parse(list.stdout).items;
    const out = join(scratch, 'opened.mbox');
    const r = await comity(['evidence', 'open', pkg.id, 'mailbox.mbox', '--out', out], 'officer');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('matches the manifest');
    expect(sha256(readFileSync(out))).toBe(sha256(mailbox));
    const denied = await comity(['evidence', 'open', pkg.id, '0', '--out', join(scratch, 'x')], 'admin');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^error: Your role does not allow "open-evidence" here\./);
  });

  it('exports the case for court and verifies the folder offline; a tampered copy fails and says where', async () => {
    const out = join(scratch, 'court');
    const r = await comity(['evidence', 'export', caseId, '--out', out], 'officer');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/exported; every check passes against this node's trust list/);
    const [pkgDir] = readdirSync(out);
    const dir = join(out, pkgDir!);
    expect(readdirSync(dir).sort()).toEqual(
      [
        'custody.html',
        'custody.json',
        'files',
        'manifest.jws',
        'manifest.json',
        'proofs',
        'trust-list.jws',
      ].sort(),
    );
    expect(readdirSync(join(dir, 'proofs')).sort()).toEqual(['ARC.json', 'BOR.json']);
    const html = readFileSync(join(dir, 'custody.html'), 'utf8');
    for (const s of [
      'mailbox.mbox',
      sha256(mailbox),
      'Mail BOR Ltd',
      'file decrypted; plaintext hash matches the manifest',
      'Every check passed',
    ])
      expect(html).toContain(s);

    // The trust list in the folder is the node's, as its administrator signed it: only their key vouches for it.
    expect(readFileSync(join(dir, 'trust-list.jws'), 'utf8').trim()).toBe(
      readFileSync(join(fed.dir, 'trust-list.jws'), 'utf8').trim(),
    );
    const alone = await comity(['evidence', 'verify', out], 'nobody');
    expect(alone.code).toBe(1);
    expect(alone.stdout).toContain(`${pkgDir}: UNVERIFIED: nothing vouches for the package’s own trust list`);
    const adminKey = JSON.stringify(demoTrustAdmin(fed.dir).publicJwk);
    const ok = await comity(['evidence', 'verify', out, '--admin-key', adminKey], 'nobody');
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`${pkgDir}: VERIFIED`);
    expect(ok.stdout).toMatch(/ok {3}trust list: the package’s trust list, signed by trust-admin:/);
    expect(ok.stdout).toMatch(/ok {3}manifest signature: signed by BOR/);
    expect(ok.stdout).toMatch(/ok {3}ledger proof BOR\.json: entry \d+ of comity\/BOR records this manifest/);

    const sealed = join(dir, 'files', readdirSync(join(dir, 'files')).find((n) => n.startsWith('0-'))!);
    const bytes = readFileSync(sealed);
    bytes[5000]! ^= 1;
    writeFileSync(sealed, bytes);
    const altered = await comity(['evidence', 'verify', dir, '--admin-key', adminKey], 'nobody');
    expect(altered.code).toBe(1);
    expect(altered.stdout).toMatch(
      /FAIL file 0 mailbox\.mbox: sealed SHA-256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}: altered/,
    );
    bytes[5000]! ^= 1;
    writeFileSync(sealed, bytes);

    const manifestPath = join(dir, 'manifest.jws');
    const jws = readFileSync(manifestPath, 'utf8').trim();
    const [h, p, s] = jws.split('.');
    const changed = JSON.parse(Buffer.from(p!, 'base64url').toString());
    changed.files[0].name = 'other.mbox';
    writeFileSync(manifestPath, `${h}.${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${s}`);
    const forged = await comity(['evidence', 'verify', dir, '--admin-key', adminKey], 'nobody');
    expect(forged.code).toBe(1);
    expect(forged.stdout).toMatch(/FAIL manifest signature: the manifest signature does not verify/);
    writeFileSync(manifestPath, `${jws}\n`);

    // Against an independently obtained trust list that does not hold BOR, nothing can be trusted.
    const trust = TrustList.parse(readFileSync(join(dir, 'trust-list.jws'), 'utf8').trim(), [
      demoTrustAdmin(fed.dir).publicJwk,
    ]).file;
    trust.parties = trust.parties.filter((x) => x.code !== 'BOR');
    writeFileSync(join(scratch, 'no-bor.json'), JSON.stringify(trust));
    const untrusted = await comity(
      ['evidence', 'verify', dir, '--trust-list', join(scratch, 'no-bor.json')],
      'nobody',
    );
    expect(untrusted.code).toBe(1);
    expect(untrusted.stdout).toMatch(/not in the trust list/);
    const again = await comity(['evidence', 'verify', dir, '--json', '--admin-key', adminKey], 'nobody');
    expect(JSON.parse(again.stdout).ok).toBe(true);
  });

  it('after a handover of the administrator key, an export carries it: the first key still verifies', async () => {
    const first = demoTrustAdmin(fed.dir);
    const second = generateKeyPairSync('ed25519').privateKey;
    const next = {
      kty: 'OKP' as const,
      crv: 'Ed25519' as const,
      x: (createPublicKey(second).export({ format: 'jwk' }) as { x: string }).x,
    };
    const admin = await fed.as('admin@arc.example');
    const list = structuredClone(fed.demo.nodes.ARC!.core.trust.file) as TrustListFile;
    const serial = (list.serial ?? 0) + 1;
    const announce = signTrustList({ ...list, serial, nextSigner: next }, first.privateKey);
    for (const text of [announce, signTrustList({ ...list, serial: serial + 1 }, second)]) {
      const res = await admin.put('/api/v1/node/trust-list', { trustList: text });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    const out = join(scratch, 'court-after-handover');
    const r = await comity(['evidence', 'export', caseId, '--out', out], 'officer');
    expect(r.code, r.stderr).toBe(0);
    const dir = join(out, readdirSync(out)[0]!);
    expect(readFileSync(join(dir, 'trust-list.jws.handovers'), 'utf8')).toBe(`${announce}\n`);
    for (const key of [first.publicJwk, next]) {
      const v = await comity(['evidence', 'verify', dir, '--admin-key', JSON.stringify(key)], 'nobody');
      expect(v.code, v.stdout + v.stderr).toBe(0);
      expect(v.stdout).toMatch(/: VERIFIED$/m);
    }
  });

  it.runIf(hasAge)(
    'exports the package key for the administrator; age decrypts the exported sealed file',
    async () => {
      const keyFile = join(scratch, 'keys.txt');
      const denied = await comity(['evidence', 'key', 'export', caseId], 'officer');
      expect(denied.code).toBe(1);
      const r = await comity(['evidence', 'key', 'export', caseId, '--out', keyFile], 'admin');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('1 identity(ies) written');
      expect(readFileSync(keyFile, 'utf8')).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]+$/m);
      const out = join(scratch, 'court');
      const dir = join(out, readdirSync(out)[0]!, 'files');
      const sealed = join(dir, readdirSync(dir).find((n) => n.startsWith('0-'))!);
      expect(
        sha256(execFileSync('age', ['-d', '-i', keyFile, sealed], { maxBuffer: 64 * 1024 * 1024 })),
      ).toBe(sha256(mailbox));
    },
  );

  it('prints a peer’s file names with their control characters escaped, never raw, and its JSON too', async () => {
    // BOR (the peer) names a file with a screen-clearing escape and a right-to-left override, and says who
    // collected it with a sequence that sets the terminal's title and a C1 control (JSON leaves C1 raw).
    const name = 'invoice\u001b[2J\u202etxt.exe';
    const collectedBy = 'Mail\u001b]0;owned\u0007 Ltd\u009b';
    const [officer, reviewer, executor] = await Promise.all([
      fed.as('officer@arc.example'),
      fed.as('reviewer@bor.example'),
      fed.as('executor@bor.example'),
    ]);
    const id = (await officer.post('/api/v1/cases', corpusRequest('01-ransomware-hospital.json'))).body.id;
    await act(officer, id, 'submit');
    await act(reviewer, id, 'accept');
    await act(executor, id, 'execute');
    const pkg = (await executor.post(`/api/v1/cases/${id}/evidence`)).body.id;
    const url = await tusCreate(
      `${fed.url('BOR')}/api/v1/evidence/uploads`,
      notes.length,
      { package: pkg, filename: name, sha256: sha256(notes), collectedBy },
      { headers: { authorization: `Bearer ${executor.token}` } },
    );
    await tusSend(url, join(scratch, 'notes.txt'), 0, {
      headers: { authorization: `Bearer ${executor.token}` },
    });
    expect((await executor.post(`/api/v1/evidence/${pkg}/seal`, {})).status).toBe(200);
    await fed.settle();
    const deadline = Date.now() + 30_000;
    while ((await officer.get(`/api/v1/evidence/${pkg}`)).body.status !== 'received') {
      if (Date.now() > deadline) throw new Error('the package did not arrive');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Any control character but the line feed, and the bidi overrides and isolates.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for
    const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
    const out = join(scratch, 'court-escapes');
    const runs = [
      await comity(['evidence', 'show', pkg], 'officer'),
      await comity(['evidence', 'list', id], 'officer'),
      await comity(['evidence', 'export', id, '--out', out], 'officer'),
    ];
    runs.push(
      await comity(
        ['evidence', 'verify', out, '--admin-key', JSON.stringify(demoTrustAdmin(fed.dir).publicJwk)],
        'nobody',
      ),
    );
    for (const r of runs) expect(r.stdout + r.stderr).not.toMatch(raw);
    for (const r of [runs[0]!, runs[1]!, runs[3]!]) {
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('invoice\\x1b[2J\\u202etxt.exe');
    }
    // JSON says the same, escaped as JSON: the value is the peer's, byte for byte.
    const json = await comity(['evidence', 'show', pkg, '--json'], 'officer');
    expect(json.stdout).not.toMatch(raw);
    expect(JSON.parse(json.stdout).files[0]).toMatchObject({ name, collectedBy });
  });

  it('says in one line what is wrong with bad input', async () => {
    const missing = await comity(['evidence', 'add', caseId, join(scratch, 'nope.bin')], 'executor', 'BOR');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`error: ${join(scratch, 'nope.bin')} is not a file`);
    const empty = await comity(['evidence', 'verify', scratch], 'nobody');
    expect(empty.code).toBe(1);
    expect(empty.stderr.trim()).toBe(`error: ${scratch} holds no evidence package (no manifest.jws)`);
  });
});

/**
 * The `comity` command against a real three-node federation, run as a child process exactly as a user or a
 * script would: bin/comity.mjs, environment variables, exit codes, stdout and stderr.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, PASSWORD, startTestFederation, type TestFederation } from '../helpers/federation.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const BUNDLE = 'test/fixtures/corpus/01-ransomware-hospital.json';

let fed: TestFederation;
let scratch: string;
/** One config folder per signed-in user, like two people on two machines. */
let arcOfficer: string;
let borReviewer: string;

function comity(args: string[], opts: { configDir: string; env?: Record<string, string> }): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    COMITY_CONFIG_DIR: opts.configDir,
    COMITY_URL: fed.url('ARC'),
    ...opts.env,
  };
  // Whatever the developer's shell holds must not change what the tests see.
  for (const k of ['COMITY_TOKEN', 'COMITY_PASSWORD'] as const) if (!opts.env?.[k]) delete env[k];
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/comity.mjs', ...args], { env }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

function writeJson(name: string, value: unknown): string {
  const path = join(scratch, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

function bundleRequest(): Record<string, any> {
  return JSON.parse(readFileSync(BUNDLE, 'utf8')).request;
}

beforeAll(async () => {
  fed = await startTestFederation();
  scratch = mkdtempSync(join(tmpdir(), 'comity-cli-'));
  arcOfficer = join(scratch, 'arc-officer');
  borReviewer = join(scratch, 'bor-reviewer');
}, 120_000);

afterAll(async () => {
  await fed?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 120_000);

describe('comity login', () => {
  it('signs in, says who the user is, and keeps the session readable by the owner only', async () => {
    const r = await comity(['login', '--email', 'officer@arc.example', '--password', PASSWORD], {
      configDir: arcOfficer,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(
      `Signed in to ${fed.url('ARC')} as Officer, Arcadia <officer@arc.example> (ARC, officer)`,
    );
    expect(statSync(join(arcOfficer, 'session.json')).mode & 0o777).toBe(0o600);
    expect(statSync(arcOfficer).mode & 0o777).toBe(0o700);
    const session = JSON.parse(readFileSync(join(arcOfficer, 'session.json'), 'utf8'));
    expect(session).toMatchObject({
      url: fed.url('ARC'),
      user: { email: 'officer@arc.example', party: 'ARC' },
    });
    expect(typeof session.token).toBe('string');
  });

  it('refuses a wrong password with one line and exit code 1', async () => {
    const r = await comity(['login', '--email', 'officer@arc.example', '--password', 'wrong'], {
      configDir: join(scratch, 'wrong'),
    });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual(['error: Wrong e-mail or password.']);
  });

  it('takes the password from COMITY_PASSWORD and fails without one when stdin is not a terminal', async () => {
    const dir = join(scratch, 'env-password');
    const withEnv = await comity(['login', '--email', 'reviewer@arc.example'], {
      configDir: dir,
      env: { COMITY_PASSWORD: PASSWORD },
    });
    expect(withEnv.code).toBe(0);
    const without = await comity(['login', '--email', 'reviewer@arc.example'], { configDir: dir });
    expect(without.code).toBe(1);
    expect(lines(without.stderr)).toEqual([
      expect.stringMatching(/^error: no password: give --password, set COMITY_PASSWORD/),
    ]);
  });
});

describe('a request from Arcadia refused by Borealis', () => {
  let caseId = '';

  it('creates a case from a screening bundle and submits it', async () => {
    const r = await comity(['cases', 'create', BUNDLE, '--submit'], { configDir: arcOfficer });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [created, submitted] = lines(r.stdout);
    caseId = /^Created case ([0-9A-Z]{26}) \(state draft\)$/.exec(created ?? '')?.[1] ?? '';
    expect(caseId).not.toBe('');
    expect(submitted).toBe(`Case ${caseId} is now submitted`);
  });

  it("shows the case in the requested party's incoming list once the nodes have settled", async () => {
    await fed.settle();
    const login = await comity(
      ['login', '--email', 'reviewer@bor.example', '--password', PASSWORD, '--url', fed.url('BOR')],
      {
        configDir: borReviewer,
      },
    );
    expect(login.code).toBe(0);
    expect(login.stdout).toContain('(BOR, reviewer)');
    const r = await comity(['cases', 'list', '--direction', 'incoming', '--json', '--url', fed.url('BOR')], {
      configDir: borReviewer,
    });
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout);
    const item = list.items.find((c: { id: string }) => c.id === caseId);
    expect(item).toMatchObject({
      requesting: 'ARC',
      requested: 'BOR',
      direction: 'incoming',
      state: 'in-review',
    });
    expect(list.total).toBeGreaterThanOrEqual(1);
  });

  it('prints the list as a table with a relative deadline and a count', async () => {
    const r = await comity(['cases', 'list', '--direction', 'incoming', '--url', fed.url('BOR')], {
      configDir: borReviewer,
    });
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out[0]).toMatch(/^ID\s+TYPE\s+FROM→TO\s+URGENCY\s+STATE\s+VERDICT\s+DUE$/);
    const row = out.find((l) => l.startsWith(caseId));
    expect(row).toMatch(/stored-data\s+ARC→BOR\s+urgent\s+in-review\s+\S+\s+in \d+d( \d+h)?$/);
    expect(out.at(-1)).toMatch(/^\d+ of \d+$/);
  });

  it('refuses to record a refusal before a consultation was offered, naming what is missing', async () => {
    const r = await comity(
      [
        'cases',
        'transition',
        caseId,
        'refuse',
        '--grounds',
        'persecution',
        '--note',
        'Too early.',
        '--url',
        fed.url('BOR'),
      ],
      { configDir: borReviewer },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/consultation/);
  });

  it('lets the reviewer refuse the request with grounds and a note after consultation', async () => {
    const consult = await comity(
      [
        'cases',
        'transition',
        caseId,
        'consult',
        '--note',
        'Which conduct is alleged?',
        '--url',
        fed.url('BOR'),
      ],
      { configDir: borReviewer },
    );
    expect(consult.code, consult.stderr).toBe(0);
    await fed.settle();
    const officer = await fed.as('officer@arc.example');
    expect(
      (await officer.post(`/api/v1/cases/${caseId}/actions/answer-consultation`, { note: 'The intrusion.' }))
        .status,
    ).toBe(200);
    await fed.settle();
    const r = await comity(
      [
        'cases',
        'transition',
        caseId,
        'refuse',
        '--grounds',
        'persecution',
        '--note',
        'The request targets political opponents.',
        '--url',
        fed.url('BOR'),
      ],
      { configDir: borReviewer },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`Case ${caseId} is now refused`);
  });

  it('shows the refusal to the requesting party after the nodes have settled', async () => {
    await fed.settle();
    const json = await comity(['cases', 'show', caseId, '--json'], { configDir: arcOfficer });
    expect(json.code).toBe(0);
    const c = JSON.parse(json.stdout);
    expect(c.state).toBe('refused');
    expect(c.history.find((h: { action: string }) => h.action === 'refuse')?.details).toMatchObject({
      grounds: ['persecution'],
    });

    const text = await comity(['cases', 'show', caseId], { configDir: arcOfficer });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Case ${caseId}`);
    expect(text.stdout).toMatch(/State\s+refused/);
    expect(text.stdout).toMatch(/refuse in-review→refused/);
    expect(text.stdout).toMatch(/consult in-review→consultation/);
    expect(text.stdout).toContain('grounds: persecution');
    expect(text.stdout).toContain('note: The request targets political opponents.');
  });

  it('does not send a stored token to another node than the one that issued it', async () => {
    const r = await comity(['cases', 'show', caseId, '--url', fed.url('BOR')], { configDir: arcOfficer });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the stored session is for ${fed.url('ARC')}, not ${fed.url('BOR')}`);
    expect(r.stdout).toBe('');
  });
});

describe('data-protection terms on the command line', () => {
  it('sets the structured terms over the file, keeps the rest of it, and shows them', async () => {
    const request: Record<string, any> = {
      ...bundleRequest(),
      dataProtection: { retention: 'from the file' },
    };
    const created = await comity(
      [
        'cases',
        'create',
        writeJson('terms.json', request),
        '--use-limitation',
        'This investigation and its prosecution only.',
        '--onward-transfer',
        'To no other state without the consent of Borealis.',
        '--json',
      ],
      { configDir: arcOfficer },
    );
    expect(created.code).toBe(0);
    const c = JSON.parse(created.stdout);
    expect(c.request.dataProtection).toEqual({
      useLimitation: 'This investigation and its prosecution only.',
      retention: 'from the file',
      onwardTransfer: 'To no other state without the consent of Borealis.',
    });
    expect(c.request.facts).toBe(request.facts);
    const shown = await comity(['cases', 'show', c.id], { configDir: arcOfficer });
    expect(shown.stdout).toMatch(/use limitation: This investigation and its prosecution only\./);
    expect(shown.stdout).toMatch(/retention: from the file/);
  });
});

describe('errors', () => {
  it('prints one line per bad field of a malformed request file and exits 1', async () => {
    const request = bundleRequest();
    request.offences[0].code = 'UNCC-NO-SUCH-OFFENCE';
    request.subjects = 'Unknown';
    const path = writeJson('malformed.json', request);
    const r = await comity(['cases', 'create', path], { configDir: arcOfficer });
    expect(r.code).toBe(1);
    const out = lines(r.stderr);
    expect(out[0]).toMatch(/^error: .*malformed\.json/);
    expect(out.slice(1).map((l) => l.split(':')[0])).toEqual(['  offences[0].code', '  subjects']);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('names the field inside a bundle, and also prints the problem as JSON with --json', async () => {
    const bundle = JSON.parse(readFileSync(BUNDLE, 'utf8'));
    bundle.request.urgency = 5;
    const path = writeJson('malformed-bundle.json', bundle);
    const r = await comity(['cases', 'create', path, '--json'], { configDir: arcOfficer });
    expect(r.code).toBe(1);
    expect(lines(r.stderr).slice(1)).toEqual([expect.stringMatching(/^ {2}request\.urgency: /)]);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 400, errors: [{ field: 'urgency' }] });
  });

  it('says in one line that a request file is missing', async () => {
    const r = await comity(['cases', 'create', join(scratch, 'nope.json')], { configDir: arcOfficer });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([`error: cannot read ${join(scratch, 'nope.json')}: no such file`]);
  });

  it('says in one line that a request file is not JSON', async () => {
    const path = join(scratch, 'broken.json');
    writeFileSync(path, '{ "type": ');
    const r = await comity(['cases', 'create', path], { configDir: arcOfficer });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(new RegExp(`^error: ${path} is not JSON: `))]);
  });

  it('names the missing fields when an incomplete draft is submitted', async () => {
    const request = { ...bundleRequest(), facts: '', data: [] };
    const created = await comity(['cases', 'create', writeJson('incomplete.json', request)], {
      configDir: arcOfficer,
    });
    expect(created.code).toBe(0);
    const id = /Created case (\S+)/.exec(created.stdout)?.[1];
    const r = await comity(['cases', 'submit', id!], { configDir: arcOfficer });
    expect(r.code).toBe(1);
    const out = lines(r.stderr);
    expect(out[0]).toMatch(/^error: The request lacks 2 item\(s\)/);
    expect(out.slice(1).map((l) => l.split(':')[0])).toEqual(['  facts', '  data']);
  });

  it('says that the node cannot be reached when nothing listens', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const r = await comity(['health', '--url', url], { configDir: arcOfficer });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([`error: cannot reach ${url}: is the node running?`]);
  });

  it('signs a trust list that hands the administrator key over, and says so', async () => {
    const run = (args: string[]) => comity(args, { configDir: arcOfficer });
    const [old, next] = [join(scratch, 'admin-old.pem'), join(scratch, 'admin-next.pem')];
    expect((await run(['trust', 'keygen', '--out', old])).code).toBe(0);
    const made = await run(['trust', 'keygen', '--out', next, '--json']);
    const { kid, trustListSigner } = JSON.parse(made.stdout) as { kid: string; trustListSigner: unknown };
    const list = writeJson('trust-list.json', {
      ...fed.demo.nodes.ARC!.core.trust.file,
      nextSigner: undefined,
      serial: 3,
    });
    // By PEM file or by the public JWK that keygen printed: the same handover.
    for (const nextSigner of [next, JSON.stringify(trustListSigner)]) {
      const signed = await run(['trust', 'sign', list, '--key', old, '--next-signer', nextSigner]);
      expect(signed.code).toBe(0);
      expect(signed.stdout).toContain(`It hands over to ${kid}`);
      const shown = await run(['trust', 'show', list.replace(/\.json$/, '.jws'), '--signer', old]);
      expect(lines(shown.stdout)[0]).toMatch(
        new RegExp(`serial 3, signed by trust-admin:\\S+ \\(signature checked\\), hands over to ${kid}$`),
      );
    }
    const bad = await run(['trust', 'sign', list, '--key', old, '--next-signer', '{"kty":"OKP"}']);
    expect(bad.code).toBe(1);
    expect(lines(bad.stderr)).toEqual(['error: --next-signer: not an Ed25519 public JWK: {"kty":"OKP"}']);
  });

  it('exits 2 on a usage error', async () => {
    const r = await comity(['cases', 'list', '--direction', 'sideways'], { configDir: arcOfficer });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("argument 'sideways' is invalid");
  });

  it('suggests signing in when there is no session', async () => {
    const r = await comity(['cases', 'list'], { configDir: join(scratch, 'nobody') });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      `error: not signed in to ${fed.url('ARC')}`,
      expect.stringContaining('comity login'),
    ]);
  });
});

describe('tokens and the catalogue', () => {
  it('uses COMITY_TOKEN when it is set, without a stored session', async () => {
    const { token } = await fed.as('officer@arc.example');
    const r = await comity(['cases', 'list', '--json'], {
      configDir: join(scratch, 'token-only'),
      env: { COMITY_TOKEN: token },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(
      JSON.parse(r.stdout).items.every((c: { requesting: string; requested: string }) =>
        [c.requesting, c.requested].includes('ARC'),
      ),
    ).toBe(true);
  });

  it('suggests signing in again when COMITY_TOKEN is refused', async () => {
    const r = await comity(['cases', 'list'], {
      configDir: join(scratch, 'token-only'),
      env: { COMITY_TOKEN: 'x'.repeat(43) },
    });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)[0]).toBe('error: The token is invalid or has expired; sign in again.');
    expect(r.stderr).toContain('comity login');
  });

  it('lists the three nodes of the federation', async () => {
    const r = await comity(['parties', '--federation', '--json'], { configDir: arcOfficer });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).items.map((p: { code: string }) => p.code)).toEqual(['ARC', 'BOR', 'CAL']);
  });

  it('answers health without a session', async () => {
    const r = await comity(['health', '--json'], { configDir: join(scratch, 'nobody') });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'ok', party: 'ARC' });
  });

  it('revokes the token at logout and deletes the session', async () => {
    const dir = join(scratch, 'logout');
    await comity(['login', '--email', 'contact@arc.example', '--password', PASSWORD], { configDir: dir });
    const { token } = JSON.parse(readFileSync(join(dir, 'session.json'), 'utf8'));
    const r = await comity(['logout'], { configDir: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`Signed out of ${fed.url('ARC')}.`);
    expect(() => statSync(join(dir, 'session.json'))).toThrow();
    const again = await comity(['cases', 'list'], { configDir: dir, env: { COMITY_TOKEN: token } });
    expect(again.code).toBe(1);
  });
});

describe('comity trust officers', () => {
  it("adds a new officer's key to the trust list, signed and installed, and retires it when the account is disabled", async () => {
    const adminDir = join(scratch, 'arc-admin');
    const run = (args: string[]) => comity(args, { configDir: adminDir });
    expect((await run(['login', '--email', 'admin@arc.example', '--password', PASSWORD])).code).toBe(0);
    const admin = await fed.as('admin@arc.example');
    // A reviewer made an officer: only then does the account get a key to vouch with.
    const made = await admin.post('/api/v1/users', {
      email: 'duty2@arc.example',
      name: 'Second duty officer',
      roles: ['reviewer'],
      password: 'a long enough password',
    });
    expect(made.status).toBe(201);
    expect(made.body.officerKey).toBeNull();
    const promoted = await admin.patch(`/api/v1/users/${made.body.id}`, { roles: ['officer'] });
    expect(promoted.status).toBe(200);
    const kid: string = promoted.body.officerKey.kid;
    expect(promoted.body.officerKey.inTrustList).toBe(false);

    const { nextSigner: _, ...inForce } = fed.demo.nodes.ARC!.core.trust.file;
    const list = writeJson('officers.json', { ...inForce, serial: 40 });
    const before = readFileSync(list, 'utf8');
    const dry = await run(['trust', 'officers', list]);
    expect(dry.code).toBe(0);
    expect(lines(dry.stdout)[0]).toBe(`${list}: 1 to add (nothing written: give --update).`);
    expect(dry.stdout).toMatch(
      new RegExp(`${kid}\\s+Second duty officer\\s+duty2@arc.example\\s+-\\s+-\\s+add`),
    );
    expect(readFileSync(list, 'utf8')).toBe(before);

    const key = join(fed.dir, 'trust-admin-ed25519.pem');
    const publish = async (expected: string) => {
      const updated = await run(['trust', 'officers', list, '--update']);
      expect(lines(updated.stdout)[0]).toMatch(new RegExp(`^Wrote ${list}: ${expected}\\.`));
      expect((await run(['trust', 'sign', list, '--key', key])).code).toBe(0);
      const installed = await run(['trust', 'install', list.replace(/\.json$/, '.jws')]);
      expect(installed.stderr).toBe('');
      const users = (await admin.get('/api/v1/users')).body.items as Record<string, any>[];
      return users.find((u) => u.email === 'duty2@arc.example')!.officerKey.inTrustList as boolean;
    };
    expect(await publish('1 added; serial 41')).toBe(true);
    expect(fed.demo.nodes.ARC!.core.trust.officer(kid)?.name).toBe('Second duty officer');
    const shown = await run(['trust', 'show', list.replace(/\.json$/, '.jws')]);
    expect(lines(shown.stdout)).toContainEqual(
      expect.stringMatching(new RegExp(`^ARC\\s+${kid}\\s+officer: Second duty officer\\s+active$`)),
    );

    expect((await admin.patch(`/api/v1/users/${made.body.id}`, { disabled: true })).status).toBe(200);
    await publish('1 retired; serial 42');
    expect(fed.demo.nodes.ARC!.core.trust.officer(kid)).toBeUndefined();
    const again = await run(['trust', 'officers', list]);
    expect(lines(again.stdout)[0]).toBe(
      `${list} lists the officer keys of ARC's accounts as they should be; nothing to change.`,
    );

    expect(lines((await run(['trust', 'officers', list.replace(/\.json$/, '.jws')])).stderr)).toEqual([
      `error: ${list.replace(/\.json$/, '.jws')} is a signed list: give the JSON file it was signed from`,
    ]);
  }, 240_000); // some fifteen CLI processes, each starting Node and tsx: slow on a loaded machine
});

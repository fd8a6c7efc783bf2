/**
 * Screening from the command line: `comity screen` on files (no node), and against a real federation the
 * node's profile and policy (`profile`, `policy`, `settings history`) and pre-flight (`preflight`,
 * `cases preflight`), run as a child process exactly as a user or a script would.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, PASSWORD, startTestFederation, type TestFederation } from '../helpers/federation.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

interface Finding {
  rule: string;
  outcome: string;
  article: string;
  reason: string;
  evidence: string[];
}

const CORPUS = 'test/fixtures/corpus';
const JOURNALIST = `${CORPUS}/07-journalist-false-information.json`;
/** ARC → BOR: a security researcher; BOR's intent rule raises a concern unless switched off. */
const RESEARCHER = `${CORPUS}/09-researcher-extradition.json`;

let fed: TestFederation;
let scratch: string;
/** One config folder per signed-in user, like people on different machines. */
let borAdmin: string;
let borOfficer: string;
let arcOfficer: string;

function comity(args: string[], opts: { configDir: string; url?: string }): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    COMITY_CONFIG_DIR: opts.configDir,
    COMITY_URL: opts.url ?? fed.url('ARC'),
  };
  // Whatever the developer's shell holds must not change what the tests see.
  delete env.COMITY_TOKEN;
  delete env.COMITY_PASSWORD;
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/comity.mjs', ...args], { env }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
const worst = (findings: Finding[], rule: string) =>
  findings.filter((f) => f.rule === rule).map((f) => f.outcome);

function writeJson(name: string, value: unknown): string {
  const path = join(scratch, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

function bundle(path: string): Record<string, any> {
  return JSON.parse(readFileSync(path, 'utf8'));
}

beforeAll(async () => {
  fed = await startTestFederation();
  scratch = mkdtempSync(join(tmpdir(), 'comity-cli-screening-'));
  borAdmin = join(scratch, 'bor-admin');
  borOfficer = join(scratch, 'bor-officer');
  arcOfficer = join(scratch, 'arc-officer');
  for (const [dir, email] of [
    [borAdmin, 'admin@bor.example'],
    [borOfficer, 'officer@bor.example'],
    [arcOfficer, 'officer@arc.example'],
  ] as const) {
    const party = email.split('@')[1]!.split('.')[0]!.toUpperCase();
    const r = await comity(['login', '--email', email, '--password', PASSWORD], {
      configDir: dir,
      url: fed.url(party),
    });
    if (r.code !== 0) throw new Error(`login ${email}: ${r.stderr}`);
  }
}, 120_000);

afterAll(async () => {
  await fed?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 120_000);

describe('comity screen (local, no node)', () => {
  /** Nothing listens there: screening a file must not need a node. */
  let deadUrl = '';
  const screen = (args: string[]) => comity(['screen', ...args], { configDir: scratch, url: deadUrl });

  beforeAll(async () => {
    deadUrl = `http://127.0.0.1:${await freePort()}`;
  });

  it('prints exactly the verdict and the findings with --json', async () => {
    const r = await screen([`${CORPUS}/01-ransomware-hospital.json`, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['verdict', 'findings']);
    expect(out.verdict).toBe('clear');
    expect(out.findings.length).toBeGreaterThan(0);
    for (const f of out.findings as Finding[])
      expect(Object.keys(f).sort()).toEqual(['article', 'evidence', 'outcome', 'reason', 'rule']);
  });

  it('recommends refusal of the journalist request on expression and persecution', async () => {
    const r = await screen([JOURNALIST, '--json']);
    expect(r.code).toBe(0);
    const { verdict, findings } = JSON.parse(r.stdout) as { verdict: string; findings: Finding[] };
    expect(verdict).toBe('refuse-recommended');
    for (const rule of ['expression', 'persecution']) {
      expect(worst(findings, rule).length, rule).toBeGreaterThan(0);
      expect(worst(findings, rule), rule).not.toContain('clear');
    }
  });

  it('finds the vague fraud request incomplete', async () => {
    const r = await screen([`${CORPUS}/17-incomplete-vague-fraud.json`, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).verdict).toBe('incomplete');
  });

  it("screens a plain request against the registry's profiles", async () => {
    const path = writeJson('plain-request.json', bundle(JOURNALIST).request);
    const r = await screen([path, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { verdict, findings } = JSON.parse(r.stdout) as { verdict: string; findings: Finding[] };
    expect(verdict).toBe('refuse-recommended');
    expect(worst(findings, 'expression')).toContain('ground');
  });

  it('prints findings with their evidence, the clear rules and whether the expectation is met', async () => {
    const r = await screen([JOURNALIST]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out[0]).toBe('Verdict: refuse-recommended');
    expect(out).toContain('GROUND expression [UNCC art. 6(2), 40(21)(b)]');
    expect(out).toContain('  evidence: offences[0].domestic: "Dissemination of knowingly false information"');
    expect(out.find((l) => l.startsWith('clear: '))).toContain('completeness');
    expect(out.find((l) => l.startsWith('clear: '))).not.toContain('expression');
    expect(out.filter((l) => l.startsWith('Expectation'))).toEqual([
      expect.stringMatching(/^Expectation met: verdict one of review, refuse-recommended; /),
    ]);
  });

  it('says when the expectation is missed, and still exits 0', async () => {
    const b = bundle(JOURNALIST);
    b.expect = { verdict: ['clear'], raises: ['death-penalty'], clears: ['expression'] };
    const r = await screen([writeJson('missed.json', b)]);
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    const at = out.indexOf('Expectation NOT met (3):');
    expect(at).toBeGreaterThan(0);
    expect(out.slice(at + 1)).toEqual([
      '  verdict refuse-recommended is not among clear',
      '  death-penalty should raise but is clear',
      '  expression should be clear but is ground',
    ]);
  });

  it('names the unknown rule of an expectation and exits 1', async () => {
    const b = bundle(JOURNALIST);
    b.expect.raises.push('kindness');
    const path = writeJson('unknown-rule.json', b);
    const r = await screen([path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const out = lines(r.stderr);
    expect(out[0]).toBe(`error: ${path} is not a valid screening bundle or request`);
    expect(out.slice(1)).toEqual([expect.stringMatching(/^ {2}expect\.raises\[2\]: /)]);
  });

  it('names an unknown party code and an invalid profile field, one line each', async () => {
    const b = bundle(JOURNALIST);
    b.context.requesting.code = 'XYZ';
    b.context.requested.law['UNCC-ILLEGAL-ACCESS'].maxPenaltyYears = 'three';
    const path = writeJson('bad-profile.json', b);
    const r = await screen([path]);
    expect(r.code).toBe(1);
    const out = lines(r.stderr);
    expect(out[0]).toBe(`error: ${path} is not a valid screening bundle or request`);
    expect(out).toContain('  context.requesting.code: unknown party code');
    expect(
      out.some((l) => l.startsWith('  context.requested.law.UNCC-ILLEGAL-ACCESS.maxPenaltyYears: ')),
    ).toBe(true);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('names the field of a plain request and prints the problem as JSON with --json', async () => {
    const request = bundle(JOURNALIST).request;
    request.offences[0].code = 'UNCC-NO-SUCH-OFFENCE';
    const path = writeJson('bad-request.json', request);
    const r = await screen([path, '--json']);
    expect(r.code).toBe(1);
    expect(lines(r.stderr).slice(1)).toEqual([expect.stringMatching(/^ {2}offences\[0\]\.code: /)]);
    expect(JSON.parse(r.stdout)).toMatchObject({ errors: [{ field: 'offences[0].code' }] });
  });

  it('says in one line that the file is missing', async () => {
    const path = join(scratch, 'nope.json');
    const r = await screen([path]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([`error: cannot read ${path}: no such file`]);
  });
});

describe("a node's profile, policy and pre-flight", () => {
  const asBorAdmin = (args: string[]) => comity(args, { configDir: borAdmin, url: fed.url('BOR') });
  const asArcOfficer = (args: string[]) => comity(args, { configDir: arcOfficer, url: fed.url('ARC') });
  const NOTE = 'Intent is judged by the reviewer for now; smaller bulk threshold.';

  it('shows the profile of the own party', async () => {
    const json = await asBorAdmin(['profile', 'show', '--json']);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ code: 'BOR', instruments: { UNCC: 'ratified' } });
    const text = await asBorAdmin(['profile', 'show']);
    expect(text.code).toBe(0);
    const out = lines(text.stdout);
    expect(out[0]).toMatch(/^Code\s+BOR$/);
    expect(out).toContain('Abolitionist       yes');
    expect(out.find((l) => l.includes('UNCC-ILLEGAL-ACCESS'))).toMatch(
      /^ {2}UNCC-ILLEGAL-ACCESS\s+yes\s+3\s+dishonest-intent$/,
    );
  });

  it("pre-flights a file with the requested node's published policy", async () => {
    const r = await asArcOfficer(['preflight', RESEARCHER, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p.context).toMatchObject({ party: 'BOR', source: 'node' });
    expect(worst(p.findings, 'intent')).toContain('concern');
  });

  it('lets the administrator switch a rule off and change a threshold, with a note', async () => {
    const r = await asBorAdmin([
      'policy',
      'set',
      '--rule',
      'intent=off',
      '--max-identifiers',
      '10',
      '--note',
      NOTE,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out[0]).toBe('Policy updated.');
    expect(out).toContainEqual(expect.stringMatching(/^ {2}intent\s+off$/));
    expect(out).toContainEqual(expect.stringMatching(/^ {2}max identifiers per item\s+10$/));

    const show = await asBorAdmin(['policy', 'show', '--json']);
    expect(show.code).toBe(0);
    const policy = JSON.parse(show.stdout);
    expect(policy.rules.intent).toBe(false);
    expect(policy.rules.expression).toBe(true);
    expect(policy.proportionality).toMatchObject({ maxIdentifiers: 10, maxPeriodDays: 400 });
  });

  it('records the change with who made it and the note', async () => {
    const text = await asBorAdmin(['settings', 'history']);
    expect(text.code).toBe(0);
    const out = lines(text.stdout);
    expect(out[0]).toMatch(/^TIME\s+SETTING\s+BY\s+NOTE$/);
    expect(out[1]).toMatch(
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\s+policy\s+.*Administrator.*\s+Intent is judged/,
    );
    const json = await asBorAdmin(['settings', 'history', '--limit', '1', '--json']);
    expect(json.code).toBe(0);
    const { items } = JSON.parse(json.stdout);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ key: 'policy', note: NOTE, after: { rules: { intent: false } } });
  });

  it('refuses the change to an officer with one line and exit code 1', async () => {
    const r = await comity(
      ['policy', 'set', '--rule', 'intent=off', '--max-identifiers', '10', '--note', NOTE],
      {
        configDir: borOfficer,
        url: fed.url('BOR'),
      },
    );
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^error: .*not allow/)]);
  });

  it('checks rule names and numbers before asking the node', async () => {
    const r = await asBorAdmin(['policy', 'set', '--rule', 'kindness=off', '--max-identifiers', 'ten']);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      'error: 2 policy settings are not valid',
      expect.stringMatching(/^ {2}--rule: "kindness" is not a rule; the rules are completeness, /),
      '  --max-identifiers: "ten" should be a whole number from 1 to 100000',
    ]);
  });

  it('names the bad fields of a policy file before asking the node', async () => {
    const path = writeJson('bad-policy.json', {
      rules: { kindness: false },
      seriousness: { realTimeMinYears: -1 },
    });
    const r = await asBorAdmin(['policy', 'set', path]);
    expect(r.code).toBe(1);
    const out = lines(r.stderr);
    expect(out[0]).toBe(`error: ${path} is not a valid screening policy`);
    expect(out.slice(1).map((l) => l.split(':')[0])).toEqual([
      '  rules.kindness',
      '  seriousness.realTimeMinYears',
    ]);
  });

  it('pre-flights against the new policy: the rule that is off does not run', async () => {
    const text = await asArcOfficer(['preflight', RESEARCHER]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    const out = lines(text.stdout);
    expect(out[0]).toMatch(/^Verdict: /);
    expect(out[1]).toBe("Screened with the profile and policy that BOR's node publishes.");
    expect(out).toContain('not run (off in the policy): intent');
    const json = JSON.parse((await asArcOfficer(['preflight', RESEARCHER, '--json'])).stdout);
    expect(worst(json.findings, 'intent')).toEqual([]);
  });

  it('pre-flights a draft case', async () => {
    const created = await asArcOfficer(['cases', 'create', RESEARCHER, '--json']);
    expect(created.code, created.stderr).toBe(0);
    const draft = JSON.parse(created.stdout);
    expect(draft.state).toBe('draft');
    const r = await asArcOfficer(['cases', 'preflight', draft.id]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(lines(r.stdout).slice(0, 2)).toEqual([
      expect.stringMatching(/^Verdict: (review|refuse-recommended)$/),
      "Screened with the profile and policy that BOR's node publishes.",
    ]);
    const json = JSON.parse((await asArcOfficer(['cases', 'preflight', draft.id, '--json'])).stdout);
    expect(json.context).toEqual({
      party: 'BOR',
      source: 'node',
      note: "Screened with the profile and policy that BOR's node publishes.",
    });
  });

  it('sets the profile from a file, ignoring its code, and records the note', async () => {
    const path = writeJson('profile.json', {
      code: 'ARC',
      name: 'Borealis (test)',
      instruments: { UNCC: 'ratified', BUDAPEST: 'signed' },
    });
    const r = await asBorAdmin(['profile', 'set', path, '--note', 'Signed Budapest.']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(lines(r.stdout)[0]).toBe('Profile of BOR updated.');
    const show = JSON.parse((await asBorAdmin(['profile', 'show', '--json'])).stdout);
    expect(show).toMatchObject({
      code: 'BOR',
      name: 'Borealis (test)',
      instruments: { BUDAPEST: 'signed' },
    });
    const { items } = JSON.parse((await asBorAdmin(['settings', 'history', '--json'])).stdout);
    expect(items[0]).toMatchObject({ key: 'profile', note: 'Signed Budapest.' });
    // An empty override gives the registry's profile back.
    const reset = await asBorAdmin(['profile', 'set', writeJson('empty-profile.json', {})]);
    expect(reset.code, reset.stderr).toBe(0);
    expect(JSON.parse((await asBorAdmin(['profile', 'show', '--json'])).stdout).name).toBe('Borealis');
  });

  it('names the field of a profile file the node refuses', async () => {
    const path = writeJson('bad-profile-set.json', { abolitionist: 'sometimes' });
    const r = await asBorAdmin(['profile', 'set', path]);
    expect(r.code).toBe(1);
    const out = lines(r.stderr);
    expect(out[0]).toContain(path);
    expect(out.slice(1)).toEqual([expect.stringMatching(/^ {2}abolitionist: /)]);
  });

  it('restores the policy from a file', async () => {
    const path = writeJson('policy.json', {
      rules: { intent: true },
      proportionality: { maxIdentifiers: 25 },
    });
    const r = await asBorAdmin(['policy', 'set', path, '--note', 'Back to the defaults.', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const policy = JSON.parse(r.stdout);
    expect(policy.rules.intent).toBe(true);
    expect(policy.proportionality.maxIdentifiers).toBe(25);
  });
});

/**
 * The screening corpus (shared/corpus, copied to test/fixtures/corpus) and this project's own cases
 * (test/fixtures/screening, hard negatives included): every bundle's verdict is among those it accepts, every
 * rule it `raises` is not clear, and every rule it `clears` is clear.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScreeningInput } from '../../../src/domain/safeguards/bundle.ts';
import { type Finding, RULE_NAMES, type RuleName, screen } from '../../../src/domain/safeguards/index.ts';

const RANK = ['clear', 'concern', 'ground', 'missing'] as const;

function load(dir: string) {
  const url = new URL(`../../fixtures/${dir}/`, import.meta.url);
  return readdirSync(url)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((name) => ({ name, raw: JSON.parse(readFileSync(new URL(name, url), 'utf8')) }));
}

/** The worst outcome of each rule. */
function outcomes(findings: readonly Finding[]): Map<RuleName, Finding['outcome']> {
  const out = new Map<RuleName, Finding['outcome']>();
  for (const f of findings) {
    const prev = out.get(f.rule);
    if (!prev || RANK.indexOf(f.outcome) > RANK.indexOf(prev)) out.set(f.rule, f.outcome);
  }
  return out;
}

for (const dir of ['corpus', 'screening/tuning']) {
  describe(`screening the ${dir} fixtures`, () => {
    const bundles = load(dir);
    it('has cases to run', () => expect(bundles.length).toBeGreaterThan(10));
    it.each(bundles)('reaches the outcome a careful reviewer would for $name', ({ raw }) => {
      const parsed = parseScreeningInput(raw);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
      const expected = parsed.bundle!.expect!;
      const result = screen(parsed.request, parsed.context);
      const byRule = outcomes(result.findings);
      expect(expected.verdict).toContain(result.verdict);
      for (const rule of expected.raises) expect(byRule.get(rule), `${rule} should raise`).not.toBe('clear');
      for (const rule of expected.clears) expect(byRule.get(rule), `${rule} should clear`).toBe('clear');
      // Every finding explains itself and cites an article; every non-clear finding quotes what triggered it.
      for (const f of result.findings) {
        expect(f.article).toMatch(/art\./);
        expect(f.reason.length).toBeGreaterThan(10);
        if (f.outcome !== 'clear') expect(f.evidence.length, `${f.rule} evidence`).toBeGreaterThan(0);
      }
    });
  });
}

// The held-out cases measure generalisation (`npm run bench -- screening`); their outcomes are not asserted here,
// since a test that failed on one would show its content to whoever tunes the screen. That they are well-formed
// is, so that the bench measures what their labels say.
describe('the held-out screening fixtures', () => {
  const bundles = load('screening/held-out');
  it('has cases to run', () => expect(bundles.length).toBeGreaterThanOrEqual(30));
  it('are bundles that label every rule once', () => {
    for (const { name, raw } of bundles) {
      const parsed = parseScreeningInput(raw);
      expect(parsed.ok, name).toBe(true);
      const e = parsed.ok ? parsed.bundle?.expect : undefined;
      expect(e, name).toBeDefined();
      expect([...(e?.raises ?? []), ...(e?.clears ?? [])].sort(), name).toEqual([...RULE_NAMES].sort());
      // Whatever the screen finds in them, each finding cites its article and quotes what triggered it.
      if (!parsed.ok) continue;
      for (const f of screen(parsed.request, parsed.context).findings) {
        expect(f.article, name).toMatch(/art\./);
        if (f.outcome !== 'clear') expect(f.evidence.length, `${name} ${f.rule}`).toBeGreaterThan(0);
      }
    }
  });
});

describe('evidence', () => {
  it('quotes the exact words of the request that triggered a text signal', () => {
    const raw = JSON.parse(
      readFileSync(
        new URL('../../fixtures/corpus/07-journalist-false-information.json', import.meta.url),
        'utf8',
      ),
    );
    const parsed = parseScreeningInput(raw);
    if (!parsed.ok) throw new Error('invalid');
    const result = screen(parsed.request, parsed.context);
    const quoted = result.findings.filter((f) => f.outcome !== 'clear').flatMap((f) => f.evidence);
    for (const line of quoted) {
      const m = /^([\w[\].]+): "(.*)"$/.exec(line);
      if (!m) continue;
      const [, field, words] = m;
      const value = field!
        .split(/[.[\]]/)
        .filter(Boolean)
        .reduce<any>((v, k) => v?.[k], parsed.request);
      expect(String(value), `${field} should contain "${words}"`).toContain(words);
    }
    expect(quoted.some((q) => /"[^"]*false information[^"]*"/.test(q))).toBe(true);
  });
});

describe('bundle validation', () => {
  const base = () =>
    JSON.parse(
      readFileSync(new URL('../../fixtures/corpus/01-ransomware-hospital.json', import.meta.url), 'utf8'),
    );
  const issuesOf = (raw: unknown) => {
    const parsed = parseScreeningInput(raw);
    return parsed.ok ? [] : parsed.issues.map((i) => i.path.join('.'));
  };
  it('rejects an unknown rule name in expect', () => {
    const b = base();
    b.expect.raises = ['telepathy'];
    expect(issuesOf(b)).toContain('expect.raises.0');
  });
  it('rejects an unknown party code in the context', () => {
    const b = base();
    b.context.requested.code = 'QQQ';
    expect(issuesOf(b)).toContain('context.requested.code');
  });
  it('rejects an invalid profile', () => {
    const b = base();
    b.context.requested.instruments.UNCC = 'maybe';
    b.context.requested.law['UNCC-ILLEGAL-ACCESS'].maxPenaltyYears = 'three';
    expect(issuesOf(b)).toEqual(
      expect.arrayContaining([
        'context.requested.instruments.UNCC',
        'context.requested.law.UNCC-ILLEGAL-ACCESS.maxPenaltyYears',
      ]),
    );
  });
  it('screens a request with missing fields rather than rejecting it', () => {
    const b = base();
    b.request.facts = '';
    delete b.request.data;
    const parsed = parseScreeningInput(b);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(screen(parsed.request, parsed.context).verdict).toBe('incomplete');
  });
  it('screens a plain request against the registry profiles of its parties', () => {
    const parsed = parseScreeningInput(base().request);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.context.requested.code).toBe('BOR');
  });
});

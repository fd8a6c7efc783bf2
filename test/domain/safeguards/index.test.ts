import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PartyProfile } from '../../../src/domain/parties.ts';
import { InterchangeRequestSchema } from '../../../src/domain/request.ts';
import {
  type Finding,
  type Outcome,
  RULES,
  type ScreeningContext,
  screen,
  type Verdict,
  verdictOf,
} from '../../../src/domain/safeguards/index.ts';

const asProfile = (p: Record<string, unknown>): PartyProfile =>
  ({ name: String(p.code), fictional: true, ...p }) as PartyProfile;

function bundle(name: string) {
  const j = JSON.parse(readFileSync(new URL(`../../fixtures/corpus/${name}`, import.meta.url), 'utf8'));
  const context: ScreeningContext = {
    requested: asProfile(j.context.requested),
    requesting: asProfile(j.context.requesting),
  };
  return { request: InterchangeRequestSchema.parse(j.request), context };
}

const finding = (outcome: Outcome, rule: Finding['rule'] = 'expression'): Finding => ({
  rule,
  outcome,
  article: 'UNCC art. 40(21)',
  reason: `a ${outcome} finding`,
  evidence: [],
});

describe('screen', () => {
  it('finds corpus 17 (vague fraud) incomplete, with a missing finding for the identifiers and the placeholder provider', () => {
    const { request, context } = bundle('17-incomplete-vague-fraud.json');
    const result = screen(request, context);
    expect(result.verdict).toBe('incomplete');
    const completeness = result.findings.filter((f) => f.rule === 'completeness');
    expect(completeness.map((f) => [f.outcome, f.evidence])).toEqual([
      ['missing', ['data[0].identifiers']],
      ['missing', ['data[0].provider']],
    ]);
    expect(result.findings.filter((f) => f.outcome === 'missing')).toEqual(completeness);
  });

  it('finds corpus 01 (ransomware against a hospital) clear, with a clear completeness finding', () => {
    const { request, context } = bundle('01-ransomware-hospital.json');
    const result = screen(request, context);
    expect(result.verdict).toBe('clear');
    expect(result.findings.filter((f) => f.rule === 'completeness').map((f) => f.outcome)).toEqual(['clear']);
  });

  it('runs every rule and derives its verdict from all their findings', () => {
    const { request, context } = bundle('05-ncii-former-partner.json');
    const result = screen(request, context);
    const rules = new Set(result.findings.map((f) => f.rule));
    for (const name of Object.keys(RULES)) expect(rules).toContain(name);
    expect(result.verdict).toBe(verdictOf(result.findings));
  });

  it('cites an article and gives a reason in every finding', () => {
    for (const name of ['01-ransomware-hospital.json', '17-incomplete-vague-fraud.json']) {
      const { request, context } = bundle(name);
      for (const f of screen(request, context).findings) {
        expect(f.article).toMatch(/art\./);
        expect(f.reason.trim()).not.toBe('');
      }
    }
  });
});

describe('verdictOf', () => {
  it.each([
    [[], 'clear'],
    [['clear', 'clear'], 'clear'],
    [['clear', 'concern'], 'review'],
    [['concern', 'ground', 'clear'], 'refuse-recommended'],
    [['ground', 'missing'], 'incomplete'],
    [['missing', 'concern', 'ground', 'clear'], 'incomplete'],
    [['missing'], 'incomplete'],
  ] as [Outcome[], Verdict][])('gives %j the verdict %s', (outcomes, verdict) => {
    expect(verdictOf(outcomes.map((o) => finding(o)))).toBe(verdict);
  });

  const SEVERITY: Outcome[] = ['clear', 'concern', 'ground', 'missing'];
  const VERDICT_OF_WORST: Record<Outcome, Verdict> = {
    clear: 'clear',
    concern: 'review',
    ground: 'refuse-recommended',
    missing: 'incomplete',
  };
  const findings = fc.array(
    fc.record({
      outcome: fc.constantFrom(...SEVERITY),
      rule: fc.constantFrom('completeness', 'persecution', 'expression', 'seriousness'),
    }),
    { maxLength: 20 },
  );

  it('takes the worst outcome, missing over ground over concern over clear, whatever the order', () => {
    fc.assert(
      fc.property(findings, (fs) => {
        const worst = fs.reduce<Outcome>(
          (w, f) => (SEVERITY.indexOf(f.outcome) > SEVERITY.indexOf(w) ? f.outcome : w),
          'clear',
        );
        const list = fs.map((f) => finding(f.outcome, f.rule));
        expect(verdictOf(list)).toBe(VERDICT_OF_WORST[worst]);
        expect(verdictOf([...list].reverse())).toBe(VERDICT_OF_WORST[worst]);
      }),
      { numRuns: 1000 },
    );
  });

  it('never softens the verdict when a finding is added', () => {
    const rank: Verdict[] = ['clear', 'review', 'refuse-recommended', 'incomplete'];
    fc.assert(
      fc.property(findings, fc.constantFrom(...SEVERITY), (fs, extra) => {
        const list = fs.map((f) => finding(f.outcome, f.rule));
        const before = rank.indexOf(verdictOf(list));
        const after = rank.indexOf(verdictOf([...list, finding(extra)]));
        expect(after).toBeGreaterThanOrEqual(before);
        if (extra === 'clear') expect(after).toBe(before);
      }),
      { numRuns: 1000 },
    );
  });
});

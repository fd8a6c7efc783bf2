/** Text rendering of a screening (`comity screen`, `comity preflight`): verdict, findings, clear rules. */
import { RULE_NAMES, type RuleName } from '../../domain/safeguards/types.ts';
import type { Finding } from '../api-types.ts';
import { textWidth, wrap } from '../format.ts';

export interface ScreeningResult {
  verdict: string;
  findings: Finding[];
}

/** What a screening bundle says a careful reviewer would reach (src/domain/safeguards/bundle.ts). */
export interface Expectation {
  verdict: string[];
  raises: RuleName[];
  clears: RuleName[];
}

const INDENT = '  ';
const RANK: readonly Finding['outcome'][] = ['clear', 'concern', 'ground', 'missing'];

/** The worst outcome of each rule that ran; a rule the policy switched off has none. */
export function outcomesByRule(findings: readonly Finding[]): Map<RuleName, Finding['outcome']> {
  const out = new Map<RuleName, Finding['outcome']>();
  for (const f of findings) {
    const prev = out.get(f.rule);
    if (!prev || RANK.indexOf(f.outcome) > RANK.indexOf(prev)) out.set(f.rule, f.outcome);
  }
  return out;
}

function findingLines(f: Finding, width: number): string[] {
  const pad = INDENT;
  const evidencePad = `${pad}          `;
  return [
    `${f.outcome.toUpperCase()} ${f.rule} [${f.article}]`,
    `${pad}${wrap(f.reason, width - pad.length, pad)}`,
    ...f.evidence.map((e) => `${pad}evidence: ${wrap(e, width - evidencePad.length, evidencePad)}`),
  ];
}

/** `Verdict: …`, a block per finding that is not clear, then the clear rules and the rules that did not run. */
export function screeningLines(s: ScreeningResult, note?: string): string[] {
  const width = textWidth();
  const byRule = outcomesByRule(s.findings);
  const cleared = [...byRule].filter(([, o]) => o === 'clear').map(([rule]) => rule);
  const notRun = RULE_NAMES.filter((r) => !byRule.has(r));
  return [
    `Verdict: ${s.verdict}`,
    ...(note ? [wrap(note, width)] : []),
    ...s.findings.filter((f) => f.outcome !== 'clear').flatMap((f) => ['', ...findingLines(f, width)]),
    '',
    ...(cleared.length ? [`clear: ${wrap(cleared.join(', '), width - 7, '       ')}`] : []),
    ...(notRun.length ? [`not run (off in the policy): ${notRun.join(', ')}`] : []),
  ];
}

/** What a result misses of a bundle's expectation, one phrase each; empty when it meets it. */
export function expectationMisses(s: ScreeningResult, expected: Expectation): string[] {
  const byRule = outcomesByRule(s.findings);
  const misses: string[] = [];
  if (!expected.verdict.includes(s.verdict))
    misses.push(`verdict ${s.verdict} is not among ${expected.verdict.join(', ')}`);
  for (const rule of expected.raises) {
    const o = byRule.get(rule);
    if (o === undefined) misses.push(`${rule} should raise but did not run`);
    else if (o === 'clear') misses.push(`${rule} should raise but is clear`);
  }
  for (const rule of expected.clears) {
    const o = byRule.get(rule);
    if (o === undefined) misses.push(`${rule} should be clear but did not run`);
    else if (o !== 'clear') misses.push(`${rule} should be clear but is ${o}`);
  }
  return misses;
}

export function expectationLines(s: ScreeningResult, expected: Expectation): string[] {
  const misses = expectationMisses(s, expected);
  if (!misses.length) {
    const parts = [
      `verdict one of ${expected.verdict.join(', ')}`,
      ...(expected.raises.length ? [`raises ${expected.raises.join(', ')}`] : []),
      ...(expected.clears.length
        ? [`clears ${expected.clears.length} rule${expected.clears.length === 1 ? '' : 's'}`]
        : []),
    ];
    return [wrap(`Expectation met: ${parts.join('; ')}`, textWidth(), INDENT)];
  }
  return [`Expectation NOT met (${misses.length}):`, ...misses.map((m) => `${INDENT}${m}`)];
}

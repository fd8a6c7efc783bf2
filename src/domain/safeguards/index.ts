/**
 * Safeguards screening (design §6): every enabled rule runs on every request and the verdict is derived from
 * the findings. Screening never decides; a reviewer does.
 */
import type { InterchangeRequest } from '../request.ts';
import { completeness } from './completeness.ts';
import { dataProtection } from './data-protection.ts';
import { deathPenalty } from './death-penalty.ts';
import { dualCriminality } from './dual-criminality.ts';
import { expression } from './expression.ts';
import { intent } from './intent.ts';
import { partyStatus } from './party-status.ts';
import { persecution } from './persecution.ts';
import { politicalOffence } from './political-offence.ts';
import { proportionality } from './proportionality.ts';
import { securityResearch } from './security-research.ts';
import { seriousness } from './seriousness.ts';
import { lexiconFor, READ_BUDGET_CHARS, withReading } from './text.ts';
import {
  DEFAULT_POLICY,
  type Finding,
  type Rule,
  type RuleName,
  type ScreeningContext,
  type Verdict,
} from './types.ts';

export type {
  Finding,
  Outcome,
  Rule,
  RuleName,
  ScreeningContext,
  ScreeningPolicy,
  Verdict,
} from './types.ts';
export { DEFAULT_POLICY, RULE_NAMES, TEXT_RULES } from './types.ts';

export const RULES: Record<RuleName, Rule> = {
  completeness,
  'party-status': partyStatus,
  'dual-criminality': dualCriminality,
  seriousness,
  proportionality,
  intent,
  'security-research': securityResearch,
  persecution,
  'political-offence': politicalOffence,
  expression,
  'death-penalty': deathPenalty,
  'data-protection': dataProtection,
};

/** Design §6: incomplete when anything is missing, else the worst other outcome. */
export function verdictOf(findings: readonly Finding[]): Verdict {
  if (findings.some((f) => f.outcome === 'missing')) return 'incomplete';
  if (findings.some((f) => f.outcome === 'ground')) return 'refuse-recommended';
  if (findings.some((f) => f.outcome === 'concern')) return 'review';
  return 'clear';
}

export interface Screening {
  verdict: Verdict;
  findings: Finding[];
}

/** Runs every rule the policy enables on a request. */
export function screen(request: InterchangeRequest, context: ScreeningContext): Screening {
  const policy = context.policy ?? DEFAULT_POLICY;
  const full = { ...context, policy };
  // One reading of the request's text, shared by every rule.
  const { result: findings, unread } = withReading(request, () => {
    const out: Finding[] = [];
    for (const [name, rule] of Object.entries(RULES) as [RuleName, Rule][]) {
      if (policy.rules[name] === false) continue;
      out.push(...rule(request, full));
    }
    return out;
  });
  if (unread.length > 0) {
    const chars = unread.reduce((n, u) => n + u.chars, 0);
    findings.push({
      rule: 'completeness',
      outcome: 'concern',
      article: 'UNCC art. 40(15) (content of a request)',
      reason: `The request's text is longer than the screen reads (${READ_BUDGET_CHARS.toLocaleString('en')} characters); ${chars.toLocaleString('en')} characters in ${unread.length} field${unread.length > 1 ? 's' : ''} were not screened. Read them yourself: a concern there would not show here.`,
      evidence: [
        ...unread.slice(0, 5).map((u) => `${u.field}: ${u.chars.toLocaleString('en')} characters not read`),
        ...(unread.length > 5 ? [`… and ${unread.length - 5} more fields`] : []),
      ],
    });
  }
  if (lexiconFor(request.language).fallback)
    findings.push({
      rule: 'completeness',
      outcome: 'concern',
      article: 'UNCC art. 40(14) (language)',
      reason: `There is no lexicon for the request's language "${request.language}"; the text signals read it as English and may miss what it says. Read the facts yourself.`,
      evidence: [`language: "${request.language}"`],
    });
  return { verdict: verdictOf(findings), findings };
}

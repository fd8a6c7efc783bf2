/**
 * Safeguards screening (design §6): every rule runs on every request and the verdict is derived from the
 * findings. Screening never decides; a reviewer does.
 */
import type { InterchangeRequest } from '../request.ts';
import { completeness } from './completeness.ts';
import type { Finding, Rule, ScreeningContext, Verdict } from './types.ts';

export type { Finding, Outcome, Rule, ScreeningContext, Verdict } from './types.ts';

export const RULES: Record<string, Rule> = { completeness };

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

/** Runs every rule on a request. */
export function screen(request: InterchangeRequest, context: ScreeningContext): Screening {
  const findings = Object.values(RULES).flatMap((rule) => rule(request, context));
  return { verdict: verdictOf(findings), findings };
}

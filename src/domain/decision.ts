/**
 * What a decision on an incoming request needs besides its own details (design §6, issue 3): screening never
 * decides, but a reviewer who accepts must have acknowledged every concern and justified overriding every
 * ground; a reviewer who refuses must first have offered the requesting state a consultation (UNCC art. 40:
 * consult before refusing; Budapest art. 27(6)), unless the request is an emergency.
 */

import type { Urgency } from './catalogue.ts';
import type { Action } from './lifecycle.ts';
import type { Finding, RuleName } from './safeguards/types.ts';

export interface DecisionProblem {
  field: string;
  message: string;
}

export interface DecisionInput {
  action: Action;
  details: { acknowledged?: RuleName[]; overrides?: { rule: RuleName; justification: string }[] };
  /** The latest screening's findings, or null when the request was never screened here. */
  findings: readonly Finding[] | null;
  /** The case's history, oldest first. */
  history: readonly { action: string }[];
  urgency: Urgency;
}

const ACCEPTING: readonly Action[] = ['accept', 'accept-with-conditions'];

/** The problems that stop this decision; empty when it may be taken. */
export function decisionProblems(input: DecisionInput): DecisionProblem[] {
  const problems: DecisionProblem[] = [];
  if (ACCEPTING.includes(input.action) && input.findings) {
    const acknowledged = new Set(input.details.acknowledged ?? []);
    const overridden = new Set((input.details.overrides ?? []).map((o) => o.rule));
    const seen = new Set<string>();
    for (const f of input.findings) {
      const key = `${f.rule}:${f.outcome}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (f.outcome === 'concern' && !acknowledged.has(f.rule) && !overridden.has(f.rule))
        problems.push({
          field: 'acknowledged',
          message: `acknowledge the ${f.rule} concern (${f.article}): ${f.reason}`,
        });
      if ((f.outcome === 'ground' || f.outcome === 'missing') && !overridden.has(f.rule))
        problems.push({
          field: 'overrides',
          message: `the screen found a ${f.outcome === 'ground' ? 'ground for refusal' : 'missing element'} under ${f.rule} (${f.article}); accepting needs a written justification for overriding it`,
        });
    }
  }
  if (input.action === 'refuse' && input.urgency !== 'emergency') {
    // Consultation must have been offered on the current version of the request.
    let consulted = false;
    for (const e of input.history) {
      if (e.action === 'submit' || e.action === 'amend') consulted = false;
      if (e.action === 'consult') consulted = true;
    }
    if (!consulted)
      problems.push({
        field: 'consultation',
        message:
          'offer the requesting state a consultation first (action "consult"): a refusal must follow consultation (UNCC art. 40; Budapest art. 27(6)), except for an emergency request',
      });
  }
  return problems;
}

/** Shared shapes of safeguards screening (design §6). */

import type { PartyProfile } from '../parties.ts';
import type { InterchangeRequest } from '../request.ts';

export type Outcome = 'clear' | 'concern' | 'ground' | 'missing';
export type Verdict = 'clear' | 'review' | 'refuse-recommended' | 'incomplete';

export interface Finding {
  rule: string;
  outcome: Outcome;
  /** The article the finding rests on, e.g. "UNCC art. 40(15)". */
  article: string;
  /** Plain-language explanation a reviewer can check. */
  reason: string;
  /** The words or fields of the request that triggered the finding. */
  evidence: string[];
}

export interface ScreeningContext {
  requested: PartyProfile;
  requesting: PartyProfile;
}

/** A rule: a pure function of the request and its context. */
export type Rule = (request: InterchangeRequest, context: ScreeningContext) => Finding[];

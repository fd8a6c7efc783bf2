/** Shared shapes of safeguards screening (design §6). */
import { z } from 'zod';
import type { PartyProfile } from '../parties.ts';
import type { InterchangeRequest } from '../request.ts';

export const OUTCOMES = ['clear', 'concern', 'ground', 'missing'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const VERDICTS = ['clear', 'review', 'refuse-recommended', 'incomplete'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const RULE_NAMES = [
  'completeness',
  'party-status',
  'dual-criminality',
  'seriousness',
  'proportionality',
  'intent',
  'security-research',
  'persecution',
  'political-offence',
  'expression',
  'death-penalty',
  'data-protection',
] as const;
export type RuleName = (typeof RULE_NAMES)[number];

/** The rules that read the request's free text (issue 15): a case whose `expect` clears them all is clean. */
export const TEXT_RULES = [
  'proportionality',
  'intent',
  'security-research',
  'persecution',
  'political-offence',
  'expression',
  'death-penalty',
  'data-protection',
] as const satisfies readonly RuleName[];

/** One rule's finding, as the screen makes it and as the API and the other tools show it. */
export const FindingSchema = z
  .object({
    rule: z.enum(RULE_NAMES),
    outcome: z.enum(OUTCOMES),
    article: z.string().meta({ description: 'the article the finding rests on, e.g. "UNCC art. 40(22)"' }),
    reason: z.string().meta({ description: 'plain-language explanation a reviewer can check' }),
    evidence: z.array(z.string()).meta({
      description: 'the words or fields of the request that triggered the finding, as `field: "words"`',
    }),
  })
  .meta({ id: 'Finding', description: "One screening rule's finding (design §6)" });
export type Finding = z.infer<typeof FindingSchema>;

/** The requested node's screening policy: which rules run and the thresholds some of them use. */
export interface ScreeningPolicy {
  rules: Record<RuleName, boolean>;
  proportionality: {
    /** More identifiers than this in one data item is bulk. */
    maxIdentifiers: number;
    /** A period longer than this, in days, needs justification. */
    maxPeriodDays: number;
    /** Longest real-time collection or interception period, in days. */
    maxCollectionDays: number;
  };
  seriousness: {
    /** Minimum maximum penalty, in years, for real-time collection of traffic data (UNCC art. 45 leaves it to domestic law). */
    realTimeMinYears: number;
    /** The same for interception of content (UNCC art. 46). */
    interceptionMinYears: number;
  };
}

export const DEFAULT_POLICY: ScreeningPolicy = {
  rules: Object.fromEntries(RULE_NAMES.map((r) => [r, true])) as Record<RuleName, boolean>,
  proportionality: { maxIdentifiers: 25, maxPeriodDays: 400, maxCollectionDays: 90 },
  seriousness: { realTimeMinYears: 4, interceptionMinYears: 4 },
};

export interface ScreeningContext {
  requested: PartyProfile;
  requesting: PartyProfile;
  policy?: ScreeningPolicy;
}

/** A rule: a pure function of the request and its context. */
export type Rule = (
  request: InterchangeRequest,
  context: ScreeningContext & { policy: ScreeningPolicy },
) => Finding[];

/** A rule's single finding. */
export function finding(
  rule: RuleName,
  outcome: Outcome,
  article: string,
  reason: string,
  evidence: string[] = [],
): Finding[] {
  return [{ rule, outcome, article, reason, evidence }];
}

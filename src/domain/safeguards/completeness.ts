/** Rule `completeness`: does the request hold what the treaty requires of a request of its type? */
import { requestType } from '../catalogue.ts';
import { missingForSubmission } from '../request.ts';
import type { Rule } from './types.ts';

export const completeness: Rule = (request) => {
  const info = requestType(request.type);
  const article = `UNCC art. ${request.type === 'preservation' ? '42(2)' : '40(15)'}; art. ${info.articles.UNCC}`;
  const missing = missingForSubmission(request);
  if (missing.length === 0)
    return [
      {
        rule: 'completeness',
        outcome: 'clear',
        article,
        reason: `The request holds everything a ${request.type} request requires.`,
        evidence: info.requires,
      },
    ];
  return missing.map((m) => ({
    rule: 'completeness' as const,
    outcome: 'missing' as const,
    article,
    reason: `Missing ${m.field}: ${m.reason}.`,
    evidence: [m.field],
  }));
};

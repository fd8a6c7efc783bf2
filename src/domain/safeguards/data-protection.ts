/**
 * Rule `data-protection`: are use limitation, retention and onward-transfer terms set for the personal data
 * the request will bring (UNCC art. 36; use limitation art. 40)? A stated use that defeats them — an
 * intelligence database, no time limit, sharing with security services — is a ground; a missing term is a
 * concern the reviewer can meet with conditions.
 */
import { findSignal, lexiconFor, quote, textFields } from './text.ts';
import { type Finding, finding, type Rule } from './types.ts';

const ARTICLE = 'UNCC art. 36, 40 (use limitation); Budapest 2nd Protocol art. 14';
const TERMS = [
  ['use-limitation', 'use limitation'],
  ['retention', 'retention limit'],
  ['onward-transfer', 'condition of prior consent for onward transfer'],
] as const;

export const dataProtection: Rule = (request) => {
  const { lexicon } = lexiconFor(request.language);
  const fields = textFields(request).filter((f) => f.field === 'facts' || f.field === 'purpose');
  const findings: Finding[] = [];
  const misuse = findSignal(lexicon, 'data-misuse', fields).filter((m) => !m.negated);
  if (misuse.length > 0)
    findings.push(
      ...finding(
        'data-protection',
        'ground',
        ARTICLE,
        'The request says the data will be used or kept in ways the data-protection safeguards exist to prevent: beyond the proceedings, without time limit, or passed to security or intelligence services.',
        quote(misuse),
      ),
    );
  const present = TERMS.map(([signal, label]) => ({ label, matches: findSignal(lexicon, signal, fields) }));
  const missing = present.filter((t) => t.matches.length === 0);
  if (missing.length > 0)
    findings.push(
      ...finding(
        'data-protection',
        'concern',
        ARTICLE,
        `The request sets no ${missing.map((t) => t.label).join(', no ')}. Attach ${missing.length > 1 ? 'them' : 'it'} as a condition before any personal data is transferred.`,
        ['purpose'],
      ),
    );
  if (findings.length > 0) return findings;
  return finding(
    'data-protection',
    'clear',
    ARTICLE,
    'The request sets a use limitation, a retention limit and onward transfer only with prior consent.',
    quote(present.flatMap((t) => t.matches.slice(0, 1))),
  );
};

/**
 * Rule `data-protection`: are use limitation, retention and onward-transfer terms set for the personal data
 * the request will bring (UNCC art. 36; use limitation art. 40)? The request's structured `dataProtection`
 * terms are read first; a term not given there counts when the purpose states it in any words ("will
 * serve this investigation alone", "destroyed when the proceedings close", "not handed to any other state
 * unless Borealis agrees"). A stated use that defeats them (an intelligence database, no time limit, sharing
 * with security services) is a ground; a term truly absent is a concern the reviewer can meet with conditions,
 * and the finding names which.
 */
import type { DataProtectionTerms } from '../request.ts';
import { findSignal, lexiconFor, quote, type SignalMatch, textFields } from './text.ts';
import { type Finding, finding, type Rule } from './types.ts';

const ARTICLE = 'UNCC art. 36, 40 (use limitation); Budapest 2nd Protocol art. 14';

type Term = keyof DataProtectionTerms;
const LABELS: Record<Term, string> = {
  useLimitation: 'use limitation',
  retention: 'retention limit',
  onwardTransfer: 'condition of prior consent for onward transfer',
};

export const dataProtection: Rule = (request) => {
  const { lexicon } = lexiconFor(request.language);
  const fields = textFields(request).filter(
    (f) => f.field === 'facts' || f.field === 'purpose' || f.field.startsWith('dataProtection.'),
  );
  // The terms are the requesting state's undertakings: in its structured terms or its purpose. The facts tell what
  // the offenders did, and their words ("promised returns after a call") are not terms.
  const narrative = fields.filter((f) => f.field !== 'facts');
  const purpose = fields.filter((f) => f.field === 'purpose');
  const findings: Finding[] = [];
  // What the data will be used for is said in the purpose and the terms; the facts say what the offenders did
  // (a fake "customs" message, a "share of the revenue" promised to victims).
  const misuse = findSignal(
    lexicon,
    'data-misuse',
    fields.filter((f) => f.field !== 'facts'),
  ).filter((m) => !m.negated);
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

  const structured = request.dataProtection ?? {};
  const stated = (term: Term, inText: () => SignalMatch[]): string[] => {
    const given = structured[term]?.trim();
    if (given) return [`dataProtection.${term}: "${given.length > 120 ? `${given.slice(0, 117)}…` : given}"`];
    return quote(inText().slice(0, 1));
  };
  const present: Record<Term, string[]> = {
    // An undertaking counts ("will be used only…"), and so do the terms stated as facts of the request ("Terms:
    // information received is used only in case 12-0417", "for this fraud case only").
    useLimitation: stated('useLimitation', () => [
      ...findSignal(lexicon, 'use-limitation', narrative),
      ...findSignal(lexicon, 'use-limitation-stated', purpose),
    ]),
    retention: stated('retention', () => [
      ...findSignal(lexicon, 'retention', narrative),
      ...findSignal(lexicon, 'retention-stated', purpose),
    ]),
    // "Not passed to any other state" bars onward transfer as surely as a consent condition allows it.
    onwardTransfer: stated('onwardTransfer', () => [
      ...findSignal(lexicon, 'onward-transfer', narrative),
      ...findSignal(lexicon, 'transfer-barred', narrative).filter((m) => m.negated),
    ]),
  };
  const missing = (Object.keys(LABELS) as Term[]).filter((t) => present[t].length === 0);
  if (missing.length > 0)
    findings.push(
      ...finding(
        'data-protection',
        'concern',
        ARTICLE,
        `The request sets no ${missing.map((t) => LABELS[t]).join(', no ')}. Attach ${missing.length > 1 ? 'them' : 'it'} as a condition before any personal data is transferred.`,
        missing.map((t) => `dataProtection.${t}: not stated, in the structured terms or in the purpose`),
      ),
    );
  if (findings.length > 0) return findings;
  return finding(
    'data-protection',
    'clear',
    ARTICLE,
    'The request sets a use limitation, a retention limit and onward transfer only with prior consent.',
    Object.values(present).flat(),
  );
};

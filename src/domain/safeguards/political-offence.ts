/**
 * Rule `political-offence`: is the offence political in character? The UN Convention has no express
 * political-offence exception, but a requested state may refuse where assistance would prejudice its essential
 * interests or its law bars it (UNCC art. 40(21)(b)-(c)), and extradition follows domestic law and treaties
 * (art. 37); Budapest art. 27(4)(a) names political offences outright. An offence defined or aggravated by
 * political motive is a ground; political motive only in the facts is a concern. The name of a criminal group
 * or a statute's label (e.g. "sabotage") is not a motive.
 */
import { findSignal, lexiconFor, quote, textFields } from './text.ts';
import { finding, type Rule } from './types.ts';

const ARTICLE = 'UNCC art. 40(21)(b)-(c), 37; Budapest art. 27(4)(a)';

export const politicalOffence: Rule = (request) => {
  const { lexicon } = lexiconFor(request.language);
  const fields = textFields(request);
  const matches = findSignal(lexicon, 'political-motive', fields).filter((m) => !m.negated);
  const inOffence = matches.filter((m) => m.field.endsWith('.domestic'));
  const inFacts = matches.filter((m) => m.field === 'facts' || m.field === 'purpose');
  if (inOffence.length > 0)
    return finding(
      'political-offence',
      'ground',
      ARTICLE,
      'The offence as the requesting state defines it turns on political motive: the penalty, or the offence itself, depends on the opinion behind the act.',
      quote([...inOffence, ...inFacts]),
    );
  if (inFacts.length > 0)
    return finding(
      'political-offence',
      'concern',
      ARTICLE,
      'The facts describe a political motive or a political act. Weigh whether the offence is political in character.',
      quote(inFacts),
    );
  return finding(
    'political-offence',
    'clear',
    ARTICLE,
    'Neither the offence nor the facts turn on political motive.',
  );
};

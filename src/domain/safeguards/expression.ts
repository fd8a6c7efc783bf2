/**
 * Rule `expression`: does the conduct amount to speech, protest or publication rather than an offence of the
 * catalogue? Offences such as "false information", "insulting officials" or "extremism" without violence make
 * speech itself the crime (UNCC art. 6(2)). Publishing is also the act of some catalogue offences (child sexual
 * abuse material, intimate images): those are never read as expression, so only non-catalogue offences and
 * speech-defined offences are looked at.
 */
import { findSignal, lexiconFor, quote, textFields } from './text.ts';
import { finding, type Rule } from './types.ts';

const ARTICLE = 'UNCC art. 6(2), 40(21)(b)';

export const expression: Rule = (request) => {
  const { lexicon } = lexiconFor(request.language);
  const fields = textFields(request);
  const speech = findSignal(lexicon, 'speech-offence', fields).filter((m) => !m.negated);
  const speechOffence = speech.filter((m) => m.field.endsWith('.domestic'));
  const speechFacts = speech.filter((m) => m.field === 'facts' || m.field === 'purpose');
  const nonCatalogue = request.offences.some((o) => o.code === 'SERIOUS-CRIME');
  const publication = findSignal(
    lexicon,
    'publication',
    fields.filter((f) => f.field === 'facts'),
  ).filter((m) => !m.negated);

  if (speechOffence.length > 0 && publication.length > 0)
    return finding(
      'expression',
      'ground',
      ARTICLE,
      'The offence punishes speech itself, and the facts describe publication, reporting, criticism or protest. Assisting would help punish expression the Convention says it does not restrict.',
      quote([...speechOffence, ...publication]),
    );
  if (speechOffence.length > 0 || (nonCatalogue && (speechFacts.length > 0 || publication.length > 0)))
    return finding(
      'expression',
      'concern',
      ARTICLE,
      speechOffence.length > 0
        ? 'The offence as defined punishes speech (false information, insult, extremism or the like). Check what conduct other than speech is alleged.'
        : 'The offence is outside the catalogue and the facts describe speech, publication or protest. Check that the conduct is more than expression.',
      quote([...speechOffence, ...speechFacts, ...publication]),
    );
  return finding(
    'expression',
    'clear',
    ARTICLE,
    'The conduct alleged is not speech, publication or protest treated as a crime.',
  );
};

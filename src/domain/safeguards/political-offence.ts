/**
 * Rule `political-offence`: is the offence political in character? The UN Convention has no express
 * political-offence exception, but a requested state may refuse where assistance would prejudice its essential
 * interests or its law bars it (UNCC art. 40(21)(b)-(c)), and extradition follows domestic law and treaties
 * (art. 37); Budapest art. 27(4)(a) names political offences outright. An offence defined against the political
 * order (separatism, territorial integrity, subversion) or by political motive is a ground when the conduct is
 * political activity, and a concern when harm is alleged too; a political aim only in the facts is a concern.
 * A criminal group's quoted name is not a motive, and neither is a political word beside ransom or fraud.
 */
import { targetReader } from './people.ts';
import { findSignal, lexiconFor, quote, textFields } from './text.ts';
import { finding, type Rule } from './types.ts';

const ARTICLE = 'UNCC art. 40(21)(b)-(c), 37; Budapest art. 27(4)(a)';

export const politicalOffence: Rule = (request) => {
  const { lexicon } = lexiconFor(request.language);
  const fields = textFields(request);
  const narrative = fields.filter((f) => f.field === 'facts' || f.field === 'purpose');
  // Political acts and motives are conduct: the facts tell them. The purpose says what is sought ("whether the
  // account holders are members of the Movement for Renewal"), which is for the persecution rule.
  const conduct = fields.filter((f) => f.field === 'facts');
  const inOffence = findSignal(
    lexicon,
    'political-motive',
    fields.filter((f) => f.field.endsWith('.domestic')),
  ).filter((m) => !m.negated);
  const harm = findSignal(lexicon, 'harm', narrative).filter((m) => !m.negated);
  const motive = findSignal(lexicon, 'political-motive-stated', conduct).filter((m) => !m.negated);
  // A political act beside alleged harm is context ("a phishing page copying an opposition party's"), not motive,
  // unless it is the targeted person's own; a stated motive counts either way ("took the ministry's site down in
  // protest against the dam").
  // Where harm is alleged, only a political act of the person targeted counts ("he was mayor until the assembly
  // dissolved the council, after he sided with the strikers").
  const aboutTarget = targetReader(request, narrative);
  const acts = findSignal(lexicon, 'political-act', conduct).filter(
    (m) => !m.negated && (harm.length === 0 || aboutTarget(m)),
  );
  const inFacts = [...motive, ...acts];
  const peaceful = findSignal(lexicon, 'publication', narrative).filter((m) => !m.negated);
  if (inOffence.length > 0 && (acts.length > 0 || peaceful.length > 0) && harm.length === 0)
    return finding(
      'political-offence',
      'ground',
      ARTICLE,
      'The offence as the requesting state defines it is directed against the political order or turns on political motive, and the conduct alleged is political activity with no harm to people or systems.',
      quote([...inOffence, ...inFacts, ...peaceful]),
    );
  if (inOffence.length > 0 || inFacts.length > 0)
    return finding(
      'political-offence',
      'concern',
      ARTICLE,
      inOffence.length > 0
        ? 'The offence as the requesting state defines it is directed against the political order or turns on political motive. Weigh whether the offence is political in character.'
        : 'The facts describe a political aim or a political act. Weigh whether the offence is political in character.',
      quote([...inOffence, ...inFacts]),
    );
  return finding(
    'political-offence',
    'clear',
    ARTICLE,
    'Neither the offence nor the facts turn on political motive.',
  );
};

/**
 * Rule `expression`: does the conduct amount to speech, protest or publication rather than an offence of the
 * catalogue? Offences such as "false information", "insulting officials", "discrediting the army", "a public call
 * to violate territorial integrity" or "extremism" without violence make speech itself the crime (UNCC art.
 * 6(2)). Publishing is also the act of some catalogue offences (child sexual abuse material, intimate images):
 * a sentence that alleges harm is never read as expression, so "published the images to extort her" is not.
 */
import { targetStanding } from './people.ts';
import { findSignal, lexiconFor, quote, textFields } from './text.ts';
import { finding, type Rule } from './types.ts';

const ARTICLE = 'UNCC art. 6(2), 40(21)(b)';

export const expression: Rule = (request) => {
  const { lexicon } = lexiconFor(request.language);
  const fields = textFields(request);
  const facts = fields.filter((f) => f.field === 'facts');
  const speech = findSignal(
    lexicon,
    'speech-offence',
    fields.filter((f) => f.field === 'facts' || f.field === 'purpose' || f.field.endsWith('.domestic')),
  ).filter((m) => !m.negated);
  const speechOffence = speech.filter((m) => m.field.endsWith('.domestic'));
  const speechFacts = speech.filter((m) => m.field === 'facts' || m.field === 'purpose');
  const nonCatalogue = request.offences.some((o) => o.code === 'SERIOUS-CRIME');
  const publication = findSignal(lexicon, 'publication', facts).filter((m) => !m.negated);
  // Harm alleged anywhere in the facts or the offence makes publishing part of a harm ("began publishing the
  // farmers' bank details to make the cooperative pay"), not expression.
  const harm = findSignal(
    lexicon,
    'harm',
    fields.filter((f) => f.field === 'facts' || f.field.endsWith('.domestic')),
  ).filter((m) => !m.negated);
  const criticism =
    harm.length === 0 ? findSignal(lexicon, 'expression-against-state', facts).filter((m) => !m.negated) : [];

  if (speechOffence.length > 0 && publication.length > 0)
    return finding(
      'expression',
      'ground',
      ARTICLE,
      'The offence punishes speech itself, and the facts describe publication, reporting, criticism, petition or protest. Assisting would help punish expression the Convention says it does not restrict.',
      quote([...speechOffence, ...publication]),
    );
  const speechOnly = harm.length === 0 && (speechFacts.length > 0 || publication.length > 0);
  // A person of a standing often persecuted, who used the access alleged to speak, and no harm is alleged: the
  // case may be about the expression whatever the offence is called (a couriers' organiser charged with
  // borrowing a login to post about pay). A standing beside an access that served something else is for the
  // persecution rule, not this one.
  const throughAccess =
    speechOnly && !nonCatalogue
      ? findSignal(lexicon, 'speech-through-access', facts).filter((m) => !m.negated)
      : [];
  const standing = throughAccess.length > 0 ? targetStanding(request, lexicon) : [];
  // What was accessed, published or handed to the press or a campaign, with no harm alleged: a leak, which is
  // expression (ECtHR, Guja v. Moldova, 2008), whoever the person is.
  const leaked =
    harm.length === 0 && !nonCatalogue
      ? findSignal(lexicon, 'published-accessed', facts).filter((m) => !m.negated)
      : [];
  // The facts may name a speech or worship offence behind the one charged ("unlawful religious activity"
  // whose donations are charged as laundering): with the expression itself described and no harm, a concern.
  const behind = harm.length === 0 && publication.length > 0 ? speechFacts : [];
  if (
    speechOffence.length > 0 ||
    (speechOnly && (nonCatalogue || standing.length > 0)) ||
    behind.length > 0 ||
    leaked.length > 0 ||
    criticism.length > 0
  )
    return finding(
      'expression',
      'concern',
      ARTICLE,
      speechOffence.length > 0
        ? 'The offence as defined punishes speech (false information, insult, extremism, public calls or the like). Check what conduct other than speech is alleged.'
        : nonCatalogue && speechOnly
          ? 'The offence is outside the catalogue and the facts describe speech, publication or protest, with no harm alleged. Check that the conduct is more than expression.'
          : leaked.length > 0 && standing.length === 0 && behind.length === 0
            ? 'What was accessed was published or given to the press or a campaign, and no harm to people or systems is alleged: a leak in the public interest is expression. Check that the request does not follow from the publication.'
            : behind.length > 0 && standing.length === 0
              ? 'The facts describe the conduct as an offence of speech, worship or association behind the one charged, and no harm to people or systems. Check that the request does not follow from the expression.'
              : standing.length > 0
                ? 'The person targeted has a standing often persecuted, the access alleged served their speech, publication or organising, and no harm to people or systems is alleged. Check that the request does not follow from the expression.'
                : 'The facts describe criticism of, or protest against, the state or its officials, and no harm to people or systems. Check that the request does not follow from the expression.',
      quote([
        ...speechOffence,
        ...speechFacts,
        ...publication,
        ...criticism,
        ...(standing.length > 0 ? [...throughAccess, ...standing] : []),
        ...leaked,
      ]),
    );
  return finding(
    'expression',
    'clear',
    ARTICLE,
    'The conduct alleged is not speech, publication or protest treated as a crime.',
  );
};

/**
 * Rule `persecution`: are there signs that the request targets a person for sex, race, language, religion,
 * nationality, ethnic origin or political opinions (UNCC art. 40(22), 37(15))? Three concepts are read, in any
 * wording (data/safeguards/concepts.en.json): the standing of the person targeted (journalist, campaigner,
 * protest leader, opposition figure, minority or faith community, exile), attached to a suspect, accused or
 * account holder and never to a victim; a reach for opinions, sources, contacts, memberships or funding; and
 * conduct that is expression, association or protest with the state as the one aggrieved and no harm alleged.
 * Standing or reach alone is a concern; standing with either of the others is a ground for a reviewer to weigh.
 */
import { targetStanding } from './people.ts';
import { findSignal, lexiconFor, quote, type SignalMatch, textFields } from './text.ts';
import { finding, type Rule } from './types.ts';

export const persecution: Rule = (request) => {
  const { lexicon } = lexiconFor(request.language);
  const fields = textFields(request);
  const article = request.type === 'extradition' ? 'UNCC art. 37(15), 6' : 'UNCC art. 40(22), 6';
  const narrative = fields.filter((f) => f.field === 'facts' || f.field === 'purpose');

  const status = targetStanding(request, lexicon);
  // What the request seeks (its purpose) shows a reach at once; the facts and the offence only where they say
  // the investigation seeks it ("sources … whom the investigation seeks to identify"), not where an offender
  // took a victim's contact list.
  const targeting = [
    ...findSignal(
      lexicon,
      'targeting',
      fields.filter((f) => f.field === 'purpose'),
    ),
    ...findSignal(
      lexicon,
      'targeting-sought',
      fields.filter((f) => f.field === 'facts' || f.field.endsWith('.domestic')),
    ),
  ].filter((m) => !m.negated);
  // Where the facts allege harm to people or systems, identifying co-offenders, payers or participants is what
  // an investigation does ("who paid for the deliveries"); only a reach for what a person thinks, believes or
  // is, or for sources and foreign ties, is a sign then. With a standing, every reach counts.
  const harm = findSignal(
    lexicon,
    'harm',
    fields.filter((f) => f.field === 'facts'),
  ).filter((m) => !m.negated);
  const identity =
    harm.length > 0 && status.length === 0 ? findSignal(lexicon, 'targeting-identity', fields) : [];
  const reached =
    harm.length > 0 && status.length === 0
      ? targeting.filter((m) => identity.some((i) => i.field === m.field && overlaps(i, m)))
      : targeting;
  const againstState = findSignal(lexicon, 'expression-against-state', narrative).filter((m) => !m.negated);

  if (status.length === 0 && reached.length === 0)
    return finding(
      'persecution',
      'clear',
      article,
      'No sign that the request targets a person for a protected characteristic or for political opinions.',
    );
  if (status.length > 0 && (reached.length > 0 || againstState.length > 0))
    return finding(
      'persecution',
      'ground',
      article,
      reached.length > 0
        ? 'The person targeted has a standing often persecuted for opinions or identity, and the request reaches for opinions, sources, contacts or associations rather than the acts of an offence. There may be substantial grounds to believe it aims to punish the person for political opinions or identity.'
        : 'The person targeted has a standing often persecuted for opinions or identity, and the conduct alleged is expression, association or protest with the state as the one aggrieved. There may be substantial grounds to believe it aims to punish the person for political opinions.',
      [...quote(status), ...quote(reached), ...quote(againstState)],
    );
  return finding(
    'persecution',
    'concern',
    article,
    status.length > 0
      ? 'The person targeted has a standing often persecuted for opinions or identity. Check that the request concerns an offence, not the person’s work, opinions or identity.'
      : 'The request reaches for opinions, sources, contacts or associations, or uses political labels. Check that it concerns an offence.',
    [...quote(status), ...quote(reached)],
  );
};

/** Whether two matches in one field share words. */
function overlaps(a: SignalMatch, b: SignalMatch): boolean {
  return a.at < b.at + b.quote.length && b.at < a.at + a.quote.length;
}

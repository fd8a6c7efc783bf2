/**
 * Rule `persecution`: are there signs that the request targets a person for sex, race, language, religion,
 * nationality, ethnic origin or political opinions (UNCC art. 40(22), 37(15))? Two kinds of sign are read: the
 * status of the person targeted (journalist, activist, opposition, minority, refugee) — only for suspects and
 * account holders, never for victims — and targeting of opinions, sources or associations (a journalist's
 * sources, foreign contacts, labels such as "anti-state" or "propaganda"). One kind is a concern; both together
 * are a ground for a reviewer to weigh.
 */
import { findSignal, lexiconFor, quote, type SignalMatch, TARGET_ROLES, textFields } from './text.ts';
import { finding, type Rule } from './types.ts';

export const persecution: Rule = (request) => {
  const { lexicon } = lexiconFor(request.language);
  const fields = textFields(request);
  const article = request.type === 'extradition' ? 'UNCC art. 37(15), 6' : 'UNCC art. 40(22), 6';
  const targets = request.subjects.filter(
    (s) => TARGET_ROLES.has(s.role) && s.name.trim().toLowerCase() !== 'unknown',
  );
  const namesTarget = (m: SignalMatch) =>
    targets.some(
      (t) => m.sentence.includes(t.name.split(/[ (]/)[0] ?? t.name) || m.sentence.includes(t.name),
    );

  const status = findSignal(lexicon, 'protected-status', fields).filter(
    (m) =>
      !m.negated &&
      // Subject descriptions count for targeted roles only; the facts count where they name a targeted person.
      ((m.role !== undefined && TARGET_ROLES.has(m.role)) || (m.field === 'facts' && namesTarget(m))),
  );
  const targeting = findSignal(
    lexicon,
    'targeting',
    fields.filter((f) => f.field === 'facts' || f.field === 'purpose' || f.field.endsWith('.domestic')),
  ).filter((m) => !m.negated);

  if (status.length === 0 && targeting.length === 0)
    return finding(
      'persecution',
      'clear',
      article,
      'No sign that the request targets a person for a protected characteristic or for political opinions.',
    );
  const evidence = [...quote(status), ...quote(targeting)];
  if (status.length > 0 && targeting.length > 0)
    return finding(
      'persecution',
      'ground',
      article,
      'The person targeted belongs to a group often persecuted for opinions or identity, and the request reaches for opinions, sources, contacts or associations rather than the acts of an offence. There may be substantial grounds to believe it aims to punish the person for political opinions or identity.',
      evidence,
    );
  return finding(
    'persecution',
    'concern',
    article,
    status.length > 0
      ? 'The person targeted belongs to a group often persecuted for opinions or identity. Check that the request concerns an offence, not the person’s work or identity.'
      : 'The request reaches for opinions, sources, contacts or associations, or uses political labels. Check that it concerns an offence.',
    evidence,
  );
};

/**
 * Rule `intent`: for access, interception and interference offences, where the requested state requires
 * dishonest or malicious intent (UNCC art. 7(2) lets a party add it; its declaration or domestic law says so),
 * do the facts allege it? The Convention does not require intent beyond "intentionally, without right", which
 * is what its critics feared; a state that does must see it alleged before it assists.
 */
import { INTENT_ELEMENTS, INTENT_OFFENCES, type OffenceCode } from '../catalogue.ts';
import type { PartyProfile } from '../parties.ts';
import { findSignal, lexiconFor, quote, textFields } from './text.ts';
import { finding, type Rule } from './types.ts';

const INTENT: ReadonlySet<string> = new Set(INTENT_ELEMENTS);

/** Whether the requested state requires dishonest or malicious intent for this offence. */
export function requiresIntent(requested: PartyProfile, code: OffenceCode): boolean {
  if (code === 'UNCC-ILLEGAL-ACCESS' && requested.declarations?.dishonestIntentForAccess) return true;
  return (requested.law?.[code]?.requires ?? []).some((e) => INTENT.has(e));
}

export const intent: Rule = (request, { requested }) => {
  const relevant = request.offences
    .map((o, i) => ({ o, i }))
    .filter(({ o }) => INTENT_OFFENCES.includes(o.code));
  const required = relevant.filter(({ o }) => requiresIntent(requested, o.code));
  if (required.length === 0)
    return finding(
      'intent',
      'clear',
      'UNCC art. 7(2), 35(3)',
      relevant.length === 0
        ? 'No access, interception or interference offence is cited.'
        : `${requested.code} does not require dishonest or malicious intent for the offences cited.`,
      relevant.map(({ o, i }) => `offences[${i}].code: "${o.code}"`),
    );
  const { lexicon } = lexiconFor(request.language);
  const facts = textFields(request).filter(
    (f) => f.field === 'facts' || f.field === 'purpose' || f.field.endsWith('.domestic'),
  );
  const alleged = findSignal(lexicon, 'intent', facts).filter((m) => !m.negated);
  const codes = required.map(({ o, i }) => `offences[${i}].code: "${o.code}"`);
  if (alleged.length > 0)
    return finding(
      'intent',
      'clear',
      'UNCC art. 7(2), 35(3)',
      `${requested.code} requires dishonest intent, and the facts allege it.`,
      [...codes, ...quote(alleged)],
    );
  return finding(
    'intent',
    'concern',
    'UNCC art. 7(2), 35(3); Budapest art. 2',
    `${requested.code} requires dishonest or malicious intent for ${required.map(({ o }) => o.code).join(', ')}, and the facts allege none. Ask the requesting state whether it alleges such intent before executing; without it the conduct may not be an offence in ${requested.code}.`,
    codes,
  );
};

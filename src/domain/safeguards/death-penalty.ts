/**
 * Rule `death-penalty`: can the conduct be punished by death in the requesting state while the requested state
 * is abolitionist? Then assistance or surrender should be granted only on assurances that the death penalty
 * will not be imposed or carried out (UNCC art. 6(1), 37, 40(21)): a ground unless such a condition is attached.
 */
import { findSignal, lexiconFor, quote, textFields } from './text.ts';
import { finding, type Rule } from './types.ts';

const ARTICLE = 'UNCC art. 6(1), 37, 40(21)(b)';

export const deathPenalty: Rule = (request, { requested, requesting }) => {
  if (!requested.abolitionist)
    return finding(
      'death-penalty',
      'clear',
      ARTICLE,
      `${requested.code} is not recorded as abolitionist, so no assurance is required by this rule.`,
    );
  if (requesting.abolitionist)
    return finding('death-penalty', 'clear', ARTICLE, `${requesting.code} has abolished the death penalty.`, [
      `${requesting.code} abolitionist`,
    ]);
  const { lexicon } = lexiconFor(request.language);
  const text = findSignal(
    lexicon,
    'death-penalty',
    textFields(request).filter(
      (f) => f.field === 'facts' || f.field === 'purpose' || f.field.endsWith('.domestic'),
    ),
  ).filter((m) => !m.negated);
  // An assurance the request itself gives ("the Prosecutor General assures Arcadia that the death penalty will not
  // be sought or imposed") meets the condition; the reviewer still sees it quoted.
  const assured = findSignal(
    lexicon,
    'death-penalty-assured',
    textFields(request).filter((f) => f.field === 'facts' || f.field === 'purpose'),
  ).filter((m) => !m.headNegated);
  if ((request.deathPenaltyPossible || text.length > 0) && assured.length > 0)
    return finding(
      'death-penalty',
      'clear',
      ARTICLE,
      `${requesting.code} can punish the conduct by death, and the request gives an assurance that the death penalty will not be imposed or carried out. Check that it binds the authorities that decide (UNCC art. 37, 40(21)); record it as a condition of granting.`,
      [...(request.deathPenaltyPossible ? ['deathPenaltyPossible: true'] : []), ...quote(assured)],
    );
  if (!request.deathPenaltyPossible && text.length === 0)
    return finding(
      'death-penalty',
      'clear',
      ARTICLE,
      `${requesting.code} keeps the death penalty, but nothing in the request says the offences can be punished by death.`,
      ['deathPenaltyPossible: false'],
    );
  return finding(
    'death-penalty',
    'ground',
    ARTICLE,
    `${requesting.code} can punish the conduct by death and ${requested.code} is abolitionist. Grant only with a condition of assurances that the death penalty will not be imposed or, if imposed, not carried out.`,
    [...(request.deathPenaltyPossible ? ['deathPenaltyPossible: true'] : []), ...quote(text)],
  );
};

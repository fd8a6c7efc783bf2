/**
 * Rule `security-research`: do the facts describe good-faith security research, vulnerability disclosure,
 * authorised testing or red-teaming, in any words (a weakness found and told to its owner counts as much as
 * "bug bounty")? The Convention has no exception for it (only art. 11(2), for devices); critics warned that
 * researchers could be pursued as intruders. A sentence that describes an attack (ransom, extortion, sale) or
 * testing commissioned by the victim does not count: an attacker's use of a vulnerability is not research.
 */
import { targetReader } from './people.ts';
import { findSignal, lexiconFor, quote, type SignalMatch, TARGET_ROLES, textFields } from './text.ts';
import { finding, type Rule } from './types.ts';

const ARTICLE = 'UNCC art. 6, 11(2), 24; Budapest art. 15';
/** Characters from the start of a sentence naming a commission within which research is the commission's. */
const COMMISSION_REACH = 400;
/** Characters between research words and the targeted person's name for the words to be about that person. */
const NAMED_NEAR = 100;

export const securityResearch: Rule = (request) => {
  const { lexicon } = lexiconFor(request.language);
  const fields = textFields(request).filter(
    (f) => f.field === 'facts' || f.field === 'purpose' || (f.role !== undefined && TARGET_ROLES.has(f.role)),
  );
  // The signal's frames leave out sentences that describe an attack (ransom, sale, extortion). Testing done for
  // the victim or the investigators (a forensic firm, a penetration test the company commissioned) is not the
  // suspect's conduct, unless the sentence is about the suspect: a tester pursued for the test she was hired for.
  const narrative = fields.filter((f) => f.field === 'facts' || f.field === 'purpose');
  // Under a commission, only words right beside the person targeted are about them ("Ruth Lind, a tester hired
  // by the bank, …"), not a sentence that mentions them in passing.
  const aboutTarget = targetReader(request, narrative, NAMED_NEAR);
  // A commission covers its sentence and what follows it closely ("… commissioned a red-team exercise; its
  // testers reported …").
  const commissioned = findSignal(lexicon, 'commissioned', fields);
  const underCommission = (m: SignalMatch) =>
    commissioned.some(
      (c) => c.field === m.field && c.sentenceAt <= m.at && m.at - c.sentenceAt < COMMISSION_REACH,
    );
  const research = findSignal(lexicon, 'research', fields).filter(
    (m) => !m.negated && (!underCommission(m) || aboutTarget(m)),
  );
  if (research.length === 0)
    return finding(
      'security-research',
      'clear',
      ARTICLE,
      'Nothing in the facts describes security research, vulnerability disclosure or authorised testing.',
    );
  return finding(
    'security-research',
    'concern',
    ARTICLE,
    'The facts describe what looks like good-faith security research: finding a flaw and telling its owner, or authorised testing. The Convention has no exception for it; weigh whether assisting would punish research rather than intrusion (UNCC art. 6, 24), and whether the requested state requires dishonest intent.',
    quote(research),
  );
};

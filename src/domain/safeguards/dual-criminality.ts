/**
 * Rule `dual-criminality`: is the conduct an offence in the requested state, where the type requires it?
 * Preservation and the disclosure of preserved traffic data need none (UNCC art. 42(3), 43), unless the
 * requested state reserved it for offences outside the Convention (art. 42(4)); non-coercive information
 * needs none. Dual criminality compares conduct, not labels (art. 35(3)), so an offence the requested state
 * does not criminalise under that heading is a concern for a person to check against its other offences,
 * except in extradition, where both states must punish it (art. 37(1)).
 */
import { requestType } from '../catalogue.ts';
import { type Finding, finding, type Rule } from './types.ts';

export const dualCriminality: Rule = (request, { requested }) => {
  const info = requestType(request.type);
  const preservationLike = request.type === 'preservation' || request.type === 'traffic-disclosure';
  if (!info.coercive)
    return finding(
      'dual-criminality',
      'clear',
      'UNCC art. 40',
      `A ${request.type} request asks for no coercive measure; dual criminality is not required.`,
      [`type: "${request.type}"`],
    );

  const offences = request.offences;
  if (preservationLike) {
    const reserved = requested.declarations?.dualCriminalityForPreservation === true;
    const outside = offences.filter((o) => o.code === 'SERIOUS-CRIME');
    if (!reserved || outside.length === 0)
      return finding(
        'dual-criminality',
        'clear',
        'UNCC art. 42(3)-(4), 43; Budapest art. 29(3)-(4)',
        reserved
          ? `${requested.code} reserved dual criminality for preservation of offences outside the Convention, and every offence here is a Convention offence.`
          : `Preservation needs no dual criminality, and ${requested.code} made no reservation.`,
        [`type: "${request.type}"`],
      );
  }

  const uncovered: Finding[] = [];
  offences.forEach((o, i) => {
    const law = requested.law?.[o.code];
    if (law && law.criminalised === false)
      uncovered.push({
        rule: 'dual-criminality',
        outcome: request.type === 'extradition' ? 'ground' : 'concern',
        article:
          request.type === 'extradition' ? 'UNCC art. 37(1)' : 'UNCC art. 35(3), 40; Budapest art. 25(5)',
        reason:
          request.type === 'extradition'
            ? `${requested.code} does not criminalise ${o.code}; extradition needs the conduct to be punishable in both states.`
            : `${requested.code} has not criminalised ${o.code} as such. Dual criminality compares conduct, not labels: check whether another offence of ${requested.code} (e.g. harassment, privacy, data protection) covers the conduct before declining.`,
        evidence: [
          `offences[${i}].code: "${o.code}"`,
          ...(o.domestic ? [`offences[${i}].domestic: "${o.domestic}"`] : []),
        ],
      });
  });
  if (uncovered.length > 0) return uncovered;
  return finding(
    'dual-criminality',
    'clear',
    'UNCC art. 35(3)',
    `Every offence cited is criminalised in ${requested.code}.`,
    offences.map((o, i) => `offences[${i}].code: "${o.code}"`),
  );
};

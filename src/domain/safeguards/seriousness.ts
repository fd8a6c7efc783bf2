/**
 * Rule `seriousness`: thresholds of penalty. A `SERIOUS-CRIME` must carry at least four years (UNCC art. 2(h)).
 * Real-time collection and interception are reserved, by the requested node's policy, for offences at or above
 * a threshold in both states (the treaty leaves it to domestic law, art. 45-46). Extradition needs at least one
 * year in both states (art. 37(1)).
 */

import type { PartyProfile } from '../parties.ts';
import type { InterchangeRequest } from '../request.ts';
import { type Finding, finding, type Rule } from './types.ts';

/** The maximum penalty of an offence in the requested state; the registry lists only what differs from four years. */
function requestedPenalty(
  requested: PartyProfile,
  code: InterchangeRequest['offences'][number]['code'],
): number | undefined {
  const law = requested.law?.[code];
  if (law?.criminalised === false) return 0;
  return law?.maxPenaltyYears ?? (code === 'SERIOUS-CRIME' ? undefined : 4);
}

export const seriousness: Rule = (request, { requested, requesting, policy }) => {
  const findings: Finding[] = [];
  request.offences.forEach((o, i) => {
    if (o.code === 'SERIOUS-CRIME' && o.maxPenaltyYears !== undefined && o.maxPenaltyYears < 4)
      findings.push(
        ...finding(
          'seriousness',
          'ground',
          'UNCC art. 2(h), 35(1)(c)',
          `A serious crime carries at least four years; this one carries ${o.maxPenaltyYears} in ${requesting.code}, so the Convention does not reach it.`,
          [`offences[${i}].maxPenaltyYears: ${o.maxPenaltyYears}`],
        ),
      );
  });

  const threshold =
    request.type === 'real-time-traffic'
      ? {
          years: policy.seriousness.realTimeMinYears,
          article: 'UNCC art. 45; requested state policy',
          what: 'Real-time collection of traffic data',
        }
      : request.type === 'interception'
        ? {
            years: policy.seriousness.interceptionMinYears,
            article: 'UNCC art. 46; requested state policy',
            what: 'Interception of content',
          }
        : request.type === 'extradition'
          ? { years: 1, article: 'UNCC art. 37(1); Budapest art. 24(1)', what: 'Extradition' }
          : null;
  // An offence the requested state does not criminalise at all is for the dual-criminality rule.
  const criminalised = request.offences.filter((o) => requested.law?.[o.code]?.criminalised !== false);
  if (threshold && criminalised.length > 0) {
    const meets = criminalised.some((o) => {
      const here = o.maxPenaltyYears ?? 0;
      const there = requestedPenalty(requested, o.code) ?? here;
      return here >= threshold.years && there >= threshold.years;
    });
    const evidence = request.offences.map(
      (o, i) =>
        `offences[${i}]: ${o.code}, ${o.maxPenaltyYears ?? '?'} years in ${requesting.code}, ${requestedPenalty(requested, o.code) ?? 'same'} in ${requested.code}`,
    );
    if (!meets)
      findings.push(
        ...finding(
          'seriousness',
          'ground',
          threshold.article,
          `${threshold.what} needs an offence punishable by at least ${threshold.years} year(s) in both states; none of the offences cited reaches it.${request.type === 'real-time-traffic' || request.type === 'interception' ? ' Stored-data measures may still be open.' : ''}`,
          evidence,
        ),
      );
    else if (findings.length === 0)
      return finding(
        'seriousness',
        'clear',
        threshold.article,
        `${threshold.what}: an offence cited reaches ${threshold.years} year(s) in both states.`,
        evidence,
      );
  }
  if (findings.length > 0) return findings;
  return finding(
    'seriousness',
    'clear',
    'UNCC art. 2(h), 35(1)',
    'No penalty threshold applies to this request, or every one is met.',
    [],
  );
};

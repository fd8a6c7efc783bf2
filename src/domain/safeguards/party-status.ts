/**
 * Rule `party-status`: are both states bound by the instrument the request cites, and does the request come by
 * the channel its type uses? A request from a state not bound creates no treaty obligation (the requested state
 * may still help under its own law or on reciprocity), so it is a concern, not a ground.
 */
import { requestType } from '../catalogue.ts';
import type { PartyProfile } from '../parties.ts';
import { channelOf } from '../request.ts';
import { type Finding, finding, type Rule } from './types.ts';

const ARTICLES = {
  UNCC: 'UNCC art. 64-65 (parties), 35',
  BUDAPEST: 'Budapest art. 36-37 (parties), 23',
} as const;

function statusLine(
  p: PartyProfile,
  instrument: 'UNCC' | 'BUDAPEST',
): { bound: boolean | null; text: string } {
  const status = p.instruments[instrument];
  if (status === undefined)
    return { bound: null, text: `${p.code}'s ${instrument} status is not recorded in the registry` };
  if (status === 'ratified') return { bound: true, text: `${p.code} has ratified ${instrument}` };
  return {
    bound: false,
    text: `${p.code} has ${status === 'signed' ? 'only signed' : 'neither signed nor ratified'} ${instrument}`,
  };
}

export const partyStatus: Rule = (request, { requested, requesting }) => {
  const findings: Finding[] = [];
  const article = ARTICLES[request.instrument];
  const lines = [statusLine(requesting, request.instrument), statusLine(requested, request.instrument)];
  const unbound = lines.filter((l) => l.bound === false);
  const unknown = lines.filter((l) => l.bound === null);
  if (unbound.length > 0)
    findings.push(
      ...finding(
        'party-status',
        'concern',
        article,
        `${unbound.map((l) => l.text).join('; ')}. The request creates no obligation under ${request.instrument}; assistance may still be given under domestic law or on reciprocity.`,
        ['instrument', ...unbound.map((l) => l.text)],
      ),
    );
  else if (unknown.length > 0)
    findings.push(
      ...finding(
        'party-status',
        'concern',
        article,
        `${unknown.map((l) => l.text).join('; ')}; check before relying on ${request.instrument}.`,
        ['instrument'],
      ),
    );

  const expected = requestType(request.type).channel;
  const channel = channelOf(request);
  // A 24/7 point of contact is for preservation and emergencies (UNCC art. 41); other requests go to the
  // central authority (art. 40(13)), unless there is an emergency.
  if (channel === '24-7' && expected === 'central-authority' && request.urgency !== 'emergency')
    findings.push(
      ...finding(
        'party-status',
        'concern',
        'UNCC art. 40(13), 41',
        `A ${request.type} request goes to the central authority; the 24/7 channel is for preservation and emergencies.`,
        [`channel: "${channel}"`, `urgency: "${request.urgency}"`],
      ),
    );

  if (findings.length === 0)
    return finding(
      'party-status',
      'clear',
      article,
      `Both ${requesting.code} and ${requested.code} have ratified ${request.instrument}, and the request uses the ${channel} channel.`,
      [lines[0]!.text, lines[1]!.text],
    );
  return findings;
};

/**
 * Rule `proportionality`: are the data categories, the number of identifiers and the time span no more than
 * the purpose needs (UNCC art. 24(1)-(2): proportionality, limits on scope and duration)? Content, bulk and
 * open-ended or long periods need a stated justification; thresholds come from the requested node's policy.
 */
import { findSignal, lexiconFor, quote, textFields } from './text.ts';
import { type Finding, finding, type Rule } from './types.ts';

const ARTICLE = 'UNCC art. 24(1)-(2); Budapest art. 15';
const DAY = 86_400_000;
/** An address range of this size or larger (IPv4 /24, IPv6 /64) covers many unrelated users. */
const CIDR = /\b(?:\d{1,3}\.){3}\d{1,3}\/(\d{1,2})\b|\b[0-9a-f:]+\/(\d{1,3})\b/i;

function days(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / DAY) + 1;
}

export const proportionality: Rule = (request, { policy }) => {
  const { lexicon } = lexiconFor(request.language);
  const limits = policy.proportionality;
  const findings: Finding[] = [];
  const concern = (reason: string, evidence: string[]) =>
    findings.push(...finding('proportionality', 'concern', ARTICLE, reason, evidence));
  const fields = textFields(request);
  // The reason may be in the purpose or in the data item's own description ("needed because the instructions
  // were exchanged through this mailbox").
  const reasons = fields.filter(
    (f) => f.field === 'purpose' || (f.field.startsWith('data[') && f.field.endsWith('.description')),
  );
  const justified = findSignal(lexicon, 'justification', reasons).filter((m) => !m.negated);

  request.data.forEach((d, i) => {
    if (d.identifiers.length > limits.maxIdentifiers)
      concern(
        `Item ${i} names ${d.identifiers.length} identifiers, more than the ${limits.maxIdentifiers} this node accepts without a closer look.`,
        [`data[${i}].identifiers: ${d.identifiers.length}`],
      );
    d.identifiers.forEach((id, j) => {
      const m = CIDR.exec(id);
      const prefix = m ? Number(m[1] ?? m[2]) : Number.NaN;
      if (m && ((m[1] !== undefined && prefix <= 24) || (m[2] !== undefined && prefix <= 64)))
        concern(`Item ${i} names a whole address range, which reaches every user of it, not one suspect.`, [
          `data[${i}].identifiers[${j}]: "${id}"`,
        ]);
    });
    if (d.from && d.to) {
      const span = days(d.from, d.to);
      const collection = request.type === 'real-time-traffic' || request.type === 'interception';
      const limit = collection ? limits.maxCollectionDays : limits.maxPeriodDays;
      if (span > limit)
        concern(
          `Item ${i} covers ${span} days (${d.from} to ${d.to}), longer than the ${limit} days this node accepts without a closer look.`,
          [`data[${i}].from: "${d.from}"`, `data[${i}].to: "${d.to}"`],
        );
    } else if (d.from && !d.to)
      concern(`Item ${i} has no end date: an open-ended period.`, [`data[${i}].from: "${d.from}"`]);
  });

  // Bulk is what the request asks for (its purpose and data items), not words of the facts ("the same password
  // for every customer").
  const asked = fields.filter((f) => f.field === 'purpose' || f.field.startsWith('data['));
  const bulk = findSignal(lexicon, 'bulk', asked).filter((m) => !m.negated);
  if (bulk.length > 0)
    concern(
      'The request reaches every customer, account or user of a service, or an open-ended period, rather than the data linked to the offence.',
      quote(bulk),
    );

  const content = request.data.map((d, i) => ({ d, i })).filter(({ d }) => d.category === 'content');
  // Preservation keeps data from being lost and discloses nothing (UNCC art. 25); the request that later asks
  // for the content is the one that must say why it is needed.
  if (content.length > 0 && justified.length === 0 && request.type !== 'preservation')
    concern(
      'Content is the most intrusive category, and the purpose does not say why subscriber or traffic data would not be enough.',
      content.map(({ i }) => `data[${i}].category: "content"`),
    );
  if ((request.type === 'real-time-traffic' || request.type === 'interception') && justified.length === 0)
    concern('The request does not say why the collection period is as long as it is (UNCC art. 45).', [
      'purpose',
    ]);

  if (findings.length > 0) return findings;
  const summary = request.data.map(
    (d, i) =>
      `data[${i}]: ${d.category}, ${d.identifiers.length} identifier(s)${d.from && d.to ? `, ${days(d.from, d.to)} days` : ''}`,
  );
  return finding(
    'proportionality',
    'clear',
    ARTICLE,
    request.data.length === 0
      ? 'No data is sought.'
      : `The data sought is targeted: ${request.data.length} item(s), none beyond this node's limits${content.length ? ', and the purpose justifies the content sought' : ''}.`,
    [...summary, ...quote(justified.slice(0, 2))],
  );
};

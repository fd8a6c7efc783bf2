/**
 * bench/screening worst inputs (issues 14 and 15): requests as large as the API takes (2 MB), made of the text
 * that cost the screen most — trigger words with no full stop, thousands of short sentences, quoted names,
 * the first word of a two-part pattern with no second part ("told told told…"), both parts just too far
 * apart, and for the concept reader words that begin many terms and frames — each screened fresh (new text, so
 * nothing read is reused) after a warm-up. The reference, measured the
 * same way in the same run, is what the node does with the same body before it screens it: JSON.parse and the
 * schema check.
 */

import { readFileSync } from 'node:fs';
import type { InterchangeRequestInput } from '../src/domain/request.ts';
import { parseScreeningInput } from '../src/domain/safeguards/bundle.ts';
import { screen } from '../src/domain/safeguards/index.ts';

export interface WorstCase {
  input: string;
  megabytes: number;
  screenMs: { median: number; max: number };
  parseMs: { median: number };
}

const BODY_LIMIT = 2 * 1024 * 1024;

/** `unit` repeated to about `n` characters; `salt` makes each copy a text never seen before. */
const fill = (unit: (i: number) => string, n: number, salt: number) => {
  let out = `${salt} `;
  for (let i = 0; out.length < n - 40; i++) out += unit(i);
  return out.slice(0, n);
};

const INPUTS: Record<string, (i: number) => string> = {
  'trigger words, commas, no full stop': () => 'the activist journalist protested, ',
  'trigger words, no full stop': () => 'the activist journalist protested and ',
  'the same short sentence': () => 'The activist protested. ',
  'distinct short sentences': (i) => `The activist ${i} spoke. `,
  'quoted names': () => "known as 'activist' and ",
  'first part only (told told…)': () => 'told ',
  'both parts, too far apart': (i) => (i % 30 === 0 ? 'bug ' : 'told '),
  'both parts, everywhere': () => 'bug told ',
  'plain words': () => 'lorem ipsum dolor sit amet ',
  // Issue 15's concept reader: words that start many terms and frames, in long sentences and in short ones.
  'concept words, one long sentence': () =>
    'the campaigner who leads the protest movement posted a petition against the ministry and the data will be kept until the proceedings close, ',
  'concept words, short sentences': (i) =>
    `Leader ${i} of the protest found a flaw and told the owner; none of it will go to the security service. `,
  'a line per identifier': (i) => `user${i}@example.org\n`,
};

/** The largest request of this text the API accepts: the fields at their limits, up to the body limit. */
function requestOf(base: { request: InterchangeRequestInput }, unit: (i: number) => string, salt: number) {
  const r = structuredClone(base);
  r.request.facts = fill(unit, 50_000, salt);
  r.request.purpose = fill(unit, 20_000, salt);
  r.request.subjects = [];
  const subject = (i: number) => ({
    name: `Subject ${i}`,
    role: 'suspect' as const,
    description: fill(unit, 4000, salt + i),
  });
  let size = JSON.stringify(r).length;
  while (r.request.subjects.length < 500 && size + 4200 < BODY_LIMIT) {
    r.request.subjects.push(subject(r.request.subjects.length));
    size += 4100;
  }
  // The rest in identifiers of one data item, each read as a field of its own.
  const identifiers: string[] = [];
  r.request.data = [{ category: 'content', identifiers }];
  for (size = JSON.stringify(r).length; size + 600 < BODY_LIMIT; size += 505)
    identifiers.push(fill(unit, 500, salt + identifiers.length));
  return JSON.stringify(r);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function benchScreeningWorst(opts: { runs: number }): WorstCase[] {
  const base = JSON.parse(
    readFileSync(new URL('../test/fixtures/corpus/01-ransomware-hospital.json', import.meta.url), 'utf8'),
  );
  const out: WorstCase[] = [];
  let salt = 0;
  for (const [input, unit] of Object.entries(INPUTS)) {
    const time = (body: string) => {
      const t0 = performance.now();
      const parsed = parseScreeningInput(JSON.parse(body));
      const t1 = performance.now();
      if (!parsed.ok)
        throw new Error(
          `${input}: the request does not parse: ${JSON.stringify(parsed.issues).slice(0, 300)}`,
        );
      screen(parsed.request, parsed.context);
      return { parse: t1 - t0, screen: performance.now() - t1 };
    };
    for (let w = 0; w < 3; w++) time(requestOf(base, unit, ++salt * 1000));
    const bodies = Array.from({ length: opts.runs }, () => requestOf(base, unit, ++salt * 1000));
    const runs = bodies.map(time);
    out.push({
      input,
      megabytes: bodies[0]!.length / 1e6,
      screenMs: { median: median(runs.map((r) => r.screen)), max: Math.max(...runs.map((r) => r.screen)) },
      parseMs: { median: median(runs.map((r) => r.parse)) },
    });
  }
  return out;
}

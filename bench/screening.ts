/**
 * bench/screening (issue 3): precision and recall of every rule on the corpus and the project's own cases,
 * against the outcome a careful reviewer would reach (`expect`), and screenings per second on one core.
 * A rule listed in `raises` is a positive, one in `clears` a negative; rules a case leaves unlabelled are not
 * counted for it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseScreeningInput } from '../src/domain/safeguards/bundle.ts';
import { RULE_NAMES, type RuleName, screen } from '../src/domain/safeguards/index.ts';

export interface RuleScore {
  rule: RuleName;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number | null;
  recall: number | null;
}

export interface ScreeningResult {
  cases: number;
  verdictsMet: number;
  rules: RuleScore[];
  screeningsPerSecond: number;
  misses: string[];
}

function loadAll() {
  const out: { name: string; raw: unknown }[] = [];
  for (const dir of ['corpus', 'screening']) {
    const url = new URL(`../test/fixtures/${dir}/`, import.meta.url);
    for (const f of readdirSync(url)
      .filter((n) => n.endsWith('.json'))
      .sort())
      out.push({ name: `${dir}/${f}`, raw: JSON.parse(readFileSync(new URL(f, url), 'utf8')) });
  }
  return out;
}

export function benchScreening(opts: { seconds: number }): ScreeningResult {
  const inputs = loadAll().map(({ name, raw }) => {
    const parsed = parseScreeningInput(raw);
    if (!parsed.ok || !parsed.bundle?.expect) throw new Error(`${name}: not a bundle with expect`);
    return { name, ...parsed, expect: parsed.bundle.expect };
  });
  const counts = new Map(RULE_NAMES.map((r) => [r, { tp: 0, fp: 0, fn: 0, tn: 0 }]));
  const misses: string[] = [];
  let verdictsMet = 0;
  for (const i of inputs) {
    const result = screen(i.request, i.context);
    if (i.expect.verdict.includes(result.verdict)) verdictsMet++;
    else misses.push(`${i.name}: verdict ${result.verdict}, expected ${i.expect.verdict.join(' or ')}`);
    for (const rule of RULE_NAMES) {
      const raised = result.findings.some((f) => f.rule === rule && f.outcome !== 'clear');
      const c = counts.get(rule)!;
      if (i.expect.raises.includes(rule)) {
        if (raised) c.tp++;
        else {
          c.fn++;
          misses.push(`${i.name}: ${rule} stayed clear`);
        }
      } else if (i.expect.clears.includes(rule)) {
        if (raised) {
          c.fp++;
          misses.push(`${i.name}: ${rule} raised a false alarm`);
        } else c.tn++;
      }
    }
  }

  // Throughput on one core: the same inputs screened in a loop on this thread.
  let n = 0;
  const start = performance.now();
  const until = start + opts.seconds * 1000;
  while (performance.now() < until) {
    for (const i of inputs) screen(i.request, i.context);
    n += inputs.length;
  }
  const screeningsPerSecond = n / ((performance.now() - start) / 1000);

  return {
    cases: inputs.length,
    verdictsMet,
    screeningsPerSecond,
    misses,
    rules: RULE_NAMES.map((rule) => {
      const c = counts.get(rule)!;
      return {
        rule,
        ...c,
        precision: c.tp + c.fp === 0 ? null : c.tp / (c.tp + c.fp),
        recall: c.tp + c.fn === 0 ? null : c.tp / (c.tp + c.fn),
      };
    }),
  };
}

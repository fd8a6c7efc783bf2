/**
 * bench/screening (issues 3 and 15): how well the screen reads requests, measured separately on three sets —
 * test/fixtures/corpus (the sample corpus), test/fixtures/screening/tuning (the cases the text side is tuned
 * on) and test/fixtures/screening/held-out (cases written by other hands that nobody tuning the screen reads;
 * their failures are counted, not listed, unless BENCH_SHOW_HELD_OUT=1, and a case looked at moves to tuning).
 * Per set: precision and recall of every rule against the outcome a careful reviewer would reach (`expect`: a
 * rule in `raises` is a positive, in `clears` a negative, unlabelled rules are not counted), cases fully right
 * (verdict accepted and every labelled rule right), and false alarms on clean cases (a clean case clears every
 * text rule; a false alarm is any text rule raised on one). Then screenings per second on one core over all
 * the cases, each screened from scratch (nothing read is kept between screenings), against the reference the
 * node pays before screening in the same run: JSON.parse and the schema check of the same bundles.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parseScreeningInput } from '../src/domain/safeguards/bundle.ts';
import { RULE_NAMES, type RuleName, screen, TEXT_RULES } from '../src/domain/safeguards/index.ts';

export interface RuleScore {
  rule: RuleName;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number | null;
  recall: number | null;
}

export interface SetScore {
  set: string;
  cases: number;
  verdictsMet: number;
  fullyRight: number;
  cleanCases: number;
  /** Clean cases on which some text rule raised a concern or a ground. */
  cleanFalseAlarms: number;
  rules: RuleScore[];
  /** What went wrong, by case; empty for the held-out set unless asked for. */
  misses: string[];
  /** For the held-out set: how many cases had a miss (names not listed). */
  casesWithMisses: number;
}

export interface ScreeningResult {
  sets: SetScore[];
  /** Over every labelled case (corpus, tuning, held-out: the later held-out cases are the longest). */
  screeningsPerSecond: number;
  /** Over the sample corpus alone: typical requests as the design's examples write them. */
  corpusScreeningsPerSecond: number;
  /** The reference in the same run: bundles parsed from JSON text and schema-checked per second. */
  parsesPerSecond: number;
}

const SETS = [
  ['corpus', 'corpus'],
  ['tuning', 'screening/tuning'],
  ['held-out', 'screening/held-out'],
] as const;

export function load(dir: string) {
  const url = new URL(`../test/fixtures/${dir}/`, import.meta.url);
  if (!existsSync(url)) return [];
  return readdirSync(url)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((f) => ({ name: `${dir}/${f}`, text: readFileSync(new URL(f, url), 'utf8') }));
}

export function score(set: string, files: { name: string; text: string }[], list: boolean): SetScore {
  const counts = new Map(RULE_NAMES.map((r) => [r, { tp: 0, fp: 0, fn: 0, tn: 0 }]));
  const misses: string[] = [];
  let verdictsMet = 0;
  let fullyRight = 0;
  let cleanCases = 0;
  let cleanFalseAlarms = 0;
  let casesWithMisses = 0;
  for (const file of files) {
    const parsed = parseScreeningInput(JSON.parse(file.text));
    if (!parsed.ok || !parsed.bundle?.expect) throw new Error(`${file.name}: not a bundle with expect`);
    const expect = parsed.bundle.expect;
    const result = screen(parsed.request, parsed.context);
    const wrong: string[] = [];
    if (expect.verdict.includes(result.verdict)) verdictsMet++;
    else wrong.push(`verdict ${result.verdict}, expected ${expect.verdict.join(' or ')}`);
    const raised = (rule: RuleName) => result.findings.some((f) => f.rule === rule && f.outcome !== 'clear');
    for (const rule of RULE_NAMES) {
      const c = counts.get(rule)!;
      if (expect.raises.includes(rule)) {
        if (raised(rule)) c.tp++;
        else {
          c.fn++;
          wrong.push(`${rule} stayed clear`);
        }
      } else if (expect.clears.includes(rule)) {
        if (raised(rule)) {
          c.fp++;
          wrong.push(`${rule} raised a false alarm`);
        } else c.tn++;
      }
    }
    if (TEXT_RULES.every((r) => expect.clears.includes(r))) {
      cleanCases++;
      if (TEXT_RULES.some(raised)) cleanFalseAlarms++;
    }
    if (wrong.length === 0) fullyRight++;
    else {
      casesWithMisses++;
      if (list) misses.push(...wrong.map((w) => `${file.name}: ${w}`));
    }
  }
  return {
    set,
    cases: files.length,
    verdictsMet,
    fullyRight,
    cleanCases,
    cleanFalseAlarms,
    casesWithMisses,
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

function perSecond(seconds: number, once: () => number): number {
  let n = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  while (performance.now() < until) n += once();
  return n / ((performance.now() - start) / 1000);
}

export function benchScreening(opts: { seconds: number }): ScreeningResult {
  const showHeldOut = process.env.BENCH_SHOW_HELD_OUT === '1';
  const loaded = SETS.map(([set, dir]) => ({ set, files: load(dir) }));
  const sets = loaded.map(({ set, files }) => score(set, files, set !== 'held-out' || showHeldOut));

  // Throughput on one core: every labelled request screened in a loop on this thread, from scratch each time.
  const all = loaded.flatMap((s) => s.files);
  const inputs = all.map((f) => {
    const parsed = parseScreeningInput(JSON.parse(f.text));
    if (!parsed.ok) throw new Error(`${f.name}: invalid`);
    return parsed;
  });
  const screeningsPerSecond = perSecond(opts.seconds, () => {
    for (const i of inputs) screen(i.request, i.context);
    return inputs.length;
  });
  const corpusInputs = inputs.slice(0, loaded[0]!.files.length);
  const corpusScreeningsPerSecond = perSecond(Math.max(1, opts.seconds / 2), () => {
    for (const i of corpusInputs) screen(i.request, i.context);
    return corpusInputs.length;
  });
  const parsesPerSecond = perSecond(Math.max(1, opts.seconds / 5), () => {
    for (const f of all) parseScreeningInput(JSON.parse(f.text));
    return all.length;
  });
  return { sets, screeningsPerSecond, corpusScreeningsPerSecond, parsesPerSecond };
}

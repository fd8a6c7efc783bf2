/**
 * Reporting: a run's result per operation, requests and answers as readable text (huge or invisible content
 * shown as counts and escapes) and a failed operation as text with the command that replays it.
 */

import { isUtf8 } from 'node:buffer';
import { toJson } from './mutate.ts';
import type { Sent } from './oracles.ts';

export interface FuzzFailure {
  /** fast-check path of the case: with the seed, `--path` replays it. */
  path: string;
  problems: string[];
  request: string;
  answer: string;
}

export interface FuzzResult {
  key: string;
  /** The run's seed; the operation's own is derived from it (seedFor). */
  seed: number;
  cases: number;
  failures: number;
  /** The first failures with distinct problems. */
  examples: FuzzFailure[];
  /** The first failure shrunk by fast-check, when asked for. */
  shrunk: FuzzFailure | null;
  /** How many answers of each status (or outcome of a parser) came back: how deep the inputs got. */
  outcomes: Record<string, number>;
  ms: number;
}

const truncate = (s: string, n = 600) => (s.length > n ? `${s.slice(0, n)}… (${s.length} characters)` : s);

export function describeValue(v: unknown): string {
  if (v instanceof Buffer && !isUtf8(v))
    return `⟨${v.length} bytes: ${v.subarray(0, 64).toString('hex')}${v.length > 64 ? '…' : ''}⟩`;
  const text = typeof v === 'string' ? v : v instanceof Buffer ? v.toString('utf8') : String(v);
  // Long runs of one unit (huge strings, deep nesting) are shown as counts; invisible characters as escapes.
  const compact = text.replace(
    /(.{1,8}?)\1{20,}/gs,
    (m, unit: string) => `⟨${JSON.stringify(unit)}×${m.length / unit.length}⟩`,
  );
  return truncate(compact, 1500).replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this makes visible
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function describeSent(s: Sent): string {
  const headers = Object.entries(s.headers)
    .map(([k, v]) => `  ${k}: ${describeValue(v)}`)
    .join('\n');
  const body =
    (s.payload === undefined ? '' : `\n  body: ${describeValue(s.payload)}`) +
    (s.inside ? `\n  inside: ${describeValue(s.inside)}` : '');
  return `${s.method} ${describeValue(s.url)} on ${s.target}${s.http ? ' (HTTP)' : ''}\n${headers}${body}`;
}

/** Any JSON-ish value, as one line. */
export function show(v: unknown): string {
  try {
    return describeValue(toJson(v));
  } catch (e) {
    return `(unprintable: ${(e as Error).message})`;
  }
}

/** A failed operation as text: each distinct problem with its request, answer and the command that replays it. */
export function formatResult(r: FuzzResult, opts: { replay: 'test' | 'script' }): string {
  const lines = [`${r.key}: ${r.failures} of ${r.cases} cases failed (seed ${r.seed})`];
  const show = (label: string, f: FuzzFailure) => {
    lines.push(`  ${label} (path ${f.path}): ${f.problems.join('; ')}`);
    lines.push(`    request: ${f.request.replace(/\n/g, '\n    ')}`);
    lines.push(`    answer: ${f.answer.replace(/\n/g, '\n    ')}`);
    lines.push(
      `    replay: node bin/run-ts.mjs test/attack/fuzz-run.ts --seed ${r.seed} --only ${r.key} --path ${f.path}` +
        (opts.replay === 'test'
          ? `  (or FUZZ_SEED=${r.seed} npx vitest run test/attack/fuzz.int.test.ts)`
          : ''),
    );
  };
  for (const f of r.examples) show('failure', f);
  if (r.shrunk) show('shrunk', r.shrunk);
  return lines.join('\n');
}

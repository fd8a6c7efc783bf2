/**
 * The text side of the screen stays linear in the size of a request (issue 14, item 5). Main rescanned the
 * part of a sentence before every match, so one 2 MB request of trigger words without a full stop held the
 * event loop for seconds. Now a long run of text is read in bounded pieces, a signal keeps a bounded number of
 * matches per field, a finding quotes a bounded number of places, and each sentence is read once per signal.
 * `npm run bench -- screening` times the worst inputs; here the bounds, and that what the screen finds in
 * ordinary text did not change, are checked against the straightforward reading the screen used to do.
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScreeningInput } from '../../../src/domain/safeguards/bundle.ts';
import {
  findSignal,
  type Lexicon,
  lexiconFor,
  MAX_MATCHES_PER_FIELD,
  MAX_QUOTES,
  MAX_SENTENCE_CHARS,
  quote,
  type SignalMatch,
  type SignalName,
  type TextField,
  textFields,
} from '../../../src/domain/safeguards/text.ts';

const { lexicon } = lexiconFor('en');
const SIGNALS = [...lexicon.signals.keys()] as SignalName[];

/**
 * The specification: each sentence searched on its own, the negation window being the last six words of the
 * clause before the match, quoted names skipped, one entry per field, quote and sentence. (This is main's
 * reading, quadratic in the length of a sentence; used here only on short texts.)
 */
function reference(lex: Lexicon, signal: SignalName, fields: readonly TextField[]): SignalMatch[] {
  const pattern = new RegExp(lex.signals.get(signal)!);
  const named =
    /\b(?:known as|calling (?:itself|themselves)|called|named|name of|handle|account|group|gang|affiliate|operation|alias|user(?:name)?)\s+(?:the\s+)?(['"‘“])([^'"’”]{1,80})['"’”]/gi;
  const clauseBreak = /[,:]|\b(?:but|while|whereas|however|although|yet)\b/gi;
  const out: SignalMatch[] = [];
  for (const f of fields)
    for (const [sentence] of f.text.matchAll(/[^.!?;]+(?:[.!?;]+|$)/g)) {
      const names = [...sentence.matchAll(named)].map((m) => [
        m.index + m[0].length - (m[2]?.length ?? 0) - 1,
        m.index + m[0].length,
      ]);
      for (const m of sentence.matchAll(pattern)) {
        if (names.some(([s, e]) => m.index >= s! && m.index + m[0].length <= e!)) continue;
        const preceding = sentence.slice(0, m.index);
        const start = Math.max(0, ...[...preceding.matchAll(clauseBreak)].map((b) => b.index + b[0].length));
        const before = preceding.slice(start).split(/\s+/).filter(Boolean).slice(-6).join(' ');
        out.push({
          field: f.field,
          quote: m[0],
          negated: lex.negation.test(before),
          sentence: sentence.trim(),
          ...(f.role ? { role: f.role } : {}),
        });
      }
    }
  const seen = new Set<string>();
  return out.filter((m) => {
    const key = `${m.field}|${m.quote.toLowerCase()}|${m.sentence}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Words from the corpus (where the triggers are), with negations, clause breaks, names and punctuation. */
const corpusWords = (() => {
  const words = new Set<string>();
  const dir = new URL('../../fixtures/corpus/', import.meta.url);
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const parsed = parseScreeningInput(JSON.parse(readFileSync(new URL(f, dir), 'utf8')));
    if (!parsed.ok) continue;
    for (const t of textFields(parsed.request)) for (const w of t.text.split(/\s+/)) if (w) words.add(w);
  }
  return [...words];
})();
const token = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...corpusWords) },
  { weight: 2, arbitrary: fc.constantFrom('not', 'no', 'never', 'without', 'but', 'however', ',', ':') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('.', ';', '!', '?', "known as 'activist'", 'the account "opposition"'),
  },
);
const field = (name: string) =>
  fc
    .array(token, { maxLength: 60 })
    .map((ws) => ({ field: name, text: ws.join(' '), role: 'suspect' }) satisfies TextField);

describe('screening text', () => {
  it('finds in ordinary text exactly what searching each sentence on its own finds', () => {
    expect(corpusWords.length).toBeGreaterThan(500);
    fc.assert(
      fc.property(
        fc.array(field('facts'), { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...SIGNALS),
        (fields, signal) => {
          const expected = reference(lexicon, signal, fields);
          fc.pre(expected.length < MAX_MATCHES_PER_FIELD);
          expect(findSignal(lexicon, signal, fields)).toEqual(expected);
        },
      ),
      { numRuns: 600 },
    );
  });

  it('finds the same in every corpus case', () => {
    const dir = new URL('../../fixtures/corpus/', import.meta.url);
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      const parsed = parseScreeningInput(JSON.parse(readFileSync(new URL(f, dir), 'utf8')));
      if (!parsed.ok) continue;
      const fields = textFields(parsed.request);
      for (const signal of SIGNALS)
        expect(findSignal(lexicon, signal, fields), `${f} ${signal}`).toEqual(
          reference(lexicon, signal, fields),
        );
    }
  });

  it('reads a run of text without a full stop in pieces, and keeps a bounded number of matches', () => {
    const facts = 'the activist journalist was not charged, '.repeat(1200); // 49 200 characters, one "sentence"
    const found = findSignal(lexicon, 'protected-status', [{ field: 'facts', text: facts }]);
    expect(found.length).toBeGreaterThan(0);
    expect(found.length).toBeLessThanOrEqual(20);
    expect(MAX_MATCHES_PER_FIELD).toBe(20);
    for (const m of found) expect(m.sentence.length).toBeLessThanOrEqual(2000);
    expect(MAX_SENTENCE_CHARS).toBe(2000);
    // Negation is still read within the clause: "not charged" does not negate "activist".
    expect(found.every((m) => !m.negated)).toBe(true);
  });

  it('keeps reading fields after one field has used up its matches', () => {
    const fields: TextField[] = [
      { field: 'facts', text: `${'The activist spoke. '.repeat(500)}The journalist wrote.` },
      { field: 'purpose', text: 'An opposition leader.' },
    ];
    const found = findSignal(lexicon, 'protected-status', fields);
    expect(found.map((m) => m.field)).toContain('purpose');
    // Repeated sentences count once: the facts field has two distinct sentences worth quoting.
    expect(found.filter((m) => m.field === 'facts').map((m) => m.quote.toLowerCase())).toEqual([
      'activist',
      'journalist',
    ]);
  });

  it('quotes a bounded number of places in a finding, and says how many more', () => {
    const matches = Array.from({ length: 40 }, (_, i) => ({
      field: `subjects[${i}].description`,
      quote: 'activist',
      negated: false,
      sentence: 'An activist.',
    }));
    const lines = quote(matches);
    expect(lines).toHaveLength(13);
    expect(MAX_QUOTES).toBe(12);
    expect(lines.at(-1)).toBe('… and 28 more places');
    expect(quote(matches.slice(0, 3))).toEqual([
      'subjects[0].description: "activist"',
      'subjects[1].description: "activist"',
      'subjects[2].description: "activist"',
    ]);
  });

  it('finds a two-part pattern however many first parts come before it, and not when the parts are too far apart', () => {
    const flood = 'told '.repeat(20_000);
    const found = findSignal(lexicon, 'research', [
      { field: 'facts', text: `${flood}them and I reported the bug.` },
    ]);
    expect(found.length).toBeGreaterThan(0);
    expect(found.at(-1)?.quote).toMatch(/bug$/);
    const apart = findSignal(lexicon, 'research', [
      { field: 'facts', text: `${flood}${'x'.repeat(200)} the bug` },
    ]);
    expect(apart).toEqual([]);
  });
});

/**
 * Text signals for screening: transparent lexicons (data/safeguards/lexicon.<lang>.json) of regular expressions
 * matched sentence by sentence, with negation ("no dishonest intent") and the field each match came from, so
 * every finding can quote the exact words that triggered it. Pure: no I/O beyond the bundled lexicons.
 */
import english from '../../../data/safeguards/lexicon.en.json' with { type: 'json' };
import type { InterchangeRequest } from '../request.ts';

export type SignalName = keyof typeof english.signals;

interface LexiconFile {
  language: string;
  negation: string[];
  signals: Record<string, { description: string; patterns: string[] }>;
}

export interface Lexicon {
  language: string;
  negation: RegExp;
  signals: Map<string, RegExp[]>;
}

function compile(file: LexiconFile): Lexicon {
  const cues = file.negation.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+'));
  return {
    language: file.language,
    negation: new RegExp(`\\b(?:${cues.join('|')})\\b`, 'i'),
    signals: new Map(
      Object.entries(file.signals).map(([name, s]) => [name, s.patterns.map((p) => new RegExp(p, 'giu'))]),
    ),
  };
}

const LEXICONS = new Map<string, Lexicon>([['en', compile(english)]]);

/** The lexicon for a request's language, or English with `fallback` set when there is none for it. */
export function lexiconFor(language: string): { lexicon: Lexicon; fallback: boolean } {
  const exact = LEXICONS.get(language.toLowerCase().split('-')[0] ?? '');
  return exact ? { lexicon: exact, fallback: false } : { lexicon: LEXICONS.get('en')!, fallback: true };
}

export interface TextField {
  /** Where the text is, e.g. `facts`, `subjects[0].description`, `offences[1].domestic`. */
  field: string;
  text: string;
  /** For subject fields, the subject's role. */
  role?: string;
}

export interface SignalMatch {
  field: string;
  /** The exact words matched. */
  quote: string;
  negated: boolean;
  /** The sentence the match is in. */
  sentence: string;
  role?: string;
}

/** The free-text fields of a request that signals read. */
export function textFields(r: InterchangeRequest): TextField[] {
  const fields: TextField[] = [
    { field: 'facts', text: r.facts },
    { field: 'purpose', text: r.purpose },
  ];
  r.subjects.forEach((s, i) => {
    fields.push({ field: `subjects[${i}].description`, text: s.description ?? '', role: s.role });
  });
  r.offences.forEach((o, i) => {
    fields.push({ field: `offences[${i}].domestic`, text: o.domestic ?? '' });
  });
  r.data.forEach((d, i) => {
    d.identifiers.forEach((id, j) => {
      fields.push({ field: `data[${i}].identifiers[${j}]`, text: id });
    });
  });
  return fields.filter((f) => f.text.trim() !== '');
}

const SENTENCE = /[^.!?;]+(?:[.!?;]+|$)/g;
const NEGATION_WINDOW_WORDS = 4;

/** Every match of a signal in the given fields. */
export function findSignal(
  lexicon: Lexicon,
  signal: SignalName,
  fields: readonly TextField[],
): SignalMatch[] {
  const patterns = lexicon.signals.get(signal) ?? [];
  const matches: SignalMatch[] = [];
  for (const f of fields) {
    for (const sentenceMatch of f.text.matchAll(SENTENCE)) {
      const sentence = sentenceMatch[0];
      for (const pattern of patterns) {
        pattern.lastIndex = 0;
        for (const m of sentence.matchAll(pattern)) {
          const before = sentence
            .slice(0, m.index)
            .split(/\s+/)
            .filter(Boolean)
            .slice(-NEGATION_WINDOW_WORDS)
            .join(' ');
          matches.push({
            field: f.field,
            quote: m[0],
            negated: lexicon.negation.test(before),
            sentence: sentence.trim(),
            ...(f.role ? { role: f.role } : {}),
          });
        }
      }
    }
  }
  // One entry per distinct quote and place: overlapping patterns often find the same words.
  const seen = new Set<string>();
  return matches.filter((m) => {
    const key = `${m.field}|${m.quote.toLowerCase()}|${m.sentence}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Evidence lines for a finding: the field and the exact words. */
export function quote(matches: readonly SignalMatch[]): string[] {
  return [...new Set(matches.map((m) => `${m.field}: "${m.quote}"`))];
}

/** Subject roles whose descriptions speak of the person the request targets. */
export const TARGET_ROLES = new Set(['suspect', 'accused', 'convicted', 'account-holder']);

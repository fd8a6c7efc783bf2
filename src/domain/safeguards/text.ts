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
  /** Regular expression flags; `gi` by default. A language whose words need Unicode classes sets `giu` (slower). */
  flags?: string;
  negation: string[];
  signals: Record<string, { description: string; patterns: string[] }>;
}

export interface Lexicon {
  language: string;
  negation: RegExp;
  /** One alternation of every pattern per signal: a sentence is scanned once per signal. */
  signals: Map<string, RegExp>;
}

function compile(file: LexiconFile): Lexicon {
  const cues = file.negation.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+'));
  return {
    language: file.language,
    negation: new RegExp(`\\b(?:${cues.join('|')})\\b`, 'i'),
    signals: new Map(
      Object.entries(file.signals).map(([name, sig]) => [
        name,
        new RegExp(sig.patterns.map((p) => `(?:${p})`).join('|'), file.flags ?? 'gi'),
      ]),
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
/** A quoted span introduced as a name: known as 'X', calling itself "X", the account 'X', named ‘X’. */
const NAMED_QUOTE =
  /\b(?:known as|calling (?:itself|themselves)|called|named|name of|handle|account|group|gang|affiliate|operation|alias|user(?:name)?)\s+(?:the\s+)?(['"‘“])([^'"’”]{1,80})['"’”]/gi;

function namedSpans(sentence: string): [number, number][] {
  const spans: [number, number][] = [];
  for (const m of sentence.matchAll(NAMED_QUOTE)) {
    const start = m.index + m[0].length - (m[2]?.length ?? 0) - 1;
    spans.push([start, m.index + m[0].length]);
  }
  return spans;
}
const NEGATION_WINDOW_WORDS = 6;
/** A negation does not reach across a comma, a colon or a contrasting conjunction. */
const CLAUSE_BREAK = /[,:]|\b(?:but|while|whereas|however|although|yet)\b/gi;

interface Sentence {
  text: string;
  names: [number, number][];
}

/** Sentences of a text with their quoted-name spans, cached: every rule reads the same few texts. */
const sentenceCache = new Map<string, Sentence[]>();
const SENTENCE_CACHE_LIMIT = 2000;
function sentencesOf(text: string): Sentence[] {
  let cached = sentenceCache.get(text);
  if (!cached) {
    cached = [...text.matchAll(SENTENCE)].map((m) => ({ text: m[0], names: namedSpans(m[0]) }));
    if (sentenceCache.size >= SENTENCE_CACHE_LIMIT) sentenceCache.clear();
    sentenceCache.set(text, cached);
  }
  return cached;
}

/** Every match of a signal in the given fields. */
export function findSignal(
  lexicon: Lexicon,
  signal: SignalName,
  fields: readonly TextField[],
): SignalMatch[] {
  const pattern = lexicon.signals.get(signal);
  if (!pattern) throw new Error(`lexicon ${lexicon.language} has no signal ${signal}`);
  const matches: SignalMatch[] = [];
  for (const f of fields) {
    for (const { text: sentence, names } of sentencesOf(f.text)) {
      pattern.lastIndex = 0;
      for (const m of sentence.matchAll(pattern)) {
        // A quoted name says nothing about the conduct: "the group known as 'Sedition'", "the handle 'antistate'".
        if (names.some(([s, e]) => m.index >= s && m.index + m[0].length <= e)) continue;
        const preceding = sentence.slice(0, m.index);
        const clauseStart = Math.max(
          0,
          ...[...preceding.matchAll(CLAUSE_BREAK)].map((b) => b.index + b[0].length),
        );
        const before = preceding
          .slice(clauseStart)
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

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
  /** How to find, in linear time, the sentences where a signal may match (see `findSignal`). */
  finders: Map<string, Finder>;
}

/**
 * Finds where a signal may match in a whole text, never missing a place where it does. A pattern `A[^.]{0,N}B`
 * costs a regular expression engine up to N steps at every A that has no B after it, so a text of nothing but
 * A (2 MB of "told told told…") takes a tenth of a second; those patterns are found instead as an A and a B
 * that start near each other, each found once in one pass.
 */
interface Finder {
  /** The patterns without a gap, as one alternation; null when every pattern has one. */
  plain: RegExp | null;
  near: { head: RegExp; tail: RegExp; within: number }[];
}

/** A gap between two parts of a pattern: `[^.]{0,120}`, `[^.;]{0,60}`. */
const GAP = /^\[\^[^\]]*\]\{0,(\d+)\}/;

/** Splits a pattern at its first gap outside any group: [head, gap length, the part up to a second gap]. */
function splitAtGap(pattern: string): [string, number, string] | null {
  let depth = 0;
  let gapAt = -1;
  let gapEnd = -1;
  let gap = 0;
  let tailEnd = pattern.length;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '[') {
      const m = depth === 0 ? GAP.exec(pattern.slice(i)) : null;
      if (m && gapAt < 0) {
        gapAt = i;
        gapEnd = i + m[0].length;
        gap = Number(m[1]);
        i = gapEnd - 1;
        continue;
      }
      if (m) {
        tailEnd = i;
        break;
      }
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
    }
  }
  return gapAt < 0 ? null : [pattern.slice(0, gapAt), gap, pattern.slice(gapEnd, tailEnd)];
}

/** Room for the head itself in `within`: the longest head in the lexicons is shorter than this. */
const HEAD_ROOM = 64;

function finderOf(patterns: readonly string[], flags: string): Finder {
  const plain: string[] = [];
  const near: Finder['near'] = [];
  for (const p of patterns) {
    const split = splitAtGap(p);
    if (!split) plain.push(p);
    else
      near.push({
        head: new RegExp(split[0], flags),
        tail: new RegExp(split[2], flags),
        within: split[1] + HEAD_ROOM,
      });
  }
  return { plain: plain.length ? new RegExp(plain.map((p) => `(?:${p})`).join('|'), flags) : null, near };
}

function compile(file: LexiconFile): Lexicon {
  const cues = file.negation.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+'));
  const flags = file.flags ?? 'gi';
  const signals = Object.entries(file.signals);
  return {
    language: file.language,
    negation: new RegExp(`\\b(?:${cues.join('|')})\\b`, 'i'),
    signals: new Map(
      signals.map(([name, sig]) => [name, new RegExp(sig.patterns.map((p) => `(?:${p})`).join('|'), flags)]),
    ),
    finders: new Map(signals.map(([name, sig]) => [name, finderOf(sig.patterns, flags)])),
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
/**
 * Bounds that keep screening linear in the size of a request, whatever its text (issue 14, item 5): a run of
 * text without a full stop is read in pieces of at most this many characters, cut at a space...
 */
export const MAX_SENTENCE_CHARS = 2000;
/** ...and a signal keeps at most this many matches in one field: a reviewer needs the first few, not a thousand. */
export const MAX_MATCHES_PER_FIELD = 20;
/** Sentences and matches looked at in one field, repeats and quoted names included, before the field is left... */
const MAX_FOUND_PER_FIELD = 2 * MAX_MATCHES_PER_FIELD;
/**
 * ...and in all the fields of one search. Ordinary requests come nowhere near it (the corpus's largest looks at
 * a few dozen); a request that does is a flood of the same words, and the fields after it are not read.
 */
export const MAX_FOUND = 400;
/** A finding quotes at most this many places, then says how many more there are. */
export const MAX_QUOTES = 12;
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
/** Characters before a match that can hold the negation window's words (longer words than this are not words). */
const NEGATION_WINDOW_CHARS = 400;
/** A negation does not reach across a comma, a colon or a contrasting conjunction. */
const CLAUSE_BREAK = /[,:]|\b(?:but|while|whereas|however|although|yet)\b/gi;

interface Sentence {
  /** Offset in the text. */
  start: number;
  text: string;
  /** Read on first use: quoted names as [start, end) offsets, and where each clause break ends (ascending). */
  marks?: { names: [number, number][]; breaks: number[] };
}

/** Splits a text into sentences, and a sentence longer than MAX_SENTENCE_CHARS into pieces cut at a space. */
function pieces(text: string): Sentence[] {
  const out: Sentence[] = [];
  for (const m of text.matchAll(SENTENCE)) {
    let start = m.index;
    let rest = m[0];
    while (rest.length > MAX_SENTENCE_CHARS) {
      const space = rest.lastIndexOf(' ', MAX_SENTENCE_CHARS);
      const cut = space > MAX_SENTENCE_CHARS / 2 ? space + 1 : MAX_SENTENCE_CHARS;
      out.push({ start, text: rest.slice(0, cut) });
      start += cut;
      rest = rest.slice(cut);
    }
    out.push({ start, text: rest });
  }
  return out;
}

function marksOf(sentence: Sentence): NonNullable<Sentence['marks']> {
  sentence.marks ??= {
    names: namedSpans(sentence.text),
    breaks: [...sentence.text.matchAll(CLAUSE_BREAK)].map((b) => b.index + b[0].length),
  };
  return sentence.marks;
}

/** Texts split into sentences, cached: every rule reads the same few texts. */
const sentenceCache = new Map<string, Sentence[]>();
const SENTENCE_CACHE_LIMIT = 2000;
function sentencesOf(text: string): Sentence[] {
  let cached = sentenceCache.get(text);
  if (!cached) {
    cached = pieces(text);
    if (sentenceCache.size >= SENTENCE_CACHE_LIMIT) sentenceCache.clear();
    sentenceCache.set(text, cached);
  }
  return cached;
}

/**
 * The places in `text` where a head starts with a tail starting at most `within` characters after it, one at a
 * time and ascending. Both are searched forward only, and heads too far before the next tail are skipped: the
 * whole text is read about once per part, however many heads or tails it holds.
 */
function nearPlaces(text: string, part: Finder['near'][number]): (from: number) => number {
  let tail = -1;
  let last = -1;
  const search = (from: number): number => {
    let at = from;
    for (;;) {
      part.head.lastIndex = at;
      const head = part.head.exec(text)?.index;
      if (head === undefined) return Number.POSITIVE_INFINITY;
      if (tail < head) {
        part.tail.lastIndex = head;
        tail = part.tail.exec(text)?.index ?? Number.POSITIVE_INFINITY;
      }
      if (tail === Number.POSITIVE_INFINITY || tail - head <= part.within)
        return tail === Number.POSITIVE_INFINITY ? tail : head;
      at = Math.max(head + 1, tail - part.within);
    }
  };
  return (from) => {
    if (last < from) last = search(from);
    return last;
  };
}

/** The index of the last element of an ascending list that is at most `at`, or -1. */
function lastAtMost(sorted: readonly number[] | readonly Sentence[], at: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid]!;
    if ((typeof v === 'number' ? v : v.start) <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * Every match of a signal in the given fields (at most MAX_MATCHES_PER_FIELD per field), as if each sentence
 * were searched on its own. The patterns have no anchors or lookbehinds, so a match inside a sentence is also a
 * match of the whole text at the same place: a search of the whole text (for patterns with a gap, the `Finder`'s
 * near places) gives the next sentence worth reading, the sentences between are skipped unread, and each
 * sentence is read at most once per signal.
 */
export function findSignal(
  lexicon: Lexicon,
  signal: SignalName,
  fields: readonly TextField[],
): SignalMatch[] {
  const pattern = lexicon.signals.get(signal);
  const finder = lexicon.finders.get(signal);
  if (!pattern || !finder) throw new Error(`lexicon ${lexicon.language} has no signal ${signal}`);
  const matches: SignalMatch[] = [];
  let total = 0;
  for (const f of fields) {
    if (total > MAX_FOUND) break;
    const near = finder.near.map((part) => nearPlaces(f.text, part));
    // The next place at or after `from` where the signal may match, or -1.
    // Each search goes forward from where the last one stopped, and is not repeated while its answer is ahead.
    let plain = finder.plain ? -1 : Number.POSITIVE_INFINITY;
    const next = (from: number): number => {
      if (plain < from && finder.plain) {
        finder.plain.lastIndex = from;
        plain = finder.plain.exec(f.text)?.index ?? Number.POSITIVE_INFINITY;
      }
      let at = plain;
      for (const n of near) at = Math.min(at, n(from));
      return at === Number.POSITIVE_INFINITY ? -1 : at;
    };
    // One entry per distinct quote and sentence: overlapping patterns often find the same words.
    const seen = new Set<string>();
    let found = 0;
    let kept = 0;
    let from = 0;
    field: while (from < f.text.length) {
      const candidate = next(from);
      if (candidate < 0) break;
      const sentences = sentencesOf(f.text);
      const sentence = sentences[Math.max(0, lastAtMost(sentences, candidate))]!;
      from = sentence.start + sentence.text.length;
      const trimmed = sentence.text.trim();
      if (seen.has(trimmed)) continue;
      seen.add(trimmed);
      total++;
      if (++found > MAX_FOUND_PER_FIELD) break;
      const { names, breaks } = marksOf(sentence);
      const quotes = new Set<string>();
      pattern.lastIndex = 0;
      for (const m of sentence.text.matchAll(pattern)) {
        total++;
        if (++found > MAX_FOUND_PER_FIELD) break field;
        // A quoted name says nothing about the conduct: "the group known as 'Sedition'", "the handle 'antistate'".
        if (names.some(([s, e]) => m.index >= s && m.index + m[0].length <= e)) continue;
        const words = m[0].toLowerCase();
        if (quotes.has(words)) continue;
        quotes.add(words);
        const clause = breaks[lastAtMost(breaks, m.index)] ?? 0;
        const before = sentence.text
          .slice(Math.max(clause, m.index - NEGATION_WINDOW_CHARS), m.index)
          .split(/\s+/)
          .filter(Boolean)
          .slice(-NEGATION_WINDOW_WORDS)
          .join(' ');
        matches.push({
          field: f.field,
          quote: m[0],
          negated: lexicon.negation.test(before),
          sentence: trimmed,
          ...(f.role ? { role: f.role } : {}),
        });
        if (++kept >= MAX_MATCHES_PER_FIELD) break field;
      }
    }
  }
  return matches;
}

/** Evidence lines for a finding: the field and the exact words, at most MAX_QUOTES and a count of the rest. */
export function quote(matches: readonly SignalMatch[]): string[] {
  const lines = [...new Set(matches.map((m) => `${m.field}: "${m.quote}"`))];
  if (lines.length <= MAX_QUOTES) return lines;
  return [...lines.slice(0, MAX_QUOTES), `… and ${lines.length - MAX_QUOTES} more places`];
}

/** Subject roles whose descriptions speak of the person the request targets. */
export const TARGET_ROLES = new Set(['suspect', 'accused', 'convicted', 'account-holder']);

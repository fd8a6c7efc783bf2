/**
 * Text signals for screening, read as concepts rather than wording (issue 15). A request's free text is read
 * once per screening (./language.ts: sentences, tokens, lemmas, negation scope); a concept lexicon
 * (data/safeguards/concepts.<lang>.json) lists the many ways a concept is said ("campaigner", "leader of the
 * protest movement", "organised the residents' petition"), matched on lemmas so that "criticised", "criticizes"
 * and "criticism of" are the same word; and a signal is a frame of concepts that must meet in one sentence
 * (a flaw found + told to its owner, and no ransom demand in the same breath). Every match keeps the field and
 * the exact words, so a finding quotes what triggered it. Pure: no I/O beyond the bundled lexicon and model.
 */
import english from '../../../data/safeguards/concepts.en.json' with { type: 'json' };
import type { InterchangeRequest } from '../request.ts';
import { type NegationRules, type Reading, readAll, type Token, wordsOf } from './language.ts';

export type SignalName = keyof typeof english.signals;
export type ConceptName = keyof typeof english.concepts;

interface ConceptFile {
  language: string;
  negation: { cues: string[]; after: string[]; breaks: string[] };
  concepts: Record<string, { description: string; terms: string[] }>;
  /** A frame is a list of concepts, or one with how many sentences (this and the ones before) it may span. */
  signals: Record<
    string,
    {
      description: string;
      frames: (string[] | { concepts: string[]; sentences: number; ahead?: string[] })[];
    }
  >;
}

/** One word of a term: its accepted forms (lemmas and written forms), and how many tokens may come before it. */
interface Slot {
  forms: ReadonlySet<string>;
  gap: number;
  /** `^word`: only as the first word of a sentence or clause ("…; deleted when it ends"). */
  clauseStart: boolean;
  /** `=word`: that written form only, not a word whose dictionary form it is ("=open" is not "opened"). */
  exact: boolean;
}
interface Term {
  concept: number;
  slots: Slot[];
  /**
   * The slot the term is found by: its first word that is not a function word, so that "the|his|her post * on"
   * is looked for at every "post", not at every "the".
   */
  anchor: number;
}

/** Words too common to find a term by: a term that starts with them is found by a later word. */
const FUNCTION_WORDS = new Set(
  'the a an his her their its our my your this that these those is are be been being was were will shall would may can to of in on for and or by with as at from any all no not'.split(
    ' ',
  ),
);
/** A frame: concepts that must all be in one sentence (or in `sentences` in a row), and concepts that must not be. */
interface Frame {
  all: number[];
  none: number[];
  sentences: number;
  /** Excluded concepts that also exclude from the sentence after ("said he found a flaw. He demanded…"). */
  ahead: number[];
}

export interface Lexicon {
  language: string;
  negation: NegationRules;
  concepts: string[];
  /** Terms by every form of their anchor word. */
  index: Map<string, Term[]>;
  /** Terms by a written word, for every form it has: filled as words are met. */
  byWord: Map<string, readonly Term[] | null>;
  signals: Map<string, Frame[]>;
}

/** `*` in a term lets up to this many words come between its neighbours; `**` up to GAP_LONG. */
const GAP_SHORT = 3;
const GAP_LONG = 8;

function compileTerm(term: string, concept: number, name: string): Term {
  const slots: Slot[] = [];
  let gap = 0;
  for (const piece of term.trim().split(/\s+/)) {
    if (piece === '*' || piece === '**') {
      gap = piece === '*' ? GAP_SHORT : GAP_LONG;
      continue;
    }
    // `^word` only at the start of a clause; `=word` matches that written form only: "=sources" is not "the
    // source of the funds".
    const clauseStart = piece.startsWith('^');
    const bare = clauseStart ? piece.slice(1) : piece;
    const exact = bare.startsWith('=');
    const alternatives = bare.split('|').map((alt) => wordsOf(alt.replace(/^=/, '')));
    if (alternatives.every((a) => a.length === 1)) {
      const forms = new Set(alternatives.flatMap((a) => (exact ? [a[0]!.normal] : a[0]!.forms)));
      slots.push({ forms, gap, clauseStart, exact });
    } else if (alternatives.length === 1) {
      // A word the model splits ("human-rights", "e-mail's"): each part is a slot, with nothing between.
      alternatives[0]!.forEach((t, i) => {
        slots.push({
          forms: new Set(exact ? [t.normal] : t.forms),
          gap: i === 0 ? gap : 0,
          clauseStart: clauseStart && i === 0,
          exact,
        });
      });
    } else throw new Error(`concept ${name}: alternatives in "${piece}" must each be one word`);
    gap = 0;
  }
  if (slots.length === 0) throw new Error(`concept ${name}: empty term "${term}"`);
  const anchor = slots.findIndex((slot) => [...slot.forms].some((f) => !FUNCTION_WORDS.has(f)));
  return { concept, slots, anchor: Math.max(anchor, 0) };
}

/**
 * A term whose alternatives in one place are not all one word ("hard-coded|stored") as one term per such
 * alternative, so that each can be read as the words the model makes of it.
 */
function expand(term: string): string[] {
  const pieces = term.trim().split(/\s+/);
  const at = pieces.findIndex(
    (p) => p.includes('|') && p.split('|').some((alt) => wordsOf(alt.replace(/^=/, '')).length > 1),
  );
  if (at < 0) return [term];
  return pieces[at]!.split('|').flatMap((alt) =>
    expand([...pieces.slice(0, at), alt, ...pieces.slice(at + 1)].join(' ')),
  );
}

function compile(file: ConceptFile): Lexicon {
  const concepts = Object.keys(file.concepts);
  const id = new Map(concepts.map((c, i) => [c, i]));
  const index = new Map<string, Term[]>();
  concepts.forEach((name, c) => {
    for (const t of file.concepts[name]!.terms.flatMap(expand)) {
      const term = compileTerm(t, c, name);
      for (const form of term.slots[term.anchor]!.forms) {
        const list = index.get(form);
        if (list) list.push(term);
        else index.set(form, [term]);
      }
    }
  });
  const ref = (signal: string, c: string) => {
    const n = id.get(c);
    if (n === undefined) throw new Error(`signal ${signal}: unknown concept ${c}`);
    return n;
  };
  const signals = new Map(
    Object.entries(file.signals).map(([name, s]) => [
      name,
      s.frames.map((frame) => {
        const f = Array.isArray(frame) ? frame : frame.concepts;
        return {
          all: f.filter((c) => !c.startsWith('!')).map((c) => ref(name, c)),
          none: f.filter((c) => c.startsWith('!')).map((c) => ref(name, c.slice(1))),
          sentences: Array.isArray(frame) ? 1 : Math.max(1, Math.min(3, frame.sentences)),
          ahead: Array.isArray(frame) ? [] : (frame.ahead ?? []).map((c) => ref(name, c)),
        };
      }),
    ]),
  );
  return {
    language: file.language,
    negation: {
      cues: new Set(file.negation.cues),
      after: new Set(file.negation.after),
      breaks: new Set(file.negation.breaks),
    },
    concepts,
    index,
    byWord: new Map(),
    signals,
  };
}

const LEXICONS = new Map<string, Lexicon>([['en', compile(english as ConceptFile)]]);

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
  /** The exact words matched: from the first to the last word of the frame's concepts. */
  quote: string;
  /** One of the frame's concepts is inside a negation's scope ("did not sell the records"). */
  negated: boolean;
  /** The frame's first concept is: "gives no assurance that the death penalty will not be imposed". */
  headNegated: boolean;
  /** The sentence (or piece of a long one) the match is in. */
  sentence: string;
  /** Offsets in the field's text of the quote and of the sentence. */
  at: number;
  sentenceAt: number;
  role?: string;
}

/** The free-text fields of a request that signals read, in the order the reading budget is spent. */
export function textFields(r: InterchangeRequest): TextField[] {
  const fields: TextField[] = [
    { field: 'facts', text: r.facts },
    { field: 'purpose', text: r.purpose },
  ];
  const dp = r.dataProtection;
  if (dp)
    for (const key of ['useLimitation', 'retention', 'onwardTransfer'] as const)
      fields.push({ field: `dataProtection.${key}`, text: dp[key] ?? '' });
  r.offences.forEach((o, i) => {
    fields.push({ field: `offences[${i}].domestic`, text: o.domestic ?? '' });
  });
  r.subjects.forEach((s, i) => {
    fields.push({ field: `subjects[${i}].description`, text: s.description ?? '', role: s.role });
  });
  r.data.forEach((d, i) => {
    fields.push({ field: `data[${i}].description`, text: d.description ?? '' });
    fields.push({ field: `data[${i}].identifiers`, text: d.identifiers.join('\n') });
  });
  return fields.filter((f) => f.text.trim() !== '');
}

/**
 * Bounds that keep screening linear and small whatever the text (issue 14, item 5): one screening reads at most
 * this many characters with the language model, the fields in `textFields` order; what is left over is not read,
 * and `withReading` says so, so a flood of text cannot hide what comes after it.
 */
export const READ_BUDGET_CHARS = 64_000;
/** A signal keeps at most this many matches in one field: a reviewer needs the first few, not a thousand. */
export const MAX_MATCHES_PER_FIELD = 20;
/** A finding quotes at most this many places, then says how many more there are. */
export const MAX_QUOTES = 12;
/** A quote longer than this keeps only the words of the frame's first concept. */
const MAX_QUOTE_CHARS = 300;

/** A text read once, with where each concept is found in each window: [window][concept] → token ranges. */
interface Read extends Reading {
  hits: (Map<number, [number, number][]> | undefined)[];
  /** Tokens inside a quoted name ("the group known as 'Sedition'"): a name says nothing about the conduct. */
  named: Uint8Array;
  /** The concepts found anywhere in the text (1 = found), once every window's hits are known. */
  present?: Uint8Array;
}

/**
 * A quoted span introduced as a name (known as 'X', calling itself "X", the account 'X', named ‘X’) or as what
 * someone called a thing (describing the decree as 'theft of our last years', styling himself a 'white hat'):
 * the words are a label, not the conduct alleged.
 */
const NAMED_QUOTE =
  /\b(?:known as|calling (?:itself|themselves)|called|named|name of|handle|account|group|gang|affiliate|operation|alias|user(?:name)?|channel|brand|crew|(?:describ|brand|label|styl|dismiss|call)(?:e|es|ed|ing|led|ling)?\s+(?:[\w’'-]+\s+){0,4}?as|styl(?:e|es|ed|ing)\s+(?:him|her|them)sel(?:f|ves))\s+(?:the\s+|an?\s+)?(['"‘“])([^'"’”]{1,80})['"’”]/gi;

function namedTokens(r: Reading): Uint8Array {
  const named = new Uint8Array(r.tokens.length);
  let i = 0;
  // Matches and tokens both ascend: one pass over each.
  for (const m of r.text.matchAll(NAMED_QUOTE)) {
    const end = m.index + m[0].length;
    const start = end - (m[2]?.length ?? 0) - 1;
    while (i < r.tokens.length && r.tokens[i]!.start < start) i++;
    for (; i < r.tokens.length && r.tokens[i]!.end <= end; i++) named[i] = 1;
  }
  return named;
}

/** What one screening has read: each text once, within the budget. */
interface Scope {
  /** The fields to read, each as far as `allotted` says. */
  fields: readonly TextField[];
  readings: Map<string, Read>;
  /** Matches of a signal in a field, by `signal field`: rules ask for the same ones. */
  matches: Map<string, SignalMatch[]>;
  allotted: Map<string, number>;
  unread: { field: string; chars: number }[];
  lexicon: Lexicon;
}

let current: Scope | null = null;

function scopeFor(lexicon: Lexicon, fields: readonly TextField[]): Scope {
  const allotted = new Map<string, number>();
  const unread: Scope['unread'] = [];
  let left = READ_BUDGET_CHARS;
  for (const f of fields) {
    const take = Math.min(left, f.text.length);
    allotted.set(f.field, take);
    if (take < f.text.length) unread.push({ field: f.field, chars: f.text.length - take });
    left -= take;
  }
  return { fields, readings: new Map(), matches: new Map(), allotted, unread, lexicon };
}

/**
 * Runs `fn` with one reading of the request shared by every rule: each field is read once, and the budget is
 * spent in field order whichever rule reads first. Returns what was left unread.
 */
export function withReading<T>(
  request: InterchangeRequest,
  fn: () => T,
): { result: T; unread: { field: string; chars: number }[] } {
  const outer = current;
  current = scopeFor(lexiconFor(request.language).lexicon, textFields(request));
  try {
    return { result: fn(), unread: current.unread };
  } finally {
    current = outer;
  }
}

/** The part of a field's text the budget allows, cut at a space. */
function allowed(scope: Scope, f: TextField): string {
  const n = scope.allotted.get(f.field) ?? f.text.length;
  if (n >= f.text.length) return f.text;
  const space = f.text.lastIndexOf(' ', n);
  return f.text.slice(0, space > n / 2 ? space : n);
}

function readingOf(scope: Scope, f: TextField): Read {
  const text = allowed(scope, f);
  let r = scope.readings.get(text);
  if (!r) {
    // The first text asked for brings every field of the scope with it, read as one document.
    // (Victims' and witnesses' descriptions are left for when a rule asks: none does today.)
    const eager = scope.fields.filter((g) => g.role === undefined || TARGET_ROLES.has(g.role));
    const texts = [...new Set([text, ...eager.map((g) => allowed(scope, g))])].filter(
      (t) => !scope.readings.has(t),
    );
    readAll(texts, scope.lexicon.negation).forEach((reading, i) => {
      scope.readings.set(texts[i]!, { ...reading, hits: [], named: namedTokens(reading) });
    });
    r = scope.readings.get(text)!;
  }
  return r;
}

/** Where each concept is found in one window of a reading: one pass over its tokens, done once. */
function hitsIn(lexicon: Lexicon, r: Read, w: number): Map<number, [number, number][]> {
  const cached = r.hits[w];
  if (cached) return cached;
  const hits = new Map<number, [number, number][]>();
  const { from, to } = r.windows[w]!;
  for (let i = from; i < to; i++) {
    const t = r.tokens[i]!;
    if (r.named[i]) continue;
    const terms = termsStartingWith(lexicon, t);
    if (terms) addHits(hits, r, terms, i, from, to);
  }
  r.hits[w] = hits;
  return hits;
}

/** The terms whose first word is one of a token's forms, memoised by word (a vocabulary, so bounded). */
function termsStartingWith(lexicon: Lexicon, t: Token): readonly Term[] | null {
  let terms = lexicon.byWord.get(t.normal);
  if (terms !== undefined) return terms;
  const found = new Set<Term>();
  for (const form of t.forms) for (const term of lexicon.index.get(form) ?? []) found.add(term);
  terms = found.size > 0 ? [...found] : null;
  if (lexicon.byWord.size >= BY_WORD_LIMIT) lexicon.byWord.clear();
  lexicon.byWord.set(t.normal, terms);
  return terms;
}
const BY_WORD_LIMIT = 200_000;

function addHits(
  hits: Map<number, [number, number][]>,
  r: Read,
  terms: readonly Term[],
  i: number,
  from: number,
  to: number,
) {
  for (const term of terms) {
    const anchor = term.slots[term.anchor]!;
    if (anchor.clauseStart || anchor.exact) if (!fits(anchor, r.tokens[i]!)) continue;
    const start = term.anchor === 0 ? i : matchBefore(r, term, i, from);
    if (start < 0) continue;
    const end = matchAfter(r, term, i, to);
    if (end < 0) continue;
    const spans = hits.get(term.concept);
    if (!spans) hits.set(term.concept, [[start, end]]);
    else if (!spans.some(([s, e]) => s === start && e === end)) spans.push([start, end]);
  }
}

/** Clause marks a gap does not cross. */
const GAP_STOPS = new Set([';', ':', '.', '!', '?']);

function fits(slot: Slot, t: Token): boolean {
  if (slot.clauseStart && !t.clauseStart) return false;
  if (slot.exact) return slot.forms.has(t.normal);
  for (const f of t.forms) if (slot.forms.has(f)) return true;
  return false;
}

/** The end (exclusive token index) of `term` whose anchor is at token `at`, or -1. Gaps take the nearest match. */
function matchAfter(r: Read, term: Term, at: number, to: number): number {
  let pos = at + 1;
  for (let k = term.anchor + 1; k < term.slots.length; k++) {
    const slot = term.slots[k]!;
    let found = -1;
    for (let j = pos; j < to && j <= pos + slot.gap; j++) {
      const t = r.tokens[j]!;
      if (fits(slot, t)) {
        found = j;
        break;
      }
      if (GAP_STOPS.has(t.normal)) break;
    }
    if (found < 0) return -1;
    pos = found + 1;
  }
  return pos;
}

/** The start of `term` whose anchor is at token `at`, its earlier slots found backwards, or -1. */
function matchBefore(r: Read, term: Term, at: number, from: number): number {
  let pos = at;
  for (let k = term.anchor - 1; k >= 0; k--) {
    const slot = term.slots[k]!;
    const gap = term.slots[k + 1]!.gap;
    let found = -1;
    for (let j = pos - 1; j >= from && j >= pos - 1 - gap; j--) {
      const t = r.tokens[j]!;
      if (fits(slot, t)) {
        found = j;
        break;
      }
      if (GAP_STOPS.has(t.normal)) break;
    }
    if (found < 0 || r.named[found]) return -1;
    pos = found;
  }
  return pos;
}

/**
 * Every match of a signal in the given fields (at most MAX_MATCHES_PER_FIELD per field): each window where one
 * of the signal's frames has all its concepts and none of its excluded ones.
 */
export function findSignal(
  lexicon: Lexicon,
  signal: SignalName,
  fields: readonly TextField[],
): SignalMatch[] {
  const frames = lexicon.signals.get(signal);
  if (!frames) throw new Error(`lexicon ${lexicon.language} has no signal ${signal}`);
  const scope = current?.lexicon === lexicon ? current : scopeFor(lexicon, fields);
  const matches: SignalMatch[] = [];
  for (const f of fields) {
    const key = `${signal} ${f.field}`;
    let found = scope.matches.get(key);
    if (!found) {
      found = matchesIn(lexicon, frames, readingOf(scope, f), f);
      scope.matches.set(key, found);
    }
    matches.push(...found);
  }
  return matches;
}

/** The concepts found anywhere in a reading. */
function presentIn(lexicon: Lexicon, r: Read): Uint8Array {
  if (r.present) return r.present;
  const present = new Uint8Array(lexicon.concepts.length);
  for (let w = 0; w < r.windows.length; w++) for (const c of hitsIn(lexicon, r, w).keys()) present[c] = 1;
  r.present = present;
  return present;
}

/** A span grown by the other spans of its concept that overlap it: "dissemination of knowingly false information". */
function widest(spans: readonly [number, number][], start: [number, number]): [number, number] {
  let [a, b] = start;
  for (let grew = true; grew; ) {
    grew = false;
    for (const [s, e] of spans)
      if (s < b && e > a && (s < a || e > b)) {
        a = Math.min(a, s);
        b = Math.max(b, e);
        grew = true;
      }
  }
  return [a, b];
}

/** Where a concept is in window `w`, or, for a frame over several sentences, in it and the ones just before. */
function spansOf(
  lexicon: Lexicon,
  r: Read,
  w: number,
  sentences: number,
  c: number,
): [number, number][] | undefined {
  if (sentences === 1) return hitsIn(lexicon, r, w).get(c);
  let out: [number, number][] | undefined;
  for (let k = Math.max(0, w - sentences + 1); k <= w; k++) {
    const h = hitsIn(lexicon, r, k).get(c);
    if (h) out = out ? [...out, ...h] : h;
  }
  return out;
}

/** The first span not inside a negation ("did not post it but published it"), else the first. */
function firstSaid(r: Read, spans: readonly [number, number][]): [number, number] {
  for (const span of spans) if (!r.tokens[span[0]]!.negated) return span;
  return spans[0]!;
}

function matchesIn(lexicon: Lexicon, all: readonly Frame[], r: Read, f: TextField): SignalMatch[] {
  const present = presentIn(lexicon, r);
  // Frames with a concept the text never mentions cannot match anywhere in it.
  const frames = all.filter((frame) => frame.all.every((c) => present[c] === 1));
  if (frames.length === 0) return [];
  const matches: SignalMatch[] = [];
  const seen = new Set<string>();
  windows: for (let w = 0; w < r.windows.length; w++) {
    const hits = hitsIn(lexicon, r, w);
    if (hits.size === 0) continue;
    eachFrame: for (const frame of frames) {
      // One of the frame's concepts must be in this sentence; the same match found again is dropped below.
      if (!frame.all.some((c) => hits.has(c))) continue;
      const spans: [number, number][] = [];
      for (const c of frame.all) {
        const h = spansOf(lexicon, r, w, frame.sentences, c);
        if (!h) continue eachFrame;
        spans.push(widest(h, firstSaid(r, h)));
      }
      // An excluded concept excludes only where it is said, not denied: "did not sell the records" is no attack;
      // in the frame's sentences, and in the `ahead` ones after it.
      for (const c of frame.none) {
        const h = spansOf(lexicon, r, w, frame.sentences, c);
        if (h?.some(([start]) => !r.tokens[start]!.negated)) continue eachFrame;
      }
      if (w + 1 < r.windows.length)
        for (const c of frame.ahead)
          if (
            hitsIn(lexicon, r, w + 1)
              .get(c)
              ?.some(([start]) => !r.tokens[start]!.negated)
          )
            continue eachFrame;
      const head = spans[0]!;
      let first = head[0];
      let last = head[1];
      for (const [a, b] of spans) {
        if (a < first) first = a;
        if (b > last) last = b;
      }
      let quoteText = r.text.slice(r.tokens[first]!.start, r.tokens[last - 1]!.end);
      if (quoteText.length > MAX_QUOTE_CHARS) {
        first = head[0];
        quoteText = r.text.slice(r.tokens[head[0]]!.start, r.tokens[head[1] - 1]!.end);
      }
      const key = quoteText.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      const { to } = r.windows[w]!;
      const from = Math.min(r.windows[w]!.from, first);
      matches.push({
        field: f.field,
        quote: quoteText,
        negated: spans.some(([start]) => r.tokens[start]!.negated),
        headNegated: r.tokens[head[0]]!.negated,
        sentence: r.text.slice(r.tokens[from]!.start, r.tokens[to - 1]!.end),
        at: r.tokens[first]!.start,
        sentenceAt: r.tokens[from]!.start,
        ...(f.role ? { role: f.role } : {}),
      });
      if (matches.length >= MAX_MATCHES_PER_FIELD) break windows;
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

/**
 * Every concept found in a text, with the words that realise it and whether they are negated: for a person
 * adding terms to a lexicon, to see what the screen reads in a sentence ("why did this stay clear?").
 */
export function conceptsIn(
  text: string,
  language = 'en',
): { concept: string; words: string; negated: boolean; sentence: number }[] {
  const { lexicon } = lexiconFor(language);
  const field: TextField = { field: 'text', text };
  const scope = scopeFor(lexicon, [field]);
  const r = readingOf(scope, field);
  const out: { concept: string; words: string; negated: boolean; sentence: number }[] = [];
  for (let w = 0; w < r.windows.length; w++)
    for (const [c, spans] of hitsIn(lexicon, r, w))
      for (const [a, b] of spans)
        out.push({
          concept: lexicon.concepts[c]!,
          words: r.text.slice(r.tokens[a]!.start, r.tokens[b - 1]!.end),
          negated: r.tokens[a]!.negated,
          sentence: w,
        });
  return out;
}

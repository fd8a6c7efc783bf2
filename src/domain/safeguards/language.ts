/**
 * Reading text for screening: wink-nlp's English model splits a text into tokens (keeping abbreviations,
 * numbers, e-mail addresses and contractions whole), this module into sentences, and
 * wink-lemmatizer (WordNet's exceptions and rules) gives each word its dictionary forms — as a noun, a verb and
 * an adjective, since no tagger says which it is here ("posted" → post, "proceedings" → proceeding,
 * "rallies" → rally), with British and American spellings made one ("criticised", "criticized" → criticize).
 * This module adds character offsets (so a finding can quote the exact words), negation scope and bounded
 * sentence windows. Pure: the model and the dictionaries are bundled in the packages and loaded once.
 *
 * Why no part-of-speech tagger: it doubles the model's cost (issue 15 measured 0.92 M tokens/s with it, 1.67 M
 * without), and matching a concept needs the word, not its tag; a word whose forms as noun and verb differ
 * simply has both.
 */

import model from 'wink-eng-lite-web-model';
import lemmatizer from 'wink-lemmatizer';
import winkNLP from 'wink-nlp';

/**
 * The model. It remembers every word it has not seen before (its cache of out-of-vocabulary words only grows),
 * and requests bring words nobody has seen (identifiers, addresses, names): it is made afresh whenever the
 * memo of word forms below is cleared, so that a node reading requests for months holds a bounded vocabulary.
 */
let nlp = winkNLP(model, []);
let generation = 0;

/** How many times the model has been made afresh (see above): for tests of the bound. */
export function readerGeneration(): number {
  return generation;
}

/** One spelling for -ise/-ize and -yse/-yze words: "organised", "organized" → "organiz…". */
function american(word: string): string {
  return word
    .replace(/([^aeiou])is(e|ed|es|ing|ation|ations|er|ers)$/, '$1iz$2')
    .replace(/ys(e|ed|es|ing)$/, 'yz$1');
}

/** Forms of a word, memoised: a vocabulary, not texts, so the memory it holds is bounded by the language. */
const FORMS = new Map<string, readonly string[]>();
export const FORMS_LIMIT = 200_000;

/** The written form and every dictionary form of a lower-case word. */
export function formsOf(normal: string): readonly string[] {
  let forms = FORMS.get(normal);
  if (forms) return forms;
  const set = new Set([normal]);
  if (/^[a-z][a-z'-]*$/.test(normal) && normal.length > 2) {
    for (const lemma of [lemmatizer.noun(normal), lemmatizer.verb(normal), lemmatizer.adjective(normal)])
      set.add(lemma);
    for (const f of [...set]) set.add(american(f));
  }
  forms = [...set];
  if (FORMS.size >= FORMS_LIMIT) {
    FORMS.clear();
    nlp = winkNLP(model, []);
    generation++;
  }
  FORMS.set(normal, forms);
  return forms;
}

export interface Token {
  /** Lower-case form as written. */
  normal: string;
  /** The written form and its dictionary forms: "criticised" → criticised, criticise, criticize. */
  forms: readonly string[];
  /** [start, end) offsets in the text read. */
  start: number;
  end: number;
  /** Inside the scope of a negation cue of the same clause ("did not report the flaw"). */
  negated: boolean;
  /** First of its sentence, or just after a clause mark: "…; deleted when it ends;". */
  clauseStart: boolean;
}

export interface Window {
  /** Token index range [from, to) of one sentence, or of a piece of a long one. */
  from: number;
  to: number;
}

export interface Reading {
  text: string;
  tokens: Token[];
  windows: Window[];
}

/**
 * A sentence longer than this many tokens is read in pieces, cut at a clause mark where there is one: concepts
 * combine within a window, and in a 2 MB sentence everything would be "in the same sentence".
 */
export const MAX_WINDOW_TOKENS = 80;

export interface NegationRules {
  /** Lemmas or lower-case words that open a negation: no, not, never, without, deny… */
  cues: ReadonlySet<string>;
  /** Words that negate what comes before them in their clause: "the security service will receive nothing". */
  after: ReadonlySet<string>;
  /** Words that close it: a contrasting conjunction or an exception ("unless", "but"). */
  breaks: ReadonlySet<string>;
}

/** Punctuation that ends a clause, and with it a negation's scope. */
const CLAUSE_MARKS = new Set([',', ';', ':', '(', ')', '—', '–']);

/** Tokens, lemmas, offsets, negation scope and sentence windows of a text. */
export function read(text: string, negation: NegationRules): Reading {
  return readAll([text], negation)[0]!;
}

/** Between the texts of one reading: a paragraph break, and no sentence or window crosses it. */
const SEPARATOR = '\n\n';

/**
 * Several texts (a request's fields) read as one document, which costs the model less than one document each,
 * and given back one reading per text: offsets are the text's own, and no sentence, window or negation reaches
 * from one text into the next.
 */
export function readAll(texts: readonly string[], negation: NegationRules): Reading[] {
  const joined = texts.join(SEPARATOR);
  const doc = nlp.readDoc(joined);
  const values = doc.tokens().out() as string[];
  // Line breaks come back as tokens of their own; they are left out.
  const all: Token[] = [];
  // Tokens that start a new line: a sentence ends before them (lists, headings, identifiers one per line).
  const lineStarts = new Set<number>();
  let cursor = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (value.trim() === '') {
      if (value.includes('\n')) lineStarts.add(all.length);
      continue;
    }
    const at = joined.indexOf(value, cursor);
    // The model may normalise a token it splits ("won't" → "wo", "n't"); offsets then follow the last found.
    const start = at < 0 ? cursor : at;
    const end = at < 0 ? cursor : at + value.length;
    cursor = end;
    const normal = value.toLowerCase();
    all.push({ normal, forms: formsOf(normal), start, end, negated: false, clauseStart: false });
  }
  markDates(all);
  const sentences = sentenceSpans(all, lineStarts, joined);
  for (const [first] of sentences) all[first]!.clauseStart = true;
  for (let i = 1; i < all.length; i++) if (CLAUSE_MARKS.has(all[i - 1]!.normal)) all[i]!.clauseStart = true;
  const out: Reading[] = [];
  let base = 0;
  let t = 0;
  let sentence = 0;
  for (const text of texts) {
    const limit = base + text.length;
    const first = t;
    while (t < all.length && all[t]!.start < limit) {
      const token = all[t]!;
      token.start -= base;
      token.end -= base;
      t++;
    }
    const tokens = all.slice(first, t);
    const windows: Window[] = [];
    // The sentences of this text, clipped to it: [from, to) in its own token indices.
    while (sentence < sentences.length && sentences[sentence]![1] < first) sentence++;
    for (let k = sentence; k < sentences.length && sentences[k]![0] < t; k++) {
      const from = Math.max(sentences[k]![0], first) - first;
      const to = Math.min(sentences[k]![1] + 1, t) - first;
      if (to > from) {
        markNegation(tokens, from, to, negation);
        cut(tokens, from, to, windows);
      }
    }
    out.push({ text, tokens, windows });
    base = limit + SEPARATOR.length;
  }
  return out;
}

/** Month names that are also words: "3 March 2026" is not a march, "May 2026" not a modal. */
const MONTH_WORDS = new Set(['march', 'may']);
const NUMBER = /^\d/;

/** Words that, before a number, cite a provision: "Article 77" is no newspaper article. */
const PROVISION_WORDS = new Set(['article', 'articles', 'section', 'sections', 'paragraph', 'clause']);

/**
 * Gives a month name beside a number (a date) and a provision word before one ("Article 77") a form of its own,
 * so that no concept reads it as a word.
 */
function markDates(tokens: Token[]): void {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (MONTH_WORDS.has(t.normal)) {
      if ([tokens[i - 1], tokens[i + 1]].some((n) => n !== undefined && NUMBER.test(n.normal)))
        tokens[i] = { ...t, forms: [`month:${t.normal}`] };
    } else if (PROVISION_WORDS.has(t.normal) && NUMBER.test(tokens[i + 1]?.normal ?? ''))
      tokens[i] = { ...t, forms: [`provision:${t.normal}`] };
  }
}

/** Tokens that end a sentence. The tokenizer keeps abbreviations whole ("Mr.", "U.S.", "a.m."), so a lone stop is one. */
const SENTENCE_END = new Set(['.', '!', '?', '...', '…']);

/** Abbreviations written in lower case that a capital may follow inside a sentence ("art. IV", "cf. Smith"). */
const LOWER_ABBREVIATIONS = new Set(
  'no nos art arts para paras sec secs vol vols pp cf vs ch chap fig approx ca ed eds op cit ibid resp incl'.split(
    ' ',
  ),
);

/**
 * A word the tokenizer kept whole with its full stop ("in." for inches) that ends a sentence: a lower-case word
 * that is no abbreviation, before a capital ("…without logging in. He reported…").
 */
function wordWithStop(tokens: readonly Token[], i: number, text: string): boolean {
  const word = tokens[i]!.normal;
  if (!/^[a-z]{2,}\.$/.test(word) || LOWER_ABBREVIATIONS.has(word.slice(0, -1))) return false;
  if (text[tokens[i]!.start] !== word[0]) return false;
  const next = tokens[i + 1];
  return next === undefined || /^\p{Lu}/u.test(text[next.start] ?? '');
}

/**
 * Sentences as [first, last] token indices: ended by a full stop, an exclamation or question mark, or a line
 * break between paragraphs. (wink-nlp's own sentence splitter costs a quarter of its time and finds the same
 * boundaries in requests, whose abbreviations its tokenizer already keeps whole.)
 */
function sentenceSpans(
  tokens: readonly Token[],
  lineStarts: ReadonlySet<number>,
  text: string,
): [number, number][] {
  const spans: [number, number][] = [];
  let first = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (lineStarts.has(i + 1) && i >= first) {
      spans.push([first, i]);
      first = i + 1;
      continue;
    }
    if (!SENTENCE_END.has(tokens[i]!.normal) && !wordWithStop(tokens, i, text)) continue;
    // Closing quotes and brackets after the stop belong to the sentence.
    while (i + 1 < tokens.length && /^['"’”)\]]$/.test(tokens[i + 1]!.normal)) i++;
    spans.push([first, i]);
    first = i + 1;
  }
  if (first < tokens.length) spans.push([first, tokens.length - 1]);
  return spans;
}

/** Windows of at most MAX_WINDOW_TOKENS over a sentence [from, to), cut after a clause mark where there is one. */
function cut(tokens: readonly Token[], first: number, end: number, windows: Window[]): void {
  for (let from = first; from < end; ) {
    let to = Math.min(end, from + MAX_WINDOW_TOKENS);
    if (to < end) {
      for (let k = to - 1; k > from + MAX_WINDOW_TOKENS / 2; k--)
        if (CLAUSE_MARKS.has(tokens[k]!.normal)) {
          to = k + 1;
          break;
        }
    }
    windows.push({ from, to });
    from = to;
  }
}

/**
 * Marks as negated the tokens after a negation cue, up to the end of its clause ("did not report the flaw"), and
 * the tokens before a cue that negates backwards, from the start of its clause ("… will receive nothing").
 */
function markNegation(tokens: Token[], from: number, to: number, rules: NegationRules): void {
  let open = false;
  let clause = from;
  for (let i = from; i < to; i++) {
    const t = tokens[i]!;
    if (
      rules.breaks.has(t.normal) ||
      (CLAUSE_MARKS.has(t.normal) && !listGoesOn(tokens, i, to)) ||
      (open && newPredicate(tokens, i, to))
    ) {
      open = false;
      clause = i + 1;
      continue;
    }
    if (rules.after.has(t.normal)) {
      // At the start of its clause it negates forwards ("none of it will be given"), else backwards.
      if (i === clause) open = true;
      else for (let k = clause; k < i; k++) tokens[k]!.negated = true;
      continue;
    }
    if (t.forms.some((f) => rules.cues.has(f))) {
      open = true;
      continue;
    }
    if (open) t.negated = true;
  }
}

/** Words that start a new subject after "and": the negation before them does not reach them. */
const SUBJECT_PRONOUNS = new Set(['he', 'she', 'they', 'it', 'we', 'i', 'you']);
/** Past forms that do not end in -ed. */
const IRREGULAR_PAST = new Set(
  'made sold took gave sent wrote kept told went got paid spent left put ran stole brought bought found held said began drove met set'.split(
    ' ',
  ),
);

/**
 * "and" followed by a pronoun or by a verb in the past ("had no right to make them and made them for money"):
 * a new predicate, which the negation before it does not reach. "did not keep, share or sell" goes on: the
 * verbs after "or" are in the same form as the negated one.
 */
function newPredicate(tokens: readonly Token[], i: number, to: number): boolean {
  if (tokens[i]!.normal !== 'and' || i + 1 >= to) return false;
  const next = tokens[i + 1]!.normal;
  return SUBJECT_PRONOUNS.has(next) || /ed$/.test(next) || IRREGULAR_PAST.has(next);
}

/**
 * A comma inside a list keeps a negation open: "did not keep, share or sell the records", "nothing was copied,
 * printed, shared or sold". The list goes on through items of at most three words each, to its "or" or "nor".
 */
function listGoesOn(tokens: readonly Token[], comma: number, to: number): boolean {
  if (tokens[comma]!.normal !== ',') return false;
  let item = 0;
  for (let k = comma + 1; k < Math.min(to, comma + 16); k++) {
    const t = tokens[k]!.normal;
    if (t === 'or' || t === 'nor') return true;
    if (t === ',' && item > 0 && item <= 3) {
      item = 0;
      continue;
    }
    if (CLAUSE_MARKS.has(t) || ++item > 3) return false;
  }
  return false;
}

/** The words of a phrase as the model reads it, each with its forms, for compiling lexicon terms as texts are read. */
export function wordsOf(phrase: string): { normal: string; forms: readonly string[] }[] {
  const values = nlp.readDoc(phrase).tokens().out() as string[];
  return values.map((v) => {
    const normal = v.toLowerCase();
    return { normal, forms: formsOf(normal) };
  });
}

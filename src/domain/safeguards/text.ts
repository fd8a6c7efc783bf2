/**
 * Text signals for screening, read as concepts rather than wording (issue 15). A request's free text is read
 * once per screening (./language.ts: sentences, tokens, lemmas, negation scope); a concept lexicon
 * (data/safeguards/concepts.<lang>.json) lists the many ways a concept is said ("campaigner", "leader of the
 * protest movement", "organised the residents' petition"), matched on lemmas so that "criticised", "criticizes"
 * and "criticism of" are the same word; and a signal is a frame of concepts that must meet in one sentence
 * (a flaw found + told to its owner, and no ransom demand in the same breath). Every match keeps the field and
 * the exact words, so a finding quotes what triggered it. Pure: no I/O beyond the bundled lexicon and model.
 *
 * This module decides what is read (the fields, in order, within one budget per screening) and answers rules'
 * questions; ./lexicon.ts compiles the concepts and signals, ./matcher.ts finds them in what was read.
 */
import type { InterchangeRequest } from '../request.ts';
import { type Reading, readAll } from './language.ts';
import { type Lexicon, lexiconFor, type SignalName } from './lexicon.ts';
import { hitsIn, matchesIn, type Read, type SignalMatch, type TextField } from './matcher.ts';

export type { ConceptName, Lexicon, SignalName } from './lexicon.ts';
export { lexiconFor } from './lexicon.ts';
export { MAX_MATCHES_PER_FIELD, type SignalMatch, type TextField } from './matcher.ts';

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
/** A finding quotes at most this many places, then says how many more there are. */
export const MAX_QUOTES = 12;

/**
 * A quoted span introduced as a name (known as 'X', calling itself "X", the account 'X', named ‘X’) or as what
 * someone called a thing (describing the decree as 'theft of our last years', styling himself a 'white hat'):
 * the words are a label, not the conduct alleged.
 */
const NAMED_QUOTE =
  /\b(?:known as|calling (?:itself|themselves)|called|named|name of|handle|account|group|gang|affiliate|operation|alias|user(?:name)?|channel|brand|crew|(?:describ|brand|label|styl|dismiss|call)(?:e|es|ed|ing|led|ling)?\s+(?:[\w’'-]+\s+){0,4}?as|styl(?:e|es|ed|ing)\s+(?:him|her|them)sel(?:f|ves))\s+(?:the\s+|an?\s+)?(['"‘“])([^'"’”]{1,80})['"’”]/gi;

/**
 * A quoted name in title case ("the 'Solidarity Fund', an association…", "a channel called 'No Fees Action'"):
 * a proper name, whatever its words mean. A quotation that reads as a sentence does not start every word with a
 * capital and is read.
 */
const TITLE_QUOTE =
  /(['"‘“])((?:[A-Z0-9][\w’'&.-]*)(?:\s+(?:[A-Z0-9][\w’'&.-]*|of|the|and|for|de|la)){0,5})['"’”]/g;

function namedTokens(r: Reading): Uint8Array {
  const named = new Uint8Array(r.tokens.length);
  for (const pattern of [NAMED_QUOTE, TITLE_QUOTE]) {
    let i = 0;
    // Matches and tokens both ascend: one pass over each.
    for (const m of r.text.matchAll(pattern)) {
      const end = m.index + m[0].length;
      const start = pattern === NAMED_QUOTE ? end - (m[2]?.length ?? 0) - 1 : m.index;
      while (i < r.tokens.length && r.tokens[i]!.start < start) i++;
      for (; i < r.tokens.length && r.tokens[i]!.end <= end; i++) named[i] = 1;
    }
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

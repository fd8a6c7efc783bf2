/**
 * Where concepts and signals are in a text already read (./language.ts): each window's concept hits found in one
 * pass over its tokens (terms found by their first content word, earlier words matched backwards), then the
 * frames of a signal matched over those hits, each match keeping its field, exact words and offsets so that a
 * finding quotes what triggered it. Pure.
 */

import type { Reading, Token } from './language.ts';
import type { Frame, Lexicon, Shadow, Slot, Term } from './lexicon.ts';

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

/** A quote longer than this keeps only the words of the frame's first concept. */
const MAX_QUOTE_CHARS = 300;
/** A signal keeps at most this many matches in one field: a reviewer needs the first few, not a thousand. */
export const MAX_MATCHES_PER_FIELD = 20;

/** A text read once, with where each concept is found in each window: [window][concept] → token ranges. */
export interface Read extends Reading {
  hits: (Map<number, [number, number][]> | undefined)[];
  /** Tokens inside a quoted name ("the group known as 'Sedition'"): a name says nothing about the conduct. */
  named: Uint8Array;
  /** The concepts found anywhere in the text (1 = found), once every window's hits are known. */
  present?: Uint8Array;
}

/** Where each concept is found in one window of a reading: one pass over its tokens, done once. */
export function hitsIn(lexicon: Lexicon, r: Read, w: number): Map<number, [number, number][]> {
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
  for (const shadow of lexicon.shadows) applyShadow(shadow, hits, r, to);
  r.hits[w] = hits;
  return hits;
}

/** Drops the hits a shadow hides: those after its concept's hit, up to a word of `until` or the sentence's end. */
function applyShadow(shadow: Shadow, hits: Map<number, [number, number][]>, r: Read, to: number) {
  const by = hits.get(shadow.by);
  if (!by) return;
  const shaded = by.map(([, end]) => {
    let stop = end;
    while (stop < to && !shadow.until.has(r.tokens[stop]!.normal)) stop++;
    return [end, stop] as const;
  });
  for (const c of shadow.hides) {
    const spans = hits.get(c);
    if (!spans) continue;
    const kept = spans.filter(([s]) => !shaded.some(([a, b]) => s >= a && s < b));
    if (kept.length === 0) hits.delete(c);
    else if (kept.length < spans.length) hits.set(c, kept);
  }
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

export function matchesIn(lexicon: Lexicon, all: readonly Frame[], r: Read, f: TextField): SignalMatch[] {
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

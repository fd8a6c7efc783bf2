/**
 * The concept lexicon (issue 15): data/safeguards/concepts.<lang>.json compiled once into terms indexed by
 * their first content word, and signals into frames of concept numbers. Term syntax: words matched in any of
 * their forms, `a|b` alternatives in one place, `*` and `**` gaps, `=word` the written form only, `^word` at the
 * start of a clause (docs/screening.md). Pure: the lexicon is bundled.
 */
import english from '../../../data/safeguards/concepts.en.json' with { type: 'json' };
import { type NegationRules, wordsOf } from './language.ts';

export type SignalName = keyof typeof english.signals;
export type ConceptName = keyof typeof english.concepts;

interface ConceptFile {
  language: string;
  negation: { cues: string[]; after: string[]; breaks: string[] };
  concepts: Record<string, { description: string; terms: string[] }>;
  /** Concepts whose words after another concept's are someone else's, e.g. what leaked papers showed. */
  shadows?: { by: string; hides: string[]; until: string[] }[];
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
export interface Slot {
  forms: ReadonlySet<string>;
  gap: number;
  /** `^word`: only as the first word of a sentence or clause ("…; deleted when it ends"). */
  clauseStart: boolean;
  /** `=word`: that written form only, not a word whose dictionary form it is ("=open" is not "opened"). */
  exact: boolean;
}
export interface Term {
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
export interface Frame {
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
  shadows: Shadow[];
}

/**
 * After a hit of `by`, hits of the `hides` concepts are not the conduct alleged, up to a word of `until` (";",
 * "then") or the end of the sentence: "copied e-mails showing that the company had, since 2024, falsified the
 * records" — the falsifying is what the e-mails showed, not what the person who copied them did.
 */
export interface Shadow {
  by: number;
  hides: ReadonlySet<number>;
  until: ReadonlySet<string>;
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
  const shadows = (file.shadows ?? []).map((sh) => ({
    by: ref('shadows', sh.by),
    hides: new Set(sh.hides.map((c) => ref('shadows', c))),
    until: new Set(sh.until),
  }));
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
    shadows,
  };
}

const LEXICONS = new Map<string, Lexicon>([['en', compile(english as ConceptFile)]]);

/** The lexicon for a request's language, or English with `fallback` set when there is none for it. */
export function lexiconFor(language: string): { lexicon: Lexicon; fallback: boolean } {
  const exact = LEXICONS.get(language.toLowerCase().split('-')[0] ?? '');
  return exact ? { lexicon: exact, fallback: false } : { lexicon: LEXICONS.get('en')!, fallback: true };
}

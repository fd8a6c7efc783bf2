/**
 * Who a passage of a request speaks of: the person it targets (a suspect, an accused, an account holder) or
 * someone else (a victim, a witness). Screening asks it of words that describe a standing or a political act,
 * since a journalist who was defrauded is not a journalist being pursued.
 */
import lemmatizer from 'wink-lemmatizer';
import type { InterchangeRequest } from '../request.ts';
import {
  findSignal,
  type Lexicon,
  type SignalMatch,
  TARGET_ROLES,
  type TextField,
  textFields,
} from './text.ts';

/** A name that is a description: a role word, or a function word between words. */
const DESCRIPTIVE =
  /\b(?:of|the|and|who|for|with|holder|holders|user|users|operator|operators|administrator|administrators|persons?|people|members?|buyers?|customers?|unknown|defrauded)\b/i;
/** Words that stand for the person targeted, or for someone else, when no name is used. */
const TARGET_WORDS =
  /\b(?:suspects?|accused|defendants?|person sought|persons sought|account[- ]holders?|the user)\b/gi;
const OTHER_WORDS = /\b(?:victims?|complainants?|witness(?:es)?|injured party|informants?)\b/gi;
const PRONOUN = /\b(?:he|she|his|her|him|they|their|them)\b/i;

interface Mention {
  at: number;
  target: boolean;
}

/** Where the people of a request are mentioned in a text, by name (any part of it) or by role word. */
function mentions(text: string, request: InterchangeRequest): Mention[] {
  const out: Mention[] = [];
  for (const s of request.subjects) {
    const target = TARGET_ROLES.has(s.role);
    // A subject named by a description ("Holder of FarmGavel accounts", "Defrauded buyers (23)") has no name
    // to find: its capitalised words are a site's or a group's.
    if (DESCRIPTIVE.test(s.name)) continue;
    for (const part of s.name.split(/[\s,()]+/)) {
      if (part.length < 3 || !/^\p{Lu}/u.test(part) || /^unknown$/i.test(part)) continue;
      for (let at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length))
        out.push({ at, target });
    }
  }
  for (const m of text.matchAll(TARGET_WORDS)) out.push({ at: m.index, target: true });
  for (const m of text.matchAll(OTHER_WORDS)) out.push({ at: m.index, target: false });
  return out.sort((a, b) => a.at - b.at);
}

/**
 * Whether words at `m.at` describe the person targeted: the nearest person mentioned in the same sentence is a
 * target (and, when `within` is finite, named at most that many characters away); or the sentence names nobody,
 * speaks of "he" or "she", and the last person named before it is one.
 */
function describesTarget(m: SignalMatch, people: readonly Mention[], within: number): boolean {
  const end = m.sentenceAt + m.sentence.length;
  const inSentence = people.filter((p) => p.at >= m.sentenceAt && p.at < end);
  if (inSentence.length > 0) {
    let best = inSentence[0]!;
    for (const p of inSentence) if (Math.abs(p.at - m.at) < Math.abs(best.at - m.at)) best = p;
    return best.target && Math.abs(best.at - m.at) <= within;
  }
  if (!PRONOUN.test(m.sentence)) return false;
  const before = people.filter((p) => p.at < m.sentenceAt);
  return before.length > 0 && before[before.length - 1]!.target;
}

/**
 * A reader of whether a match describes the person targeted: subject fields by their role, narrative fields
 * (facts, purpose) by the people mentioned around the words. Mentions are found once per field.
 */
export function targetReader(
  request: InterchangeRequest,
  narrative: readonly TextField[],
  /** How near (in characters) the person must be named; by default anywhere in the sentence, or before it. */
  within = Number.POSITIVE_INFINITY,
): (m: SignalMatch) => boolean {
  const people = new Map<string, Mention[]>();
  return (m) => {
    if (m.role !== undefined) return TARGET_ROLES.has(m.role);
    const f = narrative.find((g) => g.field === m.field);
    if (!f) return false;
    let found = people.get(f.field);
    if (!found) {
      found = mentions(f.text, request);
      people.set(f.field, found);
    }
    return describesTarget(m, found, within);
  };
}

/**
 * Where the request describes the person it targets as having a standing often persecuted (a journalist, a
 * campaigner, the founder of a couriers' association): in a targeted subject's description, or in the facts
 * or purpose beside that person. Persecution weighs it; expression weighs it with the person's own speech.
 */
export function targetStanding(request: InterchangeRequest, lexicon: Lexicon): SignalMatch[] {
  const fields = textFields(request);
  const narrative = fields.filter((f) => f.field === 'facts' || f.field === 'purpose');
  const aboutTarget = targetReader(request, narrative);
  return findSignal(
    lexicon,
    'protected-status',
    fields.filter(
      (f) =>
        f.field === 'facts' || f.field === 'purpose' || (f.role !== undefined && TARGET_ROLES.has(f.role)),
    ),
  ).filter(
    (m) =>
      !m.negated && (m.role !== undefined || (!plural(m.quote) && !objectOfPreposition(m))) && aboutTarget(m),
  );
}

/** A preposition and at most three words before the match: "sent the links … to the editor of a news site". */
const BEFORE_PREPOSITION = /\b(?:to|with|from|by|against|towards|at|among)\s+(?:[\w'’-]+\s+){0,3}$/i;

/**
 * Words after "to", "with", "from" or "by" speak of someone the target dealt with ("sent the videos to the editor
 * of a local news site", "defrauded with the help of a priest"), not of the target, whose standing is said of
 * them ("Riko Saar, a journalist", "he is a priest", "as a campaigner").
 */
function objectOfPreposition(m: SignalMatch): boolean {
  const before = m.sentence.slice(Math.max(0, m.at - m.sentenceAt - 60), m.at - m.sentenceAt);
  return BEFORE_PREPOSITION.test(before);
}

/**
 * One word naming a group ("refugees", "journalists"): in the facts it speaks of people the target deals with
 * ("an app that promised to help refugees"), not of the target, whose own standing is singular ("Riko Saar, a
 * journalist") or shown by what they do ("defends journalists", "leads the refugees' committee").
 */
function plural(quote: string): boolean {
  if (/\s/.test(quote)) return false;
  const word = quote.toLowerCase();
  return /(?:[^s]s|ies|ches|shes|xes)$/.test(word) && lemmatizer.noun(word) !== word;
}

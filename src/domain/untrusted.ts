/**
 * Text PostgreSQL cannot store: the NUL character, and UTF-16 surrogates without their pair (JSON can carry
 * both as `\u0000` and `\ud800`). Refused at the boundary with the field named, never met as a failed insert.
 */
/** NUL, or a surrogate code unit standing alone (in Unicode mode a proper pair is one code point, not Cs). */
const LONE_SURROGATE = /\p{Cs}/u;

function badString(s: string): boolean {
  return s.includes('\u0000') || LONE_SURROGATE.test(s);
}

/** Deeper than any document of this API: refused before a schema (or anything recursive) walks it. */
export const MAX_DEPTH = 64;

/**
 * The path of the first string (or key) in `value` that cannot be stored, or of the first value nested deeper
 * than MAX_DEPTH, with the reason; null when all is well. Iterative: a hostile document cannot exhaust the stack.
 */
export function unstorableTextAt(value: unknown, root = ''): { at: string; why: string } | null {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: root, depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (badString(v)) return { at: path || '(body)', why: UNSTORABLE_TEXT };
      continue;
    }
    if (!v || typeof v !== 'object') continue;
    if (depth >= MAX_DEPTH) return { at: path || '(body)', why: `nested deeper than ${MAX_DEPTH} levels` };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--)
        stack.push({ v: v[i], path: `${path}[${i}]`, depth: depth + 1 });
      continue;
    }
    for (const [k, item] of Object.entries(v).reverse()) {
      const at = path ? `${path}.${k}` : k;
      if (badString(k)) return { at, why: UNSTORABLE_TEXT };
      stack.push({ v: item, path: at, depth: depth + 1 });
    }
  }
  return null;
}

export const UNSTORABLE_TEXT = 'text may not hold NUL characters or unpaired UTF-16 surrogates';

/**
 * The text with NUL and unpaired surrogates replaced by U+FFFD: for what the node writes down itself from
 * hostile input (a refusal's reason quoting a header), where refusing is not an option.
 */
export function storable(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD').replace(/\p{Cs}/gu, '\uFFFD');
}

/**
 * A value someone else sent (a key id, an algorithm, a claim) as text short enough to quote in a reason: a
 * string cut at `max` characters, anything else named by its JSON kind. Never `String(value)` or a template of
 * it: an array nested 100,000 levels deep overflows the stack when turned into text.
 */
export function quoteUntrusted(value: unknown, max = 80): string {
  if (value === '') return '(empty)';
  if (typeof value === 'string') return value.length > max ? `${value.slice(0, max)}…` : value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (value === undefined) return '(none)';
  return Array.isArray(value) ? '(an array)' : `(${typeof value === 'object' ? 'an object' : typeof value})`;
}

/** A value someone else sent where only a string means anything (a key id to look up): itself, or ''. */
export const stringOrEmpty = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * Text PostgreSQL cannot store: the NUL character, and UTF-16 surrogates without their pair (JSON can carry
 * both as `\u0000` and `\ud800`). Refused at the boundary with the field named, never met as a failed insert.
 */
/** NUL, or a surrogate code unit standing alone (in Unicode mode a proper pair is one code point, not Cs). */
const LONE_SURROGATE = /\p{Cs}/u;

function badString(s: string): boolean {
  return s.includes('\u0000') || LONE_SURROGATE.test(s);
}

/** The path of the first string (or key) in `value` that cannot be stored, or null. */
export function unstorableTextAt(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return badString(value) ? path || '(body)' : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorableTextAt(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const at = path ? `${path}.${k}` : k;
      if (badString(k)) return at;
      const found = unstorableTextAt(v, at);
      if (found) return found;
    }
  }
  return null;
}

export const UNSTORABLE_TEXT = 'text may not hold NUL characters or unpaired UTF-16 surrogates';

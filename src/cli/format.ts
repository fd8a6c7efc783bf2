/** Formatting of times, deadlines and long text for the terminal. */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The two largest units of a duration: "3d 4h", "2h 5m", "12m", "<1m". */
export function duration(ms: number): string {
  const d = Math.floor(ms / DAY);
  const h = Math.floor((ms % DAY) / HOUR);
  const m = Math.floor((ms % HOUR) / MINUTE);
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  return m > 0 ? `${m}m` : '<1m';
}

/** "in 3d 4h" before the deadline, "OVERDUE 2h" after it, "-" without one. */
export function relativeDue(dueAt: string | null | undefined, now: Date = new Date()): string {
  if (!dueAt) return '-';
  const diff = Date.parse(dueAt) - now.getTime();
  return diff >= 0 ? `in ${duration(diff)}` : `OVERDUE ${duration(-diff)}`;
}

/** "2026-03-14 09:12 UTC": both nodes and the user read the same clock. */
export function utc(iso: string | null | undefined): string {
  if (!iso) return '-';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Wraps text to `width` columns; every line but the first starts with `indent`. */
export function wrap(text: string, width: number, indent = ''): string {
  const lines: string[] = [];
  for (const paragraph of text.split(/\n/)) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
  }
  return lines.join(`\n${indent}`);
}

/** Terminal width for wrapping, within sane bounds; 100 when not a terminal. */
export function textWidth(): number {
  return Math.min(Math.max(process.stdout.columns ?? 100, 60), 120);
}

/**
 * Characters a terminal acts on instead of showing: C0 controls (ESC starts the sequences that move the cursor,
 * clear the screen or set the window title), DEL, C1 controls (U+009B is CSI on its own), the line and paragraph
 * separators, and the bidirectional controls that reorder what follows (U+202E makes `txt.exe` read `exe.txt`).
 */
const BEYOND_C0 = '\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
const UNPRINTABLE = new RegExp(`[\\u0000-\\u001f${BEYOND_C0}]`, 'g');
/** What JSON.stringify leaves raw of them: it escapes C0 itself, and its own line breaks must stay. */
const UNPRINTABLE_IN_JSON = new RegExp(`[${BEYOND_C0}]`, 'g');
const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const hex = (c: string, digits: number) => c.charCodeAt(0).toString(16).padStart(digits, '0');

/**
 * Text that came from elsewhere (a peer node, a file, a server's problem) as the terminal should show it: every
 * character of UNPRINTABLE written as an escape (`\x1b`, `\u202e`, `\n`), so that it is seen, never obeyed.
 * Everything the CLI prints passes through it (src/cli/output.ts); a value printed inside a line goes through it
 * on its own too, so that a line break in it cannot fake a line of output.
 */
export function printable(text: string): string {
  return text.replace(
    UNPRINTABLE,
    (c) => SHORT[c] ?? (c.charCodeAt(0) <= 0xff ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`),
  );
}

/** `printable`, keeping the line breaks of text the CLI composed of several lines. */
export const printableLines = (text: string) => text.split('\n').map(printable).join('\n');

/**
 * JSON as printed: the characters of UNPRINTABLE that JSON.stringify leaves as they are (DEL, C1, separators,
 * bidi controls) written as `\uXXXX` escapes. They occur only inside strings, so the value stays the same.
 */
export const printableJson = (json: string) => json.replace(UNPRINTABLE_IN_JSON, (c) => `\\u${hex(c, 4)}`);

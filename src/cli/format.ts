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

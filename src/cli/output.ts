/**
 * Everything the CLI prints. Results go to stdout (text, or JSON with --json); errors, hints and progress go to
 * stderr so that `--json | jq` always reads clean JSON. Much of what is printed came from elsewhere (a peer's
 * file names and custody text, case fields, a server's problem details): nothing reaches the terminal without
 * going through `printable`, so a control character in it is shown as an escape, never obeyed.
 */
import { CliError } from './errors.ts';
import { printable, printableJson, printableLines } from './format.ts';

let jsonMode = false;

/** Set once per run, before the command's action (main.ts), so error reporting knows the mode too. */
export function setJsonMode(on: boolean): void {
  jsonMode = on;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${printableJson(JSON.stringify(value, null, 2))}\n`);
}

export function println(line = ''): void {
  process.stdout.write(`${printableLines(line)}\n`);
}

/** A warning on stderr: `warning: …`. */
export function warn(message: string): void {
  process.stderr.write(`warning: ${printableLines(message)}\n`);
}

/** Prints text, or the given value as JSON in --json mode. */
export function emit(value: unknown, text: () => string | string[]): void {
  if (jsonMode) {
    printJson(value);
    return;
  }
  const out = text();
  for (const line of Array.isArray(out) ? out : [out]) println(line);
}

/** Fixed-width columns; the last one is not padded so long titles do not leave trailing spaces. */
export function table(headers: string[], rows: string[][]): string[] {
  // A cell is one line: a line break in it is shown, not followed.
  const cells = rows.map((r) => r.map(printable));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)];
}

/** Prints an error as the contract says: `error: …`, one line per field, hints; JSON on stdout with --json. */
export function reportError(e: unknown): void {
  const err = e instanceof CliError ? e : unexpected(e);
  process.stderr.write(`error: ${printableLines(err.message)}\n`);
  for (const f of err.options.fields ?? [])
    process.stderr.write(`  ${printable(f.field)}: ${printable(f.message)}\n`);
  for (const h of err.options.hints ?? []) process.stderr.write(`hint: ${printableLines(h)}\n`);
  if (jsonMode) printJson(err.problem);
}

/** A bug, not a user error: one line by default, the stack only when asked for. */
function unexpected(e: unknown): CliError {
  const message = e instanceof Error ? e.message : String(e);
  if (process.env.COMITY_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return new CliError(message, {
    problem: { title: 'Unexpected error', detail: message },
    hints: process.env.COMITY_DEBUG
      ? []
      : ['this looks like a bug; set COMITY_DEBUG=1 to see where it happened'],
  });
}

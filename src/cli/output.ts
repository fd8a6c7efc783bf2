/**
 * Everything the CLI prints. Results go to stdout (text, or JSON with --json); errors, hints and progress go to
 * stderr so that `--json | jq` always reads clean JSON.
 */
import { CliError } from './errors.ts';

let jsonMode = false;

/** Set once per run, before the command's action (main.ts), so error reporting knows the mode too. */
export function setJsonMode(on: boolean): void {
  jsonMode = on;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function println(line = ''): void {
  process.stdout.write(`${line}\n`);
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
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** Prints an error as the contract says: `error: …`, one line per field, hints; JSON on stdout with --json. */
export function reportError(e: unknown): void {
  const err = e instanceof CliError ? e : unexpected(e);
  process.stderr.write(`error: ${err.message}\n`);
  for (const f of err.options.fields ?? []) process.stderr.write(`  ${f.field}: ${f.message}\n`);
  for (const h of err.options.hints ?? []) process.stderr.write(`hint: ${h}\n`);
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

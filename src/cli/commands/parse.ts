/** Parsers for option values; an InvalidArgumentError becomes a usage error (exit code 2). */
import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
}

export function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_530) throw new InvalidArgumentError('expected a port number');
  return n;
}

/** Splits "a,b, c" into ["a", "b", "c"]. */
export function list(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

export interface Condition {
  kind: string;
  text: string;
}

/** Collects repeated `--condition kind=text` options. */
export function condition(value: string, previous: Condition[] = []): Condition[] {
  const eq = value.indexOf('=');
  if (eq < 1) throw new InvalidArgumentError('expected kind=text, e.g. use-limitation="Only for this case"');
  return [...previous, { kind: value.slice(0, eq).trim(), text: value.slice(eq + 1).trim() }];
}

export function isoDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value)))
    throw new InvalidArgumentError('expected a date as YYYY-MM-DD');
  return value;
}

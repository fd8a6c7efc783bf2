/** Reading JSON files named on the command line, with one-line reasons instead of stack traces. */
import { readFileSync } from 'node:fs';
import { formatPath } from '../domain/errors.ts';
import { CliError } from './errors.ts';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a folder',
};

export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new CliError(`cannot read ${path}: ${REASONS[code] ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${path} is not JSON: ${(e as Error).message}`);
  }
}

export interface RequestFile {
  request: unknown;
  /** Where the request sits in the file, to name fields the node complains about ("request." or ""). */
  prefix: string;
}

/**
 * The interchange request in a file: the file itself, or the `request` of a screening bundle
 * (`{ request, context, expect }`, test/fixtures/corpus).
 */
export function readRequestFile(path: string): RequestFile {
  const json = readJsonFile(path);
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new CliError(`${path} does not hold a request: expected a JSON object`);
  const bundle = json as Record<string, unknown>;
  if (!('type' in bundle) && typeof bundle.request === 'object' && bundle.request !== null)
    return { request: bundle.request, prefix: 'request.' };
  return { request: json, prefix: '' };
}

/** Points the node's field problems at the place in the file, e.g. `request.offences[0].code` in a bundle. */
export function inFile(e: unknown, path: string, prefix: string): unknown {
  if (!(e instanceof CliError) || !e.options.fields?.length) return e;
  const fields = e.options.fields.map((f) => ({ ...f, field: `${prefix}${f.field}` }));
  return new CliError(`${e.message.replace(/\.$/, '')} (${path}).`, { ...e.options, fields });
}

/** A schema issue as Zod reports it; `keys` comes with unrecognised keys. */
export interface SchemaIssue {
  path: readonly PropertyKey[];
  message: string;
  keys?: readonly string[];
}

/**
 * Schema issues of a file as field problems with the file's paths, e.g.
 * `context.requested.law.UNCC-ILLEGAL-ACCESS.maxPenaltyYears` or `request.offences[0].code`; an unknown key
 * is named by its own path (`rules.kindness`) rather than its parent's.
 */
export function fileFields(issues: readonly SchemaIssue[]): { field: string; message: string }[] {
  const at = (path: readonly PropertyKey[]) => (path.length ? formatPath(path) : '(the whole file)');
  return issues.flatMap((i) =>
    i.keys?.length
      ? i.keys.map((k) => ({ field: at([...i.path, k]), message: 'unknown key' }))
      : [{ field: at(i.path), message: i.message }],
  );
}

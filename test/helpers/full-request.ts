/**
 * A request carrying every field of the interchange schema (issue 16), generated from the schema itself so that a
 * field added later is carried too: each optional field given, each enum at a non-default value, each boolean the
 * opposite of its default, each array with items. Tests use it to prove that a path through the system (the web
 * wizard, above all) keeps every field.
 */
import { z } from 'zod';
import { InterchangeRequestSchema } from '../../src/domain/request.ts';

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  $ref?: string;
};

/** Values the schema cannot say (party codes the registry knows, dates in order). */
const OVERRIDES: Record<string, unknown> = {
  from: 'ARC',
  to: 'BOR',
  language: 'en',
  'data[].from': '2026-03-01',
  'data[].to': '2026-03-31',
};

function sample(schema: JsonSchema, path: string, defs: Record<string, JsonSchema>): unknown {
  if (path in OVERRIDES) return OVERRIDES[path];
  if (schema.$ref) return sample(defs[schema.$ref.split('/').pop()!]!, path, defs);
  const alt = schema.anyOf ?? schema.oneOf;
  if (alt) return sample(alt.find((s) => s.type !== 'null')!, path, defs);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum.find((v) => v !== schema.default) ?? schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'boolean':
      return schema.default !== true;
    case 'number':
    case 'integer':
      return Math.min(schema.maximum ?? 7, Math.max(schema.minimum ?? 0, 7));
    case 'string':
      if (schema.format === 'date') return '2026-03-15';
      return `${path.replace(/\[\]/g, '')} (every field)`;
    case 'array':
      return [0, 1].map(() => sample(schema.items!, `${path}[]`, defs));
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([k, s]) => [
          k,
          sample(s, path ? `${path}.${k}` : k, defs),
        ]),
      );
    default:
      throw new Error(`full-request: no sample for ${path} (${JSON.stringify(schema).slice(0, 80)})`);
  }
}

/** Every property path of the schema ("subjects[].nationality"), for checking that a request covers them. */
export function schemaPaths(): string[] {
  const root = z.toJSONSchema(InterchangeRequestSchema, { io: 'input' }) as JsonSchema & {
    $defs?: Record<string, JsonSchema>;
  };
  const defs = root.$defs ?? {};
  const out: string[] = [];
  const walk = (s: JsonSchema, path: string) => {
    if (s.$ref) return walk(defs[s.$ref.split('/').pop()!]!, path);
    const alt = s.anyOf ?? s.oneOf;
    if (alt) return walk(alt.find((x) => x.type !== 'null')!, path);
    if (s.items) walk(s.items, `${path}[]`);
    for (const [k, p] of Object.entries(s.properties ?? {})) {
      const child = path ? `${path}.${k}` : k;
      out.push(child);
      walk(p, child);
    }
  };
  walk(root, '');
  return out;
}

/** A request (as the schema's input) with every field set; parse it with the schema to get what a node stores. */
export function fullRequest(): Record<string, unknown> {
  const root = z.toJSONSchema(InterchangeRequestSchema, { io: 'input' }) as JsonSchema & {
    $defs?: Record<string, JsonSchema>;
  };
  return sample(root, '', root.$defs ?? {}) as Record<string, unknown>;
}

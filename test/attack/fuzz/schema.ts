/**
 * Inputs from JSON schemas: fast-check arbitraries for the values an OpenAPI or Zod schema describes, with
 * the party codes and the stand-ins for the two nodes' own that they may hold.
 */

import fc from 'fast-check';
import { z } from 'zod';
import { smallJson } from './values.ts';

export type JsonSchema = Record<string, any>;
export const PARTY_CODES = ['ARC', 'BOR', 'CAL', 'DUN', 'EST', 'VEL', 'XXX'];
/** Stand for the party of the node a request goes to and its peer; replaced when the request is sent. */
export const SELF = '$SELF';
export const PEER = '$PEER';

/** fast-check arbitraries for the values a JSON schema describes (the subset Zod and the OpenAPI document use). */
export function schemaArbitrary(schema: JsonSchema, root: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const s = schema;
  if (!s || typeof s !== 'object' || Object.keys(s).filter((k) => !k.startsWith('$')).length === 0)
    return s?.$ref ? schemaArbitrary(resolveRef(root, s.$ref), root, depth) : smallJson;
  if (s.$ref) return schemaArbitrary(resolveRef(root, s.$ref), root, depth);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (Array.isArray(alternatives))
    return fc.oneof(...alternatives.map((a: JsonSchema) => schemaArbitrary(a, root, depth)));
  if (Array.isArray(s.allOf)) return schemaArbitrary(Object.assign({}, ...s.allOf), root, depth);
  const types: string[] = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length > 1) return fc.oneof(...types.map((t) => schemaArbitrary({ ...s, type: t }, root, depth)));
  const type = types[0] ?? (s.properties ? 'object' : s.items ? 'array' : undefined);
  switch (type) {
    case 'string':
      return stringArbitrary(s);
    case 'integer': {
      const min = Math.max(s.minimum ?? -1_000_000, Number.MIN_SAFE_INTEGER);
      const max = Math.min(s.maximum ?? 1_000_000, Number.MAX_SAFE_INTEGER);
      return fc.oneof(
        fc.integer({ min: Math.max(min, -1000), max: Math.max(Math.min(max, 1000), Math.max(min, -1000)) }),
        fc.constantFrom(min, max),
      );
    }
    case 'number':
      return fc.double({
        min: s.minimum ?? -1e9,
        max: s.maximum ?? 1e9,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = s.minItems ?? 0;
      return fc.array(depth > 6 ? smallJson : schemaArbitrary(s.items ?? {}, root, depth + 1), {
        minLength,
        maxLength: Math.max(minLength, Math.min(s.maxItems ?? 4, 4)),
      });
    }
    case 'object': {
      const props: Record<string, JsonSchema> = s.properties ?? {};
      const required = new Set<string>(s.required ?? []);
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, p] of Object.entries(props))
        model[k] = depth > 6 ? smallJson : schemaArbitrary(p, root, depth + 1);
      const known = fc.record(model, { requiredKeys: Object.keys(props).filter((k) => required.has(k)) });
      const additional = s.additionalProperties;
      if (!additional || typeof additional !== 'object') return known;
      const keys = s.propertyNames ? stringArbitrary(s.propertyNames) : fc.string({ maxLength: 12 });
      return fc
        .tuple(
          known,
          fc.dictionary(keys as fc.Arbitrary<string>, schemaArbitrary(additional, root, depth + 1), {
            maxKeys: 3,
          }),
        )
        .map(([a, b]) => ({ ...b, ...a }));
    }
    default:
      return smallJson;
  }
}

function stringArbitrary(s: JsonSchema): fc.Arbitrary<string> {
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as string[]));
  if (s.format === 'date')
    return fc
      .date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10));
  if (s.format === 'date-time')
    return fc
      .date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString());
  if (s.format === 'email') return fc.emailAddress();
  if (typeof s.pattern === 'string') {
    if (s.pattern === '^[A-Z]{3}$')
      return fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(SELF, PEER, ...PARTY_CODES) },
        fc.stringMatching(/^[A-Z]{3}$/),
      );
    try {
      return fc.stringMatching(new RegExp(s.pattern));
    } catch {
      /* a pattern JavaScript cannot read: any string */
    }
  }
  const minLength = s.minLength ?? 0;
  return fc.string({
    minLength,
    maxLength: Math.max(minLength, Math.min(s.maxLength ?? 40, 40)),
    unit: 'grapheme',
  });
}

function resolveRef(root: JsonSchema, ref: string): JsonSchema {
  if (!ref.startsWith('#/')) return {};
  let at: any = root;
  for (const part of ref.slice(2).split('/')) at = at?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return at ?? {};
}

export const jsonSchemaOf = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;

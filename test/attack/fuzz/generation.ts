/**
 * What the request generators read besides the operation: the OpenAPI document, the valid bodies gathered
 * from the federation (seeds.ts) and the schemas of a message's claims and of each lifecycle action's
 * details.
 */

import type fc from 'fast-check';
import { MessageClaimsSchema } from '../../../src/crypto/envelope.ts';
import { ACTIONS, ActionDetailSchemas } from '../../../src/domain/lifecycle.ts';
import { type JsonSchema, jsonSchemaOf, schemaArbitrary } from './schema.ts';
import { smallJson } from './values.ts';

export interface Generation {
  readonly doc: JsonSchema;
  /** Valid bodies per operation key, the starting points of mutations. */
  readonly seeds: Map<string, unknown[]>;
  readonly claimsSchema: JsonSchema;
  readonly actionSchemas: ReadonlyMap<string, JsonSchema>;
}

export function generationOf(doc: JsonSchema): Generation {
  return {
    doc,
    seeds: new Map<string, unknown[]>(),
    claimsSchema: jsonSchemaOf(MessageClaimsSchema),
    actionSchemas: new Map<string, JsonSchema>(ACTIONS.map((a) => [a, jsonSchemaOf(ActionDetailSchemas[a])])),
  };
}

/** Details for a lifecycle action, from its schema. */
export function actionBody(gen: Generation, action: string): fc.Arbitrary<unknown> {
  const schema = gen.actionSchemas.get(action);
  return schema ? schemaArbitrary(schema, schema) : smallJson;
}

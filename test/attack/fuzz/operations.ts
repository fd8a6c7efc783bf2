/**
 * Operations: what the fuzzer runs, read from the OpenAPI document (every method of every path), plus the
 * route that answers for any lifecycle action and the two parsers called directly.
 */

import type { JsonSchema } from './schema.ts';

export interface Operation {
  /** `METHOD /path` as in the OpenAPI document, or `PARSE <function>` for the parsers called directly. */
  key: string;
  method: string;
  path: string;
  kind: 'json' | 'tus' | 'message' | 'parse-message' | 'parse-node-token';
  pathParams: { name: string; schema: JsonSchema }[];
  queryParams: { name: string; schema: JsonSchema; required: boolean }[];
  body: JsonSchema | null;
  /** Answers without a signed-in user. */
  isPublic: boolean;
}

/** Public routes the OpenAPI document does not mark with `security: []`. */
const PUBLIC_PATHS = new Set(['/api/v1/auth/login', '/exchange/v1/messages']);

export function operationsOf(doc: JsonSchema): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<JsonSchema>(doc.paths ?? {}))
    for (const [method, op] of Object.entries<JsonSchema>(item)) {
      const params: JsonSchema[] = op.parameters ?? [];
      const body = op.requestBody?.content?.['application/json']?.schema ?? null;
      ops.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        kind: path.includes('/evidence/uploads')
          ? 'tus'
          : path === '/exchange/v1/messages'
            ? 'message'
            : 'json',
        pathParams: params
          .filter((p) => p.in === 'path')
          .map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        queryParams: params
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: p.schema ?? {}, required: p.required === true })),
        body,
        isPublic: (Array.isArray(op.security) && op.security.length === 0) || PUBLIC_PATHS.has(path),
      });
    }
  // Each lifecycle action has its own documented operation; the route that answers for any other name (an
  // unknown action, a node's own step such as `receive`) is not in the document, and is fuzzed all the same.
  const anAction = ops.find((o) => o.path.startsWith('/api/v1/cases/{id}/actions/'));
  if (anAction)
    ops.push({
      ...anAction,
      key: 'POST /api/v1/cases/{id}/actions/{action}',
      path: '/api/v1/cases/{id}/actions/{action}',
      pathParams: [...anAction.pathParams, { name: 'action', schema: { type: 'string' } }],
      body: {},
    });
  ops.push(
    { ...parserOp, key: 'PARSE openMessage', path: 'openMessage', kind: 'parse-message' },
    {
      ...parserOp,
      key: 'PARSE verifyNodeAuthorization',
      path: 'verifyNodeAuthorization',
      kind: 'parse-node-token',
    },
  );
  return ops;
}
const parserOp: Omit<Operation, 'key' | 'path' | 'kind'> = {
  method: 'PARSE',
  pathParams: [],
  queryParams: [],
  body: null,
  isPublic: true,
};

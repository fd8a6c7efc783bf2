/**
 * Property-based fuzzing (fast-check) of running nodes: every operation of the OpenAPI document, the exchange
 * endpoint and the message parser. Inputs are generated from each operation's JSON schema, mutated from valid
 * ones (wrong types, ~1 MB strings, ~10k levels of nesting, unicode edge cases, `__proto__` and friends) or not
 * JSON at all, and sent through `app.inject` (and now and then through a real socket). Whatever comes in, a
 * node answers: never a 5xx, never a crash, every error as problem+json without stack traces or SQL.
 *
 * The generated values are plain data (which node, who, which path parameters, which body); what depends on
 * the federation's state (real ids, tokens, keys, the case's message chain) is looked up when the request is
 * sent, so a seed and a path replay the same request shapes. test/attack/fuzz.int.test.ts runs a few cases per
 * operation; test/attack/fuzz-run.ts the long run.
 *
 * The harness lives in test/attack/fuzz/: what is generated (request.ts, values.ts, schema.ts, requests.ts
 * and the generators it uses), the operations (operations.ts), the oracles (oracles.ts), sending (resolve.ts,
 * messages.ts, send.ts), the harness itself (fuzzer.ts) and reporting (report.ts). This module names what the
 * tests and the long run use.
 */

export { Fuzzer, type RunOptions, seedFor } from './fuzz/fuzzer.ts';
export { applyMutations, toJson } from './fuzz/mutate.ts';
export { type Operation, operationsOf } from './fuzz/operations.ts';
export { type Answer, problemsOf, type Sent } from './fuzz/oracles.ts';
export { describeSent, type FuzzFailure, type FuzzResult, formatResult } from './fuzz/report.ts';
export type { FuzzRequest, Identity, MessageSpec, Target } from './fuzz/request.ts';
export { schemaArbitrary } from './fuzz/schema.ts';
export { FUZZ_SETTINGS } from './fuzz/settings.ts';
export { Raw } from './fuzz/values.ts';

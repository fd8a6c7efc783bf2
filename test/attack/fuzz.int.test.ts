/**
 * Fuzzing in `npm test` (issue: hostile input): a few generated, mutated and garbage requests against every
 * operation of the OpenAPI document, the exchange endpoint and the message parser, on two nodes of a real
 * federation. Never a 5xx, never a crash, every error as problem+json without internals; afterwards no
 * prototype has changed and every node is healthy. `npm run fuzz` runs the long version (test/attack/fuzz-run.ts).
 *
 * FUZZ_CASES sets the cases per operation (default 30), FUZZ_SEED the seed (fixed by default, so a failure
 * reproduces); a failure prints the seed and the fast-check path that replay it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engine, startTestFederation, type TestFederation } from '../helpers/federation.ts';
import { FUZZ_SETTINGS, Fuzzer, type FuzzResult, formatResult } from './fuzz-harness.ts';

const CASES = Number(process.env.FUZZ_CASES ?? 30);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_128);

let fed: TestFederation;
let fuzzer: Fuzzer;

beforeAll(async () => {
  fed = await startTestFederation({ seed: true, settings: FUZZ_SETTINGS });
  fuzzer = await Fuzzer.start(fed);
}, 120_000);
afterAll(async () => {
  fuzzer?.dispose();
  await fed?.close();
});

/** Runs the operations whose key matches, and fails with every counterexample, seed and path. */
async function fuzz(match: (key: string) => boolean) {
  const results: FuzzResult[] = [];
  for (const op of fuzzer.operations.filter((o) => match(o.key)))
    results.push(await fuzzer.run(op, { cases: CASES, seed: SEED, shrink: process.env.FUZZ_SHRINK === '1' }));
  expect(results.length).toBeGreaterThan(0);
  const failed = results.filter((r) => r.failures > 0);
  expect(
    failed.map((r) => formatResult(r, { replay: 'test' })).join('\n\n'),
    `${failed.length} of ${results.length} operations failed (seed ${SEED}, ${CASES} cases each)`,
  ).toBe('');
}

const timeout = Math.max(120_000, CASES * 60 * 150);

describe(`fuzzing with ${CASES} cases per operation, seed ${SEED} (${engine})`, () => {
  it(
    'answers every API operation without a 5xx, with problem+json for every error',
    async () => {
      await fuzz((key) => !key.startsWith('PARSE ') && !key.includes('/exchange/'));
    },
    timeout,
  );

  it(
    'answers the exchange endpoints the same way, whatever message or upload comes in',
    async () => {
      await fuzz((key) => key.includes('/exchange/'));
    },
    timeout,
  );

  it(
    'refuses malformed messages and node tokens with its own reasons when called directly',
    async () => {
      await fuzz((key) => key.startsWith('PARSE '));
    },
    timeout,
  );

  it('leaves every prototype untouched and every node healthy', async () => {
    expect(await fuzzer.aftermath()).toEqual([]);
  });
});

/**
 * The harness: starts on a federation (accounts, tokens, valid inputs), runs an operation's generated cases
 * against the nodes and collects what the oracles find, shrinks the first failure when asked, and checks
 * afterwards that the whole run left the process and every node intact.
 */

import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import type { TestFederation } from '../../helpers/federation.ts';
import { type Generation, generationOf } from './generation.ts';
import { lastLoggedError } from './node-log.ts';
import { type Operation, operationsOf } from './operations.ts';
import { type Answer, type Outcome, problemsOf, prototypeSnapshot, type Sent } from './oracles.ts';
import { exerciseNodeToken, exerciseParser } from './parsers.ts';
import { describeSent, describeValue, type FuzzFailure, type FuzzResult, show } from './report.ts';
import type { FuzzRequest } from './request.ts';
import { requestArbitrary } from './requests.ts';
import { resolveRequest } from './resolve.ts';
import type { JsonSchema } from './schema.ts';
import { gatherSeeds } from './seeds.ts';
import { ClientRefused, send, withTimeout } from './send.ts';
import { createAccounts, signIn } from './sessions.ts';
import { REQUEST_TIMEOUT_MS, SLOW_MS } from './settings.ts';
import { type FuzzState, refreshKnown } from './state.ts';

export interface RunOptions {
  cases: number;
  seed: number;
  /** Replay one case (fast-check path) instead of a run. */
  path?: string;
  shrink?: boolean;
  onProgress?: (done: number) => void;
  /** Called before each case with its path (a watchdog's heartbeat). */
  beforeCase?: (path: string) => void;
}

/** Derives an operation's seed from the run's, so that `--only` replays what a full run would have sent. */
export function seedFor(seed: number, key: string): number {
  let h = 2166136261;
  for (const c of key) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return (seed ^ h) | 0;
}

export class Fuzzer {
  readonly operations: Operation[];
  private readonly state: FuzzState;
  private readonly prototypes = prototypeSnapshot();
  private readonly crashes: string[] = [];
  private readonly generation: Generation;
  private readonly onCrash = (e: unknown) => {
    this.crashes.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  };

  private constructor(
    readonly fed: TestFederation,
    readonly doc: JsonSchema,
  ) {
    this.state = {
      fed,
      known: new Map(),
      tokens: new Map(),
      disposableUser: {},
      forgedKey: generateKeyPairSync('ed25519').privateKey,
    };
    this.generation = generationOf(doc);
    this.operations = operationsOf(doc);
    process.on('uncaughtException', this.onCrash);
    process.on('unhandledRejection', this.onCrash);
  }

  /** Reads the OpenAPI document, signs in every demo user of ARC and BOR and gathers valid inputs. */
  static async start(fed: TestFederation): Promise<Fuzzer> {
    const arc = fed.demo.nodes.ARC!;
    const docAnswer = await arc.app.inject({ method: 'GET', url: '/api/openapi.json' });
    if (docAnswer.statusCode !== 200) throw new Error(`GET /api/openapi.json: ${docAnswer.statusCode}`);
    const fuzzer = new Fuzzer(fed, JSON.parse(docAnswer.body));
    await createAccounts(fuzzer.state);
    await signIn(fuzzer.state);
    await gatherSeeds(fuzzer.state, fuzzer.operations, fuzzer.generation.seeds);
    await fuzzer.refresh();
    return fuzzer;
  }

  /** Stops listening for uncaught errors. */
  dispose(): void {
    process.off('uncaughtException', this.onCrash);
    process.off('unhandledRejection', this.onCrash);
  }

  /**
   * Brings the federation back to a state worth fuzzing before each operation: valid tokens, an open evidence
   * package with an upload in progress on each node, and fresh lists of the ids that exist.
   */
  async refresh(): Promise<void> {
    await signIn(this.state);
    await refreshKnown(this.state);
  }

  /** The requests to try on an operation. */
  arbitrary(op: Operation): fc.Arbitrary<FuzzRequest> {
    return requestArbitrary(this.generation, op);
  }

  /** Sends one generated request and checks the answer. */
  async exercise(op: Operation, req: FuzzRequest): Promise<Outcome | null> {
    if (op.kind === 'parse-message') return exerciseParser(this.state, req);
    if (op.kind === 'parse-node-token') return exerciseNodeToken(this.state, req);
    const crashes = this.crashes.length;
    let sent: Sent;
    try {
      sent = await resolveRequest(this.state, op, req);
    } catch (e) {
      if (e instanceof ClientRefused) return null;
      return {
        problems: [`the harness could not build the request: ${(e as Error).stack}`],
        outcome: 'harness error',
        describe: () => ({ request: show(req), answer: '' }),
      };
    }
    let answer: Answer;
    const started = Date.now();
    try {
      answer = await withTimeout(send(this.state, sent), REQUEST_TIMEOUT_MS);
    } catch (e) {
      if (e instanceof ClientRefused) return null;
      return {
        problems: [(e as Error).message],
        outcome: 'no answer',
        describe: () => ({ request: describeSent(sent), answer: '(none)' }),
      };
    }
    const problems = problemsOf(op, sent, answer);
    // One thread serves every request: an input that keeps it busy this long starves everyone (ReDoS and kin).
    const ms = Date.now() - started;
    if (ms > SLOW_MS) problems.push(`took ${(ms / 1000).toFixed(1)} s to answer`);
    if (this.crashes.length > crashes)
      problems.push(`uncaught error: ${this.crashes.slice(crashes).join('; ')}`);
    // What the node logged about a 5xx says where it broke; read it now, before the next request logs more.
    const logged = answer.status >= 500 ? await lastLoggedError(this.fed, sent.target) : '';
    return {
      problems,
      outcome: String(answer.status),
      describe: () => ({
        request: describeSent(sent),
        answer: `${answer.status} ${answer.contentType}\n  ${describeValue(answer.body)}${logged ? `\n  logged: ${logged}` : ''}`,
      }),
    };
  }

  /** Runs `cases` generated requests against one operation, counting every failing case. */
  async run(op: Operation, opts: RunOptions): Promise<FuzzResult> {
    await this.refresh();
    const seed = seedFor(opts.seed, op.key);
    const started = Date.now();
    const arbitrary = this.arbitrary(op);
    const examples: FuzzFailure[] = [];
    const seen = new Set<string>();
    let failures = 0;
    let done = 0;
    const outcomes: Record<string, number> = {};
    const offset = opts.path ? Number(opts.path.split(':')[0]) : 0;
    const property = fc.asyncProperty(arbitrary, async (req) => {
      const index = done++;
      opts.beforeCase?.(opts.path ?? String(offset + index));
      const outcome = await this.exercise(op, req);
      const kind = outcome?.outcome ?? 'not sent';
      outcomes[kind] = (outcomes[kind] ?? 0) + 1;
      if (outcome && outcome.problems.length > 0) {
        failures++;
        const signature = outcome.problems.map((p) => p.replace(/(["'`]).*?\1|\d+/g, '…')).join('; ');
        if (!seen.has(signature) && examples.length < 5) {
          seen.add(signature);
          examples.push({
            path: opts.path ?? String(offset + index),
            problems: outcome.problems,
            ...outcome.describe(),
          });
        }
      }
      opts.onProgress?.(done);
      return true;
    });
    await fc.check(property, {
      numRuns: opts.path ? 1 : opts.cases,
      seed,
      ...(opts.path ? { path: opts.path } : {}),
    });
    let shrunk: FuzzFailure | null = null;
    if (opts.shrink && examples[0]) shrunk = await this.shrink(op, seed, examples[0].path, opts.beforeCase);
    return {
      key: op.key,
      seed: opts.seed,
      cases: done,
      outcomes,
      failures,
      examples,
      shrunk,
      ms: Date.now() - started,
    };
  }

  /** Replays a failing case and lets fast-check shrink it (a bounded number of steps). */
  private async shrink(
    op: Operation,
    seed: number,
    path: string,
    beforeCase?: (path: string) => void,
  ): Promise<FuzzFailure | null> {
    const last: { failure: FuzzFailure | null } = { failure: null };
    const property = fc.asyncProperty(fc.limitShrink(this.arbitrary(op), 200), async (req) => {
      beforeCase?.(`${path} (shrinking)`);
      const outcome = await this.exercise(op, req);
      if (!outcome || outcome.problems.length === 0) return true;
      last.failure = { path: '', problems: outcome.problems, ...outcome.describe() };
      return false;
    });
    const details = await fc.check(property, { seed, path, interruptAfterTimeLimit: 120_000 });
    if (last.failure) last.failure.path = details.counterexamplePath ?? path;
    return last.failure;
  }

  /** What a whole run must leave intact: the prototypes, the process, every node's health. */
  async aftermath(): Promise<string[]> {
    const problems: string[] = [];
    if (prototypeSnapshot() !== this.prototypes)
      problems.push('a built-in prototype gained or lost properties');
    for (const probe of ['polluted', 'isAdmin'])
      if (probe in {}) problems.push(`Object.prototype.${probe} exists`);
    if (this.crashes.length) problems.push(`uncaught errors: ${this.crashes.slice(0, 5).join('; ')}`);
    for (const party of Object.keys(this.fed.demo.nodes)) {
      const node = this.fed.demo.nodes[party]!;
      const viaInject = await node.app.inject({ method: 'GET', url: '/api/v1/health' });
      if (viaInject.statusCode !== 200)
        problems.push(`${party}: /api/v1/health answers ${viaInject.statusCode}`);
      const viaSocket = await fetch(`${node.url}/api/v1/health`).catch((e: Error) => e);
      if (viaSocket instanceof Error || viaSocket.status !== 200)
        problems.push(
          `${party}: /api/v1/health over HTTP: ${viaSocket instanceof Error ? viaSocket.message : viaSocket.status}`,
        );
    }
    return problems;
  }
}

/**
 * The parsers called directly, without a node around them: openMessage must open a message or refuse it with
 * an EnvelopeError, and verifyNodeAuthorization must refuse a bad token with a reason of its own.
 */

import { EnvelopeError, MessageClaimsSchema, openMessage } from '../../../src/crypto/envelope.ts';
import { verifyNodeAuthorization } from '../../../src/crypto/node-token.ts';
import { seal } from './messages.ts';
import type { Outcome } from './oracles.ts';
import { describeValue } from './report.ts';
import type { Body, FuzzRequest } from './request.ts';
import { authorization } from './resolve.ts';
import { withTimeout } from './send.ts';
import { REQUEST_TIMEOUT_MS } from './settings.ts';
import { type FuzzState, nodeOf } from './state.ts';

/** openMessage either opens a message or refuses it with an EnvelopeError; nothing else may escape. */
export async function exerciseParser(state: FuzzState, req: FuzzRequest): Promise<Outcome> {
  const core = nodeOf(state, req.target).core;
  const { jwe, inside } = await seal(
    state,
    req.target,
    (req.body as Extract<Body, { kind: 'message' }>).spec,
  );
  const problems: string[] = [];
  let answer: string;
  try {
    const opened = await withTimeout(
      openMessage({
        jwe,
        ownKid: core.keys.encryption.kid,
        ownKey: core.keys.encryption.privateKey,
        signerKey: (kid) => core.trust.signer(kid),
      }),
      REQUEST_TIMEOUT_MS,
    );
    answer = 'opened';
    if (!MessageClaimsSchema.safeParse(opened.claims).success)
      problems.push('opened claims that do not match the schema');
  } catch (e) {
    answer = `${(e as Error).constructor?.name ?? 'thrown'}: ${(e as Error).message}`;
    if (!(e instanceof EnvelopeError)) problems.push(`threw ${answer} instead of an EnvelopeError`);
    else if (/\n\s+at |node_modules/.test(e.message)) problems.push('the refusal reason holds a stack trace');
  }
  return {
    problems,
    outcome: answer === 'opened' ? answer : answer.split(':')[0]!,
    describe: () => ({
      request: `openMessage on ${req.target}: ${describeValue(jwe)}${inside ? `\n  inside: ${describeValue(inside)}` : ''}`,
      answer: describeValue(answer),
    }),
  };
}

/** verifyNodeAuthorization accepts a token or refuses it with its own reason, not a parser's. */
export async function exerciseNodeToken(state: FuzzState, req: FuzzRequest): Promise<Outcome> {
  const core = nodeOf(state, req.target).core;
  const { header } = await authorization(state, req.target, req.identity);
  const problems: string[] = [];
  let answer: string;
  try {
    const claims = await verifyNodeAuthorization(header, {
      self: req.target,
      trust: core.trust,
      now: new Date(),
      skewSeconds: core.settings.clockSkewSeconds,
    });
    answer = `accepted: ${JSON.stringify(claims)}`;
    if (claims.aud !== req.target) problems.push(`accepted a token for ${claims.aud}`);
  } catch (e) {
    answer = `${(e as Error).name}: ${(e as Error).message}`;
    if (
      !(e instanceof Error) ||
      e instanceof SyntaxError ||
      e instanceof TypeError ||
      e instanceof RangeError
    )
      problems.push(`threw ${answer} instead of a reason of its own`);
  }
  return {
    problems,
    outcome: answer.startsWith('accepted') ? 'accepted' : 'refused',
    describe: () => ({
      request: `verifyNodeAuthorization on ${req.target}: ${describeValue(header ?? '(none)')}`,
      answer,
    }),
  };
}

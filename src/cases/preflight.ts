/**
 * Pre-flight (issue 3): the officer drafting a request runs the screen the requested node will run, to fix
 * what it would flag before sending. The requested node publishes its profile and policy
 * (`GET /exchange/v1/profile`); when it cannot be reached, the registry's profile and the default policy stand
 * in, and the answer says so.
 */
import { z } from 'zod';
import { requireAllowed } from '../access/guard.ts';
import type { NodeCore } from '../core.ts';
import type { RequestContext } from '../domain/actor.ts';
import { AppError } from '../domain/errors.ts';
import { partyProfile } from '../domain/parties.ts';
import type { InterchangeRequest } from '../domain/request.ts';
import { PolicySchema, ProfileSchema, policyFrom, profileOf } from '../domain/safeguards/bundle.ts';
import { DEFAULT_POLICY, type ScreeningContext, screen } from '../domain/safeguards/index.ts';
import { effectiveProfile } from '../settings/node-settings.ts';

const PublishedSchema = z.object({ party: z.string(), profile: ProfileSchema, policy: PolicySchema });
const FETCH_TIMEOUT_MS = 3000;

async function requestedContext(
  core: NodeCore,
  to: string,
): Promise<{ context: Omit<ScreeningContext, 'requesting'>; source: 'node' | 'registry'; note: string }> {
  const peer = core.trust.party(to);
  if (peer) {
    try {
      const res = await fetch(`${peer.url}/exchange/v1/profile`, {
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
      const published = PublishedSchema.safeParse(await res.json());
      if (res.ok && published.success && published.data.party === to)
        return {
          context: {
            requested: profileOf(published.data.profile),
            policy: policyFrom(published.data.policy),
          },
          source: 'node',
          note: `Screened with the profile and policy that ${to}'s node publishes.`,
        };
    } catch {
      /* fall back to the registry below */
    }
  }
  return {
    context: {
      requested: partyProfile(to) ?? { code: to, name: to, fictional: false, instruments: {} },
      policy: DEFAULT_POLICY,
    },
    source: 'registry',
    note: `${to}'s node could not be asked for its profile and policy; screened with the registry's profile and the default policy.`,
  };
}

export async function preflight(core: NodeCore, ctx: RequestContext, request: InterchangeRequest) {
  await requireAllowed(core, ctx, 'create', { kind: 'party', code: ctx.user.party });
  if (request.from !== ctx.user.party)
    throw new AppError('bad-request', 'Pre-flight is for requests your own party sends.', {
      errors: [{ field: 'from', message: `must be ${ctx.user.party}, your party` }],
    });
  const { context, source, note } = await requestedContext(core, request.to);
  const result = screen(request, { ...context, requesting: await effectiveProfile(core) });
  return { ...result, context: { party: request.to, source, note } };
}

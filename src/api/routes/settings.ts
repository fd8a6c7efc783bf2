/** The node's own profile and screening policy (issue 3), and their publication for peers' pre-flight. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAllowed } from '../../access/guard.ts';
import { preflight } from '../../cases/preflight.ts';
import type { NodeCore } from '../../core.ts';
import { InterchangeRequestSchema } from '../../domain/request.ts';
import { PolicySchema, ProfileSchema } from '../../domain/safeguards/bundle.ts';
import {
  effectivePolicy,
  effectiveProfile,
  ProfileOverrideSchema,
  settingsHistory,
  updateSetting,
} from '../../settings/node-settings.ts';
import { ctxOf } from '../context.ts';
import { problemResponses, ScreeningSchema } from '../schemas.ts';

/** A profile as published: only the fields of the bundle profile schema. */
function publishable(p: Awaited<ReturnType<typeof effectiveProfile>>): z.infer<typeof ProfileSchema> {
  const keys = Object.keys(ProfileSchema.shape) as (keyof typeof ProfileSchema.shape)[];
  return Object.fromEntries(
    keys
      .filter((k) => (p as unknown as Record<string, unknown>)[k] !== undefined)
      .map((k) => [k, (p as unknown as Record<string, unknown>)[k]]),
  ) as z.infer<typeof ProfileSchema>;
}

export function settingsRoutes(core: NodeCore): FastifyPluginAsyncZod {
  const note = z.object({ note: z.string().max(2000).optional() });
  return async (app) => {
    app.get(
      '/exchange/v1/profile',
      {
        config: { public: true },
        schema: {
          tags: ['exchange'],
          summary: "This node's party profile and screening policy, public, for peers' pre-flight screening",
          security: [],
          response: { 200: z.object({ party: z.string(), profile: ProfileSchema, policy: PolicySchema }) },
        },
      },
      async () => ({
        party: core.party,
        profile: publishable(await effectiveProfile(core)),
        policy: await effectivePolicy(core),
      }),
    );

    app.get(
      '/api/v1/node/profile',
      {
        schema: {
          tags: ['node'],
          summary: "The node's party profile (registry with this node's settings over it)",
          response: { 200: ProfileSchema, ...problemResponses },
        },
      },
      async (req) => {
        await requireAllowed(core, ctxOf(req), 'read-registry', { kind: 'node', party: core.party });
        return publishable(await effectiveProfile(core));
      },
    );
    app.put(
      '/api/v1/node/profile',
      {
        schema: {
          tags: ['node'],
          summary: "Set the node's party profile (administrators); the change is recorded",
          body: ProfileOverrideSchema.extend(note.shape),
          response: { 200: ProfileSchema, ...problemResponses },
        },
      },
      async (req) => {
        const { note: why, ...profile } = req.body;
        await updateSetting(core, ctxOf(req), 'profile', profile, why);
        return publishable(await effectiveProfile(core));
      },
    );

    app.get(
      '/api/v1/node/policy',
      {
        schema: {
          tags: ['node'],
          summary: "The node's screening policy",
          response: { 200: PolicySchema, ...problemResponses },
        },
      },
      async (req) => {
        await requireAllowed(core, ctxOf(req), 'read-registry', { kind: 'node', party: core.party });
        return effectivePolicy(core);
      },
    );
    app.put(
      '/api/v1/node/policy',
      {
        schema: {
          tags: ['node'],
          summary:
            "Set the node's screening policy: rules on or off, thresholds (administrators); the change is recorded",
          body: PolicySchema.extend(note.shape),
          response: { 200: PolicySchema, ...problemResponses },
        },
      },
      async (req) => {
        const { note: why, ...policy } = req.body;
        await updateSetting(core, ctxOf(req), 'policy', policy, why);
        return effectivePolicy(core);
      },
    );

    app.get(
      '/api/v1/node/settings/history',
      {
        schema: {
          tags: ['node'],
          summary: 'Every change of the profile and policy (administrators and oversight)',
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
          response: {
            200: z.object({ items: z.array(z.record(z.string(), z.unknown())) }),
            ...problemResponses,
          },
        },
      },
      async (req) => ({ items: await settingsHistory(core, ctxOf(req), req.query.limit) }),
    );

    app.post(
      '/api/v1/screening',
      {
        schema: {
          tags: ['screening'],
          summary: "Pre-flight: screen a request as the requested party's node will",
          body: InterchangeRequestSchema,
          response: { 200: ScreeningSchema, ...problemResponses },
        },
      },
      async (req) => preflight(core, ctxOf(req), req.body),
    );
  };
}

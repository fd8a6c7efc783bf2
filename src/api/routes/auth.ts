/** Sign-in: e-mail and password for a bearer token. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { login, logout } from '../../auth/sessions.ts';
import type { NodeCore } from '../../node/core.ts';
import { bearerOf, ctxOf } from '../context.ts';
import { problemResponses, UserSchema } from '../schemas.ts';

export function authRoutes(core: NodeCore): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/v1/auth/login',
      {
        config: { public: true },
        schema: {
          tags: ['auth'],
          summary: 'Sign in with e-mail and password',
          body: z.object({ email: z.string().max(320), password: z.string().max(1024) }).strict(),
          response: {
            200: z.object({ token: z.string(), expiresAt: z.string(), user: UserSchema }),
            ...problemResponses,
          },
        },
      },
      async (req) => {
        const result = await login(core, req.body.email, req.body.password);
        return { ...result, user: { ...result.user, roles: result.user.roles as never } };
      },
    );

    app.post(
      '/api/v1/auth/logout',
      {
        schema: {
          tags: ['auth'],
          summary: 'End this token',
          response: { 204: z.null(), ...problemResponses },
        },
      },
      async (req, reply) => {
        ctxOf(req);
        const token = bearerOf(req);
        if (token) await logout(core, token);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/v1/auth/me',
      {
        schema: {
          tags: ['auth'],
          summary: 'The signed-in user',
          response: { 200: UserSchema, ...problemResponses },
        },
      },
      async (req) => {
        const { user } = ctxOf(req);
        return {
          id: user.id,
          name: user.name,
          email: user.email,
          party: user.party,
          roles: user.roles as never,
        };
      },
    );
  };
}

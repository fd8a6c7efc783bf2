/**
 * Sign-in and sessions. The browser signs in with `session: "cookie"` and never sees its token; the API and the
 * CLI get a short-lived bearer token. An account that needs a second factor gets a session at stage `mfa` (or
 * `enrol`) that opens only the routes marked for that stage: logout and me below, and those of
 * ./second-factors.ts.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { mfaStatus } from '../../auth/mfa.ts';
import { type LoginResult, login, logout } from '../../auth/sessions.ts';
import type { NodeCore } from '../../core.ts';
import { ctxOf, sessionCookieName, sessionOf } from '../context.ts';
import { problemResponses, UserSchema } from '../schemas.ts';
import { loginRateLimit } from '../security.ts';

export const METHODS = ['totp', 'passkey', 'recovery-code'] as const;

export const SessionSchema = z
  .object({
    stage: z.enum(['full', 'mfa', 'enrol']).meta({
      description:
        'full: signed in; mfa: give a second factor (POST /api/v1/auth/verify/…); enrol: enrol one first (/api/v1/auth/mfa/…)',
    }),
    token: z
      .string()
      .optional()
      .meta({ description: 'bearer sessions only; a cookie session’s token stays in the cookie' }),
    expiresAt: z.string(),
    csrfToken: z.string().optional().meta({
      description: 'cookie sessions: send as X-CSRF-Token with every request that changes something',
    }),
    methods: z.array(z.enum(METHODS)).optional(),
    user: UserSchema,
  })
  .meta({ id: 'Session' });

/** Sends a session: a cookie session's token goes into an HttpOnly cookie, not the body. */
export function sendSession(party: string, req: FastifyRequest, reply: FastifyReply, result: LoginResult) {
  const { token, ...rest } = result;
  if (result.kind === 'cookie') {
    reply.header('set-cookie', sessionCookie(party, req, token, new Date(result.expiresAt)));
    return { ...rest, user: { ...rest.user, roles: rest.user.roles as never } };
  }
  return { ...rest, token, user: { ...rest.user, roles: rest.user.roles as never } };
}

/**
 * HttpOnly (scripts cannot read it), SameSite=Strict (no other site can make the browser send it), Secure
 * over HTTPS and on loopback addresses, which browsers treat as secure.
 */
function sessionCookie(party: string, req: FastifyRequest, token: string, expires: Date | null): string {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  const secure = req.protocol === 'https' || ['localhost', '127.0.0.1', '[::1]'].includes(host);
  return [
    `${sessionCookieName(party)}=${expires ? token : ''}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
    expires ? `Max-Age=${Math.max(0, Math.floor((expires.getTime() - Date.now()) / 1000))}` : 'Max-Age=0',
  ].join('; ');
}

export function authRoutes(core: NodeCore): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['auth'];

    app.post(
      '/api/v1/auth/login',
      {
        config: { public: true, ...loginRateLimit(core) },
        schema: {
          tags,
          summary: 'Sign in with e-mail and password',
          description:
            'Accounts other than demo ones need a second factor: the answer is then a session at stage `mfa` (give it with /api/v1/auth/verify/…) or `enrol` (enrol one with /api/v1/auth/mfa/…). After repeated failures the account is locked for a while (429).',
          security: [],
          body: z
            .object({
              email: z.string().max(320),
              password: z.string().max(1024),
              session: z.enum(['bearer', 'cookie']).default('bearer'),
            })
            .strict(),
          response: { 200: SessionSchema, ...problemResponses, 429: problemResponses[400] },
        },
      },
      async (req, reply) =>
        sendSession(
          core.party,
          req,
          reply,
          await login(core, req.body.email, req.body.password, req.body.session),
        ),
    );

    app.post(
      '/api/v1/auth/logout',
      {
        config: { stages: ['mfa', 'enrol'], csrf: false },
        schema: { tags, summary: 'End this session', response: { 204: z.null(), ...problemResponses } },
      },
      async (req, reply) => {
        await logout(core, sessionOf(req));
        if (req.session?.kind === 'cookie')
          reply.header('set-cookie', sessionCookie(core.party, req, '', null));
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/v1/auth/me',
      {
        config: { stages: ['mfa', 'enrol'] },
        schema: {
          tags,
          summary: 'The signed-in user and the stage of this session',
          response: {
            200: UserSchema.extend({
              stage: z.enum(['full', 'mfa', 'enrol']),
              demo: z.boolean(),
              methods: z
                .array(z.enum(METHODS))
                .optional()
                .meta({ description: 'at stage mfa: the second factors this account can give' }),
            }),
            ...problemResponses,
          },
        },
      },
      async (req) => {
        const { user } = ctxOf(req);
        const status = await mfaStatus(core, user.id);
        return {
          id: user.id,
          name: user.name,
          email: user.email,
          party: user.party,
          roles: user.roles as never,
          stage: sessionOf(req).stage,
          demo: !status.required,
          ...(sessionOf(req).stage === 'mfa' ? { methods: status.methods } : {}),
        };
      },
    );
  };
}

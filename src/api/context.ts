/** Captures the request context once per request (style.md): who, from where, which request. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticate } from '../auth/sessions.ts';
import type { RequestContext } from '../cases/actor.ts';
import type { NodeCore } from '../node/core.ts';
import { AppError } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    ctx?: RequestContext;
  }
  interface FastifyContextConfig {
    /** Routes that need no signed-in user (health, login, the exchange endpoint, docs). */
    public?: boolean;
  }
}

export function bearerOf(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+([A-Za-z0-9_-]{20,200})$/.exec(header);
  return match ? match[1]! : null;
}

/** onRequest hook: authenticates every non-public route and records the context. */
export function authHook(core: NodeCore) {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const route = req.routeOptions.url;
    // The API documentation (served by @fastify/swagger-ui under /docs) is public, like the document itself, and
    // so are the web application's static files (/assets/): neither holds data.
    if (
      req.routeOptions.config?.public ||
      !route ||
      route === '/docs' ||
      route.startsWith('/docs/') ||
      route.startsWith('/assets/')
    )
      return;
    const token = bearerOf(req);
    const user = token ? await authenticate(core, token) : null;
    if (!user)
      throw new AppError(
        'unauthenticated',
        token
          ? 'The token is invalid or has expired; sign in again.'
          : 'Sign in and send the token as "Authorization: Bearer …".',
      );
    req.ctx = {
      requestId: req.id,
      ip: req.ip,
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
      user,
    };
  };
}

/** The context of an authenticated route. */
export function ctxOf(req: FastifyRequest): RequestContext {
  if (!req.ctx) throw new AppError('unauthenticated', 'Sign in first.');
  return req.ctx;
}

/** Captures the request context once per request (style.md): who, from where, which request. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, csrfTokenOf, type Session, type SessionStage } from '../auth/sessions.ts';
import type { NodeCore } from '../core.ts';
import type { RequestContext } from '../domain/actor.ts';
import { AppError } from '../domain/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    ctx?: RequestContext;
    session?: Session;
  }
  interface FastifyContextConfig {
    /** Routes that need no signed-in user (health, login, the exchange endpoint, docs). */
    public?: boolean;
    /** Session stages besides `full` that may use the route (the second-factor and enrolment routes). */
    stages?: SessionStage[];
    /** false for the one route a forged cross-site request cannot abuse (signing out). */
    csrf?: boolean;
  }
}

/**
 * The session cookie's name carries the node's party: browsers keep cookies per host, not per port, so the
 * demo's three nodes on 127.0.0.1 would otherwise overwrite each other's session.
 */
export const sessionCookieName = (party: string) => `comity_session_${party}`;

export function bearerOf(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+([A-Za-z0-9_-]{20,200})$/.exec(header);
  return match ? match[1]! : null;
}

export function sessionCookieOf(req: FastifyRequest, party: string): string | null {
  const match = new RegExp(`(?:^|;\\s*)${sessionCookieName(party)}=([A-Za-z0-9_-]{20,200})(?:;|$)`).exec(
    req.headers.cookie ?? '',
  );
  return match ? match[1]! : null;
}

/** The host (name and port) of an Origin header, or null when it is not a URL ("null", garbage). */
export function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host || null;
  } catch {
    return null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * onRequest hook: authenticates every non-public route and records the context. A bearer token wins over a
 * cookie; a cookie session must send its CSRF token with every request that can change something, and its
 * Origin, when the browser sends one, must be this node's.
 */
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
    const bearer = bearerOf(req);
    const cookie = bearer ? null : sessionCookieOf(req, core.party);
    const found = bearer
      ? await authenticate(core, bearer, 'bearer')
      : cookie
        ? await authenticate(core, cookie, 'cookie')
        : null;
    if (!found)
      throw new AppError(
        'unauthenticated',
        bearer
          ? 'The token is invalid or has expired; sign in again.'
          : cookie
            ? 'The session is invalid or has expired; sign in again.'
            : 'Sign in and send the token as "Authorization: Bearer …".',
      );
    if (cookie && !SAFE_METHODS.has(req.method) && req.routeOptions.config?.csrf !== false) {
      const origin = req.headers.origin;
      if (origin && hostOf(origin) !== req.headers.host)
        throw new AppError('forbidden', 'Cross-site request refused.');
      if (req.headers['x-csrf-token'] !== csrfTokenOf(cookie))
        throw new AppError('forbidden', 'Missing or wrong X-CSRF-Token header for this session.');
    }
    const stage = found.session.stage;
    if (stage !== 'full' && !req.routeOptions.config?.stages?.includes(stage))
      throw new AppError(
        'forbidden',
        stage === 'mfa'
          ? 'Give your second factor first (POST /api/v1/auth/mfa/…).'
          : 'This account must enrol a second factor before it can do anything else (TOTP or a passkey).',
        { stage },
      );
    req.session = found.session;
    req.ctx = {
      requestId: req.id,
      ip: req.ip,
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
      user: found.user,
    };
  };
}

/** The context of an authenticated route. */
export function ctxOf(req: FastifyRequest): RequestContext {
  if (!req.ctx) throw new AppError('unauthenticated', 'Sign in first.');
  return req.ctx;
}

export function sessionOf(req: FastifyRequest): Session {
  if (!req.session) throw new AppError('unauthenticated', 'Sign in first.');
  return req.session;
}

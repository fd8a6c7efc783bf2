/**
 * HTTP hardening shared by every route: security headers with a strict Content-Security-Policy for the web
 * application, and rate limits per user (per address before sign-in) with a tighter one on sign-in.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { NodeCore } from '../core.ts';
import { AppError } from '../domain/errors.ts';

/**
 * The web application is built by Vite into same-origin files: no inline script, no eval, no third-party
 * origin. Mantine writes its CSS variables into <style> elements at run time, hence the inline styles.
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/** The credential a request carries (bearer token or session cookie), hashed: rate limits count per user. */
function credentialOf(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  const cookie = /(?:^|;\s*)comity_session_[A-Z]{3}=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '')?.[1];
  const secret = header ?? cookie;
  return secret ? createHash('sha256').update(secret).digest('base64url').slice(0, 22) : null;
}

export async function registerSecurity(
  app: FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, Logger, ZodTypeProvider>,
  core: NodeCore,
): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    // Evidence downloads and the API are fetched by the application itself; nothing here is meant to be
    // embedded by another site.
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
  });

  const { rateLimitPerMinute } = core.settings;
  if (rateLimitPerMinute > 0)
    await app.register(rateLimit, {
      global: true,
      max: rateLimitPerMinute,
      timeWindow: 60_000,
      // Before sign-in (and for other nodes) the address counts; after, the credential, so that users behind
      // one gateway do not throttle each other.
      keyGenerator: (req) => credentialOf(req) ?? `ip:${req.ip}`,
      errorResponseBuilder: (_req, context) =>
        new AppError(
          'rate-limited',
          `Too many requests: at most ${context.max} a minute. Try again in ${Math.ceil(context.ttl / 1000)} s.`,
        ),
    });
}

/** The per-route option of the sign-in routes: a tighter limit per address, whatever the global one. */
export function loginRateLimit(core: NodeCore) {
  const max = core.settings.loginRateLimitPerMinute;
  if (max <= 0 || core.settings.rateLimitPerMinute <= 0) return {};
  return {
    rateLimit: {
      max,
      timeWindow: 60_000,
      keyGenerator: (req: FastifyRequest) => `login:${req.ip}`,
    },
  };
}

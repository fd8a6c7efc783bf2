/**
 * The node's HTTP server: public API, exchange endpoint, OpenAPI document and its rendering at /docs.
 * Every error leaves as RFC 9457 problem+json; a 500 says nothing about the internals.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { eq } from 'drizzle-orm';
import Fastify, { type FastifyError } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { ulid } from 'ulid';
import { z } from 'zod';
import type { NodeCore } from '../core.ts';
import { AppError, fieldProblems, problemOf } from '../domain/errors.ts';
import { unstorableTextAt } from '../domain/untrusted.ts';
import { users } from '../store/schema.ts';
import { authHook } from './context.ts';
import { landingPage } from './landing.ts';
import { authRoutes } from './routes/auth.ts';
import { caseRoutes } from './routes/cases.ts';
import { catalogueRoutes } from './routes/catalogue.ts';
import { evidenceRoutes } from './routes/evidence.ts';
import { exchangeRoutes } from './routes/exchange.ts';
import { ledgerRoutes } from './routes/ledger.ts';
import { secondFactorRoutes } from './routes/second-factors.ts';
import { settingsRoutes } from './routes/settings.ts';
import { trustRoutes } from './routes/trust.ts';
import { userRoutes } from './routes/users.ts';
import { registerSecurity } from './security.ts';

export const VERSION = '0.1.0';

/** The built web application (web/dist, `npm run build:web`), or null when it has not been built. */
function webUi(): { root: string; index: string } | null {
  const dist = fileURLToPath(new URL('../../web/dist/', import.meta.url));
  const index = join(dist, 'index.html');
  if (!existsSync(index)) return null;
  return { root: join(dist, 'assets'), index: readFileSync(index, 'utf8') };
}

function toAppError(error: FastifyError | AppError | Error): AppError {
  if (error instanceof AppError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as FastifyError).validationContext ?? 'body';
    const errors = fieldProblems(
      error.validation.map((v) => ({
        path: v.instancePath
          .split('/')
          .filter(Boolean)
          .map((p: string) => (/^\d+$/.test(p) ? Number(p) : p)),
        message: v.message ?? 'invalid',
      })),
      where === 'body' ? '' : where,
    );
    const part =
      where === 'body'
        ? 'request body'
        : where === 'querystring'
          ? 'query string'
          : where === 'params'
            ? 'path'
            : where;
    return new AppError(
      'bad-request',
      `The ${part} is not valid: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
      { errors },
    );
  }
  const fe = error as FastifyError;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new AppError('payload-too-large', 'The body is larger than this endpoint accepts.');
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return new AppError('unsupported-media-type', 'Send JSON (application/json).');
  if (
    fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    fe.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' ||
    error instanceof SyntaxError ||
    fe.statusCode === 400
  )
    return new AppError('bad-request', `The body could not be read: ${fe.message}`);
  if (fe.statusCode === 429) return new AppError('rate-limited', 'Too many requests; slow down.');
  return new AppError('internal', 'Something went wrong on this node. The error has been logged.', {
    internal: error,
  });
}

export async function buildApp(core: NodeCore, opts: { trustProxy?: string[] } = {}) {
  const app = Fastify({
    loggerInstance: core.log,
    // Forwarded headers are believed only from the proxies named in the config (none by default).
    ...(opts.trustProxy ? { trustProxy: opts.trustProxy } : {}),
    genReqId: () => ulid(),
    bodyLimit: 2 * 1024 * 1024,
    // What Node's HTTP parser refuses (headers too large, a malformed request) is answered as problem+json too.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: import('node:net').Socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      const [status, title, detail] =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'Request header fields too large', 'The request headers are larger than this node accepts.']
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? [408, 'Request timeout', 'The request took too long to arrive.']
            : [400, 'The request is not valid', 'The request could not be parsed as HTTP.'];
      const body = JSON.stringify({ type: `/problems/${status}`, title, status, detail });
      if (socket.writable)
        socket.write(
          `HTTP/1.1 ${status} ${title}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/problem+json\r\nConnection: close\r\n\r\n${body}`,
        );
      socket.destroy(err);
    },
    // What the router refuses before any route runs (a malformed or over-long path) is problem+json too.
    frameworkErrors: (error, req, reply) => {
      const appError =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new AppError('uri-too-long', 'A part of the path is longer than any identifier here.')
          : new AppError('bad-request', 'The path is not a valid URL.');
      void reply
        .code(appError.status as never)
        .type('application/problem+json')
        .send(problemOf(appError, req.url.split('?')[0]) as never);
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((error, req, reply) => {
    const appError = toAppError(error as FastifyError);
    if (appError.code === 'internal') req.log.error({ err: error }, 'unhandled error');
    else if (appError.status >= 500)
      req.log.error({ err: appError.extra.internal ?? appError }, appError.detail);
    reply
      .code(appError.status)
      .type('application/problem+json')
      .send(problemOf(appError, req.url.split('?')[0]));
  });
  const ui = webUi();
  app.setNotFoundHandler((req, reply) => {
    // The web application's own paths (/inbox, /cases/…) are pages: the browser gets index.html, the UI routes.
    if (
      ui &&
      req.method === 'GET' &&
      !/^\/(api|ledger|exchange|docs)(\/|$)/.test(req.url) &&
      req.headers.accept?.includes('text/html')
    )
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(ui.index);
    reply
      .code(404)
      .type('application/problem+json')
      .send(
        problemOf(
          new AppError('not-found', `No route ${req.method} ${req.url.split('?')[0]}.`),
          req.url.split('?')[0],
        ),
      );
  });

  await registerSecurity(app, core);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: `Comity node ${core.party}`,
        version: VERSION,
        description:
          'Cross-border cooperation against cybercrime: the public API of one node. Sign in with POST /api/v1/auth/login and send the token as a bearer token.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });

  app.addHook('onRequest', authHook(core));
  // Before any schema or handler: text the database could not store is refused with the field named.
  app.addHook('preValidation', async (req) => {
    for (const [part, value] of [
      ['body', req.body],
      ['query', req.query],
      ['path', req.params],
    ] as const) {
      const bad = unstorableTextAt(value);
      if (bad)
        throw new AppError('bad-request', `The ${part} is not valid: ${bad.at}: ${bad.why}.`, {
          errors: [{ field: part === 'body' ? bad.at : `${part}.${bad.at}`, message: bad.why }],
        });
    }
  });

  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  app.get(
    '/api/v1/health',
    {
      config: { public: true },
      schema: {
        tags: ['node'],
        summary: 'Health and identity of the node (no sign-in)',
        security: [],
        response: {
          200: z.object({
            status: z.literal('ok'),
            party: z.string(),
            name: z.string(),
            version: z.string(),
            demo: z
              .boolean()
              .meta({ description: 'whether the node has demo accounts (with a published password)' }),
          }),
        },
      },
    },
    async () => ({
      status: 'ok' as const,
      party: core.party,
      name: core.trust.party(core.party)?.name ?? core.party,
      version: VERSION,
      demo:
        (await core.db.select({ id: users.id }).from(users).where(eq(users.demo, true)).limit(1)).length > 0,
    }),
  );
  if (ui) {
    // Built assets have content hashes in their names: cache them for good.
    await app.register(fastifyStatic, {
      root: ui.root,
      prefix: '/assets/',
      decorateReply: false,
      index: false,
      maxAge: '365d',
      immutable: true,
    });
    app.get('/', { config: { public: true }, schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(ui.index),
    );
  } else
    app.get('/', { config: { public: true }, schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/html; charset=utf-8').send(landingPage(core)),
    );

  await app.register(authRoutes(core));
  await app.register(secondFactorRoutes(core));
  await app.register(caseRoutes(core));
  await app.register(catalogueRoutes(core));
  await app.register(exchangeRoutes(core));
  await app.register(settingsRoutes(core));
  await app.register(ledgerRoutes(core));
  await app.register(evidenceRoutes(core));
  await app.register(userRoutes(core));
  await app.register(trustRoutes(core));
  return app;
}

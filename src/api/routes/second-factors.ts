/**
 * Second factors: the second step of a sign-in (a TOTP code, a passkey or a recovery code), and the enrolment
 * and management of an account's factors. Sign-in and sessions are ./auth.ts.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import QRCode from 'qrcode';
import { z } from 'zod';
import { type Enrolled, mfaStatus, newRecoveryCodes, signInWithRecoveryCode } from '../../auth/mfa.ts';
import {
  passkeyRegistrationOptions,
  passkeySignInOptions,
  registerPasskey,
  relyingParty,
  removePasskey,
  signInWithPasskey,
} from '../../auth/mfa-passkeys.ts';
import { beginTotp, confirmTotp, removeTotp, signInWithTotp } from '../../auth/mfa-totp.ts';
import type { NodeCore } from '../../core.ts';
import { AppError } from '../../domain/errors.ts';
import { ctxOf, sessionOf } from '../context.ts';
import { problemResponses } from '../schemas.ts';
import { loginRateLimit } from '../security.ts';
import { METHODS, SessionSchema, sendSession } from './auth.ts';

const EnrolledSchema = z.object({
  recoveryCodes: z.array(z.string()).optional().meta({
    description: 'shown once: keep them somewhere safe; each signs in once without the second factor',
  }),
  session: SessionSchema.optional().meta({
    description: 'the full session that replaces an enrolment session',
  }),
});

const CodeSchema = z.object({ code: z.string().min(1).max(64) }).strict();
/** WebAuthn JSON from the browser (@simplewebauthn/browser); checked in full by the verifier. */
const WebAuthnResponseSchema = z
  .object({
    id: z.string().max(1024),
    rawId: z.string().max(1024),
    type: z.literal('public-key'),
    response: z.record(z.string(), z.unknown()),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    authenticatorAttachment: z.string().max(64).optional(),
  })
  .strict();

const WebAuthnOptionsSchema = z.record(z.string(), z.unknown()).meta({
  description: 'PublicKeyCredentialCreationOptionsJSON / PublicKeyCredentialRequestOptionsJSON (WebAuthn L3)',
});

/** The WebAuthn relying party of the page that sent the request (mfa-passkeys.ts `relyingParty`). */
const rpOf = (req: FastifyRequest) => relyingParty(req.headers.origin, req.headers.host);

/** The session of a sign-in waiting for its second factor; any other session has nothing to give one for. */
function pendingSessionOf(req: FastifyRequest) {
  const session = sessionOf(req);
  if (session.stage !== 'mfa')
    throw new AppError('conflict', 'This session is not waiting for a second factor; sign in first.');
  return session;
}

function sendEnrolled(party: string, req: FastifyRequest, reply: FastifyReply, enrolled: Enrolled) {
  return {
    ...(enrolled.recoveryCodes ? { recoveryCodes: enrolled.recoveryCodes } : {}),
    ...(enrolled.session ? { session: sendSession(party, req, reply, enrolled.session) } : {}),
  };
}

export function secondFactorRoutes(core: NodeCore): FastifyPluginAsyncZod {
  return async (app) => {
    const pending = { stages: ['mfa' as const] };
    const enrolling = { stages: ['enrol' as const] };
    const tags = ['auth'];

    // ---- The second step of a sign-in ----

    app.post(
      '/api/v1/auth/verify/totp',
      {
        config: { ...pending, ...loginRateLimit(core) },
        schema: {
          tags,
          summary: 'Give the code of the authenticator app',
          body: CodeSchema,
          response: { 200: SessionSchema, ...problemResponses },
        },
      },
      async (req, reply) =>
        sendSession(
          core.party,
          req,
          reply,
          await signInWithTotp(core, pendingSessionOf(req), ctxOf(req).user.id, req.body.code),
        ),
    );
    app.post(
      '/api/v1/auth/verify/recovery-code',
      {
        config: { ...pending, ...loginRateLimit(core) },
        schema: {
          tags,
          summary: 'Give a one-time recovery code instead of the second factor',
          body: CodeSchema,
          response: { 200: SessionSchema, ...problemResponses },
        },
      },
      async (req, reply) =>
        sendSession(
          core.party,
          req,
          reply,
          await signInWithRecoveryCode(core, pendingSessionOf(req), ctxOf(req).user.id, req.body.code),
        ),
    );
    app.post(
      '/api/v1/auth/verify/passkey/options',
      {
        config: pending,
        schema: {
          tags,
          summary: 'WebAuthn options to sign in with a passkey',
          response: { 200: WebAuthnOptionsSchema, ...problemResponses },
        },
      },
      async (req) =>
        ({
          ...(await passkeySignInOptions(core, pendingSessionOf(req), ctxOf(req).user.id, rpOf(req))),
        }) as Record<string, unknown>,
    );
    app.post(
      '/api/v1/auth/verify/passkey',
      {
        config: { ...pending, ...loginRateLimit(core) },
        schema: {
          tags,
          summary: 'Sign in with the passkey’s answer to those options',
          body: z.object({ response: WebAuthnResponseSchema }).strict(),
          response: { 200: SessionSchema, ...problemResponses },
        },
      },
      async (req, reply) =>
        sendSession(
          core.party,
          req,
          reply,
          await signInWithPasskey(
            core,
            pendingSessionOf(req),
            ctxOf(req).user.id,
            rpOf(req),
            req.body.response as never,
          ),
        ),
    );

    // ---- Enrolment and management of second factors ----

    app.get(
      '/api/v1/auth/mfa',
      {
        config: enrolling,
        schema: {
          tags,
          summary: 'The second factors of the signed-in account',
          response: {
            200: z.object({
              required: z.boolean(),
              totp: z.boolean(),
              passkeys: z.array(
                z.object({
                  id: z.string(),
                  name: z.string(),
                  createdAt: z.string(),
                  lastUsedAt: z.string().nullable(),
                }),
              ),
              recoveryCodesLeft: z.number(),
              methods: z.array(z.enum(METHODS)),
            }),
            ...problemResponses,
          },
        },
      },
      async (req) => mfaStatus(core, ctxOf(req).user.id),
    );
    app.post(
      '/api/v1/auth/mfa/totp/setup',
      {
        config: enrolling,
        schema: {
          tags,
          summary: 'Start enrolling an authenticator app: a new secret and its QR code',
          response: {
            200: z.object({
              secret: z.string(),
              uri: z.string(),
              qrSvg: z.string().meta({ description: 'the otpauth URI as an SVG QR code' }),
            }),
            ...problemResponses,
          },
        },
      },
      async (req) => {
        const started = await beginTotp(core, ctxOf(req).user.id);
        return { ...started, qrSvg: await QRCode.toString(started.uri, { type: 'svg', margin: 1 }) };
      },
    );
    app.post(
      '/api/v1/auth/mfa/totp/confirm',
      {
        config: enrolling,
        schema: {
          tags,
          summary: 'Finish enrolling the authenticator app with a code it shows',
          body: CodeSchema,
          response: { 200: EnrolledSchema, ...problemResponses },
        },
      },
      async (req, reply) =>
        sendEnrolled(
          core.party,
          req,
          reply,
          await confirmTotp(core, sessionOf(req), ctxOf(req).user.id, req.body.code),
        ),
    );
    app.delete(
      '/api/v1/auth/mfa/totp',
      {
        schema: {
          tags,
          summary: 'Remove the authenticator app',
          response: { 204: z.null(), ...problemResponses },
        },
      },
      async (req, reply) => {
        const { user } = ctxOf(req);
        await removeTotp(core, user.id, user.id);
        return reply.code(204).send(null);
      },
    );
    app.post(
      '/api/v1/auth/mfa/passkeys/options',
      {
        config: enrolling,
        schema: {
          tags,
          summary: 'WebAuthn options to register a passkey',
          response: { 200: WebAuthnOptionsSchema, ...problemResponses },
        },
      },
      async (req) =>
        ({
          ...(await passkeyRegistrationOptions(core, sessionOf(req), ctxOf(req).user.id, rpOf(req))),
        }) as Record<string, unknown>,
    );
    app.post(
      '/api/v1/auth/mfa/passkeys',
      {
        config: enrolling,
        schema: {
          tags,
          summary: 'Register a passkey with the authenticator’s answer to those options',
          body: z
            .object({ response: WebAuthnResponseSchema, name: z.string().max(100).default('Passkey') })
            .strict(),
          response: { 200: EnrolledSchema, ...problemResponses },
        },
      },
      async (req, reply) =>
        sendEnrolled(
          core.party,
          req,
          reply,
          await registerPasskey(
            core,
            sessionOf(req),
            ctxOf(req).user.id,
            rpOf(req),
            req.body.response as never,
            req.body.name,
          ),
        ),
    );
    app.delete(
      '/api/v1/auth/mfa/passkeys/:id',
      {
        schema: {
          tags,
          summary: 'Remove a passkey',
          params: z.object({ id: z.string().max(1024) }),
          response: { 204: z.null(), ...problemResponses },
        },
      },
      async (req, reply) => {
        const { user } = ctxOf(req);
        await removePasskey(core, user.id, req.params.id, user.id);
        return reply.code(204).send(null);
      },
    );
    app.post(
      '/api/v1/auth/mfa/recovery-codes',
      {
        schema: {
          tags,
          summary: 'Replace the recovery codes (the old ones stop working)',
          response: { 200: z.object({ recoveryCodes: z.array(z.string()) }), ...problemResponses },
        },
      },
      async (req) => ({ recoveryCodes: await newRecoveryCodes(core, ctxOf(req).user.id) }),
    );
  };
}

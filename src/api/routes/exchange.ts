/** The inbound endpoint of other nodes (design §8): `POST /exchange/v1/messages` with a compact JWE. */
import type { FastifyPluginAsync } from 'fastify';
import { caseMessageHandlers } from '../../cases/receive.ts';
import type { NodeCore } from '../../core.ts';
import { AppError } from '../../domain/errors.ts';
import { evidenceMessageHandlers } from '../../evidence/receive.ts';
import { type MessageHandlers, receiveMessage } from '../../exchange/receive-message.ts';

/** Who handles what arrives, by message type: assembled here, where both businesses are visible. */
export const MESSAGE_HANDLERS: MessageHandlers = { ...caseMessageHandlers, ...evidenceMessageHandlers };

export function exchangeRoutes(core: NodeCore): FastifyPluginAsync {
  return async (app) => {
    app.addContentTypeParser(
      'application/jose',
      { parseAs: 'string', bodyLimit: 8 * 1024 * 1024 },
      (_req, body, done) => done(null, body),
    );
    app.post(
      '/exchange/v1/messages',
      {
        config: { public: true },
        schema: {
          tags: ['exchange'],
          summary: 'Receive a signed and encrypted message from another node',
          security: [],
          description:
            'Body: a compact JWE (content type application/jose). Answers 200 with { receipt } (a signed JWS), or problem+json with the reason it was refused; `retry: true` means the same message may succeed later.',
        },
      },
      async (req, reply) => {
        if (typeof req.body !== 'string' || !req.headers['content-type']?.startsWith('application/jose'))
          throw new AppError(
            'unsupported-media-type',
            'Send the message as a compact JWE with content type application/jose.',
          );
        const result = await receiveMessage(core, MESSAGE_HANDLERS, req.body.trim(), req.ip);
        if (result.ok) return reply.code(200).send({ receipt: result.receipt, duplicate: result.duplicate });
        throw new AppError(
          result.refusal.status === 409 ? 'conflict' : 'bad-request',
          result.refusal.reason,
          { retry: result.refusal.retry },
        );
      },
    );
  };
}

/** Account administration (admins of this node): list, create, change roles, disable, reset second factors. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAllowed } from '../../access/guard.ts';
import {
  createAccount,
  listAccounts,
  MIN_PASSWORD_LENGTH,
  renewOfficerKey,
  resetSecondFactors,
  updateAccount,
} from '../../auth/users.ts';
import type { NodeCore } from '../../core.ts';
import { ROLES } from '../../domain/roles.ts';
import { ctxOf } from '../context.ts';
import { problemResponses } from '../schemas.ts';

export const AccountSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    party: z.string(),
    roles: z.array(z.enum(ROLES)),
    disabled: z.boolean(),
    demo: z.boolean(),
    secondFactor: z.boolean(),
    officerKey: z
      .object({
        kid: z.string(),
        jwk: z.object({ kty: z.string(), crv: z.string(), x: z.string() }),
        inTrustList: z.boolean(),
      })
      .nullable()
      .meta({
        description:
          'officers and 24/7 contacts: the public key that vouches for their emergency requests; publish it under the party’s "officers" in the trust list',
      }),
    createdAt: z.string(),
  })
  .meta({ id: 'Account' });

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function userRoutes(core: NodeCore): FastifyPluginAsyncZod {
  const tags = ['accounts'];
  const params = z.object({ id: z.string().regex(ULID, 'an account id') });
  return async (app) => {
    app.addHook('preHandler', async (req) => {
      await requireAllowed(core, ctxOf(req), 'administer', { kind: 'node', party: core.party });
    });
    app.get(
      '/api/v1/users',
      {
        schema: {
          tags,
          summary: "This node's accounts",
          response: { 200: z.object({ items: z.array(AccountSchema) }), ...problemResponses },
        },
      },
      async () => ({ items: await listAccounts(core) }),
    );
    app.post(
      '/api/v1/users',
      {
        schema: {
          tags,
          summary: 'Create an account; the user enrols a second factor at the first sign-in',
          body: z
            .object({
              email: z.email().max(320),
              name: z.string().trim().min(1).max(200),
              roles: z.array(z.enum(ROLES)).min(1),
              password: z.string().min(MIN_PASSWORD_LENGTH).max(1024),
            })
            .strict(),
          response: { 201: AccountSchema, ...problemResponses },
        },
      },
      async (req, reply) => reply.code(201).send(await createAccount(core, ctxOf(req), req.body)),
    );
    app.patch(
      '/api/v1/users/:id',
      {
        schema: {
          tags,
          summary: 'Change an account: name, roles, or disable it (every session ends at once)',
          params,
          body: z
            .object({
              name: z.string().trim().min(1).max(200).optional(),
              roles: z.array(z.enum(ROLES)).min(1).optional(),
              disabled: z.boolean().optional(),
            })
            .strict(),
          response: { 200: AccountSchema, ...problemResponses },
        },
      },
      async (req) => updateAccount(core, ctxOf(req), req.params.id, req.body),
    );
    app.post(
      '/api/v1/users/:id/reset-second-factors',
      {
        schema: {
          tags,
          summary: 'Clear the account’s second factors and recovery codes (lost device); it enrols again',
          params,
          response: { 200: AccountSchema, ...problemResponses },
        },
      },
      async (req) => resetSecondFactors(core, ctxOf(req), req.params.id),
    );
    app.post(
      '/api/v1/users/:id/officer-key',
      {
        schema: {
          tags,
          summary:
            'Give an officer or 24/7 contact a new key to vouch with (the old one revoked or feared compromised)',
          description:
            'The new key vouches once the trust list in force lists it (`comity trust officers`); revoke the old one there.',
          params,
          response: { 200: AccountSchema, ...problemResponses },
        },
      },
      async (req) => renewOfficerKey(core, ctxOf(req), req.params.id),
    );
  };
}

/**
 * Response shapes of the API that belong to no module below it: problems, the signed-in user, a screening run on
 * demand. A case's shapes are declared with the code that makes them (src/cases/view.ts).
 */
import { z } from 'zod';
import { ROLES } from '../domain/roles.ts';
import { FindingSchema, VERDICTS } from '../domain/safeguards/types.ts';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .loose()
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export const UserSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string(),
    party: z.string(),
    roles: z.array(z.enum(ROLES)),
  })
  .meta({ id: 'User' });

export const problemResponses = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  422: ProblemSchema,
} as const;

export const ScreeningSchema = z
  .object({
    verdict: z.enum(VERDICTS),
    findings: z.array(FindingSchema),
    context: z.object({ party: z.string(), source: z.enum(['node', 'registry']), note: z.string() }),
  })
  .meta({ id: 'Screening' });

/**
 * The screening bundle of design §6 (`comity screen FILE.json`, the corpus): a request with the parties'
 * profiles and, for tests, the outcome a careful reviewer would reach. A plain interchange request is accepted
 * too; its context then comes from the registry.
 */
import { z } from 'zod';
import { OFFENCE_CODES } from '../catalogue.ts';
import { type PartyProfile, partyProfile } from '../parties.ts';
import { InterchangeRequestSchema, PartyCodeSchema } from '../request.ts';
import { DEFAULT_POLICY, RULE_NAMES, type ScreeningContext, type ScreeningPolicy } from './types.ts';

const Status = z.enum(['ratified', 'signed', 'none']);

export const ProfileSchema = z
  .object({
    code: PartyCodeSchema,
    name: z.string().max(200).optional(),
    instruments: z.object({ UNCC: Status.optional(), BUDAPEST: Status.optional() }).strict(),
    abolitionist: z.boolean().optional(),
    declarations: z
      .object({
        dualCriminalityForPreservation: z.boolean().optional(),
        dishonestIntentForAccess: z.boolean().optional(),
      })
      .strict()
      .optional(),
    law: z
      .partialRecord(
        z.enum(OFFENCE_CODES),
        z
          .object({
            criminalised: z.boolean(),
            maxPenaltyYears: z.number().min(0).max(100).optional(),
            requires: z.array(z.string().max(60)).max(20).optional(),
            statute: z.string().max(500).optional(),
          })
          .strict(),
      )
      .optional(),
    languages: z.array(z.string().max(16)).optional(),
    centralAuthority: z.string().max(300).optional(),
    contact247: z.string().max(300).optional(),
  })
  .strict()
  .meta({ id: 'PartyProfile', description: 'What screening needs to know of a party (design §3, §6)' });
export type ProfileInput = z.infer<typeof ProfileSchema>;

export const PolicySchema = z
  .object({
    rules: z.partialRecord(z.enum(RULE_NAMES), z.boolean()).default({}),
    proportionality: z
      .object({
        maxIdentifiers: z.number().int().min(1).max(100_000),
        maxPeriodDays: z.number().int().min(1).max(36_500),
        maxCollectionDays: z.number().int().min(1).max(3650),
      })
      .partial()
      .strict()
      .default({}),
    seriousness: z
      .object({
        realTimeMinYears: z.number().min(0).max(100),
        interceptionMinYears: z.number().min(0).max(100),
      })
      .partial()
      .strict()
      .default({}),
  })
  .strict()
  .meta({
    id: 'ScreeningPolicy',
    description: "The requested node's screening policy: rules switched on or off and thresholds",
  });
export type PolicyInput = z.input<typeof PolicySchema>;

/** A full policy from a partial one, over the defaults. */
export function policyFrom(input: z.output<typeof PolicySchema> | undefined): ScreeningPolicy {
  return {
    rules: { ...DEFAULT_POLICY.rules, ...input?.rules },
    proportionality: { ...DEFAULT_POLICY.proportionality, ...input?.proportionality },
    seriousness: { ...DEFAULT_POLICY.seriousness, ...input?.seriousness },
  };
}

export const ExpectSchema = z
  .object({
    verdict: z.array(z.enum(['clear', 'review', 'refuse-recommended', 'incomplete'])).min(1),
    raises: z.array(z.enum(RULE_NAMES)).default([]),
    clears: z.array(z.enum(RULE_NAMES)).default([]),
  })
  .strict();

export const BundleSchema = z
  .object({
    note: z.string().max(5000).optional(),
    request: InterchangeRequestSchema,
    context: z.object({ requested: ProfileSchema, requesting: ProfileSchema }).strict(),
    policy: PolicySchema.optional(),
    expect: ExpectSchema.optional(),
  })
  .strict()
  .refine((b) => b.context.requested.code === b.request.to, {
    message: 'must be the code of the request\'s "to"',
    path: ['context', 'requested', 'code'],
  })
  .refine((b) => b.context.requesting.code === b.request.from, {
    message: 'must be the code of the request\'s "from"',
    path: ['context', 'requesting', 'code'],
  });
export type Bundle = z.output<typeof BundleSchema>;

/** A registry profile in the shape of a bundle profile's, for a code known to be in the registry. */
export function profileOf(input: ProfileInput | PartyProfile): PartyProfile {
  const registry = partyProfile(input.code);
  return {
    name: registry?.name ?? input.code,
    fictional: registry?.fictional ?? false,
    ...input,
  } as PartyProfile;
}

export type ParsedScreeningInput =
  | { ok: true; bundle: Bundle | null; request: Bundle['request']; context: ScreeningContext }
  | { ok: false; issues: { path: PropertyKey[]; message: string }[] };

/** Reads a bundle, or a plain request screened against the registry profiles of its parties. */
export function parseScreeningInput(raw: unknown): ParsedScreeningInput {
  const isBundle = typeof raw === 'object' && raw !== null && 'request' in raw && !('type' in raw);
  if (isBundle) {
    const parsed = BundleSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, issues: parsed.error.issues };
    const b = parsed.data;
    return {
      ok: true,
      bundle: b,
      request: b.request,
      context: {
        requested: profileOf(b.context.requested),
        requesting: profileOf(b.context.requesting),
        policy: policyFrom(b.policy),
      },
    };
  }
  const parsed = InterchangeRequestSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: parsed.error.issues };
  const r = parsed.data;
  return {
    ok: true,
    bundle: null,
    request: r,
    context: { requested: partyProfile(r.to)!, requesting: partyProfile(r.from)!, policy: DEFAULT_POLICY },
  };
}

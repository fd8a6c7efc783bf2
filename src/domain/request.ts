/**
 * The interchange request, version 1 (design §5): one Zod schema that validates drafts at every boundary
 * (API, CLI files, inbound messages), gives the TypeScript type and feeds the OpenAPI document.
 * A draft may be incomplete; `missingForSubmission` names what a type requires before it can be sent.
 */
import { z } from 'zod';
import {
  CHANNELS,
  INSTRUMENTS,
  OFFENCE_CODES,
  REQUEST_TYPES,
  type RequiredField,
  requestType,
  requiredFieldDescriptions,
  URGENCIES,
} from './catalogue.ts';
import { isKnownParty } from './parties.ts';

const text = (max: number) => z.string().max(max);

export const PartyCodeSchema = z
  .string()
  .regex(/^[A-Z]{3}$/, 'a party code is three capital letters (ISO 3166-1 alpha-3)')
  .refine(isKnownParty, { message: 'unknown party code' })
  .meta({ description: 'ISO 3166-1 alpha-3 code of a state in the registry, or of a demo federation party' });

export const OffenceRefSchema = z
  .object({
    code: z.enum(OFFENCE_CODES),
    domestic: text(1000).optional().meta({ description: 'The offence and statute in the requesting state' }),
    maxPenaltyYears: z.number().min(0).max(100).optional(),
  })
  .strict();

export const SUBJECT_ROLES = [
  'suspect',
  'accused',
  'convicted',
  'victim',
  'witness',
  'account-holder',
  'other',
] as const;

export const SubjectSchema = z
  .object({
    name: text(300),
    role: z.enum(SUBJECT_ROLES),
    nationality: text(64).optional(),
    description: text(4000).optional(),
  })
  .strict();

export const DATA_CATEGORIES = ['subscriber', 'traffic', 'content'] as const;

export const DataItemSchema = z
  .object({
    category: z.enum(DATA_CATEGORIES),
    identifiers: z.array(text(500)).max(10_000).default([]),
    provider: text(300).optional(),
    from: z.iso.date().optional(),
    to: z.iso.date().optional(),
    description: text(4000).optional(),
  })
  .strict()
  .refine((d) => !d.from || !d.to || d.from <= d.to, { message: '`from` is after `to`', path: ['to'] });

export const AuthoritySchema = z
  .object({
    name: text(300).optional(),
    contact: text(300).optional(),
  })
  .strict();

/**
 * The data-protection terms the requesting state offers for the personal data it will receive (UNCC art. 36,
 * 40; Budapest 2nd Protocol art. 14), each in its own words. Optional and added within version 1: a request
 * without it states the terms in `purpose` or `facts`, and the screen reads them there.
 */
export const DataProtectionSchema = z
  .object({
    useLimitation: text(2000).optional().meta({
      description:
        'What the data will be used for, and nothing else (e.g. this investigation and its prosecution)',
    }),
    retention: text(2000)
      .optional()
      .meta({ description: 'How long the data will be kept, and what happens to it then' }),
    onwardTransfer: text(2000)
      .optional()
      .meta({ description: 'To whom the data may be passed on, and with whose consent' }),
  })
  .strict()
  .meta({
    id: 'DataProtectionTerms',
    description: 'Use limitation, retention and onward-transfer terms (UNCC art. 36)',
  });
export type DataProtectionTerms = z.output<typeof DataProtectionSchema>;

/** The request's fields, before the checks across fields: for shapes derived from it (a redacted view). */
export const InterchangeRequestFields = z
  .object({
    version: z.literal(1).optional(),
    type: z.enum(REQUEST_TYPES),
    instrument: z.enum(INSTRUMENTS),
    from: PartyCodeSchema,
    to: PartyCodeSchema,
    channel: z.enum(CHANNELS).optional(),
    urgency: z.enum(URGENCIES).default('routine'),
    authority: AuthoritySchema.default({}),
    offences: z.array(OffenceRefSchema).max(50).default([]),
    facts: text(50_000).default(''),
    purpose: text(20_000).default(''),
    subjects: z.array(SubjectSchema).max(500).default([]),
    data: z.array(DataItemSchema).max(500).default([]),
    deathPenaltyPossible: z.boolean().default(false),
    confidential: z.boolean().default(true),
    dataProtection: DataProtectionSchema.optional(),
    language: text(16).default('en'),
  })
  .strict();

export const InterchangeRequestSchema = InterchangeRequestFields.refine((r) => r.from !== r.to, {
  message: 'a request goes to another party',
  path: ['to'],
}).meta({ id: 'InterchangeRequest', description: 'An interchange request, version 1 (design §5)' });

export type InterchangeRequest = z.output<typeof InterchangeRequestSchema>;
export type InterchangeRequestInput = z.input<typeof InterchangeRequestSchema>;

/** One thing a request lacks before it can be submitted. */
export interface MissingField {
  field: string;
  requirement: RequiredField | 'offences.domestic';
  reason: string;
}

/** Words that stand where a value should be; a field holding only one of them is as good as empty. */
const PLACEHOLDERS = new Set(['unknown', 'n/a', 'na', 'tbd', 'tba', 'none', '-', '?', 'to follow', 'later']);
const blank = (s: string | undefined) => !s || s.trim() === '' || PLACEHOLDERS.has(s.trim().toLowerCase());

/** The fields a request of its type must hold before submission that this one lacks (empty when complete). */
export function missingForSubmission(request: InterchangeRequest): MissingField[] {
  const missing: MissingField[] = [];
  const need = (field: string, requirement: RequiredField) =>
    missing.push({ field, requirement, reason: requiredFieldDescriptions[requirement] });

  for (const requirement of requestType(request.type).requires) {
    switch (requirement) {
      case 'authority':
        if (blank(request.authority.name)) need('authority.name', requirement);
        if (blank(request.authority.contact)) need('authority.contact', requirement);
        break;
      case 'offences':
        if (request.offences.length === 0) need('offences', requirement);
        break;
      case 'offences.maxPenaltyYears':
        request.offences.forEach((o, i) => {
          if (o.maxPenaltyYears === undefined) need(`offences[${i}].maxPenaltyYears`, requirement);
        });
        break;
      case 'facts':
        if (blank(request.facts)) need('facts', requirement);
        break;
      case 'purpose':
        if (blank(request.purpose)) need('purpose', requirement);
        break;
      case 'subjects':
        if (request.subjects.length === 0) need('subjects', requirement);
        break;
      case 'data':
        if (request.data.length === 0) need('data', requirement);
        break;
      case 'data.identifiers':
        request.data.forEach((d, i) => {
          if (d.identifiers.every(blank)) need(`data[${i}].identifiers`, requirement);
        });
        break;
      case 'data.provider':
        request.data.forEach((d, i) => {
          if (blank(d.provider)) need(`data[${i}].provider`, requirement);
        });
        break;
      case 'data.period':
        request.data.forEach((d, i) => {
          if (!d.from) need(`data[${i}].from`, requirement);
          if (!d.to) need(`data[${i}].to`, requirement);
        });
        break;
    }
  }
  // Design §5: a SERIOUS-CRIME offence must be described by its domestic definition, and its penalty
  // is what makes it serious (UNCC art. 2: at least four years).
  request.offences.forEach((o, i) => {
    if (o.code !== 'SERIOUS-CRIME') return;
    if (blank(o.domestic))
      missing.push({
        field: `offences[${i}].domestic`,
        requirement: 'offences.domestic',
        reason: 'a SERIOUS-CRIME offence must name the domestic offence it stands for (design §5)',
      });
    if (o.maxPenaltyYears === undefined && !missing.some((m) => m.field === `offences[${i}].maxPenaltyYears`))
      missing.push({
        field: `offences[${i}].maxPenaltyYears`,
        requirement: 'offences.maxPenaltyYears',
        reason: 'a SERIOUS-CRIME offence needs its maximum penalty (UNCC art. 2: at least four years)',
      });
  });
  return missing;
}

/** The channel a request travels by: the one it names, else its type's default (design §5). */
export function channelOf(request: Pick<InterchangeRequest, 'type' | 'channel'>) {
  return request.channel ?? requestType(request.type).channel;
}

/**
 * What an amendment may not change (design §5): the parties and the type of a request are the case's identity;
 * an amended request that changes them is a new request. One problem per field, empty when the amendment is fine.
 */
export function amendmentProblems(
  request: Pick<InterchangeRequest, 'from' | 'to' | 'type'>,
  current: { requesting: string; requested: string; type: string },
): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (request.from !== current.requesting)
    problems.push({ field: 'request.from', message: `must stay ${current.requesting}` });
  if (request.to !== current.requested)
    problems.push({ field: 'request.to', message: `must stay ${current.requested}` });
  if (request.type !== current.type)
    problems.push({ field: 'request.type', message: `must stay ${current.type}` });
  return problems;
}

/**
 * The treaty catalogue: offences and request types, loaded from data/.
 * Pure data access; no I/O beyond the JSON modules bundled at build time.
 */
import offencesData from '../../data/offences.json' with { type: 'json' };
import requestTypesData from '../../data/request-types.json' with { type: 'json' };

export const REQUEST_TYPES = [
  'preservation',
  'traffic-disclosure',
  'stored-data',
  'real-time-traffic',
  'interception',
  'extradition',
  'information',
  'joint-investigation',
  'asset-freeze',
] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

export const OFFENCE_CODES = [
  'UNCC-ILLEGAL-ACCESS',
  'UNCC-ILLEGAL-INTERCEPTION',
  'UNCC-DATA-INTERFERENCE',
  'UNCC-SYSTEM-INTERFERENCE',
  'UNCC-MISUSE-OF-DEVICES',
  'UNCC-FORGERY',
  'UNCC-THEFT-FRAUD',
  'UNCC-CSAM',
  'UNCC-GROOMING',
  'UNCC-NCII',
  'UNCC-LAUNDERING',
  'SERIOUS-CRIME',
] as const;
export type OffenceCode = (typeof OFFENCE_CODES)[number];

/** The offences for which a state may require dishonest or malicious intent (UNCC art. 7(2) and the like). */
export const INTENT_OFFENCES: readonly OffenceCode[] = [
  'UNCC-ILLEGAL-ACCESS',
  'UNCC-ILLEGAL-INTERCEPTION',
  'UNCC-DATA-INTERFERENCE',
  'UNCC-SYSTEM-INTERFERENCE',
];

/**
 * Elements of intent a state's law may add to one of those offences (a profile's `law[code].requires`), beyond
 * the Convention's "intentionally, without right": the `intent` rule acts on these, for those offences only.
 * Other entries in `requires` are recorded and shown but no rule reads them.
 */
export const INTENT_ELEMENTS = [
  'dishonest-intent',
  'malicious-intent',
  'criminal-intent',
  'intent-to-defraud',
] as const;

export const URGENCIES = ['routine', 'urgent', 'emergency'] as const;
export type Urgency = (typeof URGENCIES)[number];

export const CHANNELS = ['central-authority', '24-7'] as const;
export type Channel = (typeof CHANNELS)[number];

export const INSTRUMENTS = ['UNCC', 'BUDAPEST'] as const;
export type Instrument = (typeof INSTRUMENTS)[number];

/** A field a request type must hold before submission; keys of request-types.json `requires`. */
export type RequiredField =
  | 'authority'
  | 'offences'
  | 'offences.maxPenaltyYears'
  | 'facts'
  | 'purpose'
  | 'data'
  | 'data.identifiers'
  | 'data.provider'
  | 'data.period'
  | 'subjects';

export interface Offence {
  code: OffenceCode;
  title: string;
  articles: Partial<Record<'UNCC' | 'BUDAPEST', string>>;
  category: 'system' | 'content' | 'financial' | 'other';
  mentalElement: string;
  optionalElements: string[];
  requiresDomesticDescription?: boolean;
  minimumMaxPenaltyYears?: number;
}

export interface RequestTypeInfo {
  type: RequestType;
  title: string;
  articles: Record<string, string>;
  channel: Channel;
  coercive: boolean;
  requires: RequiredField[];
  preservationDays?: number;
  deadlines: { decide: Record<Urgency, number>; execute: Record<Urgency, number> };
  basis?: string;
}

export const offences: readonly Offence[] = offencesData.offences as Offence[];
export const requestTypes: readonly RequestTypeInfo[] =
  requestTypesData.types as unknown as RequestTypeInfo[];
export const requiredFieldDescriptions: Record<RequiredField, string> = requestTypesData.requires;
/** Hours the requesting side has to answer a consultation or amend an incomplete request. */
export const waitingHours: Record<Urgency, number> = requestTypesData.waiting.hours;

const offenceByCode = new Map(offences.map((o) => [o.code, o]));
const typeByName = new Map(requestTypes.map((t) => [t.type, t]));

/** The catalogue entry of an offence code. */
export function offence(code: OffenceCode): Offence {
  const found = offenceByCode.get(code);
  if (!found) throw new Error(`offence ${code} missing from data/offences.json`);
  return found;
}

/** The catalogue entry of a request type. */
export function requestType(type: RequestType): RequestTypeInfo {
  const found = typeByName.get(type);
  if (!found) throw new Error(`request type ${type} missing from data/request-types.json`);
  return found;
}

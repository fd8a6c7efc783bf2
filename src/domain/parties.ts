/**
 * The registry of parties: real states (ISO 3166-1 alpha-3, data/states.json) and the fictional states of the
 * demo federation (data/demo/parties.json). A party profile holds what screening needs (design §3, §6).
 */
import demoData from '../../data/demo/parties.json' with { type: 'json' };
import statesData from '../../data/states.json' with { type: 'json' };
import type { OffenceCode } from './catalogue.ts';

export type InstrumentStatus = 'ratified' | 'signed' | 'none';

export interface DomesticLaw {
  criminalised: boolean;
  maxPenaltyYears?: number;
  requires?: string[];
  statute?: string;
}

export interface PartyProfile {
  code: string;
  name: string;
  fictional: boolean;
  /** Status per instrument; absent where the registry does not know it. */
  instruments: Partial<Record<'UNCC' | 'BUDAPEST', InstrumentStatus>>;
  /** Date and source of each instrument status, for real states. */
  instrumentFacts?: Partial<Record<'UNCC' | 'BUDAPEST', { status: string; asOf: string; source: string }>>;
  abolitionist?: boolean;
  declarations?: { dualCriminalityForPreservation?: boolean; dishonestIntentForAccess?: boolean };
  law?: Partial<Record<OffenceCode, DomesticLaw>>;
  languages?: string[];
  centralAuthority?: string;
  contact247?: string;
}

interface StateEntry {
  code: string;
  name: string;
  instruments: Record<string, { status: string; asOf: string; source: string }>;
}

function fromState(s: StateEntry): PartyProfile {
  const instruments: PartyProfile['instruments'] = {};
  for (const [name, fact] of Object.entries(s.instruments)) {
    if (name !== 'UNCC' && name !== 'BUDAPEST') continue;
    instruments[name] = fact.status === 'not-signed' ? 'none' : (fact.status as InstrumentStatus);
  }
  return { code: s.code, name: s.name, fictional: false, instruments, instrumentFacts: s.instruments };
}

const registry = new Map<string, PartyProfile>();
for (const s of statesData.states as StateEntry[]) registry.set(s.code, fromState(s));
// Fictional codes are unassigned in ISO 3166-1, so they never shadow a real state.
for (const p of demoData.parties as PartyProfile[]) registry.set(p.code, p);

/** Every party in the registry, sorted by code. */
export function allParties(): PartyProfile[] {
  return [...registry.values()].sort((a, b) => a.code.localeCompare(b.code));
}

/** Whether a code names a party in the registry. */
export function isKnownParty(code: string): boolean {
  return registry.has(code);
}

/** The registry profile of a party, or undefined. */
export function partyProfile(code: string): PartyProfile | undefined {
  return registry.get(code);
}

import type { InterchangeRequest } from '../domain/request.ts';

/** The lowercased text a case is found by: facts, purpose, authority, subjects, identifiers and providers. */
export function searchTextOf(r: InterchangeRequest): string {
  return [
    r.facts,
    r.purpose,
    r.authority.name,
    ...r.offences.map((o) => `${o.code} ${o.domestic ?? ''}`),
    ...r.subjects.map((s) => `${s.name} ${s.description ?? ''}`),
    ...r.data.flatMap((d) => [...d.identifiers, d.provider ?? '']),
  ]
    .filter(Boolean)
    .join('\n')
    .toLowerCase();
}

/**
 * The web wizard's model of a request (issue 16): a request read into the wizard and saved unchanged is the same
 * request, field for field. The request carries every field of the schema (test/helpers/full-request.ts), so a
 * field added to the schema and forgotten by the wizard fails here; the browser test (test/e2e) does the same
 * through the pages.
 */
import { describe, expect, it } from 'vitest';
import { InterchangeRequestSchema } from '../../src/domain/request.ts';
import { canonicalJson } from '../../src/ledger/canonical.ts';
import { emptyDraft, fromRequest, toRequest } from '../../web/src/pages/wizard/draft.ts';
import { fullRequest, schemaPaths } from '../helpers/full-request.ts';

/** Every property path a value has ("subjects[].nationality"). */
function paths(v: unknown, path = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => paths(x, `${path}[]`));
  if (v && typeof v === 'object')
    return Object.entries(v).flatMap(([k, x]) => {
      const child = path ? `${path}.${k}` : k;
      return [child, ...paths(x, child)];
    });
  return [];
}

describe('the wizard model', () => {
  const stored = InterchangeRequestSchema.parse(fullRequest());

  it('is tested with a request that carries every field of the schema', () => {
    const have = new Set(paths(stored));
    expect(schemaPaths().filter((p) => !have.has(p))).toEqual([]);
    expect(stored.deathPenaltyPossible).toBe(true);
    expect(stored.confidential).toBe(false);
  });

  it('gives back the request it read, byte for byte, when nothing is changed', () => {
    const saved = InterchangeRequestSchema.parse(toRequest(fromRequest(stored, 'ARC')));
    expect(canonicalJson(saved)).toBe(canonicalJson(stored));
  });

  it('keeps a field the form does not know as it was loaded', () => {
    const later = { ...stored, futureField: { kept: true } };
    expect(toRequest(fromRequest(later, 'ARC')).futureField).toEqual({ kept: true });
  });

  it('leaves out optional fields left empty, and blank subject rows', () => {
    const d = emptyDraft('ARC');
    const r = InterchangeRequestSchema.parse({ ...toRequest({ ...d, to: 'BOR' }) });
    expect(r.subjects).toEqual([]);
    expect(r.dataProtection).toBeUndefined();
    expect(r.channel).toBeUndefined();
    expect(r.data[0]).toEqual({ category: 'subscriber', identifiers: [] });
    expect(r.version).toBe(1);
  });

  it('does not rewrite what the officer typed', () => {
    const d = fromRequest(stored, 'ARC');
    d.facts = '  Facts with spaces kept.  ';
    d.subjects[0]!.nationality = '';
    const r = toRequest(d) as { facts: string; subjects: Record<string, unknown>[] };
    expect(r.facts).toBe('  Facts with spaces kept.  ');
    expect('nationality' in r.subjects[0]!).toBe(false);
  });
});

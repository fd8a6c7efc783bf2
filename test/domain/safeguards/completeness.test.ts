import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type PartyProfile, partyProfile } from '../../../src/domain/parties.ts';
import { type InterchangeRequest, InterchangeRequestSchema } from '../../../src/domain/request.ts';
import { completeness } from '../../../src/domain/safeguards/completeness.ts';
import { DEFAULT_POLICY, type ScreeningContext } from '../../../src/domain/safeguards/index.ts';

const CORPUS_DIR = new URL('../../fixtures/corpus/', import.meta.url);

interface Bundle {
  name: string;
  request: InterchangeRequest;
  context: ScreeningContext;
  expect: { verdict: string[]; raises: string[]; clears: string[] };
}

const asProfile = (p: Record<string, unknown>): PartyProfile =>
  ({ name: String(p.code), fictional: true, ...p }) as PartyProfile;

const corpus: Bundle[] = readdirSync(CORPUS_DIR)
  .filter((n) => n.endsWith('.json'))
  .sort()
  .map((name) => {
    const j = JSON.parse(readFileSync(new URL(name, CORPUS_DIR), 'utf8'));
    return {
      name,
      request: InterchangeRequestSchema.parse(j.request),
      context: { requested: asProfile(j.context.requested), requesting: asProfile(j.context.requesting) },
      expect: j.expect,
    };
  });

const demoContext = {
  requesting: partyProfile('ARC')!,
  requested: partyProfile('BOR')!,
  policy: DEFAULT_POLICY,
};

const request = (input: Record<string, unknown>) =>
  InterchangeRequestSchema.parse({ instrument: 'UNCC', from: 'ARC', to: 'BOR', ...input });

describe('completeness', () => {
  it.each(corpus.filter((b) => b.expect.clears.includes('completeness')))(
    'clears $name, as the corpus expects',
    (b) => {
      const findings = completeness(b.request, { ...b.context, policy: DEFAULT_POLICY });
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({ rule: 'completeness', outcome: 'clear' });
    },
  );

  it.each(corpus.filter((b) => b.expect.raises.includes('completeness')))(
    'raises $name, as the corpus expects',
    (b) => {
      const findings = completeness(b.request, { ...b.context, policy: DEFAULT_POLICY });
      expect(findings.length).toBeGreaterThan(0);
      for (const f of findings) expect(f.outcome).toBe('missing');
    },
  );

  it('gives one missing finding per missing field, each naming only its field', () => {
    const r = request({
      type: 'stored-data',
      data: [{ category: 'content' }, { category: 'traffic', identifiers: ['x'] }],
    });
    const expected = [
      'authority.name',
      'authority.contact',
      'offences',
      'facts',
      'purpose',
      'data[0].identifiers',
      'data[0].provider',
      'data[1].provider',
      'data[0].from',
      'data[0].to',
      'data[1].from',
      'data[1].to',
    ];
    const findings = completeness(r, demoContext);
    expect(findings.map((f) => f.evidence)).toEqual(expected.map((field) => [field]));
    for (const f of findings) {
      expect(f.rule).toBe('completeness');
      expect(f.outcome).toBe('missing');
      expect(f.reason).toContain(f.evidence[0]!);
    }
  });

  it('cites art. 42(2) for a preservation request and art. 40(15) for mutual assistance, with the type’s own article', () => {
    const [p] = completeness(request({ type: 'preservation' }), demoContext);
    expect(p?.article).toContain('42(2)');
    const [s] = completeness(request({ type: 'stored-data' }), demoContext);
    expect(s?.article).toContain('40(15)');
    expect(s?.article).toContain('44');
    const [e] = completeness(request({ type: 'extradition' }), demoContext);
    expect(e?.article).toContain('37');
  });

  it('explains a clear finding by what the type requires', () => {
    const c01 = corpus.find((b) => b.name.startsWith('01-'))!;
    const [f] = completeness(c01.request, { ...c01.context, policy: DEFAULT_POLICY });
    expect(f?.evidence).toEqual([
      'authority',
      'offences',
      'facts',
      'purpose',
      'data',
      'data.identifiers',
      'data.provider',
      'data.period',
    ]);
    expect(f?.reason).toContain('stored-data');
  });
});

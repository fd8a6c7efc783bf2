/**
 * Paraphrase probes (issue 15): the same few things said in many words, each put into a neutral request, so that
 * a concept is tested by its meaning rather than by the wording of one case. test/fixtures/screening/paraphrases
 * holds them as tab-separated lines (their headers say the columns). Facts probes assert exactly which text rules
 * raise; data-protection probes assert the outcome and, for a concern, which terms it names as missing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScreeningInput } from '../../../src/domain/safeguards/bundle.ts';
import { screen, TEXT_RULES } from '../../../src/domain/safeguards/index.ts';

const fixture = (name: string) => new URL(`../../fixtures/${name}`, import.meta.url);

function lines(name: string): string[][] {
  return readFileSync(fixture(`screening/paraphrases/${name}`), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.split('\t'));
}

function screenBundle(raw: unknown) {
  const parsed = parseScreeningInput(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return screen(parsed.request, parsed.context);
}

describe('facts said in other words', () => {
  const base = JSON.parse(readFileSync(fixture('corpus/08-former-employee-shared-login.json'), 'utf8'));
  base.context.requested.declarations.dishonestIntentForAccess = false;
  base.context.requested.law = {};
  base.request.purpose = 'The session records of the account are requested to identify who used it.';
  base.request.dataProtection = {
    useLimitation: 'Only this case.',
    retention: 'Deleted when the case closes.',
    onwardTransfer: 'None without consent.',
  };
  const probes = lines('facts.tsv');
  it('has probes for every rule that reads the facts, and clean ones', () => {
    const named = new Set(probes.flatMap(([want]) => want!.split(',')));
    for (const rule of [
      'persecution',
      'political-offence',
      'expression',
      'security-research',
      'intent',
      'death-penalty',
      'clean',
    ])
      expect(named).toContain(rule);
  });
  it.each(probes)('raises %s for: %s | %s | %s', (want, domestic, description, facts, flags = '') => {
    const b = structuredClone(base);
    b.request.facts = facts;
    if (domestic !== '-') b.request.offences[0].domestic = domestic;
    if (description !== '-') b.request.subjects[0].description = description;
    if (flags.includes('intent')) b.context.requested.declarations.dishonestIntentForAccess = true;
    if (flags.includes('capital')) {
      b.context.requesting.abolitionist = false;
      b.context.requested.abolitionist = true;
    }
    const raised = screenBundle(b)
      .findings.filter((f) => (TEXT_RULES as readonly string[]).includes(f.rule) && f.outcome !== 'clear')
      .map((f) => f.rule)
      .sort();
    expect(raised.length > 0 ? raised.join(',') : 'clean').toBe(want!.split(',').sort().join(','));
  });
});

describe('data-protection terms said in other words', () => {
  const base = JSON.parse(readFileSync(fixture('corpus/02-bec-invoice-fraud.json'), 'utf8'));
  const measure = (base.request.purpose as string).split(' Use limitation:')[0];
  const probes = lines('data-protection.tsv');
  it('has clean, missing and misuse probes', () => {
    const kinds = new Set(probes.map(([want]) => want!.split(':')[0]));
    expect([...kinds].sort()).toEqual(['clear', 'concern', 'ground']);
  });
  it.each(probes)('is %s for: %s', (want, clause) => {
    const b = structuredClone(base);
    b.request.purpose = `${measure} ${clause}`;
    const f = screenBundle(b).findings.find((x) => x.rule === 'data-protection')!;
    const [outcome, missing] = want!.split(':');
    expect(f.outcome).toBe(outcome);
    if (missing) {
      const named = f.evidence
        .filter((e) => e.includes('not stated'))
        .map((e) => e.split(':')[0]!.replace('dataProtection.', ''));
      expect(named.sort()).toEqual(missing.split(',').sort());
    }
  });
});

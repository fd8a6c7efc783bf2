/**
 * The four ways the screen failed on unseen requests (issue 15), each as the smallest request that shows it,
 * built on a corpus case whose other rules are clear: data-protection terms in ordinary words or in the
 * structured field; a campaigner described by what she does; a bounty participant who went out of scope; a
 * dissolved party's leaders petitioning for a referendum. And the opposite of each, so that none is a word list
 * that fires on anything.
 */
import { describe, expect, it } from 'vitest';
import { parseScreeningInput } from '../../../src/domain/safeguards/bundle.ts';
import { type Finding, type RuleName, screen } from '../../../src/domain/safeguards/index.ts';
import { corpusRequest } from '../../helpers/corpus.ts';

const PLAIN_TERMS =
  'The information will serve this investigation alone, will be destroyed when the proceedings close, and will not be handed to any other state unless Arcadia agrees in writing.';

function screened(edit: (r: Record<string, any>) => void, base = '02-bec-invoice-fraud.json') {
  const request = corpusRequest(base);
  edit(request);
  const parsed = parseScreeningInput(request);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return screen(parsed.request, parsed.context);
}
const of = (findings: readonly Finding[], rule: RuleName) => findings.filter((f) => f.rule === rule);
const worst = (findings: readonly Finding[], rule: RuleName) =>
  of(findings, rule).some((f) => f.outcome === 'ground')
    ? 'ground'
    : of(findings, rule).some((f) => f.outcome === 'concern')
      ? 'concern'
      : 'clear';

describe('data protection', () => {
  it('is clear when the terms are stated in ordinary words, and quotes them', () => {
    const s = screened((r) => {
      r.purpose = `Identify the holder of the receiving account. ${PLAIN_TERMS}`;
    });
    expect(worst(s.findings, 'data-protection')).toBe('clear');
    expect(of(s.findings, 'data-protection')[0]!.evidence.join(' ')).toMatch(
      /serve this investigation alone/,
    );
  });

  it('reads the structured terms first, and names the one that is missing', () => {
    const s = screened((r) => {
      r.purpose = 'Identify the holder of the receiving account.';
      r.dataProtection = {
        useLimitation: 'This investigation and its prosecution only.',
        retention: 'Until the judgment is final.',
      };
    });
    const [f] = of(s.findings, 'data-protection');
    expect(f!.outcome).toBe('concern');
    expect(f!.reason).toMatch(/onward transfer/);
    expect(f!.reason).not.toMatch(/use limitation|retention/);
    expect(f!.evidence).toEqual([expect.stringMatching(/^dataProtection\.onwardTransfer: not stated/)]);
    const all = screened((r) => {
      r.purpose = 'Identify the holder of the receiving account.';
      r.dataProtection = {
        useLimitation: 'This investigation only.',
        retention: 'Until the judgment is final.',
        onwardTransfer: 'None without the consent of Arcadia.',
      };
    });
    expect(worst(all.findings, 'data-protection')).toBe('clear');
  });

  it('is a ground when the structured terms themselves defeat the safeguards', () => {
    const s = screened((r) => {
      r.dataProtection = {
        useLimitation: 'This investigation.',
        retention: 'The data will be kept indefinitely in the national intelligence database.',
        onwardTransfer: 'None.',
      };
    });
    expect(worst(s.findings, 'data-protection')).toBe('ground');
  });
});

describe('persecution read from what a person does', () => {
  const campaigner = (r: Record<string, any>) => {
    r.subjects = [{ name: 'Mara Ilves', role: 'suspect', description: 'Resident of Tarn.' }];
    r.facts =
      'Mara Ilves is a leader of the protest movement against the government-backed Tarn dam. On 3 May 2026 she posted a call to join a rally at the dam site, which police dispersed. The Ministry of Energy complains that the rally was not authorised.';
    r.purpose = `Obtain the direct messages of her account. ${PLAIN_TERMS}`;
  };
  it('raises it for a campaigner who is the suspect, with no lexicon label in sight', () => {
    const s = screened(campaigner);
    expect(worst(s.findings, 'persecution')).not.toBe('clear');
    expect(of(s.findings, 'persecution')[0]!.evidence.join(' ')).toMatch(/leader of the protest/);
  });
  it('stays clear when the same person is the victim of a fraud', () => {
    const s = screened((r) => {
      r.subjects = [
        { name: 'Unknown', role: 'suspect', description: 'Holder of the receiving account.' },
        { name: 'Mara Ilves', role: 'victim', description: 'Resident of Tarn.' },
      ];
      r.facts =
        'Mara Ilves, a leader of the protest movement against the Tarn dam, paid EUR 4,000 into an account after a fraudster impersonated her bank. The holder of the account withdrew the money the same day.';
      r.purpose = `Identify the holder of the receiving account. ${PLAIN_TERMS}`;
    });
    expect(worst(s.findings, 'persecution')).toBe('clear');
  });
});

describe('security research read from what a person did', () => {
  it('raises it for a bounty participant who went out of scope and reported within the hour', () => {
    const s = screened((r) => {
      r.offences = [{ code: 'UNCC-ILLEGAL-ACCESS', domestic: 'Criminal Code s. 370', maxPenaltyYears: 3 }];
      r.subjects = [{ name: 'Ines Kolb', role: 'suspect', description: 'Software tester.' }];
      r.facts =
        "Ines Kolb, registered on a platform that rewards people who find weaknesses in Skyforge's systems, went outside the programme's scope, found that an archive returned files to anyone, and downloaded more than she needed. Within the hour she reported the flaw through the platform, with the personal details in her proof masked.";
      r.purpose = `Identify the user of the connection. ${PLAIN_TERMS}`;
    });
    expect(worst(s.findings, 'security-research')).toBe('concern');
  });
  it('weighs testing commissioned by the victim by whom it is about', () => {
    const base = (facts: string, subjects: Record<string, unknown>[]) => (r: Record<string, any>) => {
      r.offences = [{ code: 'UNCC-ILLEGAL-ACCESS', domestic: 'Criminal Code s. 370', maxPenaltyYears: 3 }];
      r.subjects = subjects;
      r.facts = facts;
      r.purpose = `Identify the user of the connection. ${PLAIN_TERMS}`;
    };
    const forensic = screened(
      base(
        'An intruder entered the bank’s network in May. A forensic firm hired by the bank found the flaw he used and reported it to the bank. The intruder copied 3,000 customer files.',
        [{ name: 'Unknown', role: 'suspect', description: 'The intruder.' }],
      ),
    );
    expect(worst(forensic.findings, 'security-research')).toBe('clear');
    const tester = screened(
      base(
        'Ruth Lind, a penetration tester hired by the bank’s parent group, entered the branch network under a signed engagement letter and delivered her findings to the group the next morning.',
        [{ name: 'Ruth Lind', role: 'accused', description: 'Employee of a security firm.' }],
      ),
    );
    expect(worst(tester.findings, 'security-research')).toBe('concern');
  });

  it('stays clear for an attacker who found the same flaw and sold the files', () => {
    const s = screened((r) => {
      r.offences = [{ code: 'UNCC-ILLEGAL-ACCESS', domestic: 'Criminal Code s. 370', maxPenaltyYears: 3 }];
      r.facts =
        'The suspect found that an archive returned files to anyone, downloaded 40,000 of them and offered them for sale on a darknet forum, then demanded payment from the company to withdraw the offer.';
      r.purpose = `Identify the user of the connection. ${PLAIN_TERMS}`;
    });
    expect(worst(s.findings, 'security-research')).toBe('clear');
  });
});

describe('political offence and speech as crime', () => {
  it('are raised for leaders of a dissolved party petitioning peacefully for a referendum', () => {
    const s = screened((r) => {
      r.offences = [
        {
          code: 'SERIOUS-CRIME',
          domestic: 'Public call to violate the territorial integrity of the state, Criminal Code art. 280.1',
          maxPenaltyYears: 5,
        },
      ];
      r.subjects = [
        { name: 'Aron Velt', role: 'accused', description: 'Former chair of the Lund Regional Party.' },
      ];
      r.facts =
        'Aron Velt led the Lund Regional Party until the Supreme Court dissolved it in 2024. Since then he has collected signatures, peacefully and by petition, for a referendum on self-government for the Lund region.';
      r.purpose = `Obtain the content of his e-mail account. ${PLAIN_TERMS}`;
    });
    expect(worst(s.findings, 'political-offence')).not.toBe('clear');
    expect(worst(s.findings, 'expression')).not.toBe('clear');
  });
  it('stay clear for a ransomware gang with a political name', () => {
    const s = screened((r) => {
      r.offences = [
        {
          code: 'UNCC-DATA-INTERFERENCE',
          domestic: 'Criminal Code s. 272 (extortion by encryption)',
          maxPenaltyYears: 8,
        },
      ];
      r.facts =
        "The group calling itself the 'Lund Liberation Front' encrypted the hospital's servers and demanded USD 2 million for the key.";
      r.purpose = `Identify the users of the payment portal. ${PLAIN_TERMS}`;
    });
    expect(worst(s.findings, 'political-offence')).toBe('clear');
    expect(worst(s.findings, 'expression')).toBe('clear');
  });
});

describe('death penalty', () => {
  it('is met by an assurance the request gives, which is quoted, and not by one it refuses', () => {
    // Caldera keeps the death penalty; Borealis has abolished it.
    const water = '10-death-penalty-water-plant.json';
    const assured = screened((r) => {
      r.purpose = `${PLAIN_TERMS} The Prosecutor General assures Borealis that the death penalty will not be sought or imposed.`;
    }, water);
    expect(worst(assured.findings, 'death-penalty')).toBe('clear');
    expect(of(assured.findings, 'death-penalty')[0]!.evidence.join(' ')).toMatch(/assures/);
    const refused = screened((r) => {
      r.purpose = `${PLAIN_TERMS} No assurance can be given that the death penalty will not be imposed.`;
    }, water);
    expect(worst(refused.findings, 'death-penalty')).toBe('ground');
  });
});

describe('reading a flood', () => {
  it('says what it did not read, instead of leaving later fields silently unread', () => {
    const s = screened((r) => {
      r.facts = 'lorem ipsum dolor sit amet '.repeat(1800);
      r.purpose = `${'lorem ipsum dolor sit amet '.repeat(700)} ${PLAIN_TERMS}`;
      r.subjects = [{ name: 'Mara Ilves', role: 'suspect', description: 'A journalist.' }];
    });
    const unread = s.findings.find((f) => f.rule === 'completeness' && /not screened/.test(f.reason));
    expect(unread?.outcome).toBe('concern');
    expect(unread?.evidence.join(' ')).toMatch(/subjects\[0\]\.description/);
  });
});

/**
 * The text side of the screen reads concepts, not wording (issue 15), and stays bounded whatever the text
 * (issue 14, item 5): words are matched by their dictionary forms, negation reaches to the end of its clause,
 * quoted names say nothing, a long sentence is read in windows, one screening reads at most READ_BUDGET_CHARS
 * and says what it left, and every match quotes words that are really in the field at the offset it gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FORMS_LIMIT,
  MAX_WINDOW_TOKENS,
  read,
  readerGeneration,
} from '../../../src/domain/safeguards/language.ts';
import {
  conceptsIn,
  findSignal,
  lexiconFor,
  MAX_MATCHES_PER_FIELD,
  MAX_QUOTES,
  quote,
  READ_BUDGET_CHARS,
  type SignalMatch,
  type SignalName,
  type TextField,
  textFields,
  withReading,
} from '../../../src/domain/safeguards/text.ts';
import { corpusRequest } from '../../helpers/corpus.ts';

const { lexicon } = lexiconFor('en');
const SIGNALS = [...lexicon.signals.keys()] as SignalName[];
const facts = (text: string): TextField[] => [{ field: 'facts', text }];
const quotes = (signal: SignalName, text: string) =>
  findSignal(lexicon, signal, facts(text)).map((m) => m.quote);

describe('concepts', () => {
  it('match a word in any of its forms and spellings', () => {
    for (const text of [
      'She criticised the ministry.',
      'She criticized the ministry.',
      'She criticises the ministry.',
      'Her criticism of the ministry.',
    ])
      expect(quotes('expression-against-state', text), text).not.toEqual([]);
    expect(quotes('publication', 'He posted it.')).toEqual(['posted']);
    expect(quotes('protected-status', 'The campaigners met.')).toEqual(['campaigners']);
  });

  it('match a phrase with words between its parts, and not when they are too far apart or across a full stop', () => {
    expect(quotes('protected-status', 'She was a leader of the growing protest against the dam.')).toEqual([
      'leader of the growing protest',
    ]);
    expect(
      quotes('protected-status', 'She was a leader of one two three four five six seven eight nine protest.'),
    ).toEqual([]);
    expect(quotes('retention', 'The data will be kept. Until then nothing.')).toEqual([]);
  });

  it('combine in a frame only within one sentence, and an excluded concept keeps the frame from matching', () => {
    expect(quotes('research', 'He found a flaw in the portal and reported it to the owner.')).not.toEqual([]);
    expect(quotes('expression-against-state', 'She criticised the plan. The ministry complained.')).toEqual(
      [],
    );
    // A flaw found and told to its owner may take two sentences; a complaint to the police is not telling.
    expect(
      quotes('research', 'He found a flaw in the portal. The same day he told the company.'),
    ).not.toEqual([]);
    expect(quotes('research', 'He found a flaw in the portal. He then reported it to the police.')).toEqual(
      [],
    );
    expect(quotes('research', 'He found a flaw and reported it, then demanded payment in bitcoin.')).toEqual(
      [],
    );
    // Work commissioned by the victim is its own signal: the rule weighs whom the sentence is about.
    expect(
      quotes('commissioned', 'A forensic firm hired by the bank found the flaw and reported it.'),
    ).not.toEqual([]);
  });

  it('say the same thing of a data-protection term however it is worded', () => {
    const worded = [
      'The information will serve this investigation alone.',
      'The material will be relied on only in these proceedings.',
      'Borealis undertakes to use the data solely for the prosecution described.',
    ];
    for (const text of worded) expect(quotes('use-limitation', text), text).not.toEqual([]);
    for (const text of [
      'It will be destroyed when the proceedings close.',
      'We will erase it once the judgment becomes final.',
      'The records shall be deleted no later than five years after the trial.',
    ])
      expect(quotes('retention', text), text).not.toEqual([]);
    const barred = findSignal(
      lexicon,
      'transfer-barred',
      facts('It will not be handed to any other state unless Borealis agrees in writing.'),
    );
    expect(barred.length).toBe(1);
    expect(barred[0]!.negated).toBe(true);
    expect(
      quotes(
        'onward-transfer',
        'It will not be handed to any other state unless Borealis agrees in writing.',
      ),
    ).not.toEqual([]);
    // A term that starts with function words is found by its first content word, and quoted from its start.
    expect(quotes('retention-stated', 'Information received is deleted upon the final decision.')).toEqual([
      'is deleted upon',
    ]);
    // The suspect's own deleting is not a retention term: nothing is undertaken.
    expect(quotes('retention', 'The suspect deleted the logs after the intrusion.')).toEqual([]);
  });
});

describe('negation', () => {
  const negated = (signal: SignalName, text: string) =>
    findSignal(lexicon, signal, facts(text)).map((m) => m.negated);

  it('reaches to the end of its clause, through a list, and stops at a contrast or an exception', () => {
    const listed = negated('intent', 'He did not keep, share or sell the records.');
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every(Boolean)).toBe(true);
    expect(negated('intent', 'He did not keep the records, and he sold the card data.')).toEqual([false]);
    const shared = negated(
      'data-misuse',
      'There is no suggestion that the data will be shared with any intelligence service.',
    );
    expect(shared.length).toBeGreaterThan(0);
    expect(shared.every(Boolean)).toBe(true);
    expect(negated('publication', 'He never posted it.')).toEqual([true]);
    // A sentence that says it both ways counts as saying it.
    expect(negated('publication', 'He never posted it but published a petition.')).toEqual([false]);
    // A longer list, opened by "nothing": every item is denied; a new clause that is no list item is not.
    const long = negated(
      'intent',
      'Nothing was copied, printed, shared or sold, and the records were not changed.',
    );
    expect(long.length).toBeGreaterThan(0);
    expect(long.every(Boolean)).toBe(true);
    expect(
      negated('intent', 'He did not report it, he sold the data to a broker, or so the bank says.'),
    ).toEqual([false]);
  });

  it('ends with its sentence, also where the tokenizer keeps a word whole with its stop ("in.")', () => {
    const found = negated('research', 'It could be read without logging in. He reported it to the owner.');
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((n) => !n)).toBe(true);
  });

  it('does not reach from one field into the next', () => {
    const found = findSignal(lexicon, 'publication', [
      { field: 'facts', text: 'He did not' },
      { field: 'purpose', text: 'publish anything' },
    ]);
    expect(found.map((m) => [m.field, m.negated])).toEqual([['purpose', false]]);
  });
});

describe('quoted names', () => {
  it('say nothing about the conduct', () => {
    expect(quotes('political-motive', "The gang known as 'Separatist Front' encrypted the servers.")).toEqual(
      [],
    );
    expect(quotes('political-motive', 'The gang, a separatist front, encrypted the servers.')).toEqual([
      'separatist',
    ]);
  });

  it('include what someone called a thing: a label is not the conduct', () => {
    expect(quotes('harm', "He posted messages describing the decree as 'theft of our last years'.")).toEqual(
      [],
    );
    expect(quotes('harm', 'He posted messages describing the theft of the pension fund.')).not.toEqual([]);
  });
});

describe('what leaked material showed', () => {
  it('is not the conduct of the person who took it, up to the end of the clause', () => {
    expect(
      quotes(
        'harm',
        'He copied e-mails showing that the firm had, since 2024, falsified the weighbridge records.',
      ),
    ).toEqual([]);
    // Without the material, or once the clause ends, the same words are the conduct again.
    expect(quotes('harm', 'The firm had, since 2024, falsified the weighbridge records.')).toEqual([
      'falsified',
    ]);
    expect(
      quotes(
        'harm',
        'He copied e-mails showing that the firm had falsified records; then he stole the ledgers.',
      ),
    ).toEqual(['stole']);
    // Records an investigator reads are not material the person took: what they show stays alleged.
    expect(quotes('harm', 'Bank records showing that he stole the funds were seized.')).toEqual(['stole']);
  });
});

describe('citations', () => {
  it('are not words: "Article 77" is no newspaper article', () => {
    expect(quotes('publication', 'Under Article 77 the offence carries ten years.')).toEqual([]);
    expect(quotes('publication', 'He wrote an article about the governor.')).not.toEqual([]);
  });
});

describe('bounds', () => {
  it('keep the vocabulary remembered bounded: the model is made afresh after FORMS_LIMIT new words', () => {
    const before = readerGeneration();
    const words = Array.from({ length: FORMS_LIMIT + 10 }, (_, i) => `zq${i.toString(36)}x`);
    for (let i = 0; i < words.length; i += 20_000)
      read(words.slice(i, i + 20_000).join(' '), lexicon.negation);
    expect(readerGeneration()).toBeGreaterThan(before);
    // Reading goes on as before with the new model.
    expect(quotes('publication', 'He posted the article on his blog.')).not.toEqual([]);
  });

  it('read a sentence of any length in windows of at most MAX_WINDOW_TOKENS tokens', () => {
    const r = read('the campaigner posted, '.repeat(5000), lexicon.negation);
    expect(r.windows.length).toBeGreaterThanOrEqual((5000 * 4) / MAX_WINDOW_TOKENS);
    for (const w of r.windows) expect(w.to - w.from).toBeLessThanOrEqual(MAX_WINDOW_TOKENS);
    // The windows cover every token once, in order.
    expect(r.windows.reduce((n, w) => n + (w.to - w.from), 0)).toBe(r.tokens.length);
  });

  it('keep a bounded number of matches per field, each quote once, and keep reading the next field', () => {
    const roles =
      'journalist reporter blogger activist campaigner dissident refugee exile imam pastor priest rabbi cleric protester demonstrator whistleblower columnist editor vlogger podcaster satirist cartoonist'.split(
        ' ',
      );
    const once = findSignal(lexicon, 'protected-status', facts('The activist spoke. The activist wrote.'));
    expect(once.map((m) => m.quote)).toEqual(['activist']);
    const found = findSignal(lexicon, 'protected-status', [
      { field: 'facts', text: roles.map((r, i) => `The ${r} ${i} spoke.`).join(' ') },
      { field: 'purpose', text: 'An opposition leader.' },
    ]);
    expect(found.filter((m) => m.field === 'facts')).toHaveLength(MAX_MATCHES_PER_FIELD);
    expect(found.map((m) => m.field)).toContain('purpose');
  });

  it('spend one reading budget per screening in field order, and say what was left unread', () => {
    const request = corpusRequest('01-ransomware-hospital.json') as never as Parameters<
      typeof withReading
    >[0];
    const long = { ...request, facts: `${'lorem ipsum dolor sit amet '.repeat(3000)}The journalist wrote.` };
    const { result, unread } = withReading(long, () =>
      findSignal(lexicon, 'protected-status', [{ field: 'facts', text: long.facts }]),
    );
    expect(result).toEqual([]);
    expect(unread[0]?.field).toBe('facts');
    const total = textFields(long).reduce((n, f) => n + f.text.length, 0);
    expect(unread.reduce((n, u) => n + u.chars, 0)).toBe(total - READ_BUDGET_CHARS);
  });

  it('quote a bounded number of places in a finding, and say how many more', () => {
    const matches: SignalMatch[] = Array.from({ length: 40 }, (_, i) => ({
      field: `subjects[${i}].description`,
      quote: 'activist',
      negated: false,
      headNegated: false,
      sentence: 'An activist.',
      at: 3,
      sentenceAt: 0,
    }));
    const lines = quote(matches);
    expect(lines).toHaveLength(MAX_QUOTES + 1);
    expect(lines.at(-1)).toBe('… and 28 more places');
  });
});

describe('quotes', () => {
  const words = [
    ...'the a she he they did not never no data will be kept until proceedings close only for this investigation'.split(
      ' ',
    ),
    ...'posted criticised ministry campaigner journalist flaw reported owner ransom intelligence service sold'.split(
      ' ',
    ),
    ...", . ; : 'Sedition' known as unless but or".split(' '),
  ];
  it('are the words of the field at the offset given, for every signal, in any text', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...words), { maxLength: 120 }), (list) => {
        const text = list.join(' ');
        for (const signal of SIGNALS)
          for (const m of findSignal(lexicon, signal, facts(text))) {
            expect(text.slice(m.at, m.at + m.quote.length)).toBe(m.quote);
            expect(text.slice(m.sentenceAt, m.sentenceAt + m.sentence.length)).toBe(m.sentence);
          }
      }),
      { numRuns: 150 },
    );
  });
});

describe('conceptsIn, for whoever extends a lexicon', () => {
  it('lists each concept read in a text, with its words, its sentence and whether it is denied', () => {
    const found = conceptsIn('The journalist did not sell the records. She reported the flaw.');
    expect(found).toContainEqual({ concept: 'standing', words: 'journalist', negated: false, sentence: 0 });
    expect(found.find((c) => c.concept === 'harm-gain')).toMatchObject({ negated: true, sentence: 0 });
    expect(found.find((c) => c.concept === 'flaw')).toMatchObject({ words: 'flaw', sentence: 1 });
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { isVisible, type Position } from '../../src/spoilers/position.js';
import { PEPPER_CARROT } from '../corpus.js';
import { spoilerScript } from '../fakes/spoiler-model.js';
import {
  accented,
  englishNumber,
  englishOrdinal,
  frenchNumber,
  frenchOrdinal,
  fullWidth,
  lookAlike,
  NUMBER_WORDS,
  PARAPHRASES,
  roman,
  spelledOut,
  zeroWidth,
} from './disguises.js';
import { findLeaks, headNoun, type LeakKind, receivedText } from './leaks.js';
import { buildOracle, type Oracle } from './oracle.js';

let oracle: Oracle;
beforeAll(async () => {
  oracle = await buildOracle(PEPPER_CARROT);
}, 60_000);

const kinds = (text: string, at: Position, question?: string) => findLeaks(oracle, text, at, { question }).map((l) => l.kind);
const at2 = { episode: 2, page: 3 };
const at11 = { episode: 11, page: 2 };

describe('receivedText', () => {
  it('drops the stream protocol’s random ids, keeps the answer, citations and every other string', () => {
    const text = receivedText({
      text: 'Pepper brews a potion.',
      chunks: [
        { type: 'start', messageId: 'eP18aZ09xYq' } as { type: string },
        { type: 'text-start', id: 'ep20Qw' } as { type: string },
        { type: 'text-delta', id: 'ep20Qw', delta: 'Pepper brews a potion.' } as { type: string },
        { type: 'text-end', id: 'ep20Qw' } as { type: string },
        { type: 'data-citations', id: 'c1', data: [{ id: 'pepper-carrot/wiki/saffron', label: 'Episode 18' }] } as { type: string },
        { type: 'finish', messageMetadata: { mode: 'model' } } as { type: string },
      ],
    });
    expect(text).toContain('Pepper brews a potion.');
    expect(text).not.toContain('eP18');
    expect(text).not.toContain('ep20');
    // A data part's id and the citation's contents are still checked.
    expect(text).toContain('c1');
    expect(text).toContain('pepper-carrot/wiki/saffron');
    expect(text).toContain('Episode 18');
    expect(text).toContain('model');
  });
});

describe('number words', () => {
  it('writes and reads English and French cardinals and ordinals, and roman numerals', () => {
    expect([englishNumber(36), englishOrdinal(6), englishOrdinal(24), englishOrdinal(30)]).toEqual(['thirty-six', 'sixth', 'twenty-fourth', 'thirtieth']);
    expect([frenchNumber(6), frenchNumber(21), frenchNumber(71), frenchNumber(80), frenchNumber(96)]).toEqual([
      'six',
      'vingt et un',
      'soixante et onze',
      'quatre-vingts',
      'quatre-vingt-seize',
    ]);
    expect([frenchOrdinal(1), frenchOrdinal(6), frenchOrdinal(5), frenchOrdinal(9), frenchOrdinal(36), frenchOrdinal(80)]).toEqual([
      'premier',
      'sixième',
      'cinquième',
      'neuvième',
      'trente-sixième',
      'quatre-vingtième',
    ]);
    expect([roman(6), roman(36), roman(49)]).toEqual(['VI', 'XXXVI', 'XLIX']);
    expect(NUMBER_WORDS.get('trente sixieme')).toBe(36);
    expect(NUMBER_WORDS.get('twenty fourth')).toBe(24);
  });
});

describe('the leak oracle catches every disguise', () => {
  const at = { episode: 6, page: 3 }; // Coriander, Shichimi, Yuzu (6/4) and Torreya (36/10) are unreached
  it.each([
    ['plain name', 'Coriander enters the contest.', 'name'],
    ['any case', 'then CORIANDER and coriander', 'name'],
    ['diacritics', `She meets ${accented('Coriander')}.`, 'name'],
    ['full-width letters', `She meets ${fullWidth('Coriander')}.`, 'name'],
    ['Cyrillic and Greek look-alikes', `She meets ${lookAlike('Coriander')} and ${lookAlike('Torreya')}.`, 'name'],
    ['zero-width characters', `She meets ${zeroWidth('Shichimi')}.`, 'name'],
    ['spelled with hyphens', 'Her name is T-o-r-r-e-y-a.', 'spelled'],
    ['a four-letter name spelled with spaces', 'Her name is Y u z u.', 'spelled'],
    ['spelled with dots', `Her name is ${spelledOut('Yuzu', '.')}.`, 'spelled'],
    ['spelled with underscores', `Her name is ${spelledOut('Yuzu', '_')}.`, 'spelled'],
    ['spelled with mixed separators', 'Her name is S - h . i c_h i m i.', 'spelled'],
    ['alias words joined by other separators', 'the Temples_of_Ah', 'name'],
    ['a two-letter name inside a sentence', 'She joins the witches of Ah later.', 'name'],
  ] as const)('%s', (_label, text, kind: LeakKind) => {
    expect(kinds(text, at)).toContain(kind);
  });

  it.each([
    ['digits', 'In episode 7 she wins.'],
    ['"episode: N"', 'Episode: 36'],
    ['"ep-N"', 'see ep-36'],
    ['"Ep. N"', 'Ep. 36 tells it'],
    ['glued "ep36"', 'in ep36'],
    ['"#N"', 'that is #36'],
    ['ordinal word', 'in the seventh episode'],
    ['ordinal digits', 'the 7th episode'],
    ['number word', 'episode seven'],
    ['compound number word', 'episode thirty-six'],
    ['roman numeral', 'Episode XXXVI'],
    ['full-width digits', `Episode ${fullWidth('36')}`],
    ['a range', 'episodes 2–7'],
    ['a list', 'episodes 3, 5 and 28'],
    ['"chapter"', 'chapter 12'],
    ['French number word', 'dans l’épisode sept'],
    ['French ordinal', 'le septième épisode'],
    ['French "ép."', 'voir ép. 9'],
    ['French "chapitre"', 'au chapitre 36'],
    ['French list', 'épisodes 24 et 28'],
  ])('later episode as %s', (_label, text) => {
    expect(kinds(text, at)).toContain('episode');
  });

  it('a page label past the position, and a verbatim line of a later page', () => {
    expect(kinds('as shown [6/4]', at)).toContain('page');
    expect(kinds('see ［27／1］', at)).toContain('page');
    expect(kinds('She says: "Let the games begin!"', at)).toContain('line');
  });

  it('unreached distinctive words, names the reader never met, head nouns of long names', () => {
    // "ingenious" is first written on 6/4; "Wasabi" only in lore the reader has not reached.
    expect(kinds('What an ingenious idea.', at)).toContain('word');
    expect(kinds('Then she meets Wasabi.', at)).toContain('unknown_name');
    // (From 3/2 on, Saffron's lore mentions the canary: the reader has met the word.)
    expect(kinds('There is also the Canary.', { episode: 3, page: 1 })).toContain('head_noun');
    expect(headNoun('Oversized-Posh-Zombie-Canary')).toBe('Canary');
    expect(headNoun('Temples of Ah')).toBe('Temples');
    expect(headNoun('Carrot')).toBeNull();
  });

  it('planted paraphrases, whole or in part, only before the event they tell', () => {
    const contest = PARAPHRASES.find((p) => p.spoils.episode === 6)!;
    expect(kinds(contest.text, at)).toContain('paraphrase');
    // Three consecutive content words of it are enough.
    expect(kinds('Then she takes part in a brewing competition, you know.', at)).toContain('paraphrase');
    expect(kinds(contest.text, { episode: 7, page: 1 })).not.toContain('paraphrase');
  });

  it('every sentence of the spoiling model is caught, at every matrix position', () => {
    for (const p of [{ episode: 1, page: 2 }, at2, at, { episode: 8, page: 4 }, at11, { episode: 16, page: 4 }, { episode: 19, page: 5 }, { episode: 23, page: 7 }]) {
      const script = spoilerScript(oracle, p);
      expect(script.spoilers.length).toBeGreaterThanOrEqual(25);
      for (const s of script.spoilers) expect(findLeaks(oracle, s.sentence, p), `${s.disguise} at ${p.episode}/${p.page}: ${s.sentence}`).not.toEqual([]);
      expect(script.reached.length, `reached lines at ${p.episode}/${p.page}`).toBeGreaterThanOrEqual(1);
      for (const r of script.reached) expect(findLeaks(oracle, r, p), r).toEqual([]);
    }
  });
});

describe('the leak oracle stays quiet on what the reader may know', () => {
  it('the text of every reached page, at several positions', () => {
    for (const p of [{ episode: 1, page: 2 }, { episode: 6, page: 3 }, at11, { episode: 23, page: 7 }]) {
      const reached = oracle.corpus
        .filter((t) => t.source !== 'lore' && isVisible(t.at, p))
        .map((t) => t.text)
        .join('\n');
      expect(findLeaks(oracle, reached, p), `at ${p.episode}/${p.page}`).toEqual([]);
    }
  });

  it("the series' own name (title, and the id in reader links) before its characters' debut; other unreached names still leak", () => {
    const at10 = { episode: 1, page: 0 };
    expect(findLeaks(oracle, 'Pepper&Carrot — /read/pepper-carrot/1/0', at10)).toEqual([]);
    expect(findLeaks(oracle, 'Saffron was there.', at10).map((l) => l.kind)).toContain('name');
  });

  it('ordinary words: first, one, second, numbers that are not episodes, earlier episodes', () => {
    const text = [
      'At first she was not sure. One moment, wait a second!',
      'The first time she tried, two potions failed and one worked.',
      'She needed 3 carrots and 12 stars; it is 2 o’clock.',
      'As in episode 1 and episode 2, Carrot helps her [2/3].',
      'A quarter is 1/4 of it, she said.',
    ].join('\n');
    expect(findLeaks(oracle, text, at2)).toEqual([]);
    expect(findLeaks(oracle, 'She makes the first potion of the episode. In the second one, she flies.', at2)).toEqual([]);
  });

  it('what Folio itself says: withheld markers, notices, declines, citations labels', () => {
    const text = [
      'Pepper brews … and then Carrot sleeps.',
      'I left out one sentence about something you have not reached yet.',
      'I left out 3 sentences about things you have not reached yet.',
      "You haven't reached that part of the story yet, so I can't talk about it. I can only use what you've read so far (up to episode 2, page 3). Keep reading!",
      "I can only talk about what you've read so far (up to episode 2, page 3), and nothing there answers that. Keep reading, and ask me again later!",
      "That comes later in the story, so I'll stop there. Keep reading and ask me again when you get there!",
      'Sources (pages the reader has reached):\n- [2/3] Episode 2: /read/pepper-carrot/2/3',
    ].join('\n');
    expect(findLeaks(oracle, text.replace('brews', 'makes'), at2)).toEqual([]);
  });

  it('ordinary English cut or inflected: a snippet clipped mid-word, an ending the crude stem drops', () => {
    // At 21/3 "completely" is reached; "completed" (stem "complet") is first written on 23/8.
    const at21 = { episode: 21, page: 3 };
    expect(findLeaks(oracle, 'Its magical nature permeates it so complet…', at21)).toEqual([]);
    expect(findLeaks(oracle, 'Its magical nature permeates it so complet...', at21)).toEqual([]);
    expect(findLeaks(oracle, 'She is completing the spell; it is completed.', at21)).toEqual([]);
    // Before "completely" is reached, "complet…" may still be the start of a common word.
    expect(findLeaks(oracle, 'So complet…', { episode: 2, page: 1 })).toEqual([]);
    // A later word followed by an ellipsis still counts when it starts nothing reached or common ("ingenious" is first written on 6/4).
    expect(kinds('What an ingenious…', { episode: 6, page: 3 })).toContain('word');
  });

  it('a reached name, its own question’s words, and a name the reader has met later in the text', () => {
    expect(findLeaks(oracle, 'Cayenne, Thyme and Cumin teach Pepper at Chaosah.', at11)).toEqual([]);
    expect(kinds('You asked about Zorglub: nothing you have read mentions Zorglub.', at11, 'Who is Zorglub?')).toEqual([]);
    expect(kinds('You asked about Zorglub.', at11)).toContain('unknown_name');
  });
});

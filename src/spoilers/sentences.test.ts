import { describe, expect, it } from 'vitest';
import type { SpoilerHit } from './policy.js';
import { endsSentence, LONG_RUN, redactSentences, sentenceTail, splitSentences } from './sentences.js';

const hit = (text: string, matched: string): SpoilerHit => {
  const start = text.indexOf(matched);
  return { kind: 'entity', matched, ref: matched, start, end: start + matched.length };
};

describe('splitSentences', () => {
  it('joins back to the input', () => {
    for (const t of ['a. b! c? d… e', 'x\ny\n\nz', '"Hi!" she said. Then 3.5', '', 'x'.repeat(2000), `${'word, '.repeat(200)}end.`])
      expect(splitSentences(t).join('')).toBe(t);
  });

  it('splits after sentence ends and line breaks only', () => {
    expect(splitSentences('One. Two 3.5!\nThree')).toEqual(['One. ', 'Two 3.5!\n', 'Three']);
  });

  it('does not split after initials and abbreviations', () => {
    expect(splitSentences('It ends (ep. 36). Then more.')).toEqual(['It ends (ep. 36). ', 'Then more.']);
    // A single letter before the period is an initial: the spelled-out name stays in one sentence.
    expect(splitSentences('He is C. o. r. i. a. n. d. e. r. Fine. Ok.')).toEqual(['He is C. o. r. i. a. n. d. e. r. Fine. ', 'Ok.']);
    expect(splitSentences('Mr. Ah met Dr. No. 5 came. Ok.')).toEqual(['Mr. Ah met Dr. No. 5 came. ', 'Ok.']);
    expect(splitSentences('Voir ép. 6 et chap. 3. Fin.')).toEqual(['Voir ép. 6 et chap. 3. ', 'Fin.']);
  });

  it('an end without whitespace after it is an end unless an initial, an abbreviation or a digit comes before', () => {
    expect(splitSentences('Ahe.g. Tobin went.Fine!"Ok')).toEqual(['Ahe.', 'g. Tobin went.', 'Fine!"', 'Ok']);
    expect(splitSentences('See e.g. 3.5 or Mr.Ah or v1.2')).toEqual(['See e.g. 3.5 or Mr.Ah or v1.2']);
  });

  it('cuts a long run without a sentence end at a clause boundary', () => {
    const text = `${'and then, '.repeat(60)}the end.`;
    const parts = splitSentences(text);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts[0]!.length).toBeGreaterThanOrEqual(LONG_RUN);
    expect(parts[0]!.length).toBeLessThan(LONG_RUN + 20);
    expect(parts[0]).toMatch(/, $/);
  });

  it('cuts at a space when there is no clause boundary either', () => {
    const parts = splitSentences('word '.repeat(400));
    expect(parts.length).toBeGreaterThan(1);
    expect(parts[0]!.length).toBeLessThanOrEqual(2 * LONG_RUN + 10);
  });
});

describe('redactSentences', () => {
  it('withholds exactly the sentences with a hit', () => {
    const t = 'Pepper is a witch. Coriander is a princess. Carrot is a cat.';
    expect(redactSentences(t, [hit(t, 'Coriander')])).toEqual({ text: 'Pepper is a witch. … Carrot is a cat.', withheld: 1 });
  });

  it('collapses neighbouring withheld sentences and keeps line breaks', () => {
    const t = 'Coriander rules. Eyeük waits.\nPepper flies.';
    const r = redactSentences(t, [hit(t, 'Coriander'), hit(t, 'Eyeük')]);
    expect(r).toEqual({ text: '…\nPepper flies.', withheld: 2 });
  });

  it('a hit spanning sentences withholds every sentence it touches', () => {
    const t = 'One. The rider is Torr. eya. Three.';
    expect(redactSentences(t, [hit(t, 'Torr. eya')]).text).toBe('One. … Three.');
  });

  it('leaves clean text alone', () => {
    expect(redactSentences('Pepper flies over 3.5 hills.', [])).toEqual({ text: 'Pepper flies over 3.5 hills.', withheld: 0 });
  });
});

describe('endsSentence / sentenceTail (the stream judges a sentence at its end punctuation)', () => {
  it('ends at . ! ? … with closing quotes, or a line break', () => {
    for (const t of ['She flies.', 'She flies!', 'Why?', 'Well…', 'She said "go."', 'She flies (fast).', 'She flies. ', 'A list\n'])
      expect(endsSentence(t), t).toBe(true);
  });

  it('not mid-sentence, after an abbreviation, an initial or a digit', () => {
    for (const t of ['She flies', 'See Ep.', 'Mr.', 'C.', 'e.g.', 'at 3.', 'She flies,', '']) expect(endsSentence(t), t).toBe(false);
  });

  it('the tail is what splitSentences would still give the sentence', () => {
    expect(sentenceTail('She flies.', '!" And')).toBe('!" ');
    expect(sentenceTail('Corn !', '"! And')).toBe('"! ');
    expect(sentenceTail('She flies.', '\n\nNext')).toBe('\n\n');
    expect(sentenceTail('She flies. ', '" Next')).toBe('');
    expect(sentenceTail('She flies. ', '  Next')).toBe('  ');
    for (const [a, b] of [
      ['She flies.', '!" And so.'],
      ['She flies.', ' And so.'],
      ['She flies. ', ' And so.'],
    ] as const) {
      expect(splitSentences(a + b)[0]).toBe(a + sentenceTail(a, b));
    }
  });
});

describe('linear in the text (a model or a pack can send anything)', () => {
  // Texts that make a backtracking splitter re-read a run from every position in it. A quadratic splitter took
  // 3.3 s on 50,000 dots and 8 s on 50,000 ellipses; these take a few ms. The bound is far above either, so a
  // slow machine passes and a quadratic one cannot (bench/guard.ts reports the real figures).
  const n = 100_000;
  const texts = {
    dots: `${'.'.repeat(n)}x`,
    'end punctuation': `${'!?…'.repeat(n / 3)}x`,
    'dots and quotes': `${'."'.repeat(n / 2)}x`,
    'line breaks then a word': `${' \n'.repeat(n / 2)}x`,
    abbreviations: 'Ep. '.repeat(n / 4),
  };
  for (const [label, text] of Object.entries(texts)) {
    it(`${label}: split, and judged as a stream's tail, in well under a second`, () => {
      const t = performance.now();
      expect(splitSentences(text).join('')).toBe(text);
      endsSentence(text);
      endsSentence(`${text} `);
      expect(performance.now() - t).toBeLessThan(1_000);
    });
  }

  it('a text of abbreviations is still cut into runs of at most about 2 × LONG_RUN', () => {
    const parts = splitSentences('Ep. '.repeat(1_000));
    expect(parts.length).toBeGreaterThan(4);
    expect(Math.max(...parts.map((p) => p.length))).toBeLessThanOrEqual(2 * LONG_RUN + 4);
  });
});

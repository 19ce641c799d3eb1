import { describe, expect, it } from 'vitest';
import { index } from '../../test/spoilers/tiny-series.js';
import type { Position } from './position.js';
import { buildProfile, TermIndex } from './profile.js';
import { VocabularyCheck } from './vocabulary.js';

const hits = (at: Position | null, text: string, kind: 'lore' | 'page' | 'generated' = 'generated') =>
  new VocabularyCheck(index, at).find(text, { kind }).map((h) => [h.matched, h.ref]);

describe('VocabularyCheck (unreached distinctive words)', () => {
  it('a distinctive word first readable after the position is a hit, with its offsets; reached, it is not', () => {
    const check = new VocabularyCheck(index, { episode: 1, page: 2 });
    const text = 'Soon she meets a glimmerwyrm.';
    expect(check.find(text, { kind: 'generated' })).toEqual([{ kind: 'vocabulary', matched: 'glimmerwyrm', ref: 'glimmerwyrm', start: 17, end: 28 }]);
    expect(hits({ episode: 2, page: 1 }, text)).toEqual([]);
    expect(hits(null, text)).toEqual([['glimmerwyrm', 'glimmerwyrm']]);
  });

  it('sees through case, accents, plurals and possessives, in every kind of text', () => {
    for (const w of ['GLIMMERWYRMS', "the glimmerwyrm's cage", 'Glimmerwýrm']) expect(hits({ episode: 1, page: 2 }, w, 'lore')).toHaveLength(1);
    expect(hits({ episode: 1, page: 2 }, 'glimmerwyrm', 'page')).toHaveLength(1);
  });

  it('ordinary words and words the series never uses are not hits', () => {
    expect(hits({ episode: 1, page: 1 }, 'The town cheers for the boat race.')).toEqual([]);
    expect(hits({ episode: 1, page: 1 }, 'A snorkelwhale is not in this story.')).toEqual([]);
  });

  it('a capitalised phrase of the series is a hit until reached; in lower case its words are ordinary', () => {
    expect(hits({ episode: 2, page: 2 }, 'They look for the Hollow Crown.')).toEqual([['Hollow Crown', 'hollow crown']]);
    expect(hits({ episode: 3, page: 0 }, 'They look for the Hollow Crown.')).toEqual([]);
    expect(hits({ episode: 2, page: 2 }, 'The tree is hollow.')).toEqual([]);
  });

  it('a reached phrase covers the words inside it, even when a shorter run of them first appears later alone', () => {
    const texts = [
      { episode: 1, page: 3, text: 'Welcome to the Komona Potion Challenge!', source: 'story' as const },
      { episode: 4, page: 8, text: 'The Potion Challenge is back.', source: 'story' as const },
    ];
    // Stored terms from before the shorter runs were terms: only the whole phrase at 1/3, the run at 4/8.
    const terms = buildProfile(texts, [], 'en').terms.map((t) => (t.term === 'potion challenge' ? { ...t, episode: 4, page: 8 } : t));
    const check = new VocabularyCheck(new TermIndex(terms, [], 'en'), { episode: 1, page: 3 });
    expect(check.find('The page says Komona Potion Challenge [1/3].', { kind: 'generated' })).toEqual([]);
    expect(check.find('Then the Potion Challenge.', { kind: 'generated' }).map((h) => h.ref)).toEqual(['potion challenge']);
  });

  it('a word of an unreached long name with a determiner ("the captain") is a hit until the word is read', () => {
    expect(hits({ episode: 1, page: 2 }, 'Then the captain arrives.')).toEqual([['the captain', 'captain']]);
    expect(hits({ episode: 1, page: 2 }, 'His captain arrives.')).toEqual([['His captain', 'captain']]);
    // Without a determiner it is an ordinary word; once the entity is reached, it is known.
    expect(hits({ episode: 1, page: 2 }, 'A captain must be brave.')).toEqual([]);
    expect(hits({ episode: 2, page: 1 }, 'Then the captain arrives.')).toEqual([]);
  });
});

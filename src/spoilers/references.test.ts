import { describe, expect, it } from 'vitest';
import { findReferences, referenceOpen } from './references.js';

const eps = (t: string) => findReferences(t).map((r) => r.episodes);
const one = (t: string) => {
  const r = findReferences(t);
  expect(r, t).toHaveLength(1);
  return r[0]!;
};

describe('findReferences (English)', () => {
  it('reads the forms packs and models use', () => {
    expect(eps('in episode 6')).toEqual([[6]]);
    expect(eps('a growth spell (ep25)')).toEqual([[25]]);
    expect(eps('to stop a war (ep. 36).')).toEqual([[36]]);
    expect(eps('~ Thyme, [episode 29](https://example.org/ep29_Destroyer.html)')).toEqual([[29], [29]]);
    expect(eps('used in episodes 18 and 22')).toEqual([[18, 22]]);
    expect(eps('episodes 3, 5, and 40')).toEqual([[3, 5, 40]]);
    expect(eps('between episodes 2 through 20')).toEqual([[2, 20]]);
    expect(eps('* **Episode**: ep04, ep19')).toEqual([[4, 19]]);
    expect(eps('ep01–ep38')).toEqual([[1, 38]]);
    expect(eps('EPISODE 30; episode #31; Ep.12')).toEqual([[30], [31], [12]]);
    expect(eps('episode 30, episode 31')).toEqual([[30, 31]]);
    expect(eps('episode six, the sixth episode, the 7th chapter, ch. 5')).toEqual([[6], [6], [7], [5]]);
  });

  it.each([
    ['the sixth episode', 6],
    ['the 6th episode', 6],
    ['episode six', 6],
    ['Episode VI', 6],
    ['Episode XXIV', 24],
    ['episode twenty-one', 21],
    ['the twenty-first episode', 21],
    ['ｅｐｉｓｏｄｅ ３６', 36],
    ['ep\u200B36', 36],
    ['ep-36', 36],
    ['Ep. 36', 36],
    ['ep36', 36],
    ['issue #36', 36],
    ['#36', 36],
    ['episode: 36', 36],
    ['episode no. 36', 36],
    ['chapter 36', 36],
    ['Issue 36', 36],
    ['Еpisode 36', 36], // Cyrillic Е
  ])('%s → %i', (text, n) => {
    expect(one(text)).toMatchObject({ kind: 'episode', episodes: [n] });
  });

  it('reports offsets in the original text', () => {
    const text = 'Later, in ｅｐｉｓｏｄｅ ３６, she flies.';
    const r = one(text);
    expect(text.slice(r.start, r.end)).toBe('ｅｐｉｓｏｄｅ ３６');
  });

  it('reads citation labels, alone and in groups, as pages', () => {
    expect(findReferences('she is crowned [27/1].')).toMatchObject([{ kind: 'page', pages: [{ episode: 27, page: 1 }] }]);
    expect(findReferences('as seen [3/2, 27/1]')).toMatchObject([
      {
        kind: 'page',
        pages: [
          { episode: 3, page: 2 },
          { episode: 27, page: 1 },
        ],
      },
    ]);
    expect(findReferences('see [1/2; 36/10]')[0]!.pages).toHaveLength(2);
  });

  it('ranges give both ends', () => {
    expect(eps('episodes 18-22')).toEqual([[18, 22]]);
    expect(eps('episodes 18 to 22')).toEqual([[18, 22]]);
    expect(eps('chapters 3 and 30')).toEqual([[3, 30]]);
  });

  it.each([
    'At first she ran.',
    'One day, Pepper woke up.',
    'Wait a second!',
    'The first potion failed.',
    'step 3, deep 12, keep 4 episodes in mind, the episodes were good',
    'the issue I raised',
    'a civil episode',
    'She chose one. The second was worse.',
    'Use &#36; for dollars',
    '# 3 heading',
  ])('no reference in ordinary words: %s', (text) => {
    expect(findReferences(text)).toEqual([]);
  });
});

describe('findReferences (French)', () => {
  it.each([
    ['épisode 6', 6],
    ['Épisode 6', 6],
    ['ép. 6', 6],
    ['le sixième épisode', 6],
    ['le 6e épisode', 6],
    ['le 6ème épisode', 6],
    ['le premier épisode', 1],
    ['le deuxième chapitre', 2],
    ['chapitre 3', 3],
    ['chapitre trois', 3],
    ['tome 2', 2],
    ['épisode vingt-deux', 22],
    ['épisode vingt et un', 21],
    ['épisode n° 7', 7],
  ])('%s → %i', (text, n) => {
    expect(one(text)).toMatchObject({ kind: 'episode', episodes: [n] });
  });

  it('lists and ranges', () => {
    expect(eps('épisodes 18 et 22')).toEqual([[18, 22]]);
    expect(eps('épisodes 3 à 5')).toEqual([[3, 5]]);
  });

  it.each(['Au premier regard, il sourit.', 'Un jour, Pepper se réveilla.', 'Attends une seconde !', 'La première potion rata.'])('no reference: %s', (text) => {
    expect(findReferences(text, 'fr')).toEqual([]);
  });
});

describe('referenceOpen', () => {
  it('is open when more text could complete a reference', () => {
    expect(referenceOpen('Then in episode')).toBe(true);
    expect(referenceOpen('It was the sixth ')).toBe(true);
    expect(referenceOpen('see [2')).toBe(true);
    expect(referenceOpen('episodes 3 and ')).toBe(true);
    expect(referenceOpen('Pepper flies. ')).toBe(false);
  });
});

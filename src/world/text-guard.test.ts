import { describe, expect, it } from 'vitest';
import { NameMatcher } from '../spoilers/names.js';
import { episodeSafe, TextGuard, unsafeEpisodeHits, type ReaderState } from './text-guard.js';
import { headingAnchor } from './wiki.js';
import { namedOn } from './world.js';

const at = (episode: number, page: number, episodeEnd: number | null = 9): ReaderState => ({ position: { episode, page }, episodeEnd });

describe('episodeSafe', () => {
  it('lore may name earlier episodes, and the current one only once it is finished', () => {
    expect(episodeSafe(5, at(6, 1), 'lore')).toBe(true);
    expect(episodeSafe(6, at(6, 8), 'lore')).toBe(false);
    expect(episodeSafe(6, at(6, 9), 'lore')).toBe(true);
    expect(episodeSafe(7, at(6, 9), 'lore')).toBe(false);
  });

  it('story pages may name their own episode (title strips, footers)', () => {
    expect(episodeSafe(6, at(6, 0), 'page')).toBe(true);
    expect(episodeSafe(7, at(6, 0), 'page')).toBe(false);
  });

  it('without a position nothing is safe', () => {
    expect(episodeSafe(1, { position: null, episodeEnd: null }, 'lore')).toBe(false);
  });
});

describe('TextGuard', () => {
  const names = new NameMatcher([{ slug: 'torreya', name: 'Torreya' }], [{ slug: 'pepper', name: 'Pepper' }]);
  const g = new TextGuard(names, at(6, 4));

  it('withholds sentences with unreached names or unfinished episodes, keeps the rest', () => {
    expect(g.redact('Pepper flies. Her partner is Torreya. The first contest, in episode 6, ended badly. It rained (ep. 5).')).toEqual({
      text: 'Pepper flies. … It rained (ep. 5).',
      withheld: 2,
    });
    expect(unsafeEpisodeHits('see episodes 5 and 8', at(6, 4), 'lore').map((h) => h.name)).toEqual(['episodes 5 and 8']);
  });

  it('page text keeps its own episode, loses later ones', () => {
    expect(g.redact('Episode 6 : The Potion Contest\nNext: episode 7!', 'page').text).toBe('Episode 6 : The Potion Contest\n…');
  });

  it('labels are all or nothing', () => {
    expect(g.label('Pepper')).toBe('Pepper');
    expect(g.label('Torreya and the dragon')).toBeNull();
    expect(g.label('Episode 7')).toBeNull();
  });
});

describe('namedOn (focus mode)', () => {
  it('finds names and aliases on the pages, whole words, any case', () => {
    const nodes = [
      { slug: 'ada', name: 'Ada Quill', aliases: ['Ada'] },
      { slug: 'ah', name: 'Ah', aliases: [] },
      { slug: 'flit', name: 'Flit', aliases: ['the moth'] },
    ];
    const pages = [{ episode: 1, page: 1, dialogue: 'ADA: Look, THE MOTH!\n', description: null }];
    expect([...namedOn(pages, nodes)].sort()).toEqual(['ada', 'flit']);
    expect([...namedOn([{ episode: 1, page: 2, dialogue: 'Yeah, ahead.', description: 'A dark street.' }], nodes)]).toEqual([]);
    expect([...namedOn([], nodes)]).toEqual([]);
  });
});

describe('headingAnchor', () => {
  it('makes the fragment ids markdown renderers use', () => {
    expect(headingAnchor("The Keeper's flame")).toBe('the-keepers-flame');
    expect(headingAnchor('  Éclair & Co. (2) ')).toBe('eclair-co-2');
  });
});

describe('TextGuard.redact across the sentence splitter', () => {
  const names = new NameMatcher([{ slug: 'torreya', name: 'Torreya' }, { slug: 'ah', name: 'Ah' }], [{ slug: 'temples', name: 'Temples of Ah' }]);
  const g = new TextGuard(names, at(23, 8));

  it('"(ep. 36)" is split after "ep." but still withholds what it spans', () => {
    const r = g.redact('Pepper demands a transfer to stop a war (ep. 36). Then she rests.');
    expect(r.text).toBe('… Then she rests.');
    expect(r.text).not.toMatch(/36/);
  });

  it('a name spelled across a sentence break is still found', () => {
    expect(g.redact('The rider is Torr. eya, a dragon rider.').text).not.toMatch(/Torr|eya/);
  });

  it('a name inside a visible longer name is excused, as in NameMatcher.redact', () => {
    expect(g.redact('They pray at the Temples of Ah. Ah rules them.').text).toBe('They pray at the Temples of Ah. …');
  });

  it('clean text passes unchanged', () => {
    const text = 'Pepper flies over the forest.\nCarrot sleeps (ep. 5).';
    expect(g.redact(text)).toEqual({ text, withheld: 0 });
  });
});

describe('episode references however written', () => {
  const g = new TextGuard(new NameMatcher([]), at(6, 4));
  it.each(['in ｅｐｉｓｏｄｅ ３６ she flies.', 'in ep\u200B36 she flies.', 'in ep-36 she flies.', 'in Episode: 36 she flies.', 'in EP.36 she flies.', 'in episode no. 36 she flies.', 'in the 36th episode she flies.'])(
    '%s',
    (text) => {
      expect(g.redact(`Pepper is a witch. ${text}`).text.trimEnd()).toBe('Pepper is a witch. …');
    },
  );
});

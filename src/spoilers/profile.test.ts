import { describe, expect, it } from 'vitest';
import { ENTITIES, profile } from '../../test/spoilers/tiny-series.js';
import { buildProfile, PREFACE, phraseRuns, profileInputs, stem, tokenize, wordKey } from './profile.js';

const term = (t: string) => profile.terms.find((x) => x.term === t);

describe('words', () => {
  it('fold case, diacritics, plurals and possessives to one key', () => {
    expect(['witches', 'Witch', "Witch's", 'WITCHES’', 'wítch'].map(wordKey)).toEqual(['witch', 'witch', 'witch', 'witch', 'witch']);
    expect(['potions', 'stories', 'classes', 'horses', 'boxes', 'bus', 'Chaosah'].map(stem)).toEqual(['potion', 'story', 'class', 'horse', 'box', 'bus', 'Chaosah']);
  });

  it('mark capitalised words, sentence starts and titles with a full stop', () => {
    const t = tokenize('Then Ms. Pigeon met KOMONA. Yes');
    expect(t.map((x) => [x.raw, x.cap, x.initial])).toEqual([
      ['Then', true, true],
      ['Ms', true, false],
      ['Pigeon', true, false],
      ['met', false, false],
      ['KOMONA', false, false],
      ['Yes', true, true],
    ]);
    expect(t[4]!.upper).toBe(true);
  });
});

describe('buildProfile', () => {
  it('gives every word its first readable position; the preface is before every page', () => {
    expect(term('mira')).toMatchObject({ episode: 1, page: 1 });
    expect(term('ferryman')).toMatchObject({ episode: 1, page: 2 });
    expect(term('lantern')).toMatchObject(PREFACE);
  });

  it('counts a distinctive word from the story, not from lore annotated too early', () => {
    expect(term('glimmerwyrm')).toEqual({ term: 'glimmerwyrm', episode: 2, page: 1, distinctive: true });
    // The lore sentence is readable only from 2/1, and so are its other words that nothing earlier has.
    expect(term('tame')).toMatchObject({ episode: 2, page: 1 });
    expect(profile.units.find((u) => u.text.startsWith('Mira is a brave girl'))).toMatchObject({ episode: 2, page: 1, story: false });
    // Ordinary words are reached wherever the reader first saw them.
    expect(term('river')).toMatchObject({ episode: 1, page: 1, distinctive: false });
  });

  it('keeps lore-only words at the lore position, and capitalised phrases and titles as terms', () => {
    expect(term('silverbrook')).toMatchObject({ episode: 1, page: 2, distinctive: true });
    expect(term('hollow crown')).toMatchObject({ episode: 3, page: 0, distinctive: true });
    expect(term('captain ironbeard')).toMatchObject({ episode: 2, page: 1 });
    expect(term('^captain')).toMatchObject({ episode: 2, page: 1, distinctive: false });
  });

  it('a phrase read whole makes its shorter runs read too ("the Potion Challenge" of "the Komona Potion Challenge")', () => {
    expect(phraseRuns('komona potion challenge').sort()).toEqual(['komona potion', 'komona potion challenge', 'potion challenge']);
    // Runs neither start nor end on a small word, and hold two words that are not small.
    expect(phraseRuns('temple of ah')).toEqual(['temple of ah']);
    expect(phraseRuns('tear of the phoenix king').sort()).toEqual(['phoenix king', 'tear of the phoenix', 'tear of the phoenix king']);
    const p = buildProfile(
      [
        { episode: 1, page: 3, text: 'Welcome to the Komona Potion Challenge!', source: 'story' },
        { episode: 4, page: 8, text: 'The POTION CHALLENGE is back.', source: 'story' },
      ],
      [],
      'en',
    );
    expect(p.terms.find((t) => t.term === 'potion challenge')).toMatchObject({ episode: 1, page: 3, distinctive: true });
  });

  it("counts an episode's summary from its last story page (credits after it tell nothing more)", () => {
    const page = (number: number, kind: string) => ({ episode: 1, number, kind, dialogue: '' });
    const { texts } = profileInputs({
      series: { title: 'T', language: 'en' },
      episodes: [{ number: 1, title: 'One', summary: 'Mira wins.', firstPage: 0, lastPage: 5 }],
      pages: [page(0, 'title'), page(1, 'story'), page(4, 'story'), page(5, 'credits')],
      wikiArticles: [],
      wikiSections: [],
      entities: [],
      entityDescriptions: [],
      relationships: [],
    });
    expect(texts.find((t) => t.text === 'Mira wins.')).toMatchObject({ episode: 1, page: 4, source: 'lore' });
  });

  it('an entity name in lore holds the sentence back until the entity debuts', () => {
    const p = buildProfile([{ episode: 1, page: 1, text: 'Later Captain Ironbeard buys a zorblax.', source: 'lore' }], ENTITIES, 'en');
    expect(p.terms.find((t) => t.term === 'zorblax')).toMatchObject({ episode: 2, page: 1 });
  });

  it('judges distinctiveness by the language list of the series', () => {
    const fr = buildProfile([{ episode: 1, page: 1, text: 'Le chat mange une citrouillette.', source: 'story' }], [], 'fr');
    expect(fr.terms.find((t) => t.term === 'chat')?.distinctive).toBe(false);
    expect(fr.terms.find((t) => t.term === 'citrouillette')?.distinctive).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { PEPPER_CARROT } from '../../corpus.js';
import { comparePositions, corpusPages, firstOccurrence, LABEL_CLASSES, loadLabelled, wordPattern } from './labelled.js';

const items = loadLabelled();
const pages = corpusPages(PEPPER_CARROT);
const at = (p: { episode: number; page: number }) => `${p.episode}/${p.page}`;

describe('labelled Pepper&Carrot answer sentences', () => {
  it('has unique ids, at least 80 items per class and 15 positions spread over the series', () => {
    expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
    for (const cls of LABEL_CLASSES) expect(items.filter((i) => i.class === cls).length, cls).toBeGreaterThanOrEqual(80);
    const positions = new Set(items.map((i) => at(i.position)));
    expect(positions.size).toBeGreaterThanOrEqual(15);
    const episodes = items.map((i) => i.position.episode);
    expect(Math.min(...episodes)).toBeLessThanOrEqual(3);
    expect(episodes.some((e) => e >= 10 && e <= 14)).toBe(true);
    expect(Math.max(...episodes)).toBeGreaterThanOrEqual(22);
  });

  it('puts every position on a real page, and `about` after the position exactly for spoilers', () => {
    const real = new Set(pages.map(at));
    for (const item of items) {
      expect(real.has(at(item.position)), `${item.id} position ${at(item.position)}`).toBe(true);
      // Events after episode 23 are not in the corpus; anything earlier must be a real page.
      if (item.about.episode <= 23) expect(real.has(at(item.about)), `${item.id} about ${at(item.about)}`).toBe(true);
      const later = comparePositions(item.about, item.position) > 0;
      expect(later, `${item.id} about ${at(item.about)} vs position ${at(item.position)}`).toBe(item.label === 'spoiler');
    }
  });

  it('gives giveaway words exactly to distinctive and unknown_name items, each one in the sentence', () => {
    for (const item of items) {
      const wants = item.class === 'distinctive' || item.class === 'unknown_name';
      expect(Boolean(item.words), item.id).toBe(wants);
      for (const w of item.words ?? []) expect(wordPattern(w).test(item.text), `${item.id}: "${w}"`).toBe(true);
    }
  });

  it('has every distinctive word first occur in the corpus after the position', () => {
    for (const item of items.filter((i) => i.class === 'distinctive')) {
      for (const w of item.words!) {
        const first = firstOccurrence(pages, w);
        expect(first, `${item.id}: "${w}" is not in the corpus`).toBeDefined();
        expect(comparePositions(first!, item.position), `${item.id}: "${w}" first at ${at(first!)}, position ${at(item.position)}`).toBeGreaterThan(0);
      }
    }
  });

  it('has no unknown_name word in the text read so far', () => {
    for (const item of items.filter((i) => i.class === 'unknown_name')) {
      for (const w of item.words!) {
        const first = firstOccurrence(pages, w);
        if (first) expect(comparePositions(first, item.position), `${item.id}: "${w}" first at ${at(first)}`).toBeGreaterThan(0);
      }
    }
  });

  it('finds words the way the check needs (whole words, across line breaks, any case)', () => {
    expect(firstOccurrence(pages, 'Gurges Ater')).toEqual({ episode: 12, page: 4 });
    expect(firstOccurrence(pages, 'dragoncow')).toEqual({ episode: 3, page: 6 });
    // "Chaosah" sits inside "Chaosahn" on 12/4, but the whole word appears first on 8/5.
    expect(firstOccurrence(pages, 'Chaosah')).toEqual({ episode: 8, page: 5 });
    expect(firstOccurrence(pages, 'Wasabi')).toBeUndefined();
  });
});

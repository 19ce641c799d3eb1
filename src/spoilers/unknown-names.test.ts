import { describe, expect, it } from 'vitest';
import { index } from '../../test/spoilers/tiny-series.js';
import type { Position } from './position.js';
import { UnknownNameCheck } from './unknown-names.js';

const names = (at: Position | null, text: string, question?: string) => new UnknownNameCheck(index, at).find(text, { kind: 'generated', question }).map((h) => h.matched);

describe('UnknownNameCheck (names the reader has not met)', () => {
  it('applies to generated text only', () => {
    expect(new UnknownNameCheck(index, null).kinds).toEqual(['generated']);
  });

  it('a name-like word found nowhere in reached text is a hit, with its offsets', () => {
    expect(new UnknownNameCheck(index, { episode: 1, page: 2 }).find('Mira meets Zorblax.', { kind: 'generated' })).toEqual([
      { kind: 'unknown_name', matched: 'Zorblax', ref: 'zorblax', start: 11, end: 18 },
    ]);
    // Sentence-initial and not a dictionary word: a name too.
    expect(names({ episode: 1, page: 2 }, 'Zorblax waits.')).toEqual(['Zorblax']);
  });

  it("reached names, ordinary capitalised words and the reader's own words are not hits", () => {
    expect(names({ episode: 1, page: 2 }, 'Mira and Pip cross the river on Monday. Storms are scary. I think so.')).toEqual([]);
    expect(names({ episode: 1, page: 2 }, 'Mira meets Zorblax.', 'Who is Zorblax?')).toEqual([]);
    // Known from the series' title (the preface) at any position, even before the first page.
    expect(names(null, 'The Lantern Tales begin.')).toEqual([]);
  });

  it('a name read later is unknown until then', () => {
    expect(names({ episode: 1, page: 2 }, 'She sees Ironbeard.')).toEqual(['Ironbeard']);
    expect(names({ episode: 2, page: 1 }, 'She sees Ironbeard.')).toEqual([]);
  });

  it('a title of ordinary words is unknown as a whole until read, unless it ends in a name already read', () => {
    expect(names({ episode: 2, page: 2 }, 'Later she reads The Hollow Crown.')).toEqual(['Hollow Crown']);
    expect(names({ episode: 3, page: 0 }, 'Later she reads The Hollow Crown.')).toEqual([]);
    expect(names({ episode: 2, page: 2 }, 'They call her Captain Mira.')).toEqual([]);
  });
});

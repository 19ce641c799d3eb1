import { describe, expect, it } from 'vitest';
import type { RecapContext, RecapPage } from './queries.js';
import { candidateLines, extractiveRecap, keyLines, recapSources } from './sources.js';

const page = (episode: number, p: number, dialogue: string, kind = 'story'): RecapPage => ({ episode, page: p, kind, dialogue, description: null });

describe('candidateLines', () => {
  it('keeps lines that say something, drops sound effects, labels, end markers and footnotes', () => {
    expect(
      candidateLines(
        'SPLASH\nCAT FOOD\nI need a potion that makes me fly tonight.\n- FIN -\nTo be continued...\n* See Episode 4 : Stroke of Genius\nEpisode 6 : The Potion Contest',
      ),
    ).toEqual(['I need a potion that makes me fly tonight.']);
  });
});

describe('keyLines', () => {
  it('spreads picks over the pages in reading order, the longest line of each', () => {
    const pages = [1, 2, 3, 4, 5, 6].map((p) => page(1, p, `Short line number ${p} here.\nA much longer line on page ${p} that says what happens.`));
    const lines = keyLines(pages, 3);
    expect(lines.map((l) => l.page)).toEqual([1, 3, 5]);
    expect(lines[0]!.text).toBe('A much longer line on page 1 that says what happens.');
  });
  it('skips title and credits pages', () => {
    expect(keyLines([page(1, 0, 'Episode 1: A long enough title line', 'title'), page(1, 9, 'Thanks to all the patrons of this', 'credits')], 5)).toEqual([]);
  });
});

const ctx = (at: { episode: number; page: number } | null): RecapContext => ({
  seriesTitle: 'S',
  position: at,
  episodeEnd: 3,
  language: 'en',
  episodes: [
    { number: 1, title: 'One', summary: 'The first episode happened entirely.', lastPage: 3, finished: true },
    { number: 2, title: 'Two', summary: null, lastPage: 3, finished: false },
  ],
  pages: [page(1, 1, 'Line one of the first episode, long enough.'), page(2, 1, 'The current episode begins with this long line.')],
  names: { visible: [], unreached: [] },
});

describe('recapSources', () => {
  it('series: finished episodes by summary, the current one by its lines so far', () => {
    const s = recapSources(ctx({ episode: 2, page: 1 }), 'series');
    expect(s.map((x) => [x.kind, x.episode, x.page])).toEqual([
      ['summary', 1, 3],
      ['line', 2, 1],
    ]);
  });
  it('nothing before the first page', () => {
    expect(recapSources(ctx(null), 'series')).toEqual([]);
  });
});

describe('extractiveRecap', () => {
  it('labels every source with its page, withholds what clean() withholds', () => {
    const sources = recapSources(ctx({ episode: 2, page: 1 }), 'series');
    const text = extractiveRecap(sources, 'series', (t) => t.replace('entirely', 'ENTIRELY'));
    expect(text).toContain('The first episode happened ENTIRELY. [1/3]');
    expect(text).toContain('> “The current episode begins with this long line.” [2/1]');
    expect(text).toContain('**Episode 2: Two**');
    expect(extractiveRecap([], 'episode', (t) => t)).toMatch(/nothing to recap/);
  });
  it('drops a source whose every sentence was withheld', () => {
    const text = extractiveRecap(recapSources(ctx({ episode: 2, page: 1 }), 'series'), 'series', (t) => (t.includes('first') ? '…' : t));
    expect(text).not.toContain('[1/3]');
  });
});

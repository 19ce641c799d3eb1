import { describe, expect, it } from 'vitest';
import type { Citation } from '../../../src/contract/index.js';
import { citationTarget, linkCitationLabels, uniqueSources } from './citations';

const page = (episode: number, p: number, extra: Partial<Citation> = {}): Citation => ({
  id: `s/${episode}/${p}`,
  kind: 'page',
  episode,
  page: p,
  label: `${episode}/${p}`,
  title: `Episode ${episode}, page ${p}`,
  href: `/read/s/${episode}/${p}`,
  snippet: '…',
  cited: true,
  ...extra,
});
const wiki = (slug: string, title: string, episode: number, p: number): Citation => ({
  id: `s/wiki/${slug}#0`,
  kind: 'wiki',
  episode,
  page: p,
  label: `${episode}/${p}`,
  title,
  href: `/series/s/wiki/${slug}`,
  snippet: '…',
  cited: true,
});

describe('citationTarget: a citation is a link only at or before the known position', () => {
  it('links pages at or before the position, in this series', () => {
    expect(citationTarget(page(1, 3), 's', { episode: 1, page: 3 })?.href).toBe('/read/s/1/3');
    expect(citationTarget(page(1, 3), 's', { episode: 2, page: 0 })?.href).toBe('/read/s/1/3');
  });
  it('never links a page past the position, or when the position is unknown', () => {
    expect(citationTarget(page(1, 4), 's', { episode: 1, page: 3 })).toBeNull();
    expect(citationTarget(page(2, 1), 's', { episode: 1, page: 9 })).toBeNull();
    expect(citationTarget(page(1, 1), 's', null)).toBeNull();
  });
  it('refuses an href that does not match the cited page, another series, or another site', () => {
    expect(citationTarget(page(1, 1, { href: '/read/s/3/9' }), 's', { episode: 1, page: 5 })).toBeNull();
    expect(citationTarget(page(1, 1, { href: '/read/other/1/1' }), 's', { episode: 1, page: 5 })).toBeNull();
    expect(citationTarget(page(1, 1, { href: 'https://evil.example/read/s/1/1' }), 's', { episode: 1, page: 5 })).toBeNull();
    expect(citationTarget(page(1, 1, { href: 'javascript:alert(1)' }), 's', { episode: 1, page: 5 })).toBeNull();
  });
  it('links a wiki section once its debut is reached', () => {
    expect(citationTarget(wiki('ada', 'Ada', 1, 1), 's', { episode: 1, page: 1 })?.href).toBe('/series/s/wiki/ada');
    expect(citationTarget(wiki('ada', 'Ada', 2, 1), 's', { episode: 1, page: 9 })).toBeNull();
  });
});

describe('linkCitationLabels', () => {
  it('turns [E/P] into links to the cited page, and leaves unknown labels alone', () => {
    expect(linkCitationLabels('Ada lights lamps [1/1]. Later [9/9].', [page(1, 1)])).toBe('Ada lights lamps [1/1](/read/s/1/1). Later [9/9].');
  });
  it('splits groups, keeps existing markdown links, and prefers the page over a wiki section with the same label', () => {
    expect(linkCitationLabels('See [1/1, 1/2] and [x](/read/s/1/1).', [wiki('ada', 'Ada', 1, 1), page(1, 1), page(1, 2)])).toBe(
      'See [1/1](/read/s/1/1) [1/2](/read/s/1/2) and [x](/read/s/1/1).',
    );
  });
  it('a quoted wiki line links to its article ("— Wiki: Title [E/P]")', () => {
    const text = '> A line\n— Wiki: Ada Quill [1/1]\n\n> Another\n— Episode 1, page 1 [1/1]';
    expect(linkCitationLabels(text, [page(1, 1), wiki('ada', 'Ada Quill', 1, 1)])).toBe(
      '> A line\n— Wiki: Ada Quill [1/1](/series/s/wiki/ada)\n\n> Another\n— Episode 1, page 1 [1/1](/read/s/1/1)',
    );
  });
  it('labels without a citation in a group stay escaped text', () => {
    expect(linkCitationLabels('[1/1; 7/7]', [page(1, 1)])).toBe('[1/1](/read/s/1/1) \\[7/7\\]');
  });
});

describe('uniqueSources', () => {
  it('one entry per page', () => {
    expect(uniqueSources([page(1, 1), page(1, 1, { snippet: 'description' }), page(1, 2)]).map((c) => c.label)).toEqual(['1/1', '1/2']);
  });
});

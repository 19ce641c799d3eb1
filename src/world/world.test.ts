import { describe, expect, it } from 'vitest';
import { headingAnchor } from './wiki.js';
import { namedOn } from './world.js';

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

import { describe, expect, it } from 'vitest';
import { HL_START, HL_STOP } from './queries.js';
import { parseHeadline } from './search.js';

describe('parseHeadline', () => {
  it('turns ts_headline markers into plain text and ranges', () => {
    const h = `The ${HL_START}Potion${HL_STOP} ${HL_START}Contest${HL_STOP}! … a ${HL_START}potion${HL_STOP}`;
    const { snippet, highlights } = parseHeadline(h);
    expect(snippet).toBe('The Potion Contest! … a potion');
    expect(highlights.map(([a, b]) => snippet.slice(a, b))).toEqual(['Potion', 'Contest', 'potion']);
  });

  it('ignores unbalanced or empty markers', () => {
    expect(parseHeadline(`a${HL_STOP}b${HL_START}${HL_STOP}c${HL_START}d`)).toEqual({ snippet: 'abcd', highlights: [] });
  });
});

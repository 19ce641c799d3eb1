import { describe, expect, it } from 'vitest';
import { highlightPieces } from './highlight';

describe('highlightPieces', () => {
  it('cuts the snippet at the highlight offsets', () => {
    expect(
      highlightPieces('the potion contest opens', [
        [4, 10],
        [11, 18],
      ]),
    ).toEqual([
      { text: 'the ', mark: false },
      { text: 'potion', mark: true },
      { text: ' ', mark: false },
      { text: 'contest', mark: true },
      { text: ' opens', mark: false },
    ]);
  });
  it('keeps markup-looking text as text (nothing is parsed as HTML)', () => {
    const pieces = highlightPieces('<img src=x onerror=alert(1)> lamp', [[29, 33]]);
    expect(pieces.map((p) => p.text).join('')).toBe('<img src=x onerror=alert(1)> lamp');
    expect(pieces.at(-1)).toEqual({ text: 'lamp', mark: true });
  });
  it('clamps, merges and drops bad ranges', () => {
    expect(
      highlightPieces('abcdef', [
        [4, 99],
        [-3, 2],
        [1, 3],
        [5, 5],
        [3, 1],
      ]),
    ).toEqual([
      { text: 'abc', mark: true },
      { text: 'd', mark: false },
      { text: 'ef', mark: true },
    ]);
    expect(highlightPieces('abc', [])).toEqual([{ text: 'abc', mark: false }]);
    expect(highlightPieces('', [[0, 2]])).toEqual([]);
  });
});

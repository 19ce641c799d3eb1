import { describe, expect, it } from 'vitest';
import { bookLayout, FILLER, furthestPage, resolvePageIndex, spreadIndexOfPage, spreadPages, stepSpread } from './book-layout';

const allSpreads = (count: number, dir: 'ltr' | 'rtl', mode: 'single' | 'spread') => {
  const l = bookLayout(count, dir, mode);
  return l.spreads.map((_, i) => spreadPages(l, i));
};

/** Spreads in reading order (what a reader sees flipping forward from the start). */
const readingSpreads = (count: number, dir: 'ltr' | 'rtl', mode: 'single' | 'spread') => {
  const l = bookLayout(count, dir, mode);
  const out: number[][] = [];
  for (let s: number | null = spreadIndexOfPage(l, 0); s !== null; s = stepSpread(l, s, 1)) out.push(spreadPages(l, s));
  return out;
};

describe('bookLayout', () => {
  it('single: one page per spread, in both directions', () => {
    expect(allSpreads(3, 'ltr', 'single')).toEqual([[0], [1], [2]]);
    expect(readingSpreads(3, 'rtl', 'single')).toEqual([[0], [1], [2]]);
    expect(bookLayout(3, 'rtl', 'single').order).toEqual([2, 1, 0]);
  });

  it('ltr spread: the first page alone, then pairs, a trailing odd page alone', () => {
    expect(readingSpreads(5, 'ltr', 'spread')).toEqual([[0], [1, 2], [3, 4]]);
    expect(readingSpreads(6, 'ltr', 'spread')).toEqual([[0], [1, 2], [3, 4], [5]]);
    expect(bookLayout(6, 'ltr', 'spread').showCover).toBe(true);
  });

  it('rtl spread: the same pairs as ltr, mirrored, padded to an odd array', () => {
    expect(readingSpreads(5, 'rtl', 'spread')).toEqual([[0], [1, 2], [3, 4]]);
    expect(readingSpreads(6, 'rtl', 'spread')).toEqual([[0], [1, 2], [3, 4], [5]]);
    const even = bookLayout(6, 'rtl', 'spread');
    expect(even.order).toEqual([FILLER, 5, 4, 3, 2, 1, 0]);
    // Page 1 is on the right of page 2 (array order is left to right).
    expect(even.spreads[2]!.map((a) => even.order[a])).toEqual([2, 1]);
    expect(bookLayout(5, 'rtl', 'spread').order).toEqual([4, 3, 2, 1, 0]);
  });

  it('stepSpread stops at both ends', () => {
    const l = bookLayout(4, 'ltr', 'spread');
    expect(stepSpread(l, 0, -1)).toBeNull();
    expect(stepSpread(l, l.spreads.length - 1, 1)).toBeNull();
    const r = bookLayout(4, 'rtl', 'spread');
    expect(stepSpread(r, spreadIndexOfPage(r, 0), -1)).toBeNull();
    expect(stepSpread(r, spreadIndexOfPage(r, 3), 1)).toBeNull();
  });

  it('a single page episode is one spread', () => {
    expect(readingSpreads(1, 'ltr', 'spread')).toEqual([[0]]);
    expect(readingSpreads(1, 'rtl', 'spread')).toEqual([[0]]);
  });

  it('furthestPage is the rightmost page in reading order', () => {
    expect(furthestPage([3, 4])).toBe(4);
    expect(furthestPage([0])).toBe(0);
  });

  it('resolvePageIndex: the page, else the one before, else the first', () => {
    const numbers = [0, 1, 2, 3, 4, 6, 7, 8]; // Pepper&Carrot episode 4 has no page 5
    expect(resolvePageIndex(numbers, 3)).toBe(3);
    expect(resolvePageIndex(numbers, 5)).toBe(4);
    expect(resolvePageIndex(numbers, 9_999_999)).toBe(7);
    expect(resolvePageIndex([1, 2, 3], 0)).toBe(0);
  });
});

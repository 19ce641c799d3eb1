import { describe, expect, it } from 'vitest';
import { comparePositions, formatPosition, isVisible, type Position } from './position.js';

const pos = (episode: number, page: number): Position => ({ episode, page });

describe('comparePositions', () => {
  it('orders by episode first, then by page', () => {
    expect(Math.sign(comparePositions(pos(2, 9), pos(3, 2)))).toBe(-1);
    expect(Math.sign(comparePositions(pos(3, 2), pos(2, 9)))).toBe(1);
    expect(Math.sign(comparePositions(pos(3, 1), pos(3, 2)))).toBe(-1);
    expect(Math.sign(comparePositions(pos(3, 3), pos(3, 2)))).toBe(1);
    expect(comparePositions(pos(3, 2), pos(3, 2))).toBe(0);
  });

  it('a late page of an earlier episode sorts before page 0 of a later one', () => {
    expect(comparePositions(pos(1, 1000), pos(2, 0))).toBeLessThan(0);
  });

  it('sorts a list lexicographically', () => {
    const list = [pos(3, 0), pos(1, 9), pos(2, 1), pos(1, 0), pos(3, 2), pos(2, 10)];
    expect([...list].sort(comparePositions).map(formatPosition)).toEqual(['1/0', '1/9', '2/1', '2/10', '3/0', '3/2']);
  });
});

describe('isVisible', () => {
  const boundary = pos(3, 2);

  it('late pages of a finished episode are visible (the naive page <= P check hides them)', () => {
    expect(isVisible(pos(2, 9), boundary)).toBe(true);
    expect(isVisible(pos(1, 50), boundary)).toBe(true);
  });

  it('the next page is not visible', () => {
    expect(isVisible(pos(3, 3), boundary)).toBe(false);
  });

  it('the boundary page itself is visible (inclusive)', () => {
    expect(isVisible(pos(3, 2), boundary)).toBe(true);
  });

  it('earlier pages of the current episode are visible', () => {
    expect(isVisible(pos(3, 1), boundary)).toBe(true);
  });

  it('nothing of a later episode is visible, not even its title page', () => {
    expect(isVisible(pos(4, 0), boundary)).toBe(false);
    expect(isVisible(pos(4, 1), boundary)).toBe(false);
  });

  it('page 0 (title pages)', () => {
    expect(isVisible(pos(3, 0), pos(3, 0))).toBe(true);
    expect(isVisible(pos(3, 1), pos(3, 0))).toBe(false);
    expect(isVisible(pos(2, 7), pos(3, 0))).toBe(true);
    expect(isVisible(pos(3, 0), boundary)).toBe(true);
    expect(isVisible(pos(1, 0), pos(0, 0))).toBe(false);
    expect(isVisible(pos(0, 0), pos(0, 0))).toBe(true);
  });

  it('a null boundary (no progress) shows nothing, not even the very first page', () => {
    expect(isVisible(pos(0, 0), null)).toBe(false);
    expect(isVisible(pos(1, 0), null)).toBe(false);
    expect(isVisible(pos(1, 1), null)).toBe(false);
  });

  it('property: isVisible equals lexicographic order; the naive check differs on some cases', () => {
    // Deterministic PRNG (mulberry32) so a failure is reproducible.
    let seed = 0x5eed;
    const rand = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n;
    };
    const randomPos = (): Position => pos(Math.floor(rand(6)), Math.floor(rand(12)));
    const naive = (at: Position, b: Position): boolean => at.episode <= b.episode && at.page <= b.page;
    let naiveDiffers = 0;
    let visible = 0;
    let hidden = 0;
    for (let i = 0; i < 5000; i++) {
      const at = randomPos();
      const b = randomPos();
      const lexicographic = at.episode < b.episode || (at.episode === b.episode && at.page <= b.page);
      expect(isVisible(at, b), `${formatPosition(at)} at boundary ${formatPosition(b)}`).toBe(lexicographic);
      if (lexicographic) visible++;
      else hidden++;
      if (naive(at, b) !== lexicographic) {
        naiveDiffers++;
        // The naive check only ever errs on the side of hiding earlier-episode pages.
        expect(lexicographic).toBe(true);
        expect(at.episode).toBeLessThan(b.episode);
        expect(at.page).toBeGreaterThan(b.page);
      }
    }
    expect(visible).toBeGreaterThan(1000);
    expect(hidden).toBeGreaterThan(1000);
    expect(naiveDiffers).toBeGreaterThan(0);
  });
});

describe('formatPosition', () => {
  it('formats as episode/page', () => {
    expect(formatPosition(pos(6, 4))).toBe('6/4');
    expect(formatPosition(pos(23, 0))).toBe('23/0');
  });
});

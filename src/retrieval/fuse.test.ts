import { describe, expect, it } from 'vitest';
import { fuseRanks } from './fuse.js';

describe('fuseRanks', () => {
  it('ranks items found by both lists above items found by one', () => {
    const fused = fuseRanks(
      [
        ['a', 'b', 'c'],
        ['c', 'd'],
      ],
      (x) => x,
    ).map((f) => f.item);
    expect(fused[0]).toBe('c');
    expect(fused).toEqual(['c', 'a', 'b', 'd']);
  });
  it('with one list keeps its order', () => {
    expect(fuseRanks([[3, 1, 2]], (x) => x).map((f) => f.item)).toEqual([3, 1, 2]);
  });
  it('scores are 1/(k+rank)', () => {
    const [only] = fuseRanks([['x']], (x) => x, 10);
    expect(only!.score).toBeCloseTo(1 / 11);
  });
});

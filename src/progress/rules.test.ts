import { describe, expect, it } from 'vitest';
import type { Position } from '../spoilers/index.js';
import { decideAdvance, episodeState, nextUnreadEpisode } from './rules.js';

const pos = (episode: number, page: number): Position => ({ episode, page });
const EPISODES = [1, 2, 3, 4, 5];

const decide = (current: Position | null, target: Position, confirmSkip = false, episodeNumbers: readonly number[] = EPISODES) =>
  decideAdvance({ current, target, episodeNumbers, confirmSkip });

describe('nextUnreadEpisode', () => {
  it('is the first episode when nothing is read', () => {
    expect(nextUnreadEpisode(null, [1, 2, 3])).toBe(1);
  });

  it('sorts the episode numbers (the input may be in any order)', () => {
    expect(nextUnreadEpisode(null, [7, 5, 2, 1])).toBe(1);
    expect(nextUnreadEpisode(pos(2, 3), [7, 5, 2, 1])).toBe(5);
  });

  it('does not mutate its input', () => {
    const numbers = [3, 1, 2];
    nextUnreadEpisode(null, numbers);
    expect(numbers).toEqual([3, 1, 2]);
  });

  it('is the first episode after the current one, whatever page the reader is on', () => {
    expect(nextUnreadEpisode(pos(2, 0), EPISODES)).toBe(3);
    expect(nextUnreadEpisode(pos(2, 99), EPISODES)).toBe(3);
  });

  it('skips gaps in the numbering', () => {
    expect(nextUnreadEpisode(pos(2, 1), [1, 2, 5, 7])).toBe(5);
    expect(nextUnreadEpisode(pos(5, 1), [1, 2, 5, 7])).toBe(7);
  });

  it('is null after the last episode and for an empty series', () => {
    expect(nextUnreadEpisode(pos(7, 3), [1, 2, 5, 7])).toBeNull();
    expect(nextUnreadEpisode(null, [])).toBeNull();
  });
});

describe('decideAdvance', () => {
  describe('forward only', () => {
    it('an earlier page of the same episode is a noop', () => {
      expect(decide(pos(3, 5), pos(3, 4))).toEqual({ kind: 'noop' });
    });

    it('an earlier episode is a noop, even at a later page number', () => {
      expect(decide(pos(3, 5), pos(2, 9))).toEqual({ kind: 'noop' });
      expect(decide(pos(3, 5), pos(1, 0))).toEqual({ kind: 'noop' });
    });

    it('the same position is a noop', () => {
      expect(decide(pos(3, 5), pos(3, 5))).toEqual({ kind: 'noop' });
    });

    it('going back is a noop even with confirmSkip', () => {
      expect(decide(pos(3, 5), pos(2, 1), true)).toEqual({ kind: 'noop' });
      expect(decide(pos(3, 5), pos(3, 5), true)).toEqual({ kind: 'noop' });
    });
  });

  describe('reading forward', () => {
    it('any later page of the current episode advances (including jumping ahead within it)', () => {
      expect(decide(pos(3, 5), pos(3, 6))).toEqual({ kind: 'advance' });
      expect(decide(pos(3, 0), pos(3, 40))).toEqual({ kind: 'advance' });
    });

    it('moving into the next episode advances, at any page', () => {
      expect(decide(pos(3, 9), pos(4, 0))).toEqual({ kind: 'advance' });
      expect(decide(pos(3, 9), pos(4, 1))).toEqual({ kind: 'advance' });
      expect(decide(pos(3, 2), pos(4, 7))).toEqual({ kind: 'advance' });
    });

    it('going beyond the next episode asks: skip_ahead names the next unread episode', () => {
      expect(decide(pos(3, 9), pos(5, 0))).toEqual({ kind: 'skip_ahead', nextUnreadEpisode: 4 });
      expect(decide(pos(1, 2), pos(5, 3))).toEqual({ kind: 'skip_ahead', nextUnreadEpisode: 2 });
    });

    it('confirmSkip allows the jump', () => {
      expect(decide(pos(3, 9), pos(5, 0), true)).toEqual({ kind: 'advance' });
      expect(decide(null, pos(5, 3), true)).toEqual({ kind: 'advance' });
    });
  });

  describe('no progress yet', () => {
    it('only the first episode is allowed without confirmation', () => {
      expect(decide(null, pos(1, 0))).toEqual({ kind: 'advance' });
      expect(decide(null, pos(1, 6))).toEqual({ kind: 'advance' });
      expect(decide(null, pos(2, 0))).toEqual({ kind: 'skip_ahead', nextUnreadEpisode: 1 });
      expect(decide(null, pos(5, 1))).toEqual({ kind: 'skip_ahead', nextUnreadEpisode: 1 });
    });

    it('the first episode is the lowest number, not necessarily 1', () => {
      expect(decide(null, pos(3, 0), false, [5, 3, 4])).toEqual({ kind: 'advance' });
      expect(decide(null, pos(4, 0), false, [5, 3, 4])).toEqual({ kind: 'skip_ahead', nextUnreadEpisode: 3 });
    });
  });

  describe('non-contiguous episode numbers [1, 2, 5, 7]', () => {
    const gaps = [1, 2, 5, 7];

    it('episode 5 is the next one after 2', () => {
      expect(decide(pos(2, 8), pos(5, 0), false, gaps)).toEqual({ kind: 'advance' });
    });

    it('episode 7 from episode 2 skips 5', () => {
      expect(decide(pos(2, 8), pos(7, 0), false, gaps)).toEqual({ kind: 'skip_ahead', nextUnreadEpisode: 5 });
      expect(decide(pos(2, 8), pos(7, 0), true, gaps)).toEqual({ kind: 'advance' });
    });

    it('episode 7 from episode 5 is the next one', () => {
      expect(decide(pos(5, 3), pos(7, 1), false, gaps)).toEqual({ kind: 'advance' });
    });

    it('within the last episode still advances', () => {
      expect(decide(pos(7, 1), pos(7, 2), false, gaps)).toEqual({ kind: 'advance' });
    });
  });
});

describe('episodeState', () => {
  const ep = (number: number, end: number) => ({ number, end });

  it('with no progress: the first episode is next, the others unread', () => {
    const next = nextUnreadEpisode(null, EPISODES);
    expect(episodeState(ep(1, 8), null, next)).toBe('next');
    expect(episodeState(ep(2, 8), null, next)).toBe('unread');
    expect(episodeState(ep(5, 8), null, next)).toBe('unread');
  });

  it('earlier episodes are read, the current is current, the following is next, later are unread', () => {
    const current = pos(3, 4);
    const next = nextUnreadEpisode(current, EPISODES);
    expect(next).toBe(4);
    expect([1, 2, 3, 4, 5].map((n) => episodeState(ep(n, 8), current, next))).toEqual(['read', 'read', 'current', 'next', 'unread']);
  });

  it('the current episode at its last page counts as read', () => {
    const current = pos(3, 8);
    const next = nextUnreadEpisode(current, EPISODES);
    expect(episodeState(ep(3, 8), current, next)).toBe('read');
    expect(episodeState(ep(4, 8), current, next)).toBe('next');
  });

  it('the current episode one page before its last is still current', () => {
    expect(episodeState(ep(3, 8), pos(3, 7), 4)).toBe('current');
  });

  it('page 0 of the current episode is current', () => {
    expect(episodeState(ep(3, 8), pos(3, 0), 4)).toBe('current');
  });

  it('an earlier episode is read regardless of its last page number', () => {
    expect(episodeState(ep(2, 1000), pos(3, 0), 4)).toBe('read');
  });

  it('non-contiguous numbers: the next after 2 is 5, 7 is unread', () => {
    const gaps = [1, 2, 5, 7];
    const current = pos(2, 3);
    const next = nextUnreadEpisode(current, gaps);
    expect(gaps.map((n) => episodeState(ep(n, 6), current, next))).toEqual(['read', 'current', 'next', 'unread']);
  });

  it('after finishing the last episode everything is read and nothing is next', () => {
    const current = pos(7, 6);
    const next = nextUnreadEpisode(current, [1, 2, 5, 7]);
    expect(next).toBeNull();
    expect([1, 2, 5, 7].map((n) => episodeState(ep(n, 6), current, next))).toEqual(['read', 'read', 'read', 'read']);
  });
});

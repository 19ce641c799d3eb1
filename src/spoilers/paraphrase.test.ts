import { describe, expect, it } from 'vitest';
import { index, profile } from '../../test/spoilers/tiny-series.js';
import {
  isParaphrase,
  needsVectors,
  overlapScore,
  PARAPHRASE,
  ParaphraseCheck,
  ParaphraseData,
  type PositionedVector,
  paraphraseScore,
  withoutReferences,
  wordScore,
} from './paraphrase.js';
import type { Position } from './position.js';

const words = new ParaphraseData(profile.units, null);
const judge = (at: Position | null, sentence: string, data = words, embed: ((t: string) => Promise<number[] | null>) | null = null) =>
  new ParaphraseCheck(async () => data, index, at, embed).judge(sentence, { kind: 'generated' });

const WIN = 'In the end Mira wins the race and the whole town cheers.';

describe('ParaphraseCheck (later events in other words)', () => {
  it('withholds a sentence that restates unreached text, and names where that text is', async () => {
    expect(await judge({ episode: 2, page: 1 }, WIN)).toEqual({ kind: 'paraphrase', matched: WIN, ref: '2/2', start: 0, end: WIN.length });
  });

  it('keeps the same sentence once it is reached, restatements of reached text, small talk, and non-generated text', async () => {
    expect(await judge({ episode: 2, page: 2 }, WIN)).toBeNull();
    expect(await judge({ episode: 2, page: 1 }, 'Mira walks to the old mill and hides under the bridge.')).toBeNull();
    expect(await judge({ episode: 2, page: 1 }, 'Great question!')).toBeNull();
    expect(await new ParaphraseCheck(async () => words, index, { episode: 2, page: 1 }, null).judge(WIN, { kind: 'lore' })).toBeNull();
  });

  it('"next" (not "next to") tells of a later event', () => {
    const at = { episode: 2, page: 1 };
    expect(overlapScore(words, index, at, 'At the next race the whole town cheers.').later).toBe(true);
    expect(overlapScore(words, index, at, 'Her next trip is to the mill.').later).toBe(true);
    expect(overlapScore(words, index, at, 'Pip sits next to the river.').later).toBe(false);
  });

  it('scores by passage: reached overlap pulls the score down, unreached words and "later" push it up', () => {
    const at = { episode: 2, page: 1 };
    const win = overlapScore(words, index, at, WIN);
    expect(win).toMatchObject({ unreached: 1, later: true, closest: { episode: 2, page: 2 } });
    expect(win.novel).toBeGreaterThan(0.5);
    const mill = overlapScore(words, index, at, 'Mira walks to the old mill.');
    expect(mill.reached).toBe(1);
    expect(wordScore(win)).toBeGreaterThan(PARAPHRASE.threshold);
    expect(wordScore(mill)).toBeLessThan(PARAPHRASE.threshold - PARAPHRASE.vectorBand);
  });

  it('just below the threshold the vectors decide; elsewhere the sentence is not embedded', async () => {
    const s = { unreached: 0.3, near: 0.3, reached: 0.22, novel: 0.1, later: false, vecUnreached: null, vecReached: null, closest: null, weight: 10, words: 3 };
    expect(wordScore(s)).toBeLessThan(PARAPHRASE.threshold);
    expect(needsVectors(s)).toBe(true);
    expect(isParaphrase(s)).toBe(false);
    expect(isParaphrase({ ...s, vecUnreached: 0.7, vecReached: 0.5 })).toBe(true);
    expect(isParaphrase({ ...s, vecUnreached: 0.5, vecReached: 0.7 })).toBe(false);

    // Through the check: chunk vectors at a reached and an unreached page, and a sentence vector near one of them.
    const vectors: PositionedVector[] = [
      { episode: 1, page: 1, vector: Float32Array.from([1, 0]) },
      { episode: 2, page: 2, vector: Float32Array.from([0, 1]) },
    ];
    const data = new ParaphraseData(profile.units, vectors);
    const embedded: string[] = [];
    const embed = (v: number[]) => async (t: string) => {
      embedded.push(t);
      return v;
    };
    // Clear cases are decided by words alone, never embedded.
    expect(await judge({ episode: 2, page: 1 }, WIN, data, embed([1, 0]))).not.toBeNull();
    expect(await judge({ episode: 2, page: 1 }, 'Mira walks to the old mill.', data, embed([0, 1]))).toBeNull();
    expect(embedded).toEqual([]);
  });
});

describe('paraphraseScore (the raw score bench/guard.ts draws its curve from)', () => {
  const check = (at: Position) => new ParaphraseCheck(async () => words, index, at, null);

  it('is the number the check compares with its threshold: withheld exactly when it is at or above it', async () => {
    const at = { episode: 2, page: 1 };
    const win = await paraphraseScore([check(at)], WIN);
    expect(win).toBeGreaterThanOrEqual(PARAPHRASE.threshold);
    expect(await judge(at, WIN)).not.toBeNull();
    const mill = await paraphraseScore([check(at)], 'Mira walks to the old mill.');
    expect(mill).toBeLessThan(PARAPHRASE.threshold);
    // The reader's position moves the score: once the race is reached, the same sentence scores lower.
    expect(await paraphraseScore([check({ episode: 2, page: 2 })], WIN)).toBeLessThan(win!);
  });

  it('scores small talk -Infinity (never withheld) and is null without a paraphrase check', async () => {
    expect(await paraphraseScore([check({ episode: 2, page: 1 })], 'Great question!')).toBe(-Infinity);
    expect(await paraphraseScore([], WIN)).toBeNull();
  });
});

describe('withoutReferences', () => {
  it('leaves citations and episode references out of what the sentence tells', () => {
    expect(withoutReferences('— Episode 1, page 3 [1/3]').replace(/\s+/g, ' ').trim()).not.toMatch(/1|3|episode/i);
    expect(withoutReferences('As seen in Episode 1 [1/3], Tobin mends lamps.')).toContain('Tobin mends lamps.');
    expect(withoutReferences('Tobin mends lamps.')).toBe('Tobin mends lamps.');
  });
});

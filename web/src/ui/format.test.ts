import { expect, it } from 'vitest';
import { formatProgress, readerPath, skipQuestion } from './format';

it('progress reads as a sentence', () => {
  expect(formatProgress({ episode: 4, page: 3 }, 23)).toBe('Episode 4 of 23, page 3');
  expect(formatProgress(null, 23)).toBe('Not started');
});

it('the skip-ahead question names the episodes before the target', () => {
  expect(skipQuestion([1, 2, 3, 4], 4)).toBe('Have you read episodes 1–3?');
  expect(skipQuestion([1, 2, 3], 2)).toBe('Have you read episode 1?');
  expect(skipQuestion([0, 1, 2, 5, 9], 9)).toBe('Have you read episodes 0–5?');
});

it('reader paths', () => {
  expect(readerPath('pepper-carrot', { episode: 3, page: 0 })).toBe('/read/pepper-carrot/3/0');
});

import { describe, expect, it } from 'vitest';
import { afterFailure, isFinished, retryDelayMs } from './rules.js';

describe('retryDelayMs', () => {
  const mid = () => 0.5; // no jitter
  it('doubles from the base and is capped', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, { baseMs: 1000, random: mid }))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(30, { baseMs: 1000, maxMs: 60_000, random: mid })).toBe(60_000);
  });
  it('jitters within ±20 %', () => {
    expect(retryDelayMs(1, { baseMs: 1000, random: () => 0 })).toBe(800);
    expect(retryDelayMs(1, { baseMs: 1000, random: () => 0.999999 })).toBe(1200);
  });
});

describe('afterFailure', () => {
  it('retries transient failures until the attempts are used up', () => {
    expect(afterFailure({ attempts: 1, maxAttempts: 3 }, false)).toBe('retry');
    expect(afterFailure({ attempts: 3, maxAttempts: 3 }, false)).toBe('fail');
  });
  it('never retries a permanent failure (a broken pack)', () => {
    expect(afterFailure({ attempts: 1, maxAttempts: 3 }, true)).toBe('fail');
  });
});

it('isFinished', () => {
  expect(['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => isFinished(s as never))).toEqual([false, false, true, true, true]);
});

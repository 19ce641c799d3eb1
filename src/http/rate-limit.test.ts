import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.js';

describe('RateLimiter', () => {
  it('allows a burst of perMinute, then tells how long to wait', () => {
    let now = 0;
    const r = new RateLimiter(3, () => now);
    expect([r.take('a'), r.take('a'), r.take('a')].every((x) => x.ok)).toBe(true);
    expect(r.take('a')).toEqual({ ok: false, retryAfterS: 20 });
    now = 20_000;
    expect(r.take('a').ok).toBe(true);
    expect(r.take('a').ok).toBe(false);
  });

  it('keeps keys apart', () => {
    const r = new RateLimiter(1, () => 0);
    expect(r.take('a').ok).toBe(true);
    expect(r.take('b').ok).toBe(true);
    expect(r.take('a').ok).toBe(false);
  });

  it('0 means no limit', () => {
    const r = new RateLimiter(0);
    for (let i = 0; i < 100; i++) expect(r.take('a').ok).toBe(true);
  });

  it('forgets refilled buckets when it holds too many keys', () => {
    let now = 0;
    const r = new RateLimiter(60, () => now, 10);
    for (let i = 0; i < 10; i++) r.take(`k${i}`);
    now = 60_000;
    r.take('new');
    expect(r.size).toBe(1);
  });
});

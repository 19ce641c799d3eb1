import { describe, expect, it } from 'vitest';
import { MemoryBuckets, retryAfterS } from './buckets.js';

describe('MemoryBuckets', () => {
  it('allows a burst of perMinute, then tells how long to wait', () => {
    let now = 0;
    const r = new MemoryBuckets(() => now);
    expect([r.takeNow('a', 3), r.takeNow('a', 3), r.takeNow('a', 3)].every((x) => x.ok)).toBe(true);
    expect(r.takeNow('a', 3)).toEqual({ ok: false, retryAfterS: 20 });
    now = 20_000;
    expect(r.takeNow('a', 3).ok).toBe(true);
    expect(r.takeNow('a', 3).ok).toBe(false);
  });

  it('keeps keys apart', () => {
    const r = new MemoryBuckets(() => 0);
    expect(r.takeNow('a', 1).ok).toBe(true);
    expect(r.takeNow('b', 1).ok).toBe(true);
    expect(r.takeNow('a', 1).ok).toBe(false);
  });

  it('0 means no limit', async () => {
    const r = new MemoryBuckets();
    for (let i = 0; i < 100; i++) expect((await r.take('a', 0)).ok).toBe(true);
  });

  it('forgets refilled buckets when it holds too many keys', () => {
    let now = 0;
    const r = new MemoryBuckets(() => now, 10);
    for (let i = 0; i < 10; i++) r.takeNow(`k${i}`, 60);
    now = 60_000;
    r.takeNow('new', 60);
    expect(r.size).toBe(1);
  });
});

describe('retryAfterS', () => {
  it('is the whole seconds until one token is back, at least 1', () => {
    expect(retryAfterS(0, 3)).toBe(20);
    expect(retryAfterS(0.5, 3)).toBe(10);
    expect(retryAfterS(0.999, 600)).toBe(1);
  });
});

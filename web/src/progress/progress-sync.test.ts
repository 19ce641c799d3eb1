import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Position } from '../../../src/contract/index.js';
import { ProgressSync } from './progress-sync';

/** A recording stand-in for the HTTP write (the real one is exercised by the browser tests). */
function recorder(opts: { fail?: number } = {}) {
  const calls: Array<{ seriesId: string; at: Position }> = [];
  let failures = opts.fail ?? 0;
  const post = vi.fn(async (seriesId: string, at: Position) => {
    await new Promise((r) => setTimeout(r, 10));
    calls.push({ seriesId, at });
    if (failures-- > 0) throw new Error('network');
    return { ...at, advanced: true };
  });
  return { calls, post };
}

describe('ProgressSync', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('the first page is written at once; then many flips are one write of the furthest page', async () => {
    const r = recorder();
    const sync = new ProgressSync(r.post, 500);
    sync.report('s', { episode: 1, page: 0 });
    await vi.advanceTimersByTimeAsync(20);
    expect(r.calls).toEqual([{ seriesId: 's', at: { episode: 1, page: 0 } }]);
    sync.report('s', { episode: 1, page: 1 });
    sync.report('s', { episode: 1, page: 3 });
    sync.report('s', { episode: 1, page: 2 });
    await vi.advanceTimersByTimeAsync(499);
    expect(r.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(20);
    expect(r.calls).toEqual([
      { seriesId: 's', at: { episode: 1, page: 0 } },
      { seriesId: 's', at: { episode: 1, page: 3 } },
    ]);
  });

  it('flush writes at once and resolves after the server has it', async () => {
    const r = recorder();
    const sync = new ProgressSync(r.post, 10_000);
    sync.report('s', { episode: 2, page: 0 });
    const done = sync.flush('s');
    await vi.advanceTimersByTimeAsync(10);
    await done;
    expect(r.calls).toEqual([{ seriesId: 's', at: { episode: 2, page: 0 } }]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(r.calls).toHaveLength(1);
  });

  it('flush waits for a write in flight and then sends what came after it', async () => {
    const r = recorder();
    const sync = new ProgressSync(r.post, 0);
    sync.report('s', { episode: 1, page: 1 });
    await vi.advanceTimersByTimeAsync(1); // first write in flight
    sync.report('s', { episode: 1, page: 2 });
    const done = sync.flush('s');
    await vi.advanceTimersByTimeAsync(50);
    await done;
    expect(r.calls.map((c) => c.at.page)).toEqual([1, 2]);
  });

  it('a failed write rejects flush, keeps the position and retries', async () => {
    const r = recorder({ fail: 1 });
    const errors: unknown[] = [];
    const sync = new ProgressSync(r.post, 10_000, 100);
    sync.onError((_, e) => errors.push(e));
    sync.report('s', { episode: 1, page: 4 });
    const done = sync.flush('s');
    const settled = done.then(
      () => 'resolved',
      () => 'rejected',
    );
    await vi.advanceTimersByTimeAsync(10);
    expect(await settled).toBe('rejected');
    expect(errors).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(r.calls.map((c) => c.at.page)).toEqual([4, 4]);
  });

  it('a write refused for good (4xx) is dropped, not retried', async () => {
    const r = recorder({ fail: 1 });
    const sync = new ProgressSync(r.post, 10_000, 100, () => true);
    sync.report('s', { episode: 9, page: 0 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(r.calls).toHaveLength(1);
    await expect(sync.flush('s')).resolves.toBeUndefined();
  });

  it('cancel drops an unsent position (a reset must not be undone by it)', async () => {
    const r = recorder();
    const sync = new ProgressSync(r.post, 100);
    sync.report('s', { episode: 3, page: 0 });
    await vi.advanceTimersByTimeAsync(20);
    sync.report('s', { episode: 3, page: 1 });
    sync.cancel('s');
    await vi.advanceTimersByTimeAsync(500);
    await sync.flush('s');
    expect(r.calls.map((c) => c.at.page)).toEqual([0]);
  });

  it('series are independent', async () => {
    const r = recorder();
    const sync = new ProgressSync(r.post, 100);
    sync.report('a', { episode: 1, page: 1 });
    sync.report('b', { episode: 5, page: 0 });
    await vi.advanceTimersByTimeAsync(200);
    expect(r.calls).toEqual(
      expect.arrayContaining([
        { seriesId: 'a', at: { episode: 1, page: 1 } },
        { seriesId: 'b', at: { episode: 5, page: 0 } },
      ]),
    );
  });
});

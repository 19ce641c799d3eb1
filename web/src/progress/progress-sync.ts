/**
 * Writes reading progress to the API: the furthest displayed page, debounced
 * (flipping through ten pages is one request, not ten), never backwards
 * (the server ignores lower positions anyway), and flushable on demand:
 * `flushProgress()` resolves once every position reported so far is stored,
 * so a question sent right after a flip is bounded by the new page.
 */
import type { Position, ProgressResult } from '../../../src/contract/index.js';

export type PostProgress = (seriesId: string, at: Position, opts: { keepalive: boolean }) => Promise<ProgressResult>;

const cmp = (a: Position, b: Position) => (a.episode !== b.episode ? a.episode - b.episode : a.page - b.page);

export class ProgressSync {
  private readonly pending = new Map<string, Position>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly started = new Set<string>();
  private readonly listeners = new Set<(seriesId: string, at: ProgressResult) => void>();
  private readonly errorListeners = new Set<(seriesId: string, err: unknown) => void>();

  constructor(
    private readonly post: PostProgress,
    private readonly delayMs = 500,
    private readonly retryMs = 3000,
    /** A write the server refused for good (e.g. 409 skip-ahead after a reset elsewhere): dropped, not retried. */
    private readonly isPermanent: (err: unknown) => boolean = () => false,
  ) {}

  /**
   * A page was displayed. Only the furthest one per series is kept. The first
   * report of a series in this page's life is sent at once: a new visitor's
   * first write also creates their reader (401, then POST /api/readers), which
   * must not wait for a debounce that a quickly closed tab never reaches.
   */
  report(seriesId: string, at: Position): void {
    const prev = this.pending.get(seriesId);
    if (!prev || cmp(at, prev) > 0) this.pending.set(seriesId, at);
    const first = !this.started.has(seriesId);
    this.started.add(seriesId);
    this.schedule(seriesId, first ? 0 : this.delayMs);
  }

  /** Drop what is not sent yet (before a reset, which must not be undone by it). */
  cancel(seriesId: string): void {
    this.pending.delete(seriesId);
    clearTimeout(this.timers.get(seriesId));
    this.timers.delete(seriesId);
  }

  /** Resolves when everything reported for the series (or all series) is stored; rejects if a write failed. */
  async flush(seriesId?: string, opts: { keepalive?: boolean } = {}): Promise<void> {
    const ids = seriesId ? [seriesId] : [...new Set([...this.pending.keys(), ...this.inflight.keys()])];
    await Promise.all(ids.map((id) => this.flushOne(id, opts.keepalive ?? false)));
  }

  onStored(fn: (seriesId: string, at: ProgressResult) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onError(fn: (seriesId: string, err: unknown) => void): () => void {
    this.errorListeners.add(fn);
    return () => this.errorListeners.delete(fn);
  }

  private schedule(seriesId: string, ms: number): void {
    clearTimeout(this.timers.get(seriesId));
    this.timers.set(
      seriesId,
      setTimeout(() => {
        this.timers.delete(seriesId);
        this.flushOne(seriesId, false).catch(() => {
          /* reported to onError; retried below */
        });
      }, ms),
    );
  }

  private async flushOne(seriesId: string, keepalive: boolean): Promise<void> {
    clearTimeout(this.timers.get(seriesId));
    this.timers.delete(seriesId);
    // One request per series at a time, in order: wait for the one in flight, then send what came since.
    for (;;) {
      const running = this.inflight.get(seriesId);
      if (running) {
        await running;
        continue;
      }
      const at = this.pending.get(seriesId);
      if (!at) return;
      this.pending.delete(seriesId);
      const p = this.post(seriesId, at, { keepalive })
        .then((stored) => {
          for (const fn of this.listeners) fn(seriesId, stored);
        })
        .catch((err: unknown) => {
          for (const fn of this.errorListeners) fn(seriesId, err);
          if (!this.isPermanent(err)) {
            // Keep the position (unless something newer arrived) and try again later.
            const newer = this.pending.get(seriesId);
            if (!newer || cmp(at, newer) > 0) this.pending.set(seriesId, at);
            this.schedule(seriesId, this.retryMs);
          }
          throw err;
        })
        .finally(() => this.inflight.delete(seriesId));
      this.inflight.set(
        seriesId,
        p.catch(() => {}),
      );
      await p;
    }
  }
}

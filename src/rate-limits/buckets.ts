/**
 * Token buckets for rate limits, keyed by whatever is limited ("answer:reader:<id>", "readers:ip:<addr>").
 * A bucket holds `perMinute` tokens of burst and refills evenly over a minute. Where they live follows
 * the database: on PostgreSQL every replica shares one set (queries.ts), so N replicas behind a load
 * balancer still allow the limit once; on the embedded default (one process) they stay in memory.
 */
import type { Database } from '../db/client.js';
import * as q from './queries.js';

export type Take = { ok: true } | { ok: false; retryAfterS: number };

export interface RateBuckets {
  /** Take one token from `key`'s bucket of `perMinute`; when empty, how long until one is back. `perMinute` ≤ 0 = no limit. */
  take(key: string, perMinute: number): Promise<Take>;
}

/** Seconds until an empty bucket (`tokens` < 1) holds one token again; at least 1 (Retry-After is whole seconds). */
export function retryAfterS(tokens: number, perMinute: number): number {
  return Math.max(1, Math.ceil(((1 - tokens) * 60) / perMinute));
}

/** One process's buckets. Buckets that have refilled completely carry no state and are dropped past `maxKeys`. */
export class MemoryBuckets implements RateBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  async take(key: string, perMinute: number): Promise<Take> {
    return this.takeNow(key, perMinute);
  }

  takeNow(key: string, perMinute: number): Take {
    if (perMinute <= 0) return { ok: true };
    const now = this.now();
    const rate = perMinute / 60_000;
    const b = this.buckets.get(key);
    const tokens = b ? Math.min(perMinute, b.tokens + (now - b.at) * rate) : perMinute;
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return { ok: false, retryAfterS: retryAfterS(tokens, perMinute) };
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > this.maxKeys) this.prune(now);
    return { ok: true };
  }

  /** Every bucket refills within a minute: one untouched that long is full. */
  private prune(now: number): void {
    for (const [k, b] of this.buckets) if (now - b.at >= 60_000) this.buckets.delete(k);
  }

  get size(): number {
    return this.buckets.size;
  }
}

/** Buckets in the database's `rate_buckets` table, shared by every process on it. */
export class DatabaseBuckets implements RateBuckets {
  private lastPrune = 0;

  constructor(
    private readonly database: Database,
    private readonly now: () => number = Date.now,
  ) {}

  async take(key: string, perMinute: number): Promise<Take> {
    if (perMinute <= 0) return { ok: true };
    this.pruneNowAndThen();
    const r = await q.takeToken(this.database.db, key, perMinute);
    return r.granted ? { ok: true } : { ok: false, retryAfterS: retryAfterS(r.tokens, perMinute) };
  }

  /** At most once a minute per process, off the request's path: the table holds only the last minute's keys. */
  private pruneNowAndThen(): void {
    const now = this.now();
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    q.deleteIdleBuckets(this.database.db, 120).catch(() => {
      // A failed prune only leaves full buckets behind for the next one.
    });
  }
}

/**
 * The buckets for a server whose database opens after its routes are built (`runtime.database` is null
 * until then): PostgreSQL's shared table once it is there, memory for the embedded default (and before).
 */
export function bucketsFor(runtime: { database: Database | null }, now: () => number = Date.now): RateBuckets {
  const memory = new MemoryBuckets(now);
  let shared: { database: Database; buckets: DatabaseBuckets } | null = null;
  return {
    take(key, perMinute) {
      const database = runtime.database;
      if (database?.kind !== 'postgres') return memory.take(key, perMinute);
      if (shared?.database !== database) shared = { database, buckets: new DatabaseBuckets(database, now) };
      return shared.buckets.take(key, perMinute);
    },
  };
}

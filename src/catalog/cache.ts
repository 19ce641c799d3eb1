/**
 * The reader's catalog responses (library, series, episode), computed once per
 * boundary state and served from memory after that (ADR 0033). Everything the
 * SQL boundary decides for these responses is a function of the series'
 * content and the reader's progress row, so the key is exactly that: the
 * series' content version (new with every change, migration 0015) and the
 * position, read from the database for every request, plus what the request
 * asks (episode, peek). Two readers at the same position share an entry; a
 * reader who moves on, an import, a job that rewrites a page or a settings
 * change simply lands on another key. A miss computes the response and reads
 * the key in one REPEATABLE READ snapshot, so an entry can never hold content
 * gated at another position than its key says.
 */
import { createHash } from 'node:crypto';

export interface CachedResponse {
  /** The JSON body, as sent. */
  body: string;
  /** A strong validator: the body's hash. */
  etag: string;
}

/** A progress row (or none), as a key part. */
export const positionKey = (p: { episode: number | null; page: number | null }): string => (p.episode === null || p.page === null ? '-' : `${p.episode}:${p.page}`);

export const etagOf = (body: string): string => `"${createHash('sha1').update(body).digest('base64url')}"`;

/** Whether an `If-None-Match` header names this ETag (weak or strong, or `*`). */
export function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v === etag || v === `W/${etag}`;
  });
}

/** Least recently used entries go first, by count and by bytes (a 1 GB machine has room for a few megabytes). */
export class ResponseCache {
  private readonly entries = new Map<string, CachedResponse>();
  private bytes = 0;

  constructor(private readonly limits: { maxEntries: number; maxBytes: number }) {}

  get(key: string): CachedResponse | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, body: string): CachedResponse {
    const entry = { body, etag: etagOf(body) };
    // One response larger than a quarter of the budget would push out everything else: serve it, keep nothing.
    if (body.length * 2 > this.limits.maxBytes / 4) return entry;
    this.delete(key);
    this.entries.set(key, entry);
    this.bytes += body.length * 2;
    for (const [k] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.bytes <= this.limits.maxBytes) break;
      this.delete(k);
    }
    return entry;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Every entry, for tests that check each one against a fresh computation. */
  *[Symbol.iterator](): IterableIterator<[string, CachedResponse]> {
    yield* this.entries;
  }

  private delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.bytes -= old.body.length * 2;
  }
}

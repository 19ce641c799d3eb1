/**
 * One reader's view of a series for the world, wiki and search surfaces: the
 * progress row and the text check, read in the same snapshot as the content.
 */
import type { Db } from '../db/client.js';
import { FolioError } from '../errors.js';
import type { ReaderScope } from '../spoilers/boundary.js';
import { nameMatcherFor } from '../spoilers/guard.js';
import type { NameMatcher } from '../spoilers/names.js';
import * as q from './queries.js';
import { TextGuard, type ReaderState } from './text-guard.js';

export interface ReaderView {
  /** The transaction every query of the request runs in. */
  db: Db;
  scope: ReaderScope;
  state: ReaderState;
  guard: TextGuard;
}

/**
 * Name matchers by (series, content version, position). Which names a reader
 * has reached is decided in SQL from the progress row (nameMatcherFor); the
 * answer depends only on the series content and the position, so readers at
 * the same position share it. A re-import changes the content hash, so stale
 * entries are never used (and age out).
 */
const MATCHERS_KEPT = 256;
const matchers = new Map<string, NameMatcher>();

async function matcherAt(db: Db, scope: ReaderScope, row: q.ReaderStateRow): Promise<NameMatcher> {
  const key = `${scope.seriesId}\u0000${row.content_hash}\u0000${row.episode ?? '-'}/${row.page ?? '-'}`;
  const hit = matchers.get(key);
  if (hit) {
    matchers.delete(key);
    matchers.set(key, hit);
    return hit;
  }
  const m = await nameMatcherFor(db, scope);
  matchers.set(key, m);
  if (matchers.size > MATCHERS_KEPT) matchers.delete(matchers.keys().next().value!);
  return m;
}

/**
 * Run `fn` in one read-only REPEATABLE READ transaction, so the progress row,
 * the names the reader has reached and the content all come from one
 * snapshot: a progress reset landing mid-request cannot pair content gated at
 * one position with a name check made at another. An unknown series is a 404.
 */
export function withReaderView<T>(db: Db, scope: ReaderScope, fn: (view: ReaderView) => Promise<T>): Promise<T> {
  return db.transaction(
    async (tx) => {
      const t = tx as unknown as Db;
      const row = await q.readerState(t, scope);
      if (!row) throw new FolioError('not_found:series', `No series "${scope.seriesId}".`);
      const names = await matcherAt(t, scope, row);
      const state: ReaderState = {
        position: row.episode === null || row.page === null ? null : { episode: row.episode, page: row.page },
        episodeEnd: row.episode_end,
      };
      return fn({ db: t, scope, state, guard: new TextGuard(names, state) });
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

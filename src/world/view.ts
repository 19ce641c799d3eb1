/**
 * One reader's view of a series for the world, wiki and search surfaces: the
 * progress row and the spoiler guard, read in the same snapshot as the content.
 */
import type { Db } from '../db/client.js';
import { FolioError } from '../errors.js';
import { buildGuard, entityNames, type Position, type ReaderScope, type SpoilerGuard, seriesChecks } from '../spoilers/index.js';
import * as q from './queries.js';

export interface ReaderView {
  /** The transaction every query of the request runs in. */
  db: Db;
  scope: ReaderScope;
  /** The furthest page reached; null before reading (then nothing is shown anyway). */
  position: Position | null;
  guard: SpoilerGuard;
}

/**
 * Guards by (series, content version, position). Which names a reader has
 * reached is decided in SQL from the progress row (entityNames); the answer
 * depends only on the series content and the position, so readers at the same
 * position share it. A re-import changes the content hash, so stale entries
 * are never used (and age out).
 */
const GUARDS_KEPT = 256;
const guards = new Map<string, SpoilerGuard>();

async function guardAt(root: Db, db: Db, scope: ReaderScope, row: q.ReaderStateRow, position: Position | null): Promise<SpoilerGuard> {
  const key = `${scope.seriesId}\u0000${row.content_hash}\u0000${row.episode ?? '-'}/${row.page ?? '-'}`;
  const hit = guards.get(key);
  if (hit) {
    guards.delete(key);
    guards.set(key, hit);
    return hit;
  }
  // Pack text is judged by names, references and the series' unreached vocabulary (paraphrase is for generated text
  // only). Read in this snapshot, cached under the root handle: a cache of this transaction's own would never hit.
  const checks = await seriesChecks(db, scope.seriesId, position, { language: row.language ?? undefined, paraphrase: false, root });
  const g = buildGuard({ position, episodeEnd: row.episode_end, names: await entityNames(db, scope), language: row.language, checks });
  guards.set(key, g);
  if (guards.size > GUARDS_KEPT) guards.delete(guards.keys().next().value!);
  return g;
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
      const position = row.episode === null || row.page === null ? null : { episode: row.episode, page: row.page };
      return fn({ db: t, scope, position, guard: await guardAt(db, t, scope, row, position) });
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

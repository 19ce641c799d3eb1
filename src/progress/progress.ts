/** Reading progress: the server-side position that bounds everything a reader sees. */
import type { Db } from '../db/client.js';
import { FolioError } from '../errors.js';
import { comparePositions, formatPosition, type Position } from '../spoilers/index.js';
import * as q from './queries.js';
import { decideAdvance } from './rules.js';

/** The move's context (one statement), once the series and, for a move, the target page are known to exist. */
async function contextFor(db: Db, readerId: string, seriesId: string, at: Position | null): Promise<q.MoveContext> {
  const ctx = await q.moveContext(db, readerId, seriesId, at);
  if (!ctx.seriesExists) throw new FolioError('not_found:series', `No series "${seriesId}".`);
  if (at && !ctx.pageExists) throw new FolioError('not_found:page', `Series "${seriesId}" has no page ${at.page} in episode ${at.episode}.`);
  return ctx;
}

export async function readPosition(db: Db, readerId: string, seriesId: string): Promise<Position | null> {
  return (await contextFor(db, readerId, seriesId, null)).current;
}

/**
 * What this process already knows about a move (the catalog's boundary keys, held while the database's change
 * feed is live): the facts the context statement reads, the series' existence implied. It may be a moment behind
 * another replica's write: behind a move, a skip ahead asks for confirmation it might not need; behind a reset, a
 * turn to an already-read page is taken as a no-op once. The write itself stays guarded in SQL (forward only).
 */
export type KnownContext = Omit<q.MoveContext, 'seriesExists'>;

/**
 * One statement to decide (none when the context is known); a second only when the position moves (its
 * RETURNING is the answer, nothing is read back). A page turn sent again costs nothing.
 */
export async function advanceProgress(
  db: Db,
  readerId: string,
  seriesId: string,
  target: Position,
  confirmSkip: boolean,
  known?: KnownContext | null,
): Promise<{ position: Position; advanced: boolean }> {
  // An unknown page is answered by the statement (not_found:page), as is everything when nothing is known.
  const { current, episodes } = known?.pageExists ? known : await contextFor(db, readerId, seriesId, target);
  const decision = decideAdvance({ current, target, episodeNumbers: episodes, confirmSkip });
  if (decision.kind === 'noop') return { position: current!, advanced: false };
  if (decision.kind === 'skip_ahead') {
    throw new FolioError(
      'conflict:skip_ahead',
      `Episode ${target.episode} is past the next unread episode (${decision.nextUnreadEpisode}). Ask the reader whether they have read up to it, then send confirmSkip: true.`,
      { nextUnreadEpisode: decision.nextUnreadEpisode, current },
    );
  }
  const position = await q.advance(db, readerId, seriesId, target);
  return { position, advanced: comparePositions(position, target) === 0 };
}

export async function resetProgress(db: Db, readerId: string, seriesId: string, target: Position): Promise<Position | null> {
  const { current } = await contextFor(db, readerId, seriesId, target);
  if (current && comparePositions(target, current) > 0) {
    throw new FolioError(
      'bad_request:progress_reset',
      `A reset can only move progress back (current ${formatPosition(current)}, asked ${formatPosition(target)}); use POST /progress to move forward.`,
    );
  }
  return q.lower(db, readerId, seriesId, target, current);
}

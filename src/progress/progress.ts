/** Reading progress: the server-side position that bounds everything a reader sees. */
import type { Db } from '../db/client.js';
import { FolioError } from '../errors.js';
import { comparePositions, formatPosition, type Position } from '../spoilers/index.js';
import * as q from './queries.js';
import { decideAdvance } from './rules.js';

async function requirePage(db: Db, seriesId: string, at: Position): Promise<void> {
  if (!(await q.seriesExists(db, seriesId))) throw new FolioError('not_found:series', `No series "${seriesId}".`);
  if (!(await q.pageExists(db, seriesId, at))) {
    throw new FolioError('not_found:page', `Series "${seriesId}" has no page ${at.page} in episode ${at.episode}.`);
  }
}

export async function readPosition(db: Db, readerId: string, seriesId: string): Promise<Position | null> {
  if (!(await q.seriesExists(db, seriesId))) throw new FolioError('not_found:series', `No series "${seriesId}".`);
  return q.getPosition(db, readerId, seriesId);
}

export async function advanceProgress(
  db: Db,
  readerId: string,
  seriesId: string,
  target: Position,
  confirmSkip: boolean,
): Promise<{ position: Position; advanced: boolean }> {
  await requirePage(db, seriesId, target);
  const current = await q.getPosition(db, readerId, seriesId);
  const decision = decideAdvance({ current, target, episodeNumbers: await q.episodeNumbers(db, seriesId), confirmSkip });
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
  await requirePage(db, seriesId, target);
  const current = await q.getPosition(db, readerId, seriesId);
  if (current && comparePositions(target, current) > 0) {
    throw new FolioError(
      'bad_request:progress_reset',
      `A reset can only move progress back (current ${formatPosition(current)}, asked ${formatPosition(target)}); use POST /progress to move forward.`,
    );
  }
  return q.lower(db, readerId, seriesId, target);
}

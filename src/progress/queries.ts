/** All SQL of reading progress. */
import { and, eq, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.js';
import { progress } from '../db/schema.js';
import type { Position } from '../spoilers/index.js';

export async function getPosition(db: Db, readerId: string, seriesId: string): Promise<Position | null> {
  const rows = await db
    .select({ episode: progress.episode, page: progress.page })
    .from(progress)
    .where(and(eq(progress.readerId, readerId), eq(progress.seriesId, seriesId)));
  return rows[0] ?? null;
}

/** What a move of progress is decided on, in one statement: does the series (and the target page) exist, where is the reader, which episodes are there. */
export interface MoveContext {
  seriesExists: boolean;
  pageExists: boolean;
  current: Position | null;
  /** In order. */
  episodes: number[];
}

export async function moveContext(db: Db, readerId: string, seriesId: string, to: Position | null): Promise<MoveContext> {
  const rows = await queryRows<{ series_exists: boolean; page_exists: boolean; episode: number | null; page: number | null; episodes: number[] | null }>(
    db,
    sql`SELECT EXISTS (SELECT 1 FROM series WHERE id = ${seriesId}) AS series_exists,
               ${to === null ? sql`false` : sql`EXISTS (SELECT 1 FROM pages WHERE series_id = ${seriesId} AND episode = ${to.episode} AND number = ${to.page})`} AS page_exists,
               ${to === null ? sql`NULL::int[]` : sql`(SELECT array_agg(number ORDER BY number) FROM episodes WHERE series_id = ${seriesId})`} AS episodes,
               p.episode, p.page
          FROM (SELECT 1) one
          LEFT JOIN progress p ON p.reader_id = ${readerId} AND p.series_id = ${seriesId}`,
  );
  const r = rows[0]!;
  return {
    seriesExists: r.series_exists,
    pageExists: r.page_exists,
    current: r.episode === null || r.page === null ? null : { episode: r.episode, page: r.page },
    episodes: r.episodes ?? [],
  };
}

/**
 * Move forward only, also under races (two tabs): the update applies only when
 * the new position is after the stored one. Returns the stored position.
 */
export async function advance(db: Db, readerId: string, seriesId: string, to: Position): Promise<Position> {
  const rows = await db
    .insert(progress)
    .values({ readerId, seriesId, episode: to.episode, page: to.page })
    .onConflictDoUpdate({
      target: [progress.readerId, progress.seriesId],
      set: { episode: to.episode, page: to.page, updatedAt: sql`now()` },
      setWhere: sql`(${progress.episode}, ${progress.page}) < (${to.episode}, ${to.page})`,
    })
    .returning({ episode: progress.episode, page: progress.page });
  return rows[0] ?? (await getPosition(db, readerId, seriesId))!;
}

/**
 * Lower only: a reset never moves progress forward. Returns the stored position: the lowered one, or `current`
 * (as read just before) when there was nothing to lower.
 */
export async function lower(db: Db, readerId: string, seriesId: string, to: Position, current: Position | null): Promise<Position | null> {
  const rows = await db
    .update(progress)
    .set({ episode: to.episode, page: to.page, updatedAt: sql`now()` })
    .where(and(eq(progress.readerId, readerId), eq(progress.seriesId, seriesId), sql`(${progress.episode}, ${progress.page}) > (${to.episode}, ${to.page})`))
    .returning({ episode: progress.episode, page: progress.page });
  return rows[0] ?? current;
}

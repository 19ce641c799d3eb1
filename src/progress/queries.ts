/** All SQL of reading progress. */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { episodes, pages, progress, series } from '../db/schema.js';
import type { Position } from '../spoilers/index.js';

export async function getPosition(db: Db, readerId: string, seriesId: string): Promise<Position | null> {
  const rows = await db
    .select({ episode: progress.episode, page: progress.page })
    .from(progress)
    .where(and(eq(progress.readerId, readerId), eq(progress.seriesId, seriesId)));
  return rows[0] ?? null;
}

export async function episodeNumbers(db: Db, seriesId: string): Promise<number[]> {
  const rows = await db.select({ n: episodes.number }).from(episodes).where(eq(episodes.seriesId, seriesId)).orderBy(episodes.number);
  return rows.map((r) => r.n);
}

export async function pageExists(db: Db, seriesId: string, at: Position): Promise<boolean> {
  const rows = await db
    .select({ one: sql<number>`1` })
    .from(pages)
    .where(and(eq(pages.seriesId, seriesId), eq(pages.episode, at.episode), eq(pages.number, at.page)));
  return rows.length > 0;
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

/** Lower only: a reset never moves progress forward. Returns the stored position, or null if there is none. */
export async function lower(db: Db, readerId: string, seriesId: string, to: Position): Promise<Position | null> {
  await db
    .update(progress)
    .set({ episode: to.episode, page: to.page, updatedAt: sql`now()` })
    .where(and(eq(progress.readerId, readerId), eq(progress.seriesId, seriesId), sql`(${progress.episode}, ${progress.page}) > (${to.episode}, ${to.page})`));
  return getPosition(db, readerId, seriesId);
}

export async function seriesExists(db: Db, seriesId: string): Promise<boolean> {
  const rows = await db.select({ id: series.id }).from(series).where(eq(series.id, seriesId));
  return rows.length > 0;
}

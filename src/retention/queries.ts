/**
 * All SQL of retention: readers inactive for `days` (with everything that is theirs, by ON DELETE
 * CASCADE: progress, conversations, messages, assistant tokens) and finished jobs, deleted in batches
 * so no statement holds its locks for long.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.js';

/**
 * A reader is active while any of its traces is newer than the cutoff: the reader's own token used
 * (last_seen_at, refreshed hourly), an assistant token used, progress moved, a conversation written.
 * All four, not last_seen_at alone: readers from before last_seen_at was kept fresh have only the others.
 */
const inactiveSince = (days: number) => sql`
  r.last_seen_at < now() - make_interval(days => ${days}::int)
  AND NOT EXISTS (SELECT 1 FROM progress p WHERE p.reader_id = r.id AND p.updated_at >= now() - make_interval(days => ${days}::int))
  AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.reader_id = r.id AND c.updated_at >= now() - make_interval(days => ${days}::int))
  AND NOT EXISTS (SELECT 1 FROM reader_tokens t WHERE t.reader_id = r.id AND t.last_used_at >= now() - make_interval(days => ${days}::int))`;

/** Delete up to `batch` inactive readers; how many went. */
export async function deleteInactiveReaders(db: Db, days: number, batch: number): Promise<number> {
  const rows = await queryRows<{ n: number }>(
    db,
    sql`WITH gone AS (
          DELETE FROM readers WHERE id IN (SELECT r.id FROM readers r WHERE ${inactiveSince(days)} LIMIT ${batch}) RETURNING 1)
        SELECT count(*)::int AS n FROM gone`,
  );
  return rows[0]?.n ?? 0;
}

export async function countInactiveReaders(db: Db, days: number): Promise<number> {
  const rows = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM readers r WHERE ${inactiveSince(days)}`);
  return rows[0]?.n ?? 0;
}

/** Delete up to `batch` jobs that finished more than `days` ago (their uploads went when they finished). */
export async function deleteFinishedJobs(db: Db, days: number, batch: number): Promise<number> {
  const rows = await queryRows<{ n: number }>(
    db,
    sql`WITH gone AS (
          DELETE FROM jobs WHERE id IN (
            SELECT id FROM jobs WHERE state IN ('succeeded', 'failed', 'cancelled') AND finished_at < now() - make_interval(days => ${days}::int)
            LIMIT ${batch})
          RETURNING 1)
        SELECT count(*)::int AS n FROM gone`,
  );
  return rows[0]?.n ?? 0;
}

export async function countReaders(db: Db): Promise<number> {
  const rows = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM readers`);
  return rows[0]?.n ?? 0;
}

/** All SQL of rate limiting: one token bucket per key, refilled and taken in one statement. */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.js';

/**
 * Refill the bucket for the time since it was last touched (capped at `capacity`), then take a token if
 * one is there. One upsert, so two replicas taking from the same bucket at once serialise on its row.
 * The database's clock, not each replica's, measures the refill.
 */
export async function takeToken(db: Db, key: string, capacity: number): Promise<{ granted: boolean; tokens: number }> {
  const perSecond = capacity / 60;
  const refilled = sql`least(${capacity}::float8, b.tokens + extract(epoch FROM now() - b.at)::float8 * ${perSecond}::float8)`;
  const [row] = await queryRows<{ granted: boolean; tokens: number }>(
    db,
    sql`INSERT INTO rate_buckets AS b (key, tokens, at, granted) VALUES (${key}, ${capacity}::float8 - 1, now(), true)
        ON CONFLICT (key) DO UPDATE SET
          granted = ${refilled} >= 1,
          tokens = ${refilled} - CASE WHEN ${refilled} >= 1 THEN 1 ELSE 0 END,
          at = now()
        RETURNING granted, tokens`,
  );
  return { granted: row!.granted, tokens: Number(row!.tokens) };
}

/** Buckets untouched for `olderThanS` seconds: a bucket refills in a minute, so they hold nothing. */
export async function deleteIdleBuckets(db: Db, olderThanS: number): Promise<number> {
  const rows = await queryRows<{ n: number }>(
    db,
    sql`WITH gone AS (DELETE FROM rate_buckets WHERE at < now() - make_interval(secs => ${olderThanS}::float8) RETURNING 1)
        SELECT count(*)::int AS n FROM gone`,
  );
  return rows[0]?.n ?? 0;
}

/** All SQL of reader identity: the reader's own token and the extra tokens it creates for assistants. */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.js';
import { readers } from '../db/schema.js';

export async function insertReader(db: Db, tokenHash: string): Promise<string> {
  const [row] = await db.insert(readers).values({ tokenHash }).returning({ id: readers.id });
  return row!.id;
}

/** Who a token hash belongs to: the reader's own token (`tokenId` null) or one of its assistant tokens. */
export interface TokenOwner {
  readerId: string;
  tokenId: string | null;
  /** Time to record a use: an assistant token's last_used_at older than a minute, the reader's last_seen_at older than an hour. */
  stale: boolean;
  /** An assistant token's scopes (migration 0011); null for the reader's own token. */
  scopes: string[] | null;
}

/** One round trip for both kinds; each side is a lookup on a unique index. */
export async function findTokenOwner(db: Db, tokenHash: string): Promise<TokenOwner | null> {
  const rows = await queryRows<TokenOwner>(
    db,
    sql`SELECT id AS "readerId", NULL::uuid AS "tokenId", last_seen_at < now() - interval '1 hour' AS stale, NULL::text[] AS scopes FROM readers WHERE token_hash = ${tokenHash}
        UNION ALL
        SELECT reader_id, id, (last_used_at IS NULL OR last_used_at < now() - interval '1 minute'), scopes
          FROM reader_tokens WHERE token_hash = ${tokenHash}
        LIMIT 1`,
  );
  return rows[0] ?? null;
}

/** "Last seen" to the hour (what retention goes by): a reader costs one write an hour, not one per page turn. */
export async function touchReader(db: Db, readerId: string): Promise<void> {
  await db.execute(sql`UPDATE readers SET last_seen_at = now() WHERE id = ${readerId}`);
}

/** "Last used" to the minute: a busy assistant costs one write a minute, not one per request. */
export async function touchToken(db: Db, tokenId: string): Promise<void> {
  await db.execute(sql`UPDATE reader_tokens SET last_used_at = now() WHERE id = ${tokenId}`);
}

export interface ReaderTokenRow {
  id: string;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
  scopes: string[];
}

/** A text[] parameter that reads the same on PGlite and node-postgres: the elements as one JSON array. */
const textArray = (values: readonly string[]) =>
  sql`ARRAY(SELECT s FROM jsonb_array_elements_text(${JSON.stringify(values)}::jsonb) WITH ORDINALITY AS t(s, i) ORDER BY i)`;

const iso = (column: string) => sql.raw(`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);
const TOKEN_COLUMNS = sql`id, label, ${iso('created_at')} AS "createdAt", ${iso('last_used_at')} AS "lastUsedAt", scopes`;

export async function listReaderTokens(db: Db, readerId: string): Promise<ReaderTokenRow[]> {
  return queryRows<ReaderTokenRow>(
    db,
    sql`SELECT ${TOKEN_COLUMNS}
          FROM reader_tokens WHERE reader_id = ${readerId} ORDER BY created_at, id`,
  );
}

/**
 * Insert unless the reader already has `limit` tokens. The reader's row is
 * locked first, so two concurrent creates cannot both see `limit - 1`.
 * Returns null when the limit is reached.
 */
export async function insertReaderToken(
  db: Db,
  readerId: string,
  tokenHash: string,
  label: string,
  scopes: readonly string[],
  limit: number,
): Promise<ReaderTokenRow | null> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT 1 FROM readers WHERE id = ${readerId} FOR UPDATE`);
    const [count] = await queryRows<{ n: number }>(tx as unknown as Db, sql`SELECT count(*)::int AS n FROM reader_tokens WHERE reader_id = ${readerId}`);
    if (count!.n >= limit) return null;
    const [row] = await queryRows<ReaderTokenRow>(
      tx as unknown as Db,
      sql`INSERT INTO reader_tokens (reader_id, token_hash, label, scopes) VALUES (${readerId}, ${tokenHash}, ${label}, ${textArray(scopes)})
          RETURNING ${TOKEN_COLUMNS}`,
    );
    return row!;
  });
}

/** Revoke: the row (and with it the hash) is gone, so the token stops working on its next request. */
export async function deleteReaderToken(db: Db, readerId: string, tokenId: string): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(db, sql`DELETE FROM reader_tokens WHERE id = ${tokenId} AND reader_id = ${readerId} RETURNING id`);
  return rows.length > 0;
}

/** Replace a token's scopes; null when the reader has no such token (another reader's id included). */
export async function updateReaderTokenScopes(db: Db, readerId: string, tokenId: string, scopes: readonly string[]): Promise<ReaderTokenRow | null> {
  const rows = await queryRows<ReaderTokenRow>(
    db,
    sql`UPDATE reader_tokens SET scopes = ${textArray(scopes)} WHERE id = ${tokenId} AND reader_id = ${readerId} RETURNING ${TOKEN_COLUMNS}`,
  );
  return rows[0] ?? null;
}

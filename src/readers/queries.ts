/** All SQL of reader identity: the reader's own token and the extra tokens it creates for assistants. */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.js';

/** A new reader with its first device, in one statement. */
export async function insertReader(db: Db, tokenHash: string, label: string): Promise<{ readerId: string; deviceId: string }> {
  const [row] = await queryRows<{ readerId: string; deviceId: string }>(
    db,
    sql`WITH r AS (INSERT INTO readers DEFAULT VALUES RETURNING id)
        INSERT INTO reader_devices (reader_id, token_hash, label) SELECT id, ${tokenHash}, ${label} FROM r
        RETURNING reader_id AS "readerId", id AS "deviceId"`,
  );
  return row!;
}

/** Who a token hash belongs to: one of the reader's devices (`deviceId`) or one of its assistant tokens (`tokenId`). */
export interface TokenOwner {
  readerId: string;
  deviceId: string | null;
  tokenId: string | null;
  /** Time to record a use: an assistant token's last_used_at older than a minute, a device's (or its reader's) last_seen_at older than an hour. */
  stale: boolean;
  /** An assistant token's scopes (migration 0011); null for the reader's own token. */
  scopes: string[] | null;
}

/** One round trip for both kinds; each side is a lookup on a unique index. */
export async function findTokenOwner(db: Db, tokenHash: string): Promise<TokenOwner | null> {
  const rows = await queryRows<TokenOwner>(
    db,
    sql`SELECT d.reader_id AS "readerId", d.id AS "deviceId", NULL::uuid AS "tokenId",
               (d.last_seen_at < now() - interval '1 hour' OR r.last_seen_at < now() - interval '1 hour') AS stale, NULL::text[] AS scopes
          FROM reader_devices d JOIN readers r ON r.id = d.reader_id WHERE d.token_hash = ${tokenHash}
        UNION ALL
        SELECT reader_id, NULL::uuid, id, (last_used_at IS NULL OR last_used_at < now() - interval '1 minute'), scopes
          FROM reader_tokens WHERE token_hash = ${tokenHash}
        LIMIT 1`,
  );
  return rows[0] ?? null;
}

/**
 * "Last seen" to the hour, on the device and on the reader (what retention goes by): a reader costs one write an
 * hour, not one per page turn.
 */
export async function touchDevice(db: Db, deviceId: string): Promise<void> {
  await db.execute(
    sql`WITH d AS (UPDATE reader_devices SET last_seen_at = now() WHERE id = ${deviceId} RETURNING reader_id)
        UPDATE readers SET last_seen_at = now() WHERE id IN (SELECT reader_id FROM d)`,
  );
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

export interface DeviceRow {
  id: string;
  label: string;
  createdAt: string;
  lastSeenAt: string;
}

const DEVICE_COLUMNS = sql`id, label, ${iso('created_at')} AS "createdAt", ${iso('last_seen_at')} AS "lastSeenAt"`;

export async function listDevices(db: Db, readerId: string): Promise<DeviceRow[]> {
  return queryRows<DeviceRow>(db, sql`SELECT ${DEVICE_COLUMNS} FROM reader_devices WHERE reader_id = ${readerId} ORDER BY created_at, id`);
}

export async function insertDevice(db: Db, readerId: string, tokenHash: string, label: string): Promise<DeviceRow> {
  const [row] = await queryRows<DeviceRow>(
    db,
    sql`INSERT INTO reader_devices (reader_id, token_hash, label) VALUES (${readerId}, ${tokenHash}, ${label}) RETURNING ${DEVICE_COLUMNS}`,
  );
  return row!;
}

/** A new token (and label) for a device; null if it is gone. */
export async function rotateDevice(db: Db, deviceId: string, tokenHash: string, label: string): Promise<DeviceRow | null> {
  const rows = await queryRows<DeviceRow>(
    db,
    sql`UPDATE reader_devices SET token_hash = ${tokenHash}, label = ${label}, last_seen_at = now() WHERE id = ${deviceId} RETURNING ${DEVICE_COLUMNS}`,
  );
  return rows[0] ?? null;
}

/**
 * Sign devices out (their rows, and with them their tokens, are gone), unless that would leave the reader with
 * none: a reader no device holds could never be opened again. `only` one device, or every device but `keep`.
 */
export async function deleteDevices(db: Db, readerId: string, which: { only: string } | { allBut: string }): Promise<{ deleted: number; lastDevice: boolean }> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await t.execute(sql`SELECT 1 FROM readers WHERE id = ${readerId} FOR UPDATE`);
    const match = 'only' in which ? sql`id = ${which.only}` : sql`id <> ${which.allBut}`;
    const [counts] = await queryRows<{ all: number; matched: number }>(
      t,
      sql`SELECT count(*)::int AS all, (count(*) FILTER (WHERE ${match}))::int AS matched FROM reader_devices WHERE reader_id = ${readerId}`,
    );
    if (counts!.matched > 0 && counts!.matched === counts!.all) return { deleted: 0, lastDevice: true };
    const gone = await queryRows<{ id: string }>(t, sql`DELETE FROM reader_devices WHERE reader_id = ${readerId} AND ${match} RETURNING id`);
    return { deleted: gone.length, lastDevice: false };
  });
}

/** The reader's one live link code, replacing any earlier one; null if another reader holds this hash (retry). */
export async function putLinkCode(db: Db, readerId: string, codeHash: string, ttlSeconds: number): Promise<string | null> {
  const rows = await queryRows<{ expiresAt: string }>(
    db,
    sql`INSERT INTO link_codes (reader_id, code_hash, expires_at) VALUES (${readerId}, ${codeHash}, now() + make_interval(secs => ${ttlSeconds}))
        ON CONFLICT (reader_id) DO UPDATE SET code_hash = EXCLUDED.code_hash, expires_at = EXCLUDED.expires_at
        RETURNING ${iso('expires_at')} AS "expiresAt"`,
  ).catch((err: unknown) => {
    // 23505 on code_hash: the same code is live for another reader (one chance in ~10^12 per live code).
    if ((err as { code?: string }).code === '23505' || String((err as Error).message).includes('link_codes_code_hash_key')) return [];
    throw err;
  });
  return rows[0]?.expiresAt ?? null;
}

/** Use a code once: its reader if it was live, null if unknown or expired (either way it is gone). */
export async function takeLinkCode(db: Db, codeHash: string): Promise<string | null> {
  const rows = await queryRows<{ readerId: string; live: boolean }>(
    db,
    sql`DELETE FROM link_codes WHERE code_hash = ${codeHash} RETURNING reader_id AS "readerId", expires_at > now() AS live`,
  );
  return rows[0]?.live ? rows[0].readerId : null;
}

export interface MergeCounts {
  /** Series the merged reader had a position in (each now at the further of the two). */
  positions: number;
  conversations: number;
  devices: number;
  assistantTokens: number;
}

/**
 * Merge reader `from` into reader `into` and delete `from` (ADR 0041). For each series the furthest position wins;
 * conversations, their messages, devices and assistant tokens move over (a conversation id `into` already uses gets
 * a suffix). Both readers are locked in id order, so two merges cannot deadlock. Null when either is gone.
 */
export async function mergeReaders(db: Db, from: string, into: string): Promise<MergeCounts | null> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const locked = await queryRows<{ id: string }>(t, sql`SELECT id FROM readers WHERE id IN (${from}, ${into}) ORDER BY id FOR UPDATE`);
    if (locked.length !== 2) return null;
    const [positions] = await queryRows<{ n: number }>(
      t,
      sql`WITH theirs AS (SELECT series_id, episode, page, updated_at FROM progress WHERE reader_id = ${from}),
          kept AS (
            INSERT INTO progress (reader_id, series_id, episode, page, updated_at)
            SELECT ${into}, series_id, episode, page, updated_at FROM theirs
            ON CONFLICT (reader_id, series_id) DO UPDATE SET episode = EXCLUDED.episode, page = EXCLUDED.page, updated_at = now()
              WHERE (EXCLUDED.episode, EXCLUDED.page) > (progress.episode, progress.page)
            RETURNING 1)
          SELECT (SELECT count(*)::int FROM theirs) AS n, (SELECT count(*) FROM kept) AS kept`,
    );
    // Conversations and their messages in one statement: the messages' foreign key is checked at its end.
    const [conversations] = await queryRows<{ n: number }>(
      t,
      sql`WITH renamed AS (
            SELECT c.id AS old_id,
                   CASE WHEN EXISTS (SELECT 1 FROM conversations o WHERE o.reader_id = ${into} AND o.id = c.id)
                        THEN c.id || '~' || left(${from}::text, 8) ELSE c.id END AS new_id,
                   c.series_id, c.created_at, c.updated_at
              FROM conversations c WHERE c.reader_id = ${from}),
          added AS (
            INSERT INTO conversations (reader_id, id, series_id, created_at, updated_at)
            SELECT ${into}, new_id, series_id, created_at, updated_at FROM renamed RETURNING 1),
          messages_moved AS (
            UPDATE messages m SET reader_id = ${into}, conversation_id = r.new_id
              FROM renamed r WHERE m.reader_id = ${from} AND m.conversation_id = r.old_id RETURNING 1)
          SELECT (SELECT count(*)::int FROM added) AS n, (SELECT count(*) FROM messages_moved) AS messages`,
    );
    const devices = await queryRows<{ id: string }>(t, sql`UPDATE reader_devices SET reader_id = ${into} WHERE reader_id = ${from} RETURNING id`);
    const tokens = await queryRows<{ id: string }>(t, sql`UPDATE reader_tokens SET reader_id = ${into} WHERE reader_id = ${from} RETURNING id`);
    // Its old conversations (moved, so their messages are gone from them), progress and link code go with it.
    await t.execute(sql`DELETE FROM readers WHERE id = ${from}`);
    await t.execute(sql`UPDATE readers SET last_seen_at = now() WHERE id = ${into}`);
    return { positions: positions!.n, conversations: conversations!.n, devices: devices.length, assistantTokens: tokens.length };
  });
}

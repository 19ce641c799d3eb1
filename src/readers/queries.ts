/**
 * All SQL of reader identity: devices, assistant tokens, link codes, passkeys, OpenID Connect identities and merging
 * two readers into one.
 */
import { sql } from 'drizzle-orm';
import { type Db, isoColumn, pgErrorCode, queryRows, textArray } from '../db/client.js';

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
          FROM reader_tokens WHERE token_hash = ${tokenHash} AND (expires_at IS NULL OR expires_at > now())
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
  connector: boolean;
}

const iso = isoColumn;
const TOKEN_COLUMNS = sql`id, label, ${iso('created_at')} AS "createdAt", ${iso('last_used_at')} AS "lastUsedAt", scopes,
  client_id IS NOT NULL AS connector`;

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
 * Sign devices out (their rows, and with them their tokens, are gone), unless that would leave a reader without an
 * account with none: a reader no device holds and no passkey or identity opens could never be opened again. `only` one device,
 * every device but `allBut`, or `all` of them.
 */
export async function deleteDevices(
  db: Db,
  readerId: string,
  which: { only: string } | { allBut: string } | { all: true },
  ways: SignInWays,
): Promise<{ deleted: number; lastDevice: boolean }> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await t.execute(sql`SELECT 1 FROM readers WHERE id = ${readerId} FOR UPDATE`);
    const match = 'only' in which ? sql`id = ${which.only}` : 'allBut' in which ? sql`id <> ${which.allBut}` : sql`true`;
    const [counts] = await queryRows<{ all: number; matched: number; account: boolean }>(
      t,
      sql`SELECT count(*)::int AS all, (count(*) FILTER (WHERE ${match}))::int AS matched,
                 ${accountExists(readerId, ways)} AS account
            FROM reader_devices WHERE reader_id = ${readerId}`,
    );
    if (counts!.matched > 0 && counts!.matched === counts!.all && !counts!.account) return { deleted: 0, lastDevice: true };
    const gone = await queryRows<{ id: string }>(t, sql`DELETE FROM reader_devices WHERE reader_id = ${readerId} AND ${match} RETURNING id`);
    return { deleted: gone.length, lastDevice: false };
  });
}

/**
 * The ways this Folio lets a reader sign in again, as configured now: a passkey kept while FOLIO_ACCOUNTS=off, or a
 * login while no provider is configured, opens nothing, so it must not let the last device go.
 */
export interface SignInWays {
  passkeys: boolean;
  logins: boolean;
}

/** An account is a reader that something other than its devices can open: a passkey, or a provider's login. */
const accountExists = (readerId: string, ways: SignInWays) =>
  sql`((${ways.passkeys} AND EXISTS (SELECT 1 FROM reader_passkeys WHERE reader_id = ${readerId}))
       OR (${ways.logins} AND EXISTS (SELECT 1 FROM reader_identities WHERE reader_id = ${readerId})))`;

/** Whether the reader is an account: something other than its devices can open it (a passkey, an identity). */
export async function hasAccount(db: Db, readerId: string, ways: SignInWays): Promise<boolean> {
  const [row] = await queryRows<{ account: boolean }>(db, sql`SELECT ${accountExists(readerId, ways)} AS account`);
  return row!.account;
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
    if (pgErrorCode(err) === '23505') return [];
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
  passkeys: number;
  identities: number;
}

/**
 * Merge reader `from` into reader `into` and delete `from` (ADR 0041). For each series the furthest position wins;
 * conversations, their messages, devices and assistant tokens move over (a conversation id `into` already uses gets
 * a suffix), and so do passkeys and identities. Both readers are locked in id order, so two merges cannot deadlock. Null when either is gone.
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
    // An account merged into another: its passkeys open the merged reader from now on.
    const passkeys = await queryRows<{ id: string }>(t, sql`UPDATE reader_passkeys SET reader_id = ${into} WHERE reader_id = ${from} RETURNING id`);
    // And its community logins: (issuer, subject) is unique, so they cannot already be `into`'s.
    const identities = await queryRows<{ id: string }>(t, sql`UPDATE reader_identities SET reader_id = ${into} WHERE reader_id = ${from} RETURNING id`);
    // Its old conversations (moved, so their messages are gone from them), progress and link code go with it.
    await t.execute(sql`DELETE FROM readers WHERE id = ${from}`);
    await t.execute(sql`UPDATE readers SET last_seen_at = now() WHERE id = ${into}`);
    return {
      positions: positions!.n,
      conversations: conversations!.n,
      devices: devices.length,
      assistantTokens: tokens.length,
      passkeys: passkeys.length,
      identities: identities.length,
    };
  });
}

// ── passkeys (ADR 0042) ──────────────────────────────────────────────────────

export interface PasskeyRow {
  id: string;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** What verifying a passkey's signature needs. */
export interface PasskeyKey {
  id: string;
  readerId: string;
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string[];
}

const PASSKEY_COLUMNS = sql`id, label, ${iso('created_at')} AS "createdAt", ${iso('last_used_at')} AS "lastUsedAt"`;

export async function listPasskeys(db: Db, readerId: string): Promise<PasskeyRow[]> {
  return queryRows<PasskeyRow>(db, sql`SELECT ${PASSKEY_COLUMNS} FROM reader_passkeys WHERE reader_id = ${readerId} ORDER BY created_at, id`);
}

/** The credential ids a reader already has, so an authenticator is not registered twice. */
export async function passkeyCredentials(db: Db, readerId: string): Promise<{ credentialId: string; transports: string[] }[]> {
  return queryRows(db, sql`SELECT credential_id AS "credentialId", transports FROM reader_passkeys WHERE reader_id = ${readerId}`);
}

export async function findPasskey(db: Db, credentialId: string): Promise<PasskeyKey | null> {
  const rows = await queryRows<PasskeyKey>(
    db,
    sql`SELECT id, reader_id AS "readerId", credential_id AS "credentialId", public_key AS "publicKey", counter::float8 AS counter, transports
          FROM reader_passkeys WHERE credential_id = ${credentialId}`,
  );
  return rows[0] ?? null;
}

/**
 * Insert unless the reader has `limit` passkeys (its row locked first, as for tokens). `taken` when the credential is
 * already registered (to this reader or another).
 */
export async function insertPasskey(
  db: Db,
  readerId: string,
  key: { credentialId: string; publicKey: string; counter: number; transports: readonly string[]; label: string },
  limit: number,
): Promise<PasskeyRow | 'full' | 'taken'> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await t.execute(sql`SELECT 1 FROM readers WHERE id = ${readerId} FOR UPDATE`);
    const [count] = await queryRows<{ n: number }>(t, sql`SELECT count(*)::int AS n FROM reader_passkeys WHERE reader_id = ${readerId}`);
    if (count!.n >= limit) return 'full';
    const rows = await queryRows<PasskeyRow>(
      t,
      sql`INSERT INTO reader_passkeys (reader_id, credential_id, public_key, counter, transports, label)
          VALUES (${readerId}, ${key.credentialId}, ${key.publicKey}, ${key.counter}, ${textArray(key.transports)}, ${key.label})
          ON CONFLICT (credential_id) DO NOTHING
          RETURNING ${PASSKEY_COLUMNS}`,
    );
    return rows[0] ?? 'taken';
  });
}

/**
 * Record a sign-in: the new counter, and the use. Only if the counter still is what was verified against, so two
 * sign-ins racing with the same signature cannot both pass; false when it moved (or the passkey is gone).
 */
export async function recordPasskeyUse(db: Db, id: string, verifiedCounter: number, newCounter: number): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`UPDATE reader_passkeys SET counter = ${newCounter}, last_used_at = now() WHERE id = ${id} AND counter = ${verifiedCounter} RETURNING id`,
  );
  return rows.length > 0;
}

export async function deletePasskey(db: Db, readerId: string, id: string): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(db, sql`DELETE FROM reader_passkeys WHERE id = ${id} AND reader_id = ${readerId} RETURNING id`);
  return rows.length > 0;
}

export type ChallengePurpose = 'passkey:add' | 'passkey:sign-in' | 'oidc:sign-in';

/** Keep a challenge for `ttlSeconds`; expired ones of anyone are cleared on the way (a few per call at most). */
export async function putChallenge(
  db: Db,
  c: { purpose: ChallengePurpose; readerId: string | null; challenge: string; origin: string; data?: unknown },
  ttlSeconds: number,
): Promise<string> {
  const [row] = await queryRows<{ id: string }>(
    db,
    sql`WITH gone AS (
          DELETE FROM sign_in_challenges WHERE id IN (SELECT id FROM sign_in_challenges WHERE expires_at < now() LIMIT 20))
        INSERT INTO sign_in_challenges (purpose, reader_id, challenge, origin, data, expires_at)
        VALUES (${c.purpose}, ${c.readerId}, ${c.challenge}, ${c.origin}, ${c.data === undefined ? null : JSON.stringify(c.data)}::jsonb,
                now() + make_interval(secs => ${ttlSeconds}))
        RETURNING id`,
  );
  return row!.id;
}

/** Use a challenge once: it is gone either way; null if unknown, expired, or made for another purpose or reader. */
export async function takeChallenge(
  db: Db,
  id: string,
  purpose: ChallengePurpose,
  readerId: string | null,
): Promise<{ challenge: string; origin: string; data: unknown } | null> {
  const rows = await queryRows<{ challenge: string; origin: string; data: string | null; live: boolean; purpose: string; readerId: string | null }>(
    db,
    // data as text: PGlite and node-postgres would not parse jsonb alike.
    sql`DELETE FROM sign_in_challenges WHERE id = ${id}
        RETURNING challenge, origin, data::text AS data, purpose, reader_id AS "readerId", expires_at > now() AS live`,
  );
  const row = rows[0];
  return row?.live && row.purpose === purpose && row.readerId === readerId
    ? { challenge: row.challenge, origin: row.origin, data: row.data === null ? null : JSON.parse(row.data) }
    : null;
}

// ── OpenID Connect (ADR 0043) ────────────────────────────────────────────────

export interface IdentityRow {
  id: string;
  issuer: string;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
}

const IDENTITY_COLUMNS = sql`id, issuer, label, ${iso('created_at')} AS "createdAt", ${iso('last_used_at')} AS "lastUsedAt"`;

export async function listIdentities(db: Db, readerId: string): Promise<IdentityRow[]> {
  return queryRows<IdentityRow>(db, sql`SELECT ${IDENTITY_COLUMNS} FROM reader_identities WHERE reader_id = ${readerId} ORDER BY created_at, id`);
}

/** The reader a provider's person opens, with its label refreshed and the use recorded; null for someone new. */
export async function identityReader(db: Db, issuer: string, subject: string, label: string): Promise<string | null> {
  const rows = await queryRows<{ readerId: string }>(
    db,
    sql`UPDATE reader_identities SET label = ${label}, last_used_at = now() WHERE issuer = ${issuer} AND subject = ${subject} RETURNING reader_id AS "readerId"`,
  );
  return rows[0]?.readerId ?? null;
}

/** Give an existing reader the identity; false when it is taken meanwhile (a sign-in racing), or the reader is gone. */
export async function insertIdentity(db: Db, readerId: string, identity: { issuer: string; subject: string; label: string }): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`INSERT INTO reader_identities (reader_id, issuer, subject, label, last_used_at)
        SELECT id, ${identity.issuer}, ${identity.subject}, ${identity.label}, now() FROM readers WHERE id = ${readerId}
        ON CONFLICT (issuer, subject) DO NOTHING RETURNING id`,
  );
  return rows.length > 0;
}

/**
 * A new reader opened by the identity, with its first device, all or nothing; null (nothing made) when the identity
 * is taken meanwhile by a sign-in racing this one.
 */
export async function insertReaderWithIdentity(
  db: Db,
  tokenHash: string,
  deviceLabel: string,
  identity: { issuer: string; subject: string; label: string },
): Promise<{ readerId: string; deviceId: string } | null> {
  const [row] = await queryRows<{ readerId: string | null; deviceId: string | null }>(
    db,
    // One statement: the identity's conflict is checked first, and then nothing is inserted at all.
    sql`WITH free AS (SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM reader_identities WHERE issuer = ${identity.issuer} AND subject = ${identity.subject})),
        r AS (INSERT INTO readers (id) SELECT gen_random_uuid() FROM free RETURNING id),
        d AS (INSERT INTO reader_devices (reader_id, token_hash, label) SELECT id, ${tokenHash}, ${deviceLabel} FROM r RETURNING reader_id, id),
        i AS (INSERT INTO reader_identities (reader_id, issuer, subject, label, last_used_at)
              SELECT id, ${identity.issuer}, ${identity.subject}, ${identity.label}, now() FROM r RETURNING 1)
        SELECT (SELECT reader_id FROM d) AS "readerId", (SELECT id FROM d) AS "deviceId", (SELECT count(*) FROM i) AS made`,
  ).catch((err: unknown) => {
    // 23505: the same person signed in twice at once and the other statement won; nothing of this one stays.
    if (pgErrorCode(err) === '23505') return [];
    throw err;
  });
  return row?.readerId && row.deviceId ? { readerId: row.readerId, deviceId: row.deviceId } : null;
}

/** The PostgreSQL error code (SQLSTATE), on the driver's error or under drizzle's DrizzleQueryError that wraps it. */
export async function deleteIdentity(db: Db, readerId: string, id: string): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(db, sql`DELETE FROM reader_identities WHERE id = ${id} AND reader_id = ${readerId} RETURNING id`);
  return rows.length > 0;
}

/** All SQL of Folio as an OAuth authorization server (ADR 0044): clients, pending authorizations, codes, tokens. */
import { sql } from 'drizzle-orm';
import { type Db, isoColumn, queryRows, textArray } from '../db/client.js';

const iso = isoColumn;

export interface ClientRow {
  id: string;
  name: string;
  redirectUris: string[];
}

/**
 * Register a client. Clients that never got a token and are a month old go on the way (a few per call): dynamic
 * registration is open to anyone, so what nobody uses must not pile up.
 */
export async function insertClient(db: Db, c: ClientRow): Promise<void> {
  await db.execute(
    sql`WITH gone AS (
          DELETE FROM oauth_clients WHERE id IN (
            SELECT id FROM oauth_clients o WHERE created_at < now() - interval '30 days'
               AND NOT EXISTS (SELECT 1 FROM reader_tokens t WHERE t.client_id = o.id) LIMIT 20))
        INSERT INTO oauth_clients (id, name, redirect_uris) VALUES (${c.id}, ${c.name}, ${textArray(c.redirectUris)})`,
  );
}

export async function findClient(db: Db, id: string): Promise<ClientRow | null> {
  const rows = await queryRows<ClientRow>(db, sql`SELECT id, name, redirect_uris AS "redirectUris" FROM oauth_clients WHERE id = ${id}`);
  return rows[0] ?? null;
}

export interface RequestRow {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  state: string | null;
  resource: string;
}

/** A pending authorization; expired ones of anyone are cleared on the way. */
export async function insertRequest(db: Db, r: RequestRow, ttlSeconds: number): Promise<string> {
  const [row] = await queryRows<{ id: string }>(
    db,
    sql`WITH gone AS (DELETE FROM oauth_requests WHERE id IN (SELECT id FROM oauth_requests WHERE expires_at < now() LIMIT 20))
        INSERT INTO oauth_requests (client_id, redirect_uri, code_challenge, state, resource, expires_at)
        VALUES (${r.clientId}, ${r.redirectUri}, ${r.codeChallenge}, ${r.state}, ${r.resource}, now() + make_interval(secs => ${ttlSeconds}))
        RETURNING id`,
  );
  return row!.id;
}

/** A live pending authorization with its client's name, for the consent page. */
export async function findRequest(db: Db, id: string): Promise<(RequestRow & { clientName: string; expiresAt: string }) | null> {
  const rows = await queryRows<RequestRow & { clientName: string; expiresAt: string }>(
    db,
    sql`SELECT r.client_id AS "clientId", r.redirect_uri AS "redirectUri", r.code_challenge AS "codeChallenge", r.state, r.resource,
               c.name AS "clientName", ${iso('r.expires_at')} AS "expiresAt"
          FROM oauth_requests r JOIN oauth_clients c ON c.id = r.client_id
         WHERE r.id = ${id} AND r.expires_at > now()`,
  );
  return rows[0] ?? null;
}

/** The reader answered: the request is gone either way; null if it was unknown or expired. */
export async function takeRequest(db: Db, id: string): Promise<RequestRow | null> {
  const rows = await queryRows<RequestRow & { live: boolean }>(
    db,
    sql`DELETE FROM oauth_requests WHERE id = ${id}
        RETURNING client_id AS "clientId", redirect_uri AS "redirectUri", code_challenge AS "codeChallenge", state, resource, expires_at > now() AS live`,
  );
  const row = rows[0];
  if (!row?.live) return null;
  const { live: _, ...request } = row;
  return request;
}

export interface CodeRow {
  clientId: string;
  readerId: string;
  redirectUri: string;
  codeChallenge: string;
  resource: string;
}

export async function insertCode(db: Db, codeHash: string, c: CodeRow, ttlSeconds: number): Promise<void> {
  await db.execute(
    sql`WITH gone AS (DELETE FROM oauth_codes WHERE code_hash IN (SELECT code_hash FROM oauth_codes WHERE expires_at < now() LIMIT 20))
        INSERT INTO oauth_codes (code_hash, client_id, reader_id, redirect_uri, code_challenge, resource, expires_at)
        VALUES (${codeHash}, ${c.clientId}, ${c.readerId}, ${c.redirectUri}, ${c.codeChallenge}, ${c.resource}, now() + make_interval(secs => ${ttlSeconds}))`,
  );
}

/** Use a code once; null if unknown or expired (gone either way). */
export async function takeCode(db: Db, codeHash: string): Promise<CodeRow | null> {
  const rows = await queryRows<CodeRow & { live: boolean }>(
    db,
    sql`DELETE FROM oauth_codes WHERE code_hash = ${codeHash}
        RETURNING client_id AS "clientId", reader_id AS "readerId", redirect_uri AS "redirectUri", code_challenge AS "codeChallenge", resource,
                  expires_at > now() AS live`,
  );
  const row = rows[0];
  if (!row?.live) return null;
  const { live: _, ...code } = row;
  return code;
}

/**
 * The connector's token for this reader and client: one row per pair (connecting again replaces it, so reconnects do
 * not fill the reader's tokens). `limit`: the reader's assistant tokens, the replaced one not counted. Null when
 * full, or when the reader is gone.
 */
export async function putConnectorToken(
  db: Db,
  t: { readerId: string; clientId: string; label: string; tokenHash: string; refreshHash: string; ttlSeconds: number },
  limit: number,
): Promise<string | null> {
  return db.transaction(async (tx) => {
    const x = tx as unknown as Db;
    const locked = await queryRows<{ id: string }>(x, sql`SELECT id FROM readers WHERE id = ${t.readerId} FOR UPDATE`);
    if (locked.length === 0) return null;
    await x.execute(sql`DELETE FROM reader_tokens WHERE reader_id = ${t.readerId} AND client_id = ${t.clientId}`);
    const [count] = await queryRows<{ n: number }>(x, sql`SELECT count(*)::int AS n FROM reader_tokens WHERE reader_id = ${t.readerId}`);
    if (count!.n >= limit) return null;
    const [row] = await queryRows<{ id: string }>(
      x,
      sql`INSERT INTO reader_tokens (reader_id, token_hash, label, scopes, client_id, expires_at, refresh_hash)
          VALUES (${t.readerId}, ${t.tokenHash}, ${t.label}, ARRAY['mcp:read']::text[], ${t.clientId}, now() + make_interval(secs => ${t.ttlSeconds}), ${t.refreshHash})
          RETURNING id`,
    );
    return row!.id;
  });
}

/** Rotate: a new access token and refresh token for the holder of the old refresh token; false if none matched. */
export async function refreshConnectorToken(
  db: Db,
  clientId: string,
  oldRefreshHash: string,
  next: { tokenHash: string; refreshHash: string; ttlSeconds: number },
): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`UPDATE reader_tokens SET token_hash = ${next.tokenHash}, refresh_hash = ${next.refreshHash},
               expires_at = now() + make_interval(secs => ${next.ttlSeconds})
         WHERE refresh_hash = ${oldRefreshHash} AND client_id = ${clientId} RETURNING id`,
  );
  return rows.length > 0;
}

/** RFC 7009: the token (access or refresh) of this client is gone with its pair. */
export async function revokeConnectorToken(db: Db, clientId: string, tokenHash: string): Promise<void> {
  await db.execute(sql`DELETE FROM reader_tokens WHERE client_id = ${clientId} AND (token_hash = ${tokenHash} OR refresh_hash = ${tokenHash})`);
}

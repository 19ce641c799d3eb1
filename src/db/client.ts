/**
 * One Database interface, two backends: embedded PGlite (WASM Postgres with
 * pgvector) and any PostgreSQL 15+ through node-postgres. Queries go through
 * drizzle. On PostgreSQL nothing names a prepared statement, so pooled URLs
 * (PgBouncer transaction mode, Neon `-pooler`) work; PGlite, one session in
 * this process, keeps its statements prepared (pglite-statements.ts).
 */
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { PgConnection } from '../config/postgres-url.js';
import type { schema } from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** A single session (not a pool checkout that may change between statements). */
export interface Session {
  /** Run one or more statements without parameters (simple protocol). */
  exec(sqlText: string): Promise<void>;
  query<T = Record<string, unknown>>(sqlText: string, params?: unknown[]): Promise<T[]>;
}

/** The channel every change of a reader's boundary state is announced on (migration 0016; catalog/states.ts). */
export const BOUNDARY_CHANNEL = 'folio_boundary';

/** What a change feed reports: each notification's payload, and whether the feed is live (every change is heard). */
export interface ChangeHandlers {
  message(payload: string): void;
  /** `false` from the start until the feed is up, and whenever it is lost; `reason` says why. */
  live(isLive: boolean, reason?: string): void;
}

export interface Subscription {
  close(): Promise<void>;
}

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Db;
  /**
   * LISTEN on `channel` for as long as the subscription (or the database) is open. On PostgreSQL a session of its
   * own on the direct URL, reconnected after a drop and checked by a heartbeat (notifications.ts).
   */
  listen(channel: string, handlers: ChangeHandlers): Subscription;
  /** Run `fn` on one session connection (the direct URL on PostgreSQL). */
  withSession<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type DatabaseTarget = { kind: 'pglite'; dataDir: string | undefined } | { kind: 'postgres'; app: PgConnection; direct: PgConnection; poolMax?: number };

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'pglite') {
    const { openPglite } = await import('./pglite.js');
    return openPglite(target.dataDir);
  }
  const { openPostgres } = await import('./postgres.js');
  return openPostgres(target.app, target.direct, target.poolMax ?? 10);
}

/** Rows of a raw SQL query; both drivers return `{ rows }`. Cast numerics in SQL (`::int`). */
export async function queryRows<T>(db: Db, query: import('drizzle-orm').SQL): Promise<T[]> {
  const res = (await db.execute(query)) as unknown as { rows: T[] };
  return res.rows;
}

/** A text[] parameter that reads the same on PGlite and node-postgres: the elements as one JSON array. */
export const textArray = (values: readonly string[]) =>
  sql`ARRAY(SELECT s FROM jsonb_array_elements_text(${JSON.stringify(values)}::jsonb) WITH ORDINALITY AS t(s, i) ORDER BY i)`;

/** A timestamptz column as the ISO text the API sends (`2026-12-07T10:47:00.000Z`), the same on both drivers. */
export const isoColumn = (column: string) => sql.raw(`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

/** A PostgreSQL error's SQLSTATE (`23505`), on the error itself or, as drizzle wraps driver errors, on its cause. */
export function pgErrorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  const code = typeof e.code === 'string' ? e.code : e.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

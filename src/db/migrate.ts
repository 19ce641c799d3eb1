import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { type Database, queryRows } from './client.js';

/** Any 64-bit constant works; this one is "folio" in ASCII. */
const MIGRATION_LOCK = 435459876975;

export interface Migration {
  name: string;
  sql: string;
}

const migrationsDir = fileURLToPath(new URL('../../src/db/migrations/', import.meta.url));

/** Migration files in name order (plain SQL, committed). */
export function loadMigrations(dir = migrationsDir): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name) => ({ name, sql: readFileSync(`${dir}/${name}`, 'utf8') }));
}

/**
 * Apply pending migrations once, under a session-level advisory lock so that
 * processes booting together serialise here instead of colliding. Each file
 * runs in its own transaction with its bookkeeping row.
 */
export async function migrate(database: Database, migrations = loadMigrations()): Promise<string[]> {
  if (await allApplied(database, migrations)) return [];
  return database.withSession(async (s) => {
    await s.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await s.exec('CREATE TABLE IF NOT EXISTS folio_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const done = new Set((await s.query<{ name: string }>('SELECT name FROM folio_migrations')).map((r) => r.name));
      const applied: string[] = [];
      for (const m of migrations) {
        if (done.has(m.name)) continue;
        await s.exec('BEGIN');
        try {
          await s.exec(m.sql);
          await s.query('INSERT INTO folio_migrations (name) VALUES ($1)', [m.name]);
          await s.exec('COMMIT');
        } catch (err) {
          await s.exec('ROLLBACK');
          throw new Error(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
        }
        applied.push(m.name);
      }
      return applied;
    } finally {
      await s.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  });
}

/**
 * A restart's fast path: when every migration is already recorded there is nothing to apply and so
 * nothing to lock. One query on the app pool (whose connection the server goes on to use) instead of
 * a session on the direct URL and four round trips. A recorded migration is whole: its row commits
 * in the same transaction. Any error (no table yet on a first run) means "take the locked path".
 */
async function allApplied(database: Database, migrations: Migration[]): Promise<boolean> {
  try {
    const done = new Set((await queryRows<{ name: string }>(database.db, sql`SELECT name FROM folio_migrations`)).map((r) => r.name));
    return migrations.every((m) => done.has(m.name));
  } catch {
    return false;
  }
}

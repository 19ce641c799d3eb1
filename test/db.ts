/**
 * A fresh, migrated database for one test file, on the backend the vitest
 * project selects (FOLIO_TEST_DB=pglite|postgres). On PostgreSQL each call
 * creates its own database on the server the global setup started.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { type PgConnection, parsePostgresUrl } from '../src/config/postgres-url.js';
import { type Database, openDatabase } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';

export type Backend = 'pglite' | 'postgres';

export const backend = (): Backend => (process.env.FOLIO_TEST_DB === 'postgres' ? 'postgres' : 'pglite');

export interface TestDatabase {
  database: Database;
  /** On PostgreSQL: a connection for this database (to open a second client). */
  connection: PgConnection | null;
  close(): Promise<void>;
}

/** An empty database on the test server (PostgreSQL only): URL and a drop function. */
export async function createPostgresDatabase(): Promise<{ connection: PgConnection; url: string; drop(): Promise<void> }> {
  const serverUrl = inject('postgresUrl');
  const name = `folio_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = serverUrl.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  return {
    url,
    connection: parsePostgresUrl(url, 'DATABASE_URL'),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function createTestDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  if (backend() === 'pglite') {
    const database = await openDatabase({ kind: 'pglite', dataDir: undefined });
    if (opts.migrate !== false) await migrate(database);
    return { database, connection: null, close: () => database.close() };
  }
  const created = await createPostgresDatabase();
  const database = await openDatabase({ kind: 'postgres', app: created.connection, direct: created.connection, poolMax: 5 });
  if (opts.migrate !== false) await migrate(database);
  return {
    database,
    connection: created.connection,
    async close() {
      await database.close();
      await created.drop();
    },
  };
}

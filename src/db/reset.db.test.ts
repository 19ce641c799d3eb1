/** `folio reset` on a database server: everything Folio made goes, nothing else does, and Folio starts over on it. */
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/db.js';
import { createReader } from '../readers/readers.js';
import { queryRows } from './client.js';
import { loadMigrations, migrate } from './migrate.js';
import { folioObjects, resetDatabase } from './reset.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const publicTables = async (db: Parameters<typeof queryRows>[0]) =>
  (await queryRows<{ name: string }>(db, sql`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).map((r) => r.name);

describe('resetDatabase', () => {
  it('drops every table, function and sequence the migrations made, keeps what is not Folio’s, and the migrations run again', async () => {
    const t = await createTestDatabase();
    cleanups.push(() => t.close());
    await t.database.db.execute(sql`CREATE TABLE not_folio (x int)`);
    await createReader(t.database.db);
    const before = await publicTables(t.database.db);
    // The names read from the migrations are exactly the tables that exist (no table is missed by the parser).
    expect(before.filter((n) => n !== 'not_folio' && n !== 'chunk_vectors')).toEqual(
      folioObjects()
        .tables.filter((n) => n !== 'chunk_vectors')
        .sort(),
    );
    await resetDatabase(t.database);
    expect(await publicTables(t.database.db)).toEqual(['not_folio']);
    const left = await queryRows<{ name: string }>(
      t.database.db,
      sql`SELECT p.proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND p.proname LIKE 'folio\_%'`,
    );
    expect(left).toEqual([]);
    expect(await migrate(t.database)).toEqual(loadMigrations().map((m) => m.name));
    expect((await createReader(t.database.db)).token).toBeTruthy();
  });
});

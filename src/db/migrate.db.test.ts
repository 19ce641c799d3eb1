import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { backend, createPostgresDatabase, createTestDatabase } from '../../test/db.js';
import { authenticateReader } from '../readers/readers.js';
import { hashReaderToken, newReaderToken } from '../readers/tokens.js';
import { type Database, openDatabase, queryRows } from './client.js';
import { loadMigrations, migrate } from './migrate.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('migrations', () => {
  it('apply once and are idempotent', async () => {
    const t = await createTestDatabase({ migrate: false });
    cleanups.push(() => t.close());
    const first = await migrate(t.database);
    expect(first).toEqual(loadMigrations().map((m) => m.name));
    expect(await migrate(t.database)).toEqual([]);
    const tables = await queryRows<{ n: number }>(
      t.database.db,
      sql`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('series','episodes','pages','chunks','progress','readers')`,
    );
    expect(tables[0]!.n).toBe(6);
  });

  it('on a restart with nothing to apply, need no session (no lock, no direct connection)', async () => {
    const t = await createTestDatabase({ migrate: false });
    cleanups.push(() => t.close());
    await migrate(t.database);
    let sessions = 0;
    const counting: Database = {
      ...t.database,
      db: t.database.db,
      withSession: (fn) => {
        sessions++;
        return t.database.withSession(fn);
      },
    };
    expect(await migrate(counting)).toEqual([]);
    expect(sessions).toBe(0);
    // A new migration file takes the locked path and is applied.
    const next = [...loadMigrations(), { name: '9999_added.sql', sql: 'CREATE TABLE added_later (id int);' }];
    expect(await migrate(counting, next)).toEqual(['9999_added.sql']);
    expect(sessions).toBe(1);
  });

  it('0011 (token scopes) makes tokens issued before it read-only MCP, and refuses unknown scopes from then on', async () => {
    const t = await createTestDatabase({ migrate: false });
    cleanups.push(() => t.close());
    const all = loadMigrations();
    await migrate(
      t.database,
      all.filter((m) => m.name < '0011'),
    );
    await t.database.db.execute(sql`INSERT INTO readers (token_hash) VALUES ('reader-hash')`);
    await t.database.db.execute(
      sql`INSERT INTO reader_tokens (reader_id, token_hash, label) SELECT id, 'assistant-hash', 'Issued before scopes' FROM readers WHERE token_hash = 'reader-hash'`,
    );
    expect(await migrate(t.database, all)).toContain('0011_token_scopes.sql');
    const rows = await queryRows<{ scopes: string[] }>(t.database.db, sql`SELECT scopes FROM reader_tokens WHERE token_hash = 'assistant-hash'`);
    expect(rows).toEqual([{ scopes: ['mcp:read'] }]);
    await expect(t.database.db.execute(sql`UPDATE reader_tokens SET scopes = '{mcp:read,admin}' WHERE token_hash = 'assistant-hash'`)).rejects.toThrow();
  });

  it("0017 (devices) makes the token of every reader from before it that reader's first device", async () => {
    const t = await createTestDatabase({ migrate: false });
    cleanups.push(() => t.close());
    const all = loadMigrations();
    await migrate(
      t.database,
      all.filter((m) => m.name < '0017'),
    );
    const token = newReaderToken();
    await t.database.db.execute(sql`INSERT INTO readers (token_hash, created_at) VALUES (${hashReaderToken(token)}, now() - interval '3 days')`);
    expect(await migrate(t.database, all)).toContain('0017_reader_devices.sql');
    const cred = await authenticateReader(t.database.db, token);
    expect(cred).toMatchObject({ tokenId: null, deviceId: expect.any(String) });
    const [device] = await queryRows<{ label: string; old: boolean }>(
      t.database.db,
      sql`SELECT label, created_at < now() - interval '2 days' AS old FROM reader_devices WHERE reader_id = ${cred!.readerId}`,
    );
    expect(device).toEqual({ label: 'First device', old: true });
  });

  it('roll back a failing migration entirely', async () => {
    const t = await createTestDatabase({ migrate: false });
    cleanups.push(() => t.close());
    await expect(migrate(t.database, [{ name: '0001_bad.sql', sql: 'CREATE TABLE half_done (id int); SELECT no_such_function();' }])).rejects.toThrow(/0001_bad\.sql/);
    const rows = await queryRows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'half_done'`);
    expect(rows[0]!.n).toBe(0);
    expect(await queryRows(t.database.db, sql`SELECT name FROM folio_migrations`)).toEqual([]);
  });

  it.runIf(backend() === 'postgres')('serialise under the advisory lock when processes boot together', async () => {
    const created = await createPostgresDatabase();
    const dbs: Database[] = [];
    for (let i = 0; i < 4; i++) dbs.push(await openDatabase({ kind: 'postgres', app: created.connection, direct: created.connection, poolMax: 2 }));
    cleanups.push(async () => {
      for (const d of dbs) await d.close();
      await created.drop();
    });
    // A slow migration widens the race window: without the lock, two runners would both try it.
    const slow = [
      { name: '0001_a.sql', sql: 'SELECT pg_sleep(0.3); CREATE TABLE a (id int);' },
      { name: '0002_b.sql', sql: 'CREATE TABLE b (id int);' },
    ];
    const results = await Promise.all(dbs.map((d) => migrate(d, slow)));
    expect(results.flat().sort()).toEqual(['0001_a.sql', '0002_b.sql']);
    const applied = await queryRows<{ name: string }>(dbs[0]!.db, sql`SELECT name FROM folio_migrations ORDER BY name`);
    expect(applied.map((r) => r.name)).toEqual(['0001_a.sql', '0002_b.sql']);
  });
});

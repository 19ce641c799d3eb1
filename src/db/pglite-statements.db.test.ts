/** The embedded database's statement cache (pglite-statements.ts), on a real PGlite. */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backend } from '../../test/db.js';
import { cacheStatements } from './pglite-statements.js';

let client: PGlite;
let cache: ReturnType<typeof cacheStatements>;

/** The named statements PostgreSQL holds for this session. */
async function prepared(): Promise<string[]> {
  const res = await client.exec(`SELECT name FROM pg_prepared_statements WHERE name LIKE 'folio_s%' ORDER BY name`);
  return res[0]!.rows.map((r) => String((r as { name: string }).name));
}

describe.skipIf(backend() !== 'pglite')('PGlite statement cache', () => {
  beforeEach(async () => {
    client = await PGlite.create({ extensions: { vector } });
    await client.exec(`CREATE EXTENSION vector;
      CREATE TABLE t (id int PRIMARY KEY, name text, meta jsonb, seen timestamptz, who uuid, v vector(3));
      INSERT INTO t VALUES (1, 'Ada', '{"a":1}', '2026-01-02T03:04:05Z', '11111111-1111-1111-1111-111111111111', '[1,2,3]'),
                           (2, NULL, NULL, NULL, NULL, NULL);`);
    cache = cacheStatements(client, 3);
  });
  afterEach(async () => {
    await client.close();
  });

  it('parses a statement once and binds it again, with the same results as an unnamed statement', async () => {
    const text = 'SELECT id, name, meta, seen, who, v::text AS v FROM t WHERE id = $1 OR name = $2 ORDER BY id';
    const first = await client.query(text, [1, null]);
    for (let i = 0; i < 5; i++) expect((await client.query(text, [1, null])).rows).toEqual(first.rows);
    expect(first.rows).toEqual([
      { id: 1, name: 'Ada', meta: { a: 1 }, seen: new Date('2026-01-02T03:04:05Z'), who: '11111111-1111-1111-1111-111111111111', v: '[1,2,3]' },
    ]);
    expect((await client.query(text, [2, 'Ada'])).rows.map((r) => (r as { id: number }).id)).toEqual([1, 2]);
    expect(cache.statements()).toBe(1);
    expect(await prepared()).toHaveLength(1);
    // Array rows (drizzle's query builder) and typed parameters go through it too.
    const arrays = await client.query<unknown[]>('SELECT id FROM t WHERE id = ANY($1::int[]) ORDER BY id', [[1, 2]], { rowMode: 'array' });
    expect(arrays.rows).toEqual([[1], [2]]);
  });

  it("a caller's own parsers win for their types, the client's parse the rest (new parser objects on every call, as drizzle sends)", async () => {
    const text = 'SELECT id, meta, seen FROM t WHERE id = $1';
    for (let i = 0; i < 3; i++) {
      const raw = (v: string) => `raw:${v}`;
      const { rows } = await client.query(text, [1], { parsers: { 1184: raw } });
      expect(rows).toEqual([{ id: 1, meta: { a: 1 }, seen: 'raw:2026-01-02 03:04:05+00' }]);
    }
    expect((await client.query(text, [1])).rows).toEqual([{ id: 1, meta: { a: 1 }, seen: new Date('2026-01-02T03:04:05Z') }]);
  });

  it('keeps at most its limit of statements, closing the least recently used', async () => {
    for (const id of [1, 2, 3, 4, 5]) await client.query(`SELECT name FROM t WHERE id = $1 AND ${id} = ${id}`, [1]);
    expect(cache.statements()).toBe(3);
    expect(await prepared()).toHaveLength(3);
  });

  it('leaves DDL and session commands unnamed', async () => {
    await client.query('CREATE TABLE u (x int)');
    await client.query('SET statement_timeout = 0');
    expect(cache.statements()).toBe(0);
  });

  it('a failing statement leaves the session usable, and a syntax error caches nothing', async () => {
    const insert = 'INSERT INTO t (id, name) VALUES ($1, $2)';
    await expect(client.query(insert, [1, 'again'])).rejects.toMatchObject({ code: '23505' });
    await client.query(insert, [3, 'Flit']);
    expect(cache.statements()).toBe(1);
    await expect(client.query('SELECT FROM WHERE $1', [1])).rejects.toThrow(/syntax/);
    expect(cache.statements()).toBe(1);
    expect((await client.query('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n: 3 }]);
  });

  it('prepares again when a table it reads was re-created with other columns', async () => {
    const text = 'SELECT * FROM t WHERE id = $1';
    expect(Object.keys((await client.query(text, [1])).rows[0] as object)).toContain('meta');
    await client.exec('DROP TABLE t; CREATE TABLE t (id int, label text); INSERT INTO t VALUES (1, $$moth$$);');
    expect((await client.query(text, [1])).rows).toEqual([{ id: 1, label: 'moth' }]);
    expect(await prepared()).toHaveLength(1);
  });

  it('transactions keep their own path and see their own writes', async () => {
    await client.transaction(async (tx) => {
      await tx.query('INSERT INTO t (id, name) VALUES ($1, $2)', [9, 'Tx']);
      expect((await tx.query('SELECT name FROM t WHERE id = $1', [9])).rows).toEqual([{ name: 'Tx' }]);
    });
    expect((await client.query('SELECT name FROM t WHERE id = $1', [9])).rows).toEqual([{ name: 'Tx' }]);
  });

  it('a statement sent while another caller has a transaction open waits for it to end, never runs inside it', async () => {
    let outside: Promise<unknown> | undefined;
    await client.transaction(async (tx) => {
      await tx.query('INSERT INTO t (id, name) VALUES ($1, $2)', [10, 'Uncommitted']);
      outside = client.query('SELECT count(*)::int AS n FROM t WHERE id = $1', [10]);
      // Time for the outside statement to run, if it could: inside this transaction it would see the row.
      await new Promise((r) => setTimeout(r, 50));
      await tx.rollback();
    });
    expect(((await outside) as { rows: unknown[] }).rows).toEqual([{ n: 0 }]);
  });
});

// Smoke test for the test services themselves. Runs in both database projects:
// against the real server started by postgres.global-setup.ts it checks the
// server version and pgvector; under PGlite there is nothing to check but the
// project wiring.
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';

const db = process.env.FOLIO_TEST_DB;

describe('test services', () => {
  if (db === 'postgres') {
    it('provides a PostgreSQL 15 server with pgvector', async () => {
      const url = inject('postgresUrl');
      expect(url).toMatch(/^postgres:\/\//);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ version: string }>('select version() as version');
        expect(rows[0]?.version).toMatch(/PostgreSQL 15\./);
        await client.query('create extension if not exists vector');
        const vec = await client.query<{ v: string }>(`select '[1,2]'::vector::text as v`);
        expect(vec.rows[0]?.v).toBe('[1,2]');
        const dist = await client.query<{ d: number }>(`select '[1,2]'::vector <-> '[4,6]'::vector as d`);
        expect(dist.rows[0]?.d).toBe(5);
      } finally {
        await client.end();
      }
    });
  } else {
    it('runs under the pglite project', () => {
      expect(db).toBe('pglite');
    });
  }
});

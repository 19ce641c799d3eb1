/**
 * Rate-limit buckets in the database: what makes a limit hold across replicas. Two `DatabaseBuckets`
 * on two connections stand for two processes; on PostgreSQL they are two pools (as two replicas have).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, createTestDatabase, type TestDatabase } from '../../test/db.js';
import { type Database, openDatabase, queryRows } from '../db/client.js';
import { bucketsFor, DatabaseBuckets } from './buckets.js';
import { deleteIdleBuckets } from './queries.js';

let t: TestDatabase;
let second: Database;

beforeAll(async () => {
  t = await createTestDatabase();
  second = t.connection ? await openDatabase({ kind: 'postgres', app: t.connection, direct: t.connection, poolMax: 2 }) : t.database;
});
afterAll(async () => {
  if (second !== t.database) await second.close();
  await t.close();
});

/** Pretend `seconds` passed for `key` (the bucket refills from the database's clock). */
const age = (key: string, seconds: number) => t.database.db.execute(sql`UPDATE rate_buckets SET at = at - make_interval(secs => ${seconds}::float8) WHERE key = ${key}`);

describe('DatabaseBuckets', () => {
  it('allows a burst of perMinute across two processes together, then tells how long to wait', async () => {
    const a = new DatabaseBuckets(t.database);
    const b = new DatabaseBuckets(second);
    const taken = [await a.take('k1', 3), await b.take('k1', 3), await a.take('k1', 3)];
    expect(taken.every((r) => r.ok)).toBe(true);
    const refused = await b.take('k1', 3);
    expect(refused.ok).toBe(false);
    expect(refused.ok === false && refused.retryAfterS).toBeGreaterThanOrEqual(19);
    expect(refused.ok === false && refused.retryAfterS).toBeLessThanOrEqual(20);
    await age('k1', 20);
    expect((await b.take('k1', 3)).ok).toBe(true);
    expect((await a.take('k1', 3)).ok).toBe(false);
  });

  it('counts every concurrent take once (no lost update between processes)', async () => {
    const a = new DatabaseBuckets(t.database);
    const b = new DatabaseBuckets(second);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).take('burst', 5)));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
  });

  it('keeps keys apart, and 0 means no limit (nothing written)', async () => {
    const a = new DatabaseBuckets(t.database);
    expect((await a.take('x', 1)).ok).toBe(true);
    expect((await a.take('y', 1)).ok).toBe(true);
    expect((await a.take('x', 1)).ok).toBe(false);
    for (let i = 0; i < 5; i++) expect((await a.take('free', 0)).ok).toBe(true);
    const rows = await queryRows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM rate_buckets WHERE key = 'free'`);
    expect(rows[0]!.n).toBe(0);
  });

  it('drops buckets idle past the given age (they would be full anyway)', async () => {
    const a = new DatabaseBuckets(t.database);
    await a.take('idle', 2);
    await a.take('busy', 2);
    await age('idle', 300);
    expect(await deleteIdleBuckets(t.database.db, 120)).toBeGreaterThanOrEqual(1);
    const keys = (await queryRows<{ key: string }>(t.database.db, sql`SELECT key FROM rate_buckets`)).map((r) => r.key);
    expect(keys).toContain('busy');
    expect(keys).not.toContain('idle');
  });
});

describe('bucketsFor', () => {
  it(`keeps ${backend() === 'postgres' ? 'PostgreSQL' : 'the embedded database'}'s buckets ${backend() === 'postgres' ? 'in the shared table' : 'in memory'}`, async () => {
    const one = bucketsFor({ database: t.database });
    const two = bucketsFor({ database: second });
    expect((await one.take('answer:reader:r', 1)).ok).toBe(true);
    // Another replica on PostgreSQL sees the same bucket; on PGlite (one process) memory is per instance.
    expect((await two.take('answer:reader:r', 1)).ok).toBe(backend() !== 'postgres');
    const rows = await queryRows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM rate_buckets WHERE key = 'answer:reader:r'`);
    expect(rows[0]!.n).toBe(backend() === 'postgres' ? 1 : 0);
  });

  it('uses memory until the database is open', async () => {
    const runtime: { database: Database | null } = { database: null };
    const buckets = bucketsFor(runtime);
    expect((await buckets.take('early', 1)).ok).toBe(true);
    expect((await buckets.take('early', 1)).ok).toBe(false);
  });
});

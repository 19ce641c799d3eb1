/**
 * The reader's own token recognised from memory (ADR 0035), against the real database: a hit runs no
 * statement, an entry is looked up again after its time, assistant tokens are never kept (a revoke or a
 * new scope counts on the next request), unknown tokens are not kept, and the size stays bounded. With the
 * change feed: a device change on any connection drops the reader's credentials, page turns do not, nothing is
 * kept while the feed is down, and a lookup that raced with a change is not kept.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { BoundaryStates } from '../catalog/states.js';
import { createAssistantToken, revokeAssistantToken } from './assistant-tokens.js';
import { CredentialCache } from './credential-cache.js';
import { createReader } from './readers.js';
import { newReaderToken } from './tokens.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
}, 120_000);
afterAll(async () => {
  await t?.close();
});

/** Moves a reader's own token to a new value behind the cache's back: only a real lookup can see it. */
async function replaceToken(readerId: string): Promise<void> {
  await t.database.db.execute(sql`UPDATE reader_devices SET token_hash = 'replaced-' || id WHERE reader_id = ${readerId}`);
}

describe('CredentialCache', () => {
  it("answers a reader's own token from memory until its time is up, then looks it up again", async () => {
    let now = 1_000;
    const cache = new CredentialCache({ ttlMs: 30_000, now: () => now });
    const { id, token } = await createReader(t.database.db);
    expect((await cache.authenticate(t.database.db, token))?.readerId).toBe(id);
    await replaceToken(id);
    now += 29_999;
    expect((await cache.authenticate(t.database.db, token))?.readerId).toBe(id);
    now += 2;
    expect(await cache.authenticate(t.database.db, token)).toBeNull();
    expect(cache.size).toBe(0);
  });

  it('never keeps an assistant token: a revoke is seen on the next request', async () => {
    const cache = new CredentialCache();
    const { id } = await createReader(t.database.db);
    const created = await createAssistantToken(t.database.db, id, 'assistant');
    const cred = await cache.authenticate(t.database.db, created.token);
    expect(cred).toMatchObject({ readerId: id, tokenId: created.id });
    expect(cache.size).toBe(0);
    await revokeAssistantToken(t.database.db, id, created.id);
    expect(await cache.authenticate(t.database.db, created.token)).toBeNull();
  });

  it('does not keep unknown or malformed tokens', async () => {
    const cache = new CredentialCache();
    expect(await cache.authenticate(t.database.db, newReaderToken())).toBeNull();
    expect(await cache.authenticate(t.database.db, 'not a token')).toBeNull();
    expect(cache.size).toBe(0);
  });

  it('holds at most `max` readers, dropping the oldest', async () => {
    const cache = new CredentialCache({ max: 3 });
    const readers = [];
    for (let i = 0; i < 4; i++) readers.push(await createReader(t.database.db));
    for (const r of readers) await cache.authenticate(t.database.db, r.token);
    expect(cache.size).toBe(3);
    await replaceToken(readers[0]!.id);
    await replaceToken(readers[3]!.id);
    expect(await cache.authenticate(t.database.db, readers[0]!.token)).toBeNull();
    expect((await cache.authenticate(t.database.db, readers[3]!.token))?.readerId).toBe(readers[3]!.id);
  });
});

describe('CredentialCache following the change feed (ADR 0041)', () => {
  const live = async (states: BoundaryStates) => expect.poll(() => states.isLive, { timeout: 5_000, interval: 10 }).toBe(true);

  it("drops a reader's credentials when its devices change on any connection, and keeps them through page turns", async () => {
    const states = new BoundaryStates();
    const cache = new CredentialCache({ changes: states });
    try {
      cache.follow(t.database);
      await live(states);
      // A new series clears everything: let its announcement pass first (a sentinel reader's change comes after it).
      await t.database.db.execute(sql`INSERT INTO series (id, title, content_hash) VALUES ('feed-cred', 'Feed', 'h') ON CONFLICT DO NOTHING`);
      const sentinel = await createReader(t.database.db);
      await cache.authenticate(t.database.db, sentinel.token);
      await t.database.db.execute(sql`UPDATE reader_devices SET label = 'Sentinel' WHERE reader_id = ${sentinel.id}`);
      await expect.poll(() => cache.size, { timeout: 5_000, interval: 10 }).toBe(0);
      const a = await createReader(t.database.db);
      const b = await createReader(t.database.db);
      await cache.authenticate(t.database.db, a.token);
      await cache.authenticate(t.database.db, b.token);
      expect(cache.size).toBe(2);
      // A page turn of A (announced as r:<A>) is not a device change: A stays; then B's device changes.
      await t.database.db.execute(sql`INSERT INTO progress (reader_id, series_id, episode, page) VALUES (${a.id}, 'feed-cred', 1, 1)`);
      await t.database.db.execute(sql`UPDATE reader_devices SET label = 'Renamed' WHERE reader_id = ${b.id}`);
      await expect.poll(() => cache.readers, { timeout: 5_000, interval: 10 }).not.toContain(b.id);
      expect(cache.readers).toEqual([a.id]);
      await replaceToken(a.id);
      // A's device changed too (its token replaced): gone from memory, and the old token is refused.
      await expect.poll(() => cache.size, { timeout: 5_000, interval: 10 }).toBe(0);
      expect(await cache.authenticate(t.database.db, a.token)).toBeNull();
    } finally {
      await states.close();
    }
  });

  it('keeps nothing while the feed is not live', async () => {
    const states = new BoundaryStates();
    const cache = new CredentialCache({ changes: states });
    const { id, token } = await createReader(t.database.db);
    // Never followed: never live.
    expect((await cache.authenticate(t.database.db, token))?.readerId).toBe(id);
    expect(cache.size).toBe(0);
  });

  it('does not keep a lookup that raced with a change of its reader', async () => {
    const states = new BoundaryStates();
    const cache = new CredentialCache({ changes: states });
    try {
      cache.follow(t.database);
      await live(states);
      const { id, token } = await createReader(t.database.db);
      const pending = cache.authenticate(t.database.db, token);
      cache.forgetReader(id);
      expect((await pending)?.readerId).toBe(id);
      expect(cache.size).toBe(0);
      await cache.authenticate(t.database.db, token);
      expect(cache.size).toBe(1);
    } finally {
      await states.close();
    }
  });
});

/**
 * The reader's own token recognised from memory (ADR 0035), against the real database: a hit runs no
 * statement, an entry is looked up again after its time, assistant tokens are never kept (a revoke or a
 * new scope counts on the next request), unknown tokens are not kept, and the size stays bounded.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
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
  await t.database.db.execute(sql`UPDATE readers SET token_hash = 'replaced-' || id WHERE id = ${readerId}`);
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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './client.js';
import { openPglite } from './pglite.js';

let database: Database;
beforeAll(async () => {
  database = await openPglite(undefined);
});
afterAll(async () => {
  await database?.close();
});

describe('the embedded engine', () => {
  it('runs with small shared buffers: the default 128 MB is touched at every start (ADR 0034)', async () => {
    const [row] = await database.withSession((s) => s.query<{ shared_buffers: string }>('SHOW shared_buffers'));
    expect(row?.shared_buffers).toBe('32MB');
  });

  it("keeps PGlite's own start parameters (one process, no parallel workers)", async () => {
    const [row] = await database.withSession((s) => s.query<{ max_parallel_workers_per_gather: string }>('SHOW max_parallel_workers_per_gather'));
    expect(row?.max_parallel_workers_per_gather).toBe('0');
  });
});

/**
 * Fuzz (fast-check) over the reader API, the world/wiki/search routes, media
 * and the web routes, through real HTTP against Folio's app on the project's
 * database: no 5xx, no crash, the JSON error shape on every 4xx, and no state
 * change from any rejected request (test/fuzz/harness.ts).
 * FOLIO_FUZZ_SEED=<n> replays a run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../db.js';
import { readerRequests, webRequests, worldRequests } from './generators.js';
import { expectAlive, FUZZ_FULL_QUOTA, FUZZ_QUOTA, FUZZ_SCALE, type FuzzServer, startFuzzServer } from './harness.js';
import { fuzz } from './run.js';

let t: TestDatabase;
let server: FuzzServer;

beforeAll(async () => {
  ({ t, server } = await startFuzzServer());
}, 240_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
});

describe('fuzz: reader API, world, media, web', () => {
  it(`reader API (library, series, episodes, progress, readers, tokens, health): ${FUZZ_QUOTA.reader} requests`, async () => {
    expect(await fuzz(server, readerRequests(server), FUZZ_QUOTA.reader)).toBe(FUZZ_QUOTA.reader);
    await expectAlive(server);
  }, 600_000);

  it(`world graph, wiki, search: ${FUZZ_QUOTA.world} requests`, async () => {
    expect(await fuzz(server, worldRequests(server), FUZZ_QUOTA.world)).toBe(FUZZ_QUOTA.world);
    await expectAlive(server);
  }, 600_000);

  it(`media, web routes and unknown paths: ${FUZZ_QUOTA.web} requests`, async () => {
    expect(await fuzz(server, webRequests(server), FUZZ_QUOTA.web)).toBe(FUZZ_QUOTA.web);
    await expectAlive(server);
  }, 600_000);

  it('sent every generated request', () => {
    expect(server.sent).toBeGreaterThanOrEqual(FUZZ_QUOTA.reader + FUZZ_QUOTA.world + FUZZ_QUOTA.web);
  });

  it.skipIf(FUZZ_SCALE !== 1)('the fuzz files together send at least 10,000 requests per backend (each file asserts its own share)', () => {
    const total = Object.values(FUZZ_QUOTA).reduce((a, b) => a + b, 0);
    expect(FUZZ_QUOTA).toEqual(FUZZ_FULL_QUOTA);
    expect(total).toBeGreaterThanOrEqual(10_000);
  });
});

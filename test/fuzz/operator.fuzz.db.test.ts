/**
 * Fuzz (fast-check) over the operator API and /metrics, with the token, a
 * wrong one and none: uploads of broken archives (the sample pack's zip
 * truncated, with flipped bytes, with a file changed, removed or escaping the
 * pack, too large), jobs, series changes. No 5xx, no crash, and a rejected
 * request — a refused upload above all — queues no job and changes nothing
 * (test/fuzz/harness.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../db.js';
import { operatorRequests } from './generators.js';
import { expectAlive, FUZZ_QUOTA, type FuzzServer, startFuzzServer } from './harness.js';
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

describe('fuzz: operator API', () => {
  it(`imports, jobs, series, metrics, with and without the token: ${FUZZ_QUOTA.operator} requests`, async () => {
    expect(await fuzz(server, operatorRequests(server), FUZZ_QUOTA.operator)).toBe(FUZZ_QUOTA.operator);
    await expectAlive(server);
  }, 600_000);

  it('sent every generated request', () => {
    expect(server.sent).toBeGreaterThanOrEqual(FUZZ_QUOTA.operator);
  });
});

/**
 * Fuzz (fast-check) over the companion routes (chat, warm-up, recap,
 * conversations) and the MCP endpoint (random JSON-RPC, single and batched,
 * with random auth, Accept, Origin and protocol-version headers), through real
 * HTTP: no 5xx, no crash, no state change from a rejected request — at /mcp a
 * JSON-RPC error or a tool error counts as rejected too (test/fuzz/harness.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../db.js';
import { companionRequests, mcpRejected, mcpRequests } from './generators.js';
import { expectAlive, FUZZ_QUOTA, type FuzzServer, SERIES, startFuzzServer } from './harness.js';
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

describe('fuzz: companion and MCP', () => {
  it(`chat, warm-up, recap, conversations: ${FUZZ_QUOTA.companion} requests`, async () => {
    expect(await fuzz(server, companionRequests(server), FUZZ_QUOTA.companion)).toBe(FUZZ_QUOTA.companion);
    await expectAlive(server);
  }, 600_000);

  it(`/mcp with random JSON-RPC: ${FUZZ_QUOTA.mcp} requests`, async () => {
    expect(await fuzz(server, mcpRequests(server), FUZZ_QUOTA.mcp, { rejected: (res) => mcpRejected(res.body) })).toBe(FUZZ_QUOTA.mcp);
    await expectAlive(server);
  }, 600_000);

  it('regression (found by this fuzz): a chat with `viewing: []` (no page on screen) answers, it is not a 500', async () => {
    const res = await server.check({
      method: 'POST',
      path: `/api/series/${SERIES}/chat`,
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'viewing-empty', messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Where is Ada?' }] }], viewing: [] }),
    });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toContain('"type":"finish"');
  });

  it('sent every generated request', () => {
    expect(server.sent).toBeGreaterThanOrEqual(FUZZ_QUOTA.companion + FUZZ_QUOTA.mcp + 1);
  });
});

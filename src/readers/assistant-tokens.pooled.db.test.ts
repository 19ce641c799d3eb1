/**
 * Assistant tokens through PgBouncer in transaction mode (Neon's `-pooler`
 * shape): the create transaction with its row lock, the one-round-trip lookup
 * and last-used write, and revocation, with statements spread over the
 * pooler's server connections. PostgreSQL only (PGlite has no pooler).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { backend } from '../../test/db.js';
import { writeTinyPack } from '../../test/packs.js';
import type { TestServer } from '../../test/server.js';
import { startPooledServer } from '../../test/services/pooled-server.js';
import { importPack } from '../content/importer.js';
import type { Database } from '../db/client.js';
import { MAX_ASSISTANT_TOKENS } from './assistant-tokens.js';

const onPostgres = backend() === 'postgres';
let pooled: Database;
let server: TestServer;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  if (!onPostgres) return;
  ({ pooled, server, close } = await startPooledServer());
}, 60_000);

afterAll(async () => {
  await close?.();
});

it.runIf(onPostgres)('create (concurrently, up to the limit), use on the API and /mcp, and revoke through a transaction-mode pooler', async () => {
  await importPack({ database: pooled, storage: server.storage }, await writeTinyPack({ id: 'pooled-tokens' }));
  const own = await server.newReader();
  const creates = await Promise.all(
    Array.from({ length: MAX_ASSISTANT_TOKENS + 4 }, (_, i) =>
      server.fetch('/api/readers/me/tokens', { method: 'POST', token: own, json: { label: `Pooled ${i}`, scopes: ['api', 'progress:write'] } }),
    ),
  );
  expect(creates.map((r) => r.status).sort()).toEqual([...Array(MAX_ASSISTANT_TOKENS).fill(201), ...Array(4).fill(409)]);
  const made = await Promise.all(creates.filter((r) => r.status === 201).map(async (r) => (await r.json()) as { id: string; token: string }));
  for (const r of creates.filter((x) => x.status !== 201)) await r.body?.cancel();

  const moved = await server.fetch('/api/series/pooled-tokens/progress', { method: 'POST', token: made[0]!.token, json: { episode: 1, page: 1 } });
  expect(moved.status).toBe(200);
  // Every assistant token is the same reader, concurrently.
  const reads = await Promise.all(made.map((m) => server.fetch('/api/series/pooled-tokens/progress', { token: m.token }).then((r) => r.json())));
  for (const r of reads) expect(r).toEqual({ episode: 1, page: 1 });
  const mcp = await fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${made[1]!.token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'where_am_i', arguments: { series_id: 'pooled-tokens' } } }),
  });
  expect(((await mcp.json()) as { result: { structuredContent: { position: unknown } } }).result.structuredContent.position).toEqual({ episode: 1, page: 1 });

  const listed = (await (await server.fetch('/api/readers/me/tokens', { token: own })).json()) as { tokens: Array<{ id: string; lastUsedAt: string | null }> };
  expect(listed.tokens).toHaveLength(MAX_ASSISTANT_TOKENS);
  expect(listed.tokens.every((t) => t.lastUsedAt !== null)).toBe(true);

  expect((await server.fetch(`/api/readers/me/tokens/${made[1]!.id}`, { method: 'DELETE', token: own })).status).toBe(204);
  const refused = await server.fetch('/api/series/pooled-tokens/progress', { token: made[1]!.token });
  expect(refused.status).toBe(401);
  await refused.body?.cancel();
});

/**
 * Every request path through PgBouncer in transaction mode (the shape of Neon's
 * `-pooler` URLs), with migrations on the direct URL.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { sql } from 'drizzle-orm';
import { zipSync } from 'fflate';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { backend } from '../../test/db.js';
import { parseChatResponse, startCompanionServer } from '../../test/fakes/folio.js';
import { startFakeOllama } from '../../test/fakes/ollama.js';
import { writeTinyPack } from '../../test/packs.js';
import type { TestServer } from '../../test/server.js';
import { startPooledServer } from '../../test/services/pooled-server.js';
import { importPack } from '../content/importer.js';
import { jobHandlers } from '../jobs/handlers.js';
import { JobQueue } from '../jobs/jobs.js';
import { Worker } from '../jobs/worker.js';
import { type Database, queryRows } from './client.js';

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

it.runIf(onPostgres)('imports and serves every reader route through a transaction-mode pooler', async () => {
  const pack = await writeTinyPack({ id: 'pooled' });
  const r = await importPack({ database: pooled, storage: server.storage }, pack);
  expect(r.status).toBe('created');
  const token = await server.newReader();
  // Many concurrent requests spread statements over the pooler's 4 server connections.
  const responses = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0
        ? server.fetch('/api/series', { token })
        : i % 3 === 1
          ? server.fetch('/api/series/pooled', { token })
          : server.fetch('/api/series/pooled/episodes/1', { token }),
    ),
  );
  expect(responses.map((x) => x.status)).toEqual(Array(30).fill(200));
  const adv = await server.fetch('/api/series/pooled/progress', { method: 'POST', token, json: { episode: 1, page: 2 } });
  expect(await adv.json()).toEqual({ episode: 1, page: 2, advanced: true });
  const ep = (await (await server.fetch('/api/series/pooled/episodes/1', { token })).json()) as { pages: Array<{ dialogue: string | null }> };
  expect(ep.pages.map((p) => p.dialogue)).toEqual(['Line of episode 1 page 1\n', 'Line of episode 1 page 2\n', null]);
  const reset = await server.fetch('/api/series/pooled/progress/reset', { method: 'POST', token, json: { episode: 1, page: 1 } });
  expect(await reset.json()).toEqual({ episode: 1, page: 1 });
  expect(await (await server.fetch('/ready')).json()).toEqual({ status: 'ready', database: 'postgres' });
  // Re-import (a transaction with many statements) through the pooler as well.
  expect((await importPack({ database: pooled, storage: server.storage }, pack)).status).toBe('unchanged');
});

it.runIf(onPostgres)(
  'chat (with vectors), recap, conversations, world, wiki, search, MCP and background jobs all work through the pooler',
  async () => {
    const ollama = await startFakeOllama();
    const app = await startCompanionServer(pooled, {
      FOLIO_MODEL: 'ollama',
      FOLIO_MODEL_BASE_URL: ollama.url,
      FOLIO_CHAT_MODEL: 'llama3.2:3b',
      FOLIO_EMBED_MODEL: 'nomic-embed-text',
    });
    const worker = new Worker({
      db: pooled.db,
      handlers: jobHandlers({ database: pooled, storage: app.storage, importConcurrency: 2 }),
      logger: pino({ level: 'silent' }),
      concurrency: 2,
      pollMs: 50,
    });
    try {
      // An import as a background job, claimed and finished through the pooler.
      const queue = new JobQueue(pooled.db, () => worker.wake());
      const source = await writeTinyPack({ id: 'pooled-jobs', seed: 3 });
      const files: Record<string, Uint8Array> = {};
      const walk = async (d: string): Promise<void> => {
        for (const f of await readdir(d, { withFileTypes: true })) {
          const full = join(d, f.name);
          if (f.isDirectory()) await walk(full);
          else files[relative(source, full)] = new Uint8Array(await readFile(full));
        }
      };
      await walk(source);
      worker.start();
      const job = await queue.enqueue('import', {}, { upload: { name: 'p.zip', bytes: zipSync(files) } });
      for (const end = Date.now() + 60_000; (await queue.get(job.id)).state !== 'succeeded'; ) {
        if (Date.now() > end) throw new Error(`job: ${JSON.stringify(await queue.get(job.id))}`);
        await new Promise((r) => setTimeout(r, 50));
      }

      const token = await app.newReader();
      await app.moveTo(token, 'pooled', { episode: 2, page: 1 });
      // Vectors are written in the background through the pooler; then answers use hybrid retrieval.
      await app.fetch('/api/series/pooled/chat/warmup', { method: 'POST', token });
      for (const end = Date.now() + 60_000; ; ) {
        const [row] = await queryRows<{ n: number; c: number }>(
          pooled.db,
          sql`SELECT (SELECT count(*)::int FROM chunk_vectors) AS n, (SELECT count(*)::int FROM chunks) AS c`,
        );
        if (row!.n === row!.c) break;
        if (Date.now() > end) throw new Error('vectors were not written');
        await new Promise((r) => setTimeout(r, 100));
      }
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) => app.ask(token, 'pooled', `What does page ${(i % 3) + 1} say?`, { conversationId: `pooled-${i}` })),
      );
      for (const a of answers) {
        expect(a.status).toBe(200);
        expect(a.errors).toEqual([]);
        expect(a.metadata).toMatchObject({ mode: 'model', retrieval: { vector: true } });
      }
      expect((await app.fetch('/api/series/pooled/conversations', { token })).status).toBe(200);
      expect((await app.fetch('/api/conversations/pooled-0', { token })).status).toBe(200);
      const recap = await parseChatResponse(await app.fetch('/api/series/pooled/recap', { method: 'POST', token, json: { scope: 'series' } }));
      expect(recap.errors).toEqual([]);
      for (const path of ['/api/series/pooled/world', '/api/series/pooled/wiki', '/api/series/pooled/search?q=line']) {
        expect((await app.fetch(path, { token })).status, path).toBe(200);
      }
      const mcp = await fetch(`${app.url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-06-18',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'where_am_i', arguments: { series_id: 'pooled' } } }),
      });
      expect(((await mcp.json()) as { result: { structuredContent: { position: unknown } } }).result.structuredContent.position).toEqual({ episode: 2, page: 1 });
    } finally {
      await worker.stop();
      await app.close();
      await ollama.close();
    }
  },
  180_000,
);

it.runIf(!onPostgres)('is a PostgreSQL-only scenario', () => {
  expect(backend()).toBe('pglite');
});

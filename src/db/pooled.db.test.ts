/**
 * Every request path through PgBouncer in transaction mode (the shape of Neon's
 * `-pooler` URLs), with migrations on the direct URL.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { backend, createPostgresDatabase } from '../../test/db.js';
import { startPgBouncer, type PgBouncer } from '../../test/services/pgbouncer.js';
import { startTestServer, type TestServer } from '../../test/server.js';
import { writeTinyPack } from '../../test/packs.js';
import { parsePostgresUrl } from '../config/postgres-url.js';
import { importPack } from '../content/importer.js';
import { openDatabase, type Database } from './client.js';
import { migrate } from './migrate.js';

const onPostgres = backend() === 'postgres';
let bouncer: PgBouncer;
let pooled: Database;
let server: TestServer;
let drop: () => Promise<void>;

beforeAll(async () => {
  if (!onPostgres) return;
  const created = await createPostgresDatabase();
  drop = created.drop;
  bouncer = await startPgBouncer({ host: created.connection.host, port: created.connection.port });
  const app = parsePostgresUrl(bouncer.pooledUrl(created.url), 'DATABASE_URL');
  // Migrations (advisory lock, multi-statement files) go to the direct URL; everything else through the pooler.
  pooled = await openDatabase({ kind: 'postgres', app, direct: created.connection, poolMax: 8 });
  await migrate(pooled);
  server = await startTestServer(pooled);
}, 60_000);

afterAll(async () => {
  if (!onPostgres) return;
  await server?.close();
  await pooled?.close();
  await bouncer?.stop();
  await drop?.();
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

it.runIf(!onPostgres)('is a PostgreSQL-only scenario', () => {
  expect(backend()).toBe('pglite');
});

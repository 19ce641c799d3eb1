/**
 * The database restarts under load (a managed Postgres failover, a crash):
 * in-flight requests get 503 + Retry-After, never a 500 or a hang, and the
 * same process serves again once the server is back — no restart of Folio.
 * PostgreSQL only: this test starts and restarts a server of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend } from '../../test/db.js';
import { writeTinyPack } from '../../test/packs.js';
import { startTestServer, type TestServer } from '../../test/server.js';
import { type PostgresServer, startPostgres } from '../../test/services/postgres.js';
import { parsePostgresUrl } from '../config/postgres-url.js';
import { importPack } from '../content/importer.js';
import { type Database, openDatabase } from './client.js';
import { migrate } from './migrate.js';

const onPostgres = backend() === 'postgres';
let pgServer: PostgresServer;
let database: Database;
let server: TestServer;
let token: string;

beforeAll(async () => {
  if (!onPostgres) return;
  pgServer = await startPostgres();
  const conn = parsePostgresUrl(pgServer.url, 'DATABASE_URL');
  database = await openDatabase({ kind: 'postgres', app: conn, direct: conn, poolMax: 6 });
  await migrate(database);
  server = await startTestServer(database);
  await importPack({ database, storage: server.storage }, await writeTinyPack({ id: 'restart' }));
  token = await server.newReader();
  await server.fetch('/api/series/restart/progress', { method: 'POST', token, json: { episode: 1, page: 2 } });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await database?.close();
  await pgServer?.stop();
});

interface Outcome {
  status: number;
  retryAfter: string | null;
  code?: string;
}

async function hit(path: string): Promise<Outcome> {
  const res = await server.fetch(path, { token, signal: AbortSignal.timeout(15_000) });
  const body = (await res.json().catch(() => ({}))) as { error?: { code: string } };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), code: body.error?.code };
}

describe.skipIf(!onPostgres)('database restart under load', () => {
  for (const mode of ['fast', 'immediate'] as const) {
    it(`${mode} restart: 503 with Retry-After while down, 200 again afterwards in the same process`, async () => {
      const paths = ['/api/series', '/api/series/restart', '/api/series/restart/episodes/1', '/api/series/restart/progress'];
      const outcomes: Outcome[] = [];
      let running = true;
      // Eight clients in a loop, like readers turning pages.
      const load = Promise.all(
        Array.from({ length: 8 }, async (_, i) => {
          for (let n = 0; running; n++) outcomes.push(await hit(paths[(i + n) % paths.length]!));
        }),
      );
      await new Promise((r) => setTimeout(r, 300));
      const down = pgServer.restart({ mode });
      await down;
      // Keep the load on until requests succeed again (the pool reconnects by itself).
      const until = Date.now() + 20_000;
      let recovered = false;
      while (Date.now() < until && !recovered) {
        await new Promise((r) => setTimeout(r, 200));
        recovered = (await hit('/api/series/restart')).status === 200;
      }
      await new Promise((r) => setTimeout(r, 300));
      running = false;
      await load;

      expect(recovered).toBe(true);
      const statuses = new Set(outcomes.map((o) => o.status));
      expect([...statuses].every((s) => s === 200 || s === 503)).toBe(true);
      for (const o of outcomes.filter((x) => x.status === 503)) {
        expect(o.retryAfter).toMatch(/^\d+$/);
        expect(o.code).toBe('unavailable:database');
      }
      // Both sides were exercised: requests during the outage, and requests that succeeded.
      expect(outcomes.filter((o) => o.status === 503).length).toBeGreaterThan(0);
      expect(outcomes.filter((o) => o.status === 200).length).toBeGreaterThan(0);
      expect((await hit('/ready')).status).toBe(200);
    }, 60_000);
  }
});

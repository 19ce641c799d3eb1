/**
 * A Folio test server whose app queries go through a real PgBouncer in
 * transaction mode (the shape of Neon's `-pooler` URLs), with migrations on
 * the direct URL, over a fresh PostgreSQL database. PostgreSQL only.
 */
import { parsePostgresUrl } from '../../src/config/postgres-url.js';
import { type Database, openDatabase } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { createPostgresDatabase } from '../db.js';
import { startTestServer, type TestServer } from '../server.js';
import { startPgBouncer } from './pgbouncer.js';

export interface PooledServer {
  pooled: Database;
  server: TestServer;
  close(): Promise<void>;
}

export async function startPooledServer(): Promise<PooledServer> {
  const created = await createPostgresDatabase();
  const bouncer = await startPgBouncer({ host: created.connection.host, port: created.connection.port });
  const app = parsePostgresUrl(bouncer.pooledUrl(created.url), 'DATABASE_URL');
  // Migrations (advisory lock, multi-statement files) go to the direct URL; everything else through the pooler.
  const pooled = await openDatabase({ kind: 'postgres', app, direct: created.connection, poolMax: 8 });
  await migrate(pooled);
  const server = await startTestServer(pooled);
  return {
    pooled,
    server,
    async close() {
      await server.close();
      await pooled.close();
      await bouncer.stop();
      await created.drop();
    },
  };
}

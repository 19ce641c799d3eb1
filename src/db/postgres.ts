import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { PgConnection } from '../config/postgres-url.js';
import type { Database, Db, Session, Subscription } from './client.js';
import { listenOnPostgres } from './notifications.js';
import { schema } from './schema.js';

export function poolConfig(c: PgConnection, max: number): pg.PoolConfig {
  return {
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password,
    database: c.database,
    ssl: c.ssl === false ? false : { rejectUnauthorized: c.ssl.rejectUnauthorized },
    application_name: c.applicationName ?? 'folio',
    ...(c.options ? { options: c.options } : {}),
    max,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  };
}

export async function openPostgres(app: PgConnection, direct: PgConnection, poolMax: number): Promise<Database> {
  const pool = new pg.Pool(poolConfig(app, poolMax));
  // An idle client losing its server (restart, failover) must not crash the process;
  // the pool replaces it on the next checkout.
  pool.on('error', () => {});
  const db = drizzle({ client: pool, schema }) as unknown as Db;
  const feeds = new Set<Subscription>();
  return {
    kind: 'postgres',
    db,
    listen(channel, handlers) {
      const feed = listenOnPostgres(poolConfig(direct, 1), pool, channel, handlers);
      const sub: Subscription = {
        async close() {
          feeds.delete(sub);
          await feed.close();
        },
      };
      feeds.add(sub);
      return sub;
    },
    async withSession(fn) {
      const client = new pg.Client(poolConfig(direct, 1));
      client.on('error', () => {});
      await client.connect();
      const session: Session = {
        async exec(sqlText) {
          await client.query(sqlText);
        },
        async query<T>(sqlText: string, params?: unknown[]) {
          const res = await client.query(sqlText, params);
          return res.rows as T[];
        },
      };
      try {
        return await fn(session);
      } finally {
        await client.end().catch(() => {});
      }
    },
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      await Promise.all([...feeds].map((f) => f.close()));
      await pool.end();
    },
  };
}

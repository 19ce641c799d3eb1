import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { drizzle } from 'drizzle-orm/pglite';
import type { Database, Db, Session, Subscription } from './client.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import { cacheStatements } from './pglite-statements.js';
import { schema } from './schema.js';

/**
 * Postgres settings for the embedded engine. shared_buffers: PGlite keeps Postgres' default 128 MB, and the
 * WASM engine touches all of it at start (~140 ms, ~120 MB of RSS). The data files are real files read through
 * the OS page cache, so 32 MB of buffers loses nothing measurable (ADR 0034).
 */
const SETTINGS = ['-c', 'shared_buffers=32MB'];

/** Embedded database. `dataDir` undefined = in memory (tests). */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  let release: (() => void) | undefined;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    // PGlite is single-process: a second process on the same files would corrupt them.
    release = acquireDataDirLock(dataDir);
  }
  let client: PGlite;
  try {
    client = await PGlite.create({ dataDir, extensions: { vector }, relaxedDurability: false, startParams: [...PGlite.defaultStartParams, ...SETTINGS] });
  } catch (err) {
    release?.();
    throw err;
  }
  cacheStatements(client);
  const db = drizzle({ client, schema }) as unknown as Db;
  const session: Session = {
    async exec(sqlText) {
      await client.exec(sqlText);
    },
    async query<T>(sqlText: string, params?: unknown[]) {
      const res = await client.query<T>(sqlText, params as never[]);
      return res.rows;
    },
  };
  const feeds = new Set<Subscription>();
  return {
    kind: 'pglite',
    db,
    withSession: (fn) => fn(session),
    // One session in this process: every write is this process's, and its notifications arrive with its COMMIT.
    listen(channel, handlers) {
      let closed = false;
      const unlisten = client.listen(channel, (payload) => {
        if (!closed) handlers.message(payload);
      });
      unlisten.then(
        () => {
          if (!closed) handlers.live(true);
        },
        (err: Error) => handlers.live(false, err.message),
      );
      const sub: Subscription = {
        async close() {
          if (closed) return;
          closed = true;
          feeds.delete(sub);
          handlers.live(false, 'closed');
          await (await unlisten.catch(() => null))?.().catch(() => {});
        },
      };
      feeds.add(sub);
      return sub;
    },
    async ping() {
      await client.query('select 1');
    },
    async close() {
      try {
        await Promise.all([...feeds].map((f) => f.close()));
        await client.close();
      } finally {
        release?.();
      }
    },
  };
}

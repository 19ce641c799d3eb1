import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../context.js';

export function healthRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/health', (c) => c.json({ status: 'ok' }))
    .get('/ready', async (c) => {
      const db = deps.runtime.database;
      c.header('Cache-Control', 'no-store');
      if (!db) {
        c.header('Retry-After', '1');
        return c.json({ error: { code: 'unavailable:starting', message: 'Folio is starting up.' } }, 503);
      }
      try {
        await db.ping();
        return c.json({ status: 'ready', database: db.kind });
      } catch {
        c.header('Retry-After', '2');
        return c.json({ error: { code: 'unavailable:database', message: 'The database is not reachable.' } }, 503);
      }
    });
}

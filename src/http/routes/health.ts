import { Hono } from 'hono';
import { FolioError } from '../../errors.js';
import type { AppDeps, AppEnv } from '../context.js';
import { errorResponse } from '../errors.js';

export function healthRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/health', (c) => c.json({ status: 'ok' }))
    .get('/ready', async (c) => {
      const db = deps.runtime.database;
      c.header('Cache-Control', 'no-store');
      if (!db) return errorResponse(c, new FolioError('unavailable:starting', 'Folio is starting up.', { retryAfter: 1 }));
      try {
        await db.ping();
        return c.json({ status: 'ready', database: db.kind });
      } catch {
        return errorResponse(c, new FolioError('unavailable:database', 'The database is not reachable.', { retryAfter: 2 }));
      }
    });
}

import { Hono } from 'hono';
import { z } from 'zod';
import type { CachedCatalog } from '../../catalog/catalog.js';
import type { ProgressResult, StoredProgress } from '../../contract/index.js';
import { advanceProgress, readPosition, resetProgress } from '../../progress/progress.js';
import { positionBody } from '../../progress/rules.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';
import { seriesIdParam } from '../params.js';
import { needScope, requireReader } from '../reader-auth.js';
import { parseWith, readJson } from '../validate.js';

const params = z.object({ seriesId: seriesIdParam });
const advanceBody = positionBody.extend({ confirmSkip: z.boolean().optional() });

/**
 * Reading the position is `api`; moving it (forward, skip-ahead, reset) is a write an assistant token needs
 * `progress:write` for (ADR 0028). After a write the reader's boundary keys held in this process are dropped at
 * once: the reader's next request must not wait for the database's notification to arrive (ADR 0036).
 */
export function progressRoutes(deps: AppDeps, catalog: CachedCatalog) {
  const { states } = catalog;
  return new Hono<AppEnv>()
    .get('/api/series/:seriesId/progress', async (c) => {
      const { seriesId } = parseWith(params, c.req.param(), 'progress', 'path');
      const readerId = requireReader(c);
      const position = await readPosition(requireDatabase(deps).db, readerId, seriesId);
      c.header('Cache-Control', 'private, no-store');
      return c.json((position ?? { episode: null, page: null }) satisfies StoredProgress);
    })
    .post('/api/series/:seriesId/progress', needScope('progress:write'), async (c) => {
      const { seriesId } = parseWith(params, c.req.param(), 'progress', 'path');
      const readerId = requireReader(c);
      const body = await readJson(c, advanceBody, 'progress');
      const database = requireDatabase(deps);
      const target = { episode: body.episode, page: body.page };
      const known = await catalog.knownMove(database, readerId, seriesId, target);
      const { position, advanced } = await advanceProgress(database.db, readerId, seriesId, target, body.confirmSkip ?? false, known);
      if (advanced) states.forget(readerId);
      return c.json({ ...position, advanced } satisfies ProgressResult);
    })
    .post('/api/series/:seriesId/progress/reset', needScope('progress:write'), async (c) => {
      const { seriesId } = parseWith(params, c.req.param(), 'progress_reset', 'path');
      const readerId = requireReader(c);
      const body = await readJson(c, positionBody, 'progress_reset');
      const position = await resetProgress(requireDatabase(deps).db, readerId, seriesId, body);
      states.forget(readerId);
      return c.json((position ?? { episode: null, page: null }) satisfies StoredProgress);
    });
}

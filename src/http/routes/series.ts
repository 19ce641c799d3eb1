import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { notModified } from '../../catalog/cache.js';
import type { CachedCatalog, CatalogResponse } from '../../catalog/catalog.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';
import { numberParam, seriesIdParam } from '../params.js';
import { parseWith } from '../validate.js';

const seriesParams = z.object({ seriesId: seriesIdParam });
const episodeParams = z.object({ seriesId: seriesIdParam, episode: numberParam });
const episodeQuery = z.object({ peek: z.enum(['true', 'false', '1', '0']).optional() });

/**
 * The body as computed for the reader's boundary state, or 304 when the client has it. `no-cache`: a browser keeps
 * it and asks again every time (If-None-Match), since the reader's next page turn may change it.
 */
function send(c: Context<AppEnv>, r: CatalogResponse): Response {
  c.header('Cache-Control', 'private, no-cache');
  c.header('ETag', r.etag);
  if (notModified(c.req.header('if-none-match'), r.etag)) return c.body(null, 304);
  c.header('Content-Type', 'application/json');
  return c.body(r.body);
}

export function seriesRoutes(deps: AppDeps, catalog: CachedCatalog) {
  return new Hono<AppEnv>()
    .get('/api/series', async (c) => send(c, await catalog.library(requireDatabase(deps), c.get('readerId'))))
    .get('/api/series/:seriesId', async (c) => {
      const { seriesId } = parseWith(seriesParams, c.req.param(), 'series', 'path');
      return send(c, await catalog.series(requireDatabase(deps), { readerId: c.get('readerId'), seriesId }));
    })
    .get('/api/series/:seriesId/episodes/:episode', async (c) => {
      const { seriesId, episode } = parseWith(episodeParams, c.req.param(), 'episode', 'path');
      const { peek } = parseWith(episodeQuery, c.req.query(), 'episode', 'query');
      const scope = { readerId: c.get('readerId'), seriesId };
      return send(c, await catalog.episode(requireDatabase(deps), scope, episode, { peek: peek === 'true' || peek === '1' }));
    });
}

import { Hono } from 'hono';
import { z } from 'zod';
import { episodeDetail, listLibrary, seriesDetail } from '../../catalog/catalog.js';
import type { EpisodeDetail, Library, SeriesDetail } from '../../contract/index.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';
import { numberParam, seriesIdParam } from '../params.js';
import { parseWith } from '../validate.js';

const seriesParams = z.object({ seriesId: seriesIdParam });
const episodeParams = z.object({ seriesId: seriesIdParam, episode: numberParam });
const episodeQuery = z.object({ peek: z.enum(['true', 'false', '1', '0']).optional() });

export function seriesRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/api/series', async (c) => {
      c.header('Cache-Control', 'private, no-store');
      return c.json((await listLibrary(requireDatabase(deps).db, deps.storage, c.get('readerId'))) satisfies Library);
    })
    .get('/api/series/:seriesId', async (c) => {
      const { seriesId } = parseWith(seriesParams, c.req.param(), 'series', 'path');
      c.header('Cache-Control', 'private, no-store');
      return c.json((await seriesDetail(requireDatabase(deps).db, deps.storage, { readerId: c.get('readerId'), seriesId })) satisfies SeriesDetail);
    })
    .get('/api/series/:seriesId/episodes/:episode', async (c) => {
      const { seriesId, episode } = parseWith(episodeParams, c.req.param(), 'episode', 'path');
      const { peek } = parseWith(episodeQuery, c.req.query(), 'episode', 'query');
      c.header('Cache-Control', 'private, no-store');
      const scope = { readerId: c.get('readerId'), seriesId };
      return c.json((await episodeDetail(requireDatabase(deps).db, deps.storage, scope, episode, { peek: peek === 'true' || peek === '1' })) satisfies EpisodeDetail);
    });
}

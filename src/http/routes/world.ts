import { Hono } from 'hono';
import { z } from 'zod';
import { SLUG } from '../../content/pack-schema.js';
import type { WorldGraph, WorldNodeDetail } from '../../contract/index.js';
import { withReaderView } from '../../world/view.js';
import { worldGraph, worldNode } from '../../world/world.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';
import { seriesIdParam } from '../params.js';
import { parseWith } from '../validate.js';

const seriesParams = z.object({ seriesId: seriesIdParam });
const nodeParams = z.object({ seriesId: seriesIdParam, slug: z.string().regex(SLUG, 'must be an entity slug such as "coriander"') });

/**
 * The world graph. The reader's position comes only from the progress row
 * (ReaderScope carries no position); query strings are not read at all.
 */
export function worldRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/api/series/:seriesId/world', async (c) => {
      const { seriesId } = parseWith(seriesParams, c.req.param(), 'world', 'path');
      const scope = { readerId: c.get('readerId'), seriesId };
      c.header('Cache-Control', 'private, no-store');
      return c.json((await withReaderView(requireDatabase(deps).db, scope, (view) => worldGraph(view, deps.storage))) satisfies WorldGraph);
    })
    .get('/api/series/:seriesId/world/:slug', async (c) => {
      const { seriesId, slug } = parseWith(nodeParams, c.req.param(), 'world', 'path');
      const scope = { readerId: c.get('readerId'), seriesId };
      c.header('Cache-Control', 'private, no-store');
      return c.json((await withReaderView(requireDatabase(deps).db, scope, (view) => worldNode(view, deps.storage, slug))) satisfies WorldNodeDetail);
    });
}

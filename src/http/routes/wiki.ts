import { Hono } from 'hono';
import { z } from 'zod';
import { SLUG } from '../../content/pack-schema.js';
import type { WikiArticle, WikiIndex } from '../../contract/index.js';
import { withReaderView } from '../../world/view.js';
import { wikiArticle, wikiIndex } from '../../world/wiki.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';
import { seriesIdParam } from '../params.js';
import { parseWith } from '../validate.js';

const seriesParams = z.object({ seriesId: seriesIdParam });
const articleParams = z.object({ seriesId: seriesIdParam, slug: z.string().regex(SLUG, 'must be an article slug such as "coriander"') });

/** Unlocked wiki articles and sections, from the progress row only. */
export function wikiRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/api/series/:seriesId/wiki', async (c) => {
      const { seriesId } = parseWith(seriesParams, c.req.param(), 'wiki', 'path');
      const scope = { readerId: c.get('readerId'), seriesId };
      c.header('Cache-Control', 'private, no-store');
      return c.json((await withReaderView(requireDatabase(deps).db, scope, wikiIndex)) satisfies WikiIndex);
    })
    .get('/api/series/:seriesId/wiki/:slug', async (c) => {
      const { seriesId, slug } = parseWith(articleParams, c.req.param(), 'wiki', 'path');
      const scope = { readerId: c.get('readerId'), seriesId };
      c.header('Cache-Control', 'private, no-store');
      return c.json((await withReaderView(requireDatabase(deps).db, scope, (view) => wikiArticle(view, slug))) satisfies WikiArticle);
    });
}

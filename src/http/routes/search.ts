import { Hono } from 'hono';
import { z } from 'zod';
import type { SearchResponse } from '../../contract/index.js';
import { CANDIDATE_CAP } from '../../search/queries.js';
import { MAX_LIMIT, MAX_QUERY_LENGTH, search } from '../../search/search.js';
import { withReaderView } from '../../world/view.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';
import { seriesIdParam } from '../params.js';
import { parseWith } from '../validate.js';

const params = z.object({ seriesId: seriesIdParam });
const intParam = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,4}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
/** Only q, limit and offset are read; anything else in the query string is ignored (it cannot move the boundary). */
const query = z.object({
  q: z
    .string({ error: 'q is required' })
    .transform((s) => s.trim())
    .pipe(z.string().min(1, 'q must not be empty').max(MAX_QUERY_LENGTH, `q is limited to ${MAX_QUERY_LENGTH} characters`))
    // biome-ignore lint/suspicious/noControlCharactersInRegex: this regex exists to reject control characters in the query
    .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), 'q must not contain control characters'),
  limit: intParam(1, MAX_LIMIT).optional(),
  offset: intParam(0, CANDIDATE_CAP).optional(),
});

export function searchRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get('/api/series/:seriesId/search', async (c) => {
    const { seriesId } = parseWith(params, c.req.param(), 'search', 'path');
    const { q, limit, offset } = parseWith(query, c.req.query(), 'search', 'query');
    const scope = { readerId: c.get('readerId'), seriesId };
    c.header('Cache-Control', 'private, no-store');
    return c.json(
      (await withReaderView(requireDatabase(deps).db, scope, (view) => search(view, { q, limit: limit ?? 10, offset: offset ?? 0 }))) satisfies SearchResponse,
    );
  });
}

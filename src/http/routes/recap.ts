/**
 * `POST /api/series/:seriesId/recap` `{"scope":"series"|"episode"}`: "Story so far" or
 * "Previously", streamed in the chat's UI-message stream protocol (docs/companion.md).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { uiMessageResponse } from '../../answer/to-ui-stream.js';
import { FolioError } from '../../errors.js';
import { prepareRecap, recapAnswer } from '../../recap/recap.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';
import { seriesIdParam } from '../params.js';
import { type AnswerRateLimits, rateLimit } from '../rate-limit.js';
import { requireReader } from '../reader-auth.js';
import { parseWith, readJson } from '../validate.js';

const params = z.object({ seriesId: seriesIdParam });
// Strict: a position (or anything else) in the body is refused, not silently used.
const body = z.strictObject({ scope: z.enum(['series', 'episode']).default('series') });

export function recapRoutes(deps: AppDeps, limits: AnswerRateLimits | null) {
  return new Hono<AppEnv>().post('/api/series/:seriesId/recap', rateLimit(limits, 'recap', deps), async (c) => {
    const { seriesId } = parseWith(params, c.req.param(), 'recap', 'path');
    const readerId = requireReader(c);
    const { scope } = await readJson(c, body, 'recap');
    if (!deps.companion) throw new FolioError('unavailable:companion', 'The companion is not running in this process.');
    const { db } = requireDatabase(deps);
    const turn = await prepareRecap(db, readerId, seriesId, scope, deps.companion.deps.embeddings);
    return uiMessageResponse(recapAnswer(deps.companion, turn, deps.drain?.signalFor(c.req.raw) ?? c.req.raw.signal), {
      log: c.get('log'),
      keepAliveMs: deps.companion.deps.limits.heartbeatMs,
      closing: deps.drain?.shutdownNotice,
    });
  });
}

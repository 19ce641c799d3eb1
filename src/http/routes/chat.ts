/**
 * `POST /api/series/:seriesId/chat`: the companion, as an AI SDK UI-message stream (SSE).
 * `POST /api/series/:seriesId/chat/warmup`: best-effort model warm-up when a chat opens.
 * Rate limits (http/rate-limit.ts), validation and "who/where is the reader" fail as JSON 4xx before the stream
 * starts; after that, failures are typed parts inside the stream (docs/companion.md).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { uiMessageResponse } from '../../answer/to-ui-stream.js';
import type { Companion } from '../../chat/companion.js';
import { chatRequestSchema } from '../../chat/request.js';
import type { WarmupResult } from '../../contract/index.js';
import { FolioError } from '../../errors.js';
import { limitBody } from '../body-limit.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';
import { seriesIdParam } from '../params.js';
import { type AnswerRateLimits, rateLimit } from '../rate-limit.js';
import { needScope, requireReader } from '../reader-auth.js';
import { parseWith, readJson } from '../validate.js';

export const CHAT_PATH = /^\/api\/series\/[^/]+\/chat$/;
/** The transport sends the whole client-side conversation; only the newest question is used. */
export const CHAT_BODY_LIMIT = 1024 * 1024;

const params = z.object({ seriesId: seriesIdParam });

function requireCompanion(deps: AppDeps): Companion {
  if (!deps.companion) throw new FolioError('unavailable:companion', 'The companion is not running in this process.');
  return deps.companion;
}

export function chatRoutes(deps: AppDeps, limits: AnswerRateLimits | null) {
  return new Hono<AppEnv>()
    .post(
      '/api/series/:seriesId/chat',
      // The REST chat continues a stored conversation from its history: for an assistant token that is the
      // `conversations` grant (ADR 0028). MCP `ask` is the read-only way to ask: it always starts a new one.
      needScope('conversations'),
      limitBody(CHAT_BODY_LIMIT, () => {
        throw new FolioError(
          'payload_too_large:chat',
          `Chat requests are limited to ${CHAT_BODY_LIMIT / 1024} KB; send only the newest message (see docs/companion.md).`,
        );
      }),
      rateLimit(limits, 'chat', deps),
      async (c) => {
        const { seriesId } = parseWith(params, c.req.param(), 'chat', 'path');
        const readerId = requireReader(c);
        const companion = requireCompanion(deps);
        const body = await readJson(c, chatRequestSchema, 'chat');
        const { db } = requireDatabase(deps);
        // The client leaving, or the server ending streams at shutdown, stops the answer (it is stored as said).
        const signal = deps.drain?.signalFor(c.req.raw) ?? c.req.raw.signal;
        const turn = await companion.prepare(db, readerId, seriesId, body, signal);
        return uiMessageResponse(companion.answer(db, turn, signal), {
          log: c.get('log'),
          keepAliveMs: companion.deps.limits.heartbeatMs,
          closing: deps.drain?.shutdownNotice,
        });
      },
    )
    .post('/api/series/:seriesId/chat/warmup', async (c) => {
      parseWith(params, c.req.param(), 'chat_warmup', 'path');
      requireReader(c);
      const companion = requireCompanion(deps);
      const result = await companion.warmup(requireDatabase(deps).db);
      c.header('Cache-Control', 'no-store');
      return c.json(result satisfies WarmupResult, 202);
    });
}

/**
 * A reader's conversations with the companion; only messages at or before the reader's position. An assistant
 * token needs the `conversations` grant (ADR 0028): they are what the reader asked, not the story.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { ConversationDetail, ConversationList } from '../../contract/index.js';
import { FolioError } from '../../errors.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';
import { seriesIdParam } from '../params.js';
import { needScope, requireReader } from '../reader-auth.js';
import { parseWith } from '../validate.js';

const seriesParams = z.object({ seriesId: seriesIdParam });
const conversationParams = z.object({
  id: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\w.:~-]+$/, 'must be a conversation id'),
});

export function conversationRoutes(deps: AppDeps) {
  const companion = () => {
    if (!deps.companion) throw new FolioError('unavailable:companion', 'The companion is not running in this process.');
    return deps.companion;
  };
  return new Hono<AppEnv>()
    .get('/api/series/:seriesId/conversations', needScope('conversations'), async (c) => {
      const { seriesId } = parseWith(seriesParams, c.req.param(), 'conversations', 'path');
      const readerId = requireReader(c);
      const conversations = await companion().conversations(requireDatabase(deps).db, readerId, seriesId);
      c.header('Cache-Control', 'private, no-store');
      return c.json({ conversations } satisfies ConversationList);
    })
    .get('/api/conversations/:id', needScope('conversations'), async (c) => {
      const { id } = parseWith(conversationParams, c.req.param(), 'conversation', 'path');
      const readerId = requireReader(c);
      const conversation = await companion().conversation(requireDatabase(deps).db, readerId, id);
      c.header('Cache-Control', 'private, no-store');
      return c.json(conversation satisfies ConversationDetail);
    });
}

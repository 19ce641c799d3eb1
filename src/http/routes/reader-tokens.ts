/**
 * `/api/readers/me/tokens`: the reader's assistant tokens and their scopes
 * (ADR 0015, ADR 0028, docs/mcp.md). Authenticated like every reader route
 * (cookie or bearer), and only with the reader's own token: an assistant token
 * gets 403 here, so it can never widen its own scopes.
 *
 * CSRF: the cookie is SameSite=Lax (or None+Secure with exact CORS origins).
 * Creating and changing scopes need `Content-Type: application/json`
 * (readJson), which a cross-site form cannot send and a cross-site fetch can
 * send only after a CORS preflight that only CORS_ORIGINS pass; PATCH and
 * DELETE are never simple requests either. Nothing changes before those checks.
 */
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { AssistantToken, CreatedToken, TokenList } from '../../contract/index.js';
import {
  createAssistantToken,
  createTokenBody,
  listAssistantTokens,
  MAX_ASSISTANT_TOKENS,
  requireOwnToken,
  revokeAssistantToken,
  setAssistantTokenScopes,
  updateTokenBody,
} from '../../readers/assistant-tokens.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';
import { freshCredential } from '../reader-auth.js';
import { parseWith, readJson } from '../validate.js';

export const READER_TOKENS_PATH = '/api/readers/me/tokens';
const idParam = z.object({ id: z.guid('must be a token id as returned when it was created') });

export function readerTokenRoutes(deps: AppDeps) {
  /** The reader behind this request's own token (401 without a known token, 403 for an assistant token). */
  const owner = async (c: Context<AppEnv>): Promise<string> => requireOwnToken(await freshCredential(c, deps));

  return new Hono<AppEnv>()
    .post(READER_TOKENS_PATH, async (c) => {
      const readerId = await owner(c);
      const { label, scopes } = await readJson(c, createTokenBody, 'reader_tokens');
      const created = await createAssistantToken(requireDatabase(deps).db, readerId, label, scopes);
      return c.json({ id: created.id, label: created.label, token: created.token, createdAt: created.createdAt, scopes: created.scopes } satisfies CreatedToken, 201);
    })
    .get(READER_TOKENS_PATH, async (c) => {
      const readerId = await owner(c);
      return c.json({ tokens: await listAssistantTokens(requireDatabase(deps).db, readerId), limit: MAX_ASSISTANT_TOKENS } satisfies TokenList);
    })
    .patch(`${READER_TOKENS_PATH}/:id`, async (c) => {
      const readerId = await owner(c);
      const { id } = parseWith(idParam, c.req.param(), 'reader_tokens', 'token id');
      const { scopes } = await readJson(c, updateTokenBody, 'reader_tokens');
      return c.json((await setAssistantTokenScopes(requireDatabase(deps).db, readerId, id, scopes)) satisfies AssistantToken);
    })
    .delete(`${READER_TOKENS_PATH}/:id`, async (c) => {
      const readerId = await owner(c);
      const { id } = parseWith(idParam, c.req.param(), 'reader_tokens', 'token id');
      await revokeAssistantToken(requireDatabase(deps).db, readerId, id);
      return c.body(null, 204);
    });
}

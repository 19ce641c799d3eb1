/**
 * Assistant tokens (ADR 0015): extra tokens a reader creates so an AI
 * assistant can act as them at their own position (docs/mcp.md), within the
 * scopes the reader granted (ADR 0028, scopes.ts; read-only MCP by default).
 * Created, listed, re-scoped and revoked only with the reader's own token (the
 * browser cookie or the token from POST /api/readers): an assistant cannot
 * mint more tokens, widen its own scopes or see the others, so a leaked
 * assistant token is contained by revoking it.
 */
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { FolioError } from '../errors.js';
import * as q from './queries.js';
import type { ReaderCredential } from './readers.js';
import { DEFAULT_TOKEN_SCOPES, scopeList, storedScopes, type TokenScope } from './scopes.js';
import { hashReaderToken, newReaderToken } from './tokens.js';

/** Enough for a few assistants on a few devices; a cap keeps a script gone wrong from filling the table. */
export const MAX_ASSISTANT_TOKENS = 10;
export const MAX_LABEL_LENGTH = 60;

/** A label is for people: trimmed, 1–60 characters, no control characters (they would garble the list). */
export const tokenLabel = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_LABEL_LENGTH, `must be at most ${MAX_LABEL_LENGTH} characters`)
  .regex(/^[^\p{Cc}\p{Cs}]*$/u, 'must not contain control characters');

/** `scopes` omitted: read-only MCP. Unknown fields are refused, so a misspelt grant is a 400, not a silent read-only token. */
export const createTokenBody = z.strictObject({ label: tokenLabel, scopes: scopeList.optional() });
export const updateTokenBody = z.strictObject({ scopes: scopeList });

export interface AssistantToken {
  id: string;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
  scopes: TokenScope[];
  /** Made by an assistant that connected by URL (ADR 0044). */
  connector: boolean;
}

const fromRow = (row: q.ReaderTokenRow): AssistantToken => ({ ...row, scopes: storedScopes(row.scopes) });

/** Token management needs the reader's own token: an assistant token gets 403, never a list or a new token. */
export function requireOwnToken(cred: ReaderCredential): string {
  if (cred.tokenId !== null) {
    throw new FolioError(
      'forbidden:reader_tokens',
      'An assistant token cannot manage tokens or their scopes. Use the web reader ("Connect an assistant") or your reader token from POST /api/readers.',
    );
  }
  return cred.readerId;
}

/** A new token, returned in clear this once; only its hash is stored. */
export async function createAssistantToken(
  db: Db,
  readerId: string,
  label: string,
  scopes: readonly TokenScope[] = DEFAULT_TOKEN_SCOPES,
): Promise<AssistantToken & { token: string }> {
  const token = newReaderToken();
  const row = await q.insertReaderToken(db, readerId, hashReaderToken(token), label, scopeList.parse(scopes), MAX_ASSISTANT_TOKENS);
  if (!row) {
    throw new FolioError(
      'conflict:reader_tokens',
      `You already have ${MAX_ASSISTANT_TOKENS} assistant tokens, the most a reader can have. Revoke one you no longer use first.`,
      { limit: MAX_ASSISTANT_TOKENS },
    );
  }
  return { ...fromRow(row), token };
}

export const listAssistantTokens = async (db: Db, readerId: string): Promise<AssistantToken[]> => (await q.listReaderTokens(db, readerId)).map(fromRow);

/** Replace a token's scopes (takes effect on its next request: scopes are read with the token on every request). */
export async function setAssistantTokenScopes(db: Db, readerId: string, tokenId: string, scopes: readonly TokenScope[]): Promise<AssistantToken> {
  const row = await q.updateReaderTokenScopes(db, readerId, tokenId, scopeList.parse(scopes));
  if (!row) throw new FolioError('not_found:reader_token', 'No such token (it may have been revoked already).');
  return fromRow(row);
}

/** Another reader's token id is "not found", exactly like one that never existed. */
export async function revokeAssistantToken(db: Db, readerId: string, tokenId: string): Promise<void> {
  if (!(await q.deleteReaderToken(db, readerId, tokenId))) {
    throw new FolioError('not_found:reader_token', 'No such token (it may have been revoked already).');
  }
}

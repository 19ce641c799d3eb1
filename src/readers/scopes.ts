/**
 * What an assistant token may do (ADR 0028, docs/mcp.md). The scope names are the closed list of the wire
 * contract (TOKEN_SCOPES); this module owns the rule that maps what a request does to the scopes it needs, and
 * the validation of a scope list from a request. The reader's own token (`tokenId` null) may do everything.
 *
 * "Read-only" means: nothing the token does changes what the reader can see or reveals what the reader did
 * elsewhere. Asking through MCP (`ask`, `recap`) is the read an assistant exists for, even though `ask` stores
 * its question and answer as a new conversation of the reader's; moving the position is a write; reading or
 * continuing the reader's stored conversations is its own grant.
 */
import { z } from 'zod';
import { DEFAULT_TOKEN_SCOPES, SCOPES_NEEDING_API, TOKEN_SCOPES, type TokenScope } from '../contract/index.js';
import { FolioError } from '../errors.js';

export { DEFAULT_TOKEN_SCOPES, TOKEN_SCOPES, type TokenScope };

/**
 * What a request does, and every scope it needs. A REST route needs `api` before anything else, so a token
 * without it is refused on every route whatever the route would do.
 */
export const TOKEN_ACTIONS = {
  /** The MCP tools (list_series, where_am_i, ask, search, who_is, recap): none moves progress or reads stored conversations. */
  mcp: ['mcp:read'],
  /** Any reader REST route: library, pages, world, wiki, search, recap, reading the position. */
  api: ['api'],
  /** Moving the position: advance (with or without confirmSkip) and reset. */
  'progress:write': ['api', 'progress:write'],
  /** The stored conversations: list, read, and the REST chat, which continues a conversation from its stored history. */
  conversations: ['api', 'conversations'],
} as const satisfies Record<string, readonly TokenScope[]>;
export type TokenAction = keyof typeof TOKEN_ACTIONS;

/** Who is asking, as far as scopes go: the reader's own token (`tokenId` null) or an assistant token with its scopes. */
export interface ScopedCredential {
  tokenId: string | null;
  scopes: readonly TokenScope[];
}

/** The first scope the credential lacks for the action, or null when it may. The reader's own token lacks nothing. */
export function missingScope(cred: ScopedCredential, action: TokenAction): TokenScope | null {
  if (cred.tokenId === null) return null;
  return TOKEN_ACTIONS[action].find((s) => !cred.scopes.includes(s)) ?? null;
}

const SCOPE_WORDS: Record<TokenScope, string> = {
  'mcp:read': 'use the MCP read tools',
  api: 'use the REST API (only /mcp otherwise)',
  'progress:write': 'move your reading position',
  conversations: 'read and continue your conversations with the companion',
};

/** 403 `forbidden:scope` unless the credential may do the action; the message names the scope and where to grant it. */
export function requireScope(cred: ScopedCredential, action: TokenAction): void {
  const missing = missingScope(cred, action);
  if (missing === null) return;
  throw new FolioError(
    'forbidden:scope',
    `This assistant token lacks the "${missing}" scope (${SCOPE_WORDS[missing]}). The reader can grant it on Folio's "Connect an assistant" page (/connect), or use their own reader token.`,
    { scope: missing },
  );
}

/** Known names only, in TOKEN_SCOPES order, `mcp:read` always in: the one spelling that is stored and listed. */
export function normalizeScopes(scopes: readonly TokenScope[]): TokenScope[] {
  const wanted = new Set<TokenScope>([...DEFAULT_TOKEN_SCOPES, ...scopes]);
  return TOKEN_SCOPES.filter((s) => wanted.has(s));
}

/** Scopes read back from the database: anything unknown is dropped (fail closed), the rest normalised. */
export function storedScopes(raw: readonly string[] | null | undefined): TokenScope[] {
  return normalizeScopes((raw ?? []).filter((s): s is TokenScope => (TOKEN_SCOPES as readonly string[]).includes(s)));
}

/** A scope list in a request: known names (an unknown one is a 400 naming the known ones), `api` with the REST grants. */
export const scopeList = z
  .array(z.enum(TOKEN_SCOPES, { error: `must be one of ${TOKEN_SCOPES.map((s) => `"${s}"`).join(', ')}` }))
  .max(TOKEN_SCOPES.length * 2, 'lists each scope once')
  .transform(normalizeScopes)
  .refine((s) => s.includes('api') || !s.some((x) => SCOPES_NEEDING_API.includes(x)), {
    message: `"${SCOPES_NEEDING_API.join('" and "')}" act through the REST API: grant "api" with them`,
  });

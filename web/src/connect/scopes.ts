/**
 * What the reader can let an assistant token do (ADR 0028, docs/mcp.md), in the reader's words. The names are the
 * contract's closed list; pure functions so the wording and the "api comes with its grants" rule are unit-tested.
 */
import { SCOPES_NEEDING_API, TOKEN_SCOPES, type TokenScope } from '../../../src/contract/index.js';

/** The grants a reader chooses (`mcp:read` is every token's and is not a choice). */
export type Grant = Exclude<TokenScope, 'mcp:read'>;
export const GRANTS: readonly Grant[] = TOKEN_SCOPES.filter((s): s is Grant => s !== 'mcp:read');

export const GRANT_TEXT: Record<Grant, { title: string; short: string; detail: string }> = {
  api: {
    title: 'Use the Folio API directly',
    short: 'REST API',
    detail: 'Read the library, pages, wiki and search through the REST API, not only through MCP. Still only what you have read.',
  },
  'progress:write': {
    title: 'Move my reading position',
    short: 'moves your position',
    detail: 'Mark pages as read and skip ahead past the “Have you read…?” question. It could then see further than you have read.',
  },
  conversations: {
    title: 'See my conversations with the companion',
    short: 'sees your conversations',
    detail: 'List and read the questions you asked in the reader, and continue them.',
  },
};

/**
 * Turn a grant on or off, keeping the set one the API accepts: the position and conversation grants act through
 * the REST API, so turning one on turns `api` on, and turning `api` off turns them off.
 */
export function toggleGrant(scopes: readonly TokenScope[], grant: Grant, on: boolean): TokenScope[] {
  const next = new Set<TokenScope>(scopes);
  if (on) {
    next.add(grant);
    if (SCOPES_NEEDING_API.includes(grant)) next.add('api');
  } else {
    next.delete(grant);
    if (grant === 'api') for (const s of SCOPES_NEEDING_API) next.delete(s);
  }
  next.add('mcp:read');
  return TOKEN_SCOPES.filter((s) => next.has(s));
}

/** One line for the token list: "Read-only, MCP only" or what it may do besides. */
export function scopeSummary(scopes: readonly TokenScope[]): string {
  const grants = GRANTS.filter((g) => scopes.includes(g));
  if (grants.length === 0) return 'Read-only, MCP only';
  return `MCP · ${grants.map((g) => GRANT_TEXT[g].short).join(' · ')}`;
}

export const sameScopes = (a: readonly TokenScope[], b: readonly TokenScope[]): boolean => a.length === b.length && a.every((s) => b.includes(s));

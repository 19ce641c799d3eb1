import { describe, expect, it } from 'vitest';
import { isFolioError } from '../errors.js';
import { missingScope, normalizeScopes, requireScope, type ScopedCredential, scopeList, storedScopes, TOKEN_ACTIONS, TOKEN_SCOPES, type TokenAction } from './scopes.js';

const own: ScopedCredential = { tokenId: null, scopes: [] };
const token = (...scopes: ScopedCredential['scopes']): ScopedCredential => ({ tokenId: 'tok', scopes });
const actions = Object.keys(TOKEN_ACTIONS) as TokenAction[];

describe('missingScope: what a credential may do', () => {
  it("the reader's own token may do everything, whatever scopes it carries", () => {
    for (const a of actions) expect(missingScope(own, a)).toBeNull();
  });

  it('a default (read-only MCP) token may use the MCP tools and nothing else', () => {
    const t = token('mcp:read');
    expect(missingScope(t, 'mcp')).toBeNull();
    expect(missingScope(t, 'api')).toBe('api');
    // The REST grants are asked for api first: the message names what to grant first.
    expect(missingScope(t, 'progress:write')).toBe('api');
    expect(missingScope(t, 'conversations')).toBe('api');
  });

  it('api alone reads the REST API but neither moves the position nor reads conversations', () => {
    const t = token('mcp:read', 'api');
    expect(missingScope(t, 'api')).toBeNull();
    expect(missingScope(t, 'progress:write')).toBe('progress:write');
    expect(missingScope(t, 'conversations')).toBe('conversations');
  });

  it('each grant allows its own action only', () => {
    expect(missingScope(token('mcp:read', 'api', 'progress:write'), 'progress:write')).toBeNull();
    expect(missingScope(token('mcp:read', 'api', 'progress:write'), 'conversations')).toBe('conversations');
    expect(missingScope(token('mcp:read', 'api', 'conversations'), 'conversations')).toBeNull();
    expect(missingScope(token('mcp:read', 'api', 'conversations'), 'progress:write')).toBe('progress:write');
  });

  it('a write grant without api does not open REST routes', () => {
    expect(missingScope(token('mcp:read', 'progress:write'), 'progress:write')).toBe('api');
  });

  it('a token with no scopes at all (never stored: the CHECK refuses it) may do nothing', () => {
    for (const a of actions) expect(missingScope(token(), a)).not.toBeNull();
  });
});

describe('requireScope', () => {
  it('throws 403 forbidden:scope naming the scope and the Connect page', () => {
    try {
      requireScope(token('mcp:read', 'api'), 'progress:write');
      expect.unreachable();
    } catch (err) {
      expect(isFolioError(err)).toBe(true);
      const fe = err as { code: string; status: number; message: string; details?: Record<string, unknown> };
      expect(fe.code).toBe('forbidden:scope');
      expect(fe.status).toBe(403);
      expect(fe.message).toMatch(/"progress:write"/);
      expect(fe.message).toMatch(/Connect an assistant/);
      expect(fe.details).toEqual({ scope: 'progress:write' });
    }
  });

  it('is silent when allowed', () => {
    expect(() => requireScope(own, 'conversations')).not.toThrow();
    expect(() => requireScope(token('mcp:read'), 'mcp')).not.toThrow();
  });
});

describe('scope lists', () => {
  it('normalise: mcp:read always in, no duplicates, TOKEN_SCOPES order', () => {
    expect(normalizeScopes([])).toEqual(['mcp:read']);
    expect(normalizeScopes(['conversations', 'api', 'api'])).toEqual(['mcp:read', 'api', 'conversations']);
    expect(normalizeScopes([...TOKEN_SCOPES].reverse())).toEqual([...TOKEN_SCOPES]);
  });

  it('stored values: unknown names dropped (fail closed), null is the default', () => {
    expect(storedScopes(null)).toEqual(['mcp:read']);
    expect(storedScopes(['api', 'admin', 'progress:write'])).toEqual(['mcp:read', 'api', 'progress:write']);
  });

  it('a request: known names only, and the REST grants come with api', () => {
    expect(scopeList.parse(['api', 'progress:write'])).toEqual(['mcp:read', 'api', 'progress:write']);
    expect(scopeList.parse([])).toEqual(['mcp:read']);
    expect(scopeList.safeParse(['admin']).success).toBe(false);
    expect(scopeList.safeParse(['progress:write']).error?.issues[0]?.message).toMatch(/grant "api" with them/);
    expect(scopeList.safeParse(['conversations']).success).toBe(false);
    expect(scopeList.safeParse('api').success).toBe(false);
    expect(scopeList.safeParse(Array(20).fill('api')).success).toBe(false);
  });
});

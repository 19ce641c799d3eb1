import { describe, expect, it } from 'vitest';
import { DEFAULT_TOKEN_SCOPES, SCOPES_NEEDING_API, TOKEN_SCOPES, type TokenScope } from '../../../src/contract/index.js';
import { GRANTS, type Grant, sameScopes, scopeSummary, toggleGrant } from './scopes';

/** What the server accepts (src/readers/scopes.ts scopeList, migration 0011's CHECK), in its one spelling. */
const accepted = (s: readonly TokenScope[]) =>
  s.includes('mcp:read') &&
  (s.includes('api') || !s.some((x) => SCOPES_NEEDING_API.includes(x))) &&
  JSON.stringify(s) === JSON.stringify(TOKEN_SCOPES.filter((x) => s.includes(x)));

describe('toggleGrant', () => {
  it('starts read-only and adds a grant', () => {
    expect(toggleGrant(DEFAULT_TOKEN_SCOPES, 'api', true)).toEqual(['mcp:read', 'api']);
  });

  it('turning on the position or conversation grant turns on api (they are REST routes)', () => {
    expect(toggleGrant(['mcp:read'], 'progress:write', true)).toEqual(['mcp:read', 'api', 'progress:write']);
    expect(toggleGrant(['mcp:read'], 'conversations', true)).toEqual(['mcp:read', 'api', 'conversations']);
  });

  it('turning off api turns off what needs it; turning off a grant leaves api', () => {
    expect(toggleGrant(['mcp:read', 'api', 'progress:write', 'conversations'], 'api', false)).toEqual(['mcp:read']);
    expect(toggleGrant(['mcp:read', 'api', 'progress:write'], 'progress:write', false)).toEqual(['mcp:read', 'api']);
  });

  it('every set it makes is one the server accepts, whatever the clicks', () => {
    let scopes = [...DEFAULT_TOKEN_SCOPES];
    const clicks: Array<[Grant, boolean]> = [];
    for (const g of GRANTS) for (const on of [true, false]) clicks.push([g, on]);
    for (let i = 0; i < 200; i++) {
      const [g, on] = clicks[(i * 7 + 3) % clicks.length]!;
      scopes = toggleGrant(scopes, g, on);
      expect(accepted(scopes), JSON.stringify(scopes)).toBe(true);
    }
  });
});

describe('scopeSummary', () => {
  it('says read-only for the default, else names the grants', () => {
    expect(scopeSummary(['mcp:read'])).toBe('Read-only, MCP only');
    expect(scopeSummary(['mcp:read', 'api', 'progress:write'])).toBe('MCP · REST API · moves your position');
  });
});

it('sameScopes ignores order', () => {
  expect(sameScopes(['mcp:read', 'api'], ['api', 'mcp:read'])).toBe(true);
  expect(sameScopes(['mcp:read'], ['mcp:read', 'api'])).toBe(false);
});

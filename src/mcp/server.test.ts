/** The MCP instructions tell the assistant what its token may do (ADR 0028): never more, never less. */
import { describe, expect, it } from 'vitest';
import { TOKEN_SCOPES } from '../contract/index.js';
import { tokenNote } from './server.js';

describe('tokenNote', () => {
  it("adds nothing for the reader's own token", () => {
    expect(tokenNote({ tokenId: null, scopes: TOKEN_SCOPES })).toBe('');
  });

  it('a read-only token is told it cannot move the position or read conversations, and who can grant more', () => {
    const note = tokenNote({ tokenId: 't', scopes: ['mcp:read'] });
    expect(note).toMatch(/read-only and MCP-only/);
    expect(note).toMatch(/cannot move the reader's position/);
    expect(note).toMatch(/Connect page/);
  });

  it('a granted token is told exactly what it was granted and what not', () => {
    const api = tokenNote({ tokenId: 't', scopes: ['mcp:read', 'api'] });
    expect(api).toMatch(/REST API/);
    expect(api).toMatch(/cannot move the reader's position or read the reader's other conversations/);
    const mover = tokenNote({ tokenId: 't', scopes: ['mcp:read', 'api', 'progress:write'] });
    expect(mover).toMatch(/move the reader's position there \(do so only when the reader asks\)/);
    expect(mover).toMatch(/It cannot read the reader's other conversations/);
    const all = tokenNote({ tokenId: 't', scopes: TOKEN_SCOPES });
    expect(all).not.toMatch(/cannot/);
    expect(all).toMatch(/conversations/);
  });
});

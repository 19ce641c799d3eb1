import { describe, expect, it } from 'vitest';
import { authorizationHeader, claudeDesktopConfig, codeFromHash, labelProblem, linkUrl, mcpUrl, streamableHttpConfig } from './config';

const TOKEN = 'AbC_def-0123456789abcdefghijklmnopqrstuvwxy';

describe('mcpUrl', () => {
  it("is the page's origin when the app is served by Folio, the API base in a CDN build", () => {
    expect(mcpUrl('', 'http://localhost:3000')).toBe('http://localhost:3000/mcp');
    expect(mcpUrl('https://api.example.com', 'https://reader.example.com')).toBe('https://api.example.com/mcp');
    expect(mcpUrl('https://example.com/folio', 'https://cdn.example.com')).toBe('https://example.com/folio/mcp');
  });
});

describe('claudeDesktopConfig', () => {
  it('is the mcp-remote entry of docs/mcp.md with the URL and the token filled in', () => {
    const parsed = JSON.parse(claudeDesktopConfig('https://folio.example.com/mcp', TOKEN)) as unknown;
    expect(parsed).toEqual({
      mcpServers: {
        folio: {
          command: 'npx',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal ${FOLIO_TOKEN}, which mcp-remote expands itself from its env
          args: ['-y', 'mcp-remote', 'https://folio.example.com/mcp', '--header', 'Authorization:Bearer ${FOLIO_TOKEN}'],
          env: { FOLIO_TOKEN: TOKEN },
        },
      },
    });
  });

  it('adds --allow-http for a plain-http server', () => {
    const parsed = JSON.parse(claudeDesktopConfig('http://192.168.1.20:3000/mcp', TOKEN)) as { mcpServers: { folio: { args: string[] } } };
    expect(parsed.mcpServers.folio.args.at(-1)).toBe('--allow-http');
    expect(parsed.mcpServers.folio.args[2]).toBe('http://192.168.1.20:3000/mcp');
  });
});

describe('streamableHttpConfig', () => {
  it('has the URL and the bearer header', () => {
    expect(JSON.parse(streamableHttpConfig('https://folio.example.com/mcp', TOKEN))).toEqual({
      mcpServers: { folio: { type: 'http', url: 'https://folio.example.com/mcp', headers: { Authorization: `Bearer ${TOKEN}` } } },
    });
    expect(authorizationHeader(TOKEN)).toBe(`Authorization: Bearer ${TOKEN}`);
  });
});

describe('labelProblem', () => {
  it('matches the API rules: 1–60 characters after trimming, no control characters', () => {
    expect(labelProblem('Claude Desktop')).toBeNull();
    expect(labelProblem(`  ${'x'.repeat(60)}  `)).toBeNull();
    expect(labelProblem('Claude 🤖')).toBeNull();
    expect(labelProblem('')).toMatch(/Give the token a name/);
    expect(labelProblem('   ')).toMatch(/Give the token a name/);
    expect(labelProblem('x'.repeat(61))).toMatch(/60 characters/);
    expect(labelProblem('two\nlines')).toMatch(/control characters/);
  });
});

describe('link URLs', () => {
  it('carry the code in the fragment, which no server sees, and read it back', () => {
    const url = linkUrl('https://folio.example', 'K7QF-3M2X');
    expect(url).toBe('https://folio.example/link#K7QF-3M2X');
    expect(new URL(url).search).toBe('');
    expect(codeFromHash(new URL(url).hash)).toBe('K7QF-3M2X');
    expect(codeFromHash('')).toBe('');
    expect(codeFromHash('#%E0%A4%A')).toBe('');
    expect(codeFromHash(`#${'x'.repeat(40)}`)).toBe('');
  });
});

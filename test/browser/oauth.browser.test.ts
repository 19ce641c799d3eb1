/**
 * An assistant added by its URL (ADR 0044), end to end: the official MCP TypeScript SDK's client-side OAuth (its own
 * discovery from the 401, dynamic registration, PKCE, token, refresh) against a running Folio, the consent page
 * answered in real Chromium by a reader who has read to 1/4, and the assistant's redirect URI a real HTTP listener
 * on loopback (as a desktop client's is). Then `tools/call` sees the reader's place; an expired access token is
 * refreshed by the SDK on its own; revoking on the Connect page ends it (the next call is a 401 and the refresh
 * fails, so the SDK asks to authorize again). Denying sends the assistant `access_denied`.
 */
import { createServer, type Server } from 'node:http';
import { type OAuthClientProvider, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { sql } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { SAMPLE } from '../server.js';
import { freshContext, launchChromium, screenshot } from './chromium.js';
import { type Folio, startFolio } from './folio.js';
import { press, waitForPages } from './helpers.js';

const S = 'moth-and-lantern';
let folio: Folio;
let browser: Browser;
let callback: Server;
let callbackUrl: string;
/** What the assistant's redirect URI received, in order. */
const arrivals: URLSearchParams[] = [];
let arrived: (() => void) | null = null;
let open: Array<{ context: BrowserContext; problems: string[] }> = [];
const clients: Client[] = [];

beforeAll(async () => {
  [folio, browser] = await Promise.all([startFolio({ webDir: inject('webBuilds').sameOrigin, packs: [SAMPLE] }), launchChromium()]);
  callback = createServer((req, res) => {
    arrivals.push(new URL(req.url ?? '/', 'http://x').searchParams);
    arrived?.();
    res.writeHead(200, { 'content-type': 'text/plain' }).end('Folio is connected. You can close this tab.');
  });
  await new Promise<void>((r) => callback.listen(0, '127.0.0.1', () => r()));
  const addr = callback.address();
  callbackUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/callback`;
}, 180_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await new Promise<void>((r) => callback?.close(() => r()));
  await browser?.close();
  await folio?.close();
});

afterEach(async () => {
  for (const c of open) {
    await c.context.close();
    expect(c.problems, 'console errors, page errors or CSP violations').toEqual([]);
  }
  open = [];
});

/** The next request to the assistant's redirect URI. */
const nextArrival = () =>
  new Promise<URLSearchParams>((resolve) => {
    const before = arrivals.length;
    arrived = () => {
      if (arrivals.length > before) resolve(arrivals[before]!);
    };
  });

/** An assistant's OAuth state, kept in memory as a desktop client keeps it on disk; opening the browser is the test's. */
class Assistant implements OAuthClientProvider {
  information: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens[] = [];
  verifier = '';
  authorizations: URL[] = [];
  constructor(private readonly openBrowser: (url: URL) => Promise<void>) {}
  get redirectUrl() {
    return callbackUrl;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'Claude',
      redirect_uris: [callbackUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.information;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.information = info;
  }
  tokens() {
    return this.saved.at(-1);
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved.push(tokens);
  }
  async redirectToAuthorization(url: URL) {
    this.authorizations.push(url);
    await this.openBrowser(url);
  }
  /** What the SDK calls when the server refuses what was kept (a revoked refresh token: 'tokens'). */
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'all' || scope === 'tokens') this.saved = [];
    if (scope === 'all' || scope === 'client') this.information = undefined;
    if (scope === 'all' || scope === 'verifier') this.verifier = '';
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}

async function connect(provider: Assistant): Promise<Client> {
  const client = new Client({ name: 'folio-oauth-test', version: '1.0.0' });
  clients.push(client);
  await client.connect(new StreamableHTTPClientTransport(new URL(`${folio.url}/mcp`), { authProvider: provider }));
  return client;
}
const whereAmI = async (client: Client) =>
  (((await client.callTool({ name: 'where_am_i', arguments: { series_id: S } })) as CallToolResult).structuredContent as { position?: { episode: number; page: number } })
    .position;

async function readerAt14(): Promise<Page> {
  const c = await freshContext(browser);
  open.push(c);
  const page = await c.context.newPage();
  await page.goto(`${folio.url}/read/${S}/1/0`);
  await waitForPages(page, '0');
  await press(page, 'ArrowRight', '1,2');
  await press(page, 'ArrowRight', '3,4');
  return page;
}

describe('an assistant added by its URL (MCP authorization, ADR 0044)', () => {
  it('discovers, registers, asks; the reader allows it in the browser; it reads along, refreshes, and is revoked on the Connect page', async () => {
    const page = await readerAt14();
    const assistant = new Assistant(async (url) => {
      await page.goto(url.toString());
    });
    // First contact: the 401 leads the SDK through discovery and registration to the authorization URL.
    await expect(connect(assistant)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(assistant.authorizations).toHaveLength(1);
    expect(assistant.information?.client_id).toMatch(/^fc_/);
    const asked = assistant.authorizations[0]!;
    expect(asked.searchParams.get('code_challenge_method')).toBe('S256');
    expect(asked.searchParams.get('resource')).toBe(`${folio.url}/mcp`);

    // The consent page, in the reader's browser.
    const consent = page.getByTestId('authorize');
    await consent.waitFor();
    await expect(consent.textContent()).resolves.toContain('“Claude” wants to read along with you');
    await expect(page.getByTestId('redirect-host').textContent()).resolves.toBe(new URL(callbackUrl).host);
    await screenshot(page, 'oauth-consent');
    const back = nextArrival();
    await page.getByTestId('authorize-allow').click();
    const params = await back;
    expect(params.get('iss')).toBe(folio.url);
    const code = params.get('code')!;
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The browser ends at the assistant's redirect URI: the code is in no URL of Folio's.
    await page.waitForURL((u) => u.href.startsWith(callbackUrl));

    // The SDK trades the code (with its PKCE verifier) and connects.
    const transport = new StreamableHTTPClientTransport(new URL(`${folio.url}/mcp`), { authProvider: assistant });
    await transport.finishAuth(code);
    expect(assistant.saved).toHaveLength(1);
    const client = await connect(assistant);
    expect(await whereAmI(client)).toEqual({ episode: 1, page: 4 });

    // The access token expires; the SDK refreshes on the 401 by itself, and the old token is dead.
    await folio.database.db.execute(sql`UPDATE reader_tokens SET expires_at = now() - interval '1 second' WHERE client_id IS NOT NULL`);
    const again = await connect(assistant);
    expect(await whereAmI(again)).toEqual({ episode: 1, page: 4 });
    expect(assistant.saved).toHaveLength(2);
    expect(assistant.saved[1]!.access_token).not.toBe(assistant.saved[0]!.access_token);
    expect(assistant.saved[1]!.refresh_token).not.toBe(assistant.saved[0]!.refresh_token);
    expect(assistant.authorizations).toHaveLength(1);

    // On the Connect page: the URL to add, the connection listed as connected by URL, and revoked there.
    await page.goto(`${folio.url}/connect`);
    await expect(page.getByTestId('connector-url').textContent()).resolves.toBe(`${folio.url}/mcp`);
    const item = page.getByTestId('token-item').filter({ hasText: 'Claude' });
    await expect(item.getByTestId('token-scopes').textContent()).resolves.toContain('Connected by URL');
    await expect(item.getByTestId('change-scopes').count()).resolves.toBe(0);
    await item.getByRole('button', { name: /Revoke/ }).click();
    await page.getByTestId('confirm-revoke').click();
    await expect.poll(() => page.getByTestId('token-item').count()).toBe(0);
    // Revoked: the call is a 401, the refresh token is refused, and the SDK can only ask the reader again.
    const asking = new Assistant(async () => {});
    Object.assign(asking, { information: assistant.information, saved: [...assistant.saved] });
    await expect(connect(asking)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(asking.saved).toEqual([]);
    expect(asking.authorizations).toHaveLength(1);
  });

  it('denied in the browser: the assistant hears access_denied and gets nothing', async () => {
    const page = await readerAt14();
    const assistant = new Assistant(async (url) => {
      await page.goto(url.toString());
    });
    await expect(connect(assistant)).rejects.toBeInstanceOf(UnauthorizedError);
    await page.getByTestId('authorize').waitFor();
    const back = nextArrival();
    await page.getByTestId('authorize-deny').click();
    const params = await back;
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('code')).toBeNull();
    expect(assistant.saved).toEqual([]);
  });
});

/**
 * "Connect an assistant" end to end: real Chromium, the real Folio app with
 * the sample series, the production web build, and the official MCP SDK
 * client in this process playing the assistant. A reader reads in the
 * browser, creates a token on /connect, the assistant calls where_am_i with
 * it and sees the browser's position (also after more page turns), and after
 * Revoke in the UI /mcp refuses it. Also: the token stays out of storage,
 * URLs and the console; the phone layout; the limit; a failing list; the
 * token's scopes (read-only by default, grants at creation and with Change
 * access, each checked against the API); and the CDN build (MCP URL on the API's origin, create and revoke across origins).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { extname, join, normalize } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { QRCode } from 'jsqr';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { SAMPLE } from '../server.js';
import { freePort } from '../services/free-port.js';
import { freshContext, launchChromium, PHONE, screenshot } from './chromium.js';
import { type Folio, startFolio } from './folio.js';
import { expectProgress, press, readerToken, waitForPages } from './helpers.js';

const S = 'moth-and-lantern';
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
let folio: Folio;
let browser: Browser;
let open: Array<{ context: BrowserContext; problems: string[] }> = [];
const clients: Client[] = [];

beforeAll(async () => {
  [folio, browser] = await Promise.all([startFolio({ webDir: inject('webBuilds').sameOrigin, packs: [SAMPLE] }), launchChromium()]);
}, 180_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await browser?.close();
  await folio?.close();
});

async function newReader(opts: Parameters<typeof freshContext>[1] = {}): Promise<{ context: BrowserContext; page: Page }> {
  const c = await freshContext(browser, opts);
  open.push(c);
  return { context: c.context, page: await c.context.newPage() };
}

afterEach(async () => {
  for (const c of open) {
    await c.context.close();
    expect(c.problems, 'console errors, page errors or CSP violations').toEqual([]);
  }
  open = [];
});

/** The assistant: the official SDK client over Streamable HTTP with the token as bearer. */
async function assistant(baseUrl: string, token: string): Promise<Client> {
  const client = new Client({ name: 'folio-browser-test-assistant', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  clients.push(client);
  return client;
}
const whereAmI = async (client: Client) =>
  (((await client.callTool({ name: 'where_am_i', arguments: { series_id: S } })) as CallToolResult).structuredContent as { position?: { episode: number; page: number } })
    .position;

/** Create a token on /connect (already open) and read it from the page. */
async function createInUi(page: Page, label: string): Promise<string> {
  await page.getByTestId('token-label').fill(label);
  await page.getByTestId('create-token').click();
  const shown = page.getByTestId('new-token');
  await shown.waitFor();
  const token = (await shown.textContent())!.trim();
  expect(token).toMatch(TOKEN);
  return token;
}

describe('connect an assistant (same origin)', () => {
  it('create a token in the UI; the assistant sees the browser position on /mcp, follows page turns; Revoke in the UI and /mcp refuses it', async () => {
    const { context, page } = await newReader();
    const consoleText: string[] = [];
    const requestUrls: string[] = [];
    page.on('console', (m) => consoleText.push(m.text()));
    page.on('request', (r) => requestUrls.push(r.url()));

    // Read a little in the browser.
    await page.goto(`${folio.url}/read/${S}/1/0`);
    await waitForPages(page, '0');
    await press(page, 'ArrowRight', '1,2');
    await press(page, 'ArrowRight', '3,4');
    await expectProgress(folio, S, context, { episode: 1, page: 4 });

    // From the library's header to the screen.
    await page.goto(`${folio.url}/`);
    await page.getByTestId('connect-link').click();
    await page.waitForURL('**/connect');
    await page.getByRole('heading', { level: 1, name: 'Connect an assistant' }).waitFor();
    await expect(page.getByTestId('connect-link').getAttribute('aria-current')).resolves.toBe('page');
    await page.getByTestId('no-tokens').waitFor();
    await expect(page.getByTestId('connect-places').textContent()).resolves.toContain('Episode 1 of 3, page 4');
    await screenshot(page, 'connect-empty');

    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: folio.url });
    const token = await createInUi(page, 'Claude on my laptop');
    // Focus lands on the one-time secret's heading.
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('new-token-title');
    await expect(page.getByTestId('mcp-url').textContent()).resolves.toBe(`${folio.url}/mcp`);
    const desktop = JSON.parse((await page.getByTestId('claude-desktop-config').textContent())!) as {
      mcpServers: { folio: { args: string[]; env: Record<string, string> } };
    };
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal ${FOLIO_TOKEN}, which mcp-remote expands itself from its env
    expect(desktop.mcpServers.folio.args).toEqual(['-y', 'mcp-remote', `${folio.url}/mcp`, '--header', 'Authorization:Bearer ${FOLIO_TOKEN}', '--allow-http']);
    expect(desktop.mcpServers.folio.env).toEqual({ FOLIO_TOKEN: token });
    const generic = JSON.parse((await page.getByTestId('streamable-http-config').textContent())!) as unknown;
    expect(generic).toEqual({ mcpServers: { folio: { type: 'http', url: `${folio.url}/mcp`, headers: { Authorization: `Bearer ${token}` } } } });
    await page.getByRole('button', { name: 'Copy the token' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    await page.getByText('Copied to the clipboard.').waitFor();
    await screenshot(page, 'connect-new-token');

    // The assistant, at the browser's position.
    const client = await assistant(folio.url, token);
    expect(await whereAmI(client)).toEqual({ episode: 1, page: 4 });

    // Read on in the browser: the assistant follows.
    await page.goto(`${folio.url}/read/${S}/1/3`);
    await waitForPages(page, '3,4');
    await press(page, 'ArrowRight', '5,6');
    await expectProgress(folio, S, context, { episode: 1, page: 6 });
    expect(await whereAmI(client)).toEqual({ episode: 1, page: 6 });

    // Back on the screen: the secret is gone (shown once), the list shows the token as used.
    await page.goto(`${folio.url}/connect`);
    const item = page.getByTestId('token-item');
    await item.waitFor();
    await expect(page.getByTestId('new-token').count()).resolves.toBe(0);
    expect(await page.content()).not.toContain(token);
    await expect(item.locator('.token-label').textContent()).resolves.toBe('Claude on my laptop');
    await expect(item.textContent()).resolves.toMatch(/Created .+ · Last used /);
    await expect(page.getByTestId('connect-places').textContent()).resolves.toContain('Episode 1 of 3, page 6');

    // Revoke in the UI (with a confirmation): /mcp refuses the token at once.
    await page.getByRole('button', { name: 'Revoke “Claude on my laptop”' }).click();
    await page.getByRole('dialog', { name: 'Revoke this token?' }).waitFor();
    await screenshot(page, 'connect-revoke-dialog');
    await page.getByTestId('confirm-revoke').click();
    await page.getByTestId('no-tokens').waitFor();
    await expect(whereAmI(client)).rejects.toThrow(/401|nauthorized/);
    await expect(assistant(folio.url, token)).rejects.toThrow(/401|nauthorized/);
    // The browser's own identity is untouched.
    await expect(folio.api(`/api/series/${S}/progress`, await readerToken(context))).resolves.toMatchObject({ status: 200, body: { episode: 1, page: 6 } });

    // The token never left the page's memory: not in storage, cookies, URLs or the console.
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    expect(stored).not.toContain(token);
    for (const u of requestUrls) expect(u).not.toContain(token);
    for (const text of consoleText) expect(text).not.toContain(token);
    expect((await context.cookies()).map((c) => c.value)).not.toContain(token);
  });

  it('"I have copied it" forgets the token; a failed create says why; the limit disables Create', async () => {
    const { context, page } = await newReader({ expectedConsole: /status of 409/ });
    await page.goto(`${folio.url}/connect`);
    await page.getByTestId('no-tokens').waitFor();
    const token = await createInUi(page, 'First');
    await page.getByTestId('new-token-done').click();
    await page.getByTestId('create-token').waitFor();
    expect(await page.content()).not.toContain(token);

    // Client-side rules before any request.
    await page.getByTestId('token-label').fill('   ');
    await page.getByTestId('create-token').click();
    await page.getByRole('alert').filter({ hasText: 'Give the token a name' }).waitFor();
    await expect(page.getByTestId('token-label').getAttribute('aria-invalid')).resolves.toBe('true');

    // Fill up to the limit behind the page's back (as the same reader): the server's 409 is shown.
    const own = await readerToken(context);
    for (let i = 2; i <= 10; i++) expect((await folio.api('/api/readers/me/tokens', own, { method: 'POST', json: { label: `Token ${i}` } })).status).toBe(201);
    await page.getByTestId('token-label').fill('Eleventh');
    await page.getByTestId('create-token').click();
    await page.getByRole('alert').filter({ hasText: 'the most a reader can have' }).waitFor();
    await page.reload();
    await expect.poll(() => page.getByTestId('token-item').count()).toBe(10);
    await expect(page.getByTestId('create-token').isDisabled()).resolves.toBe(true);
    await page.getByText('Revoke one to make another.').waitFor();
  });

  it('scopes: a new token is read-only; a ticked grant is created with it; Change access grants and takes back (ADR 0028)', async () => {
    const { context, page } = await newReader();
    await page.goto(`${folio.url}/read/${S}/1/0`);
    await waitForPages(page, '0');
    await press(page, 'ArrowRight', '1,2');
    await expectProgress(folio, S, context, { episode: 1, page: 2 });
    await page.goto(`${folio.url}/connect`);
    await page.getByTestId('no-tokens').waitFor();
    const form = page.locator('form.connect-form');
    for (const g of ['api', 'progress:write', 'conversations']) await expect(form.getByTestId(`scope-${g}`).isChecked()).resolves.toBe(false);

    // Read-only: the MCP tools work, the REST API is refused with the scope to grant.
    const ro = await createInUi(page, 'Read-only');
    await expect(page.getByTestId('new-token-scopes').textContent()).resolves.toContain('Read-only, MCP only');
    expect(await whereAmI(await assistant(folio.url, ro))).toEqual({ episode: 1, page: 2 });
    const refused = await folio.api<{ error: { code: string; scope: string } }>(`/api/series/${S}/progress`, ro, {
      method: 'POST',
      json: { episode: 3, page: 1, confirmSkip: true },
    });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'forbidden:scope', scope: 'api' } } });
    await page.getByTestId('new-token-done').click();

    // Ticking "Move my reading position" ticks the API too (it is a REST route); the token can then move it.
    await form.getByTestId('scope-progress:write').check();
    await expect(form.getByTestId('scope-api').isChecked()).resolves.toBe(true);
    await screenshot(page, 'connect-scopes');
    const mover = await createInUi(page, 'Mover');
    await expect(page.getByTestId('new-token-scopes').textContent()).resolves.toContain('MCP · REST API · moves your position');
    expect((await folio.api(`/api/series/${S}/progress`, mover, { method: 'POST', json: { episode: 1, page: 3 } })).status).toBe(200);
    await page.getByTestId('new-token-done').click();
    // The form is back to read-only for the next token.
    await expect(form.getByTestId('scope-progress:write').isChecked()).resolves.toBe(false);

    // Change access: let the read-only token see conversations (which brings the API), then take it all back.
    const item = (label: string) => page.getByTestId('token-item').filter({ hasText: label });
    await expect(item('Read-only').getByTestId('token-scopes').textContent()).resolves.toBe('Read-only, MCP only');
    await page.getByRole('button', { name: 'Change what “Read-only” may do' }).click();
    const dialog = page.getByRole('dialog', { name: 'What may “Read-only” do?' });
    await dialog.getByTestId('scope-conversations').check();
    await dialog.getByTestId('save-scopes').click();
    await expect.poll(() => item('Read-only').getByTestId('token-scopes').textContent()).toBe('MCP · REST API · sees your conversations');
    expect((await folio.api(`/api/series/${S}/conversations`, ro)).status).toBe(200);
    await page.getByRole('button', { name: 'Change what “Read-only” may do' }).click();
    await dialog.getByTestId('scope-api').uncheck();
    await expect(dialog.getByTestId('scope-conversations').isChecked()).resolves.toBe(false);
    await dialog.getByTestId('save-scopes').click();
    await expect.poll(() => item('Read-only').getByTestId('token-scopes').textContent()).toBe('Read-only, MCP only');
    expect((await folio.api(`/api/series/${S}/conversations`, ro)).status).toBe(403);
    // The browser (the reader's own cookie) is unaffected throughout.
    await expectProgress(folio, S, context, { episode: 1, page: 3 });
  });

  it('a failing list shows an error with Try again, which recovers', async () => {
    const { page } = await newReader({ expectedConsole: /status of 503/ });
    let fail = true;
    await page.route('**/api/readers/me/tokens', (route) =>
      fail
        ? route.fulfill({
            status: 503,
            contentType: 'application/json',
            body: JSON.stringify({ error: { code: 'unavailable:database', message: 'The database is unavailable right now.' } }),
          })
        : route.fallback(),
    );
    await page.goto(`${folio.url}/connect`);
    const alert = page.getByRole('alert').filter({ hasText: 'Your tokens could not be loaded' });
    await alert.waitFor();
    await screenshot(page, 'connect-list-error');
    fail = false;
    await alert.getByRole('button', { name: 'Try again' }).click();
    await page.getByTestId('no-tokens').waitFor();
  });

  it('on a phone: nothing overflows sideways, the long token wraps, the snippets scroll in their own box', async () => {
    const { page } = await newReader({ viewport: PHONE, isMobile: true, hasTouch: true });
    await page.goto(`${folio.url}/`);
    await page.getByTestId('connect-link').click();
    await page.waitForURL('**/connect');
    await createInUi(page, 'Phone assistant');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const box = await page.getByTestId('new-token').boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, 'connect-phone');
  });
});

/** A static host for the CDN build: files, else index.html (SPA fallback). */
function staticHost(dir: string, port: number): Promise<Server> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(dir, path);
    if (!(await stat(file).catch(() => null))?.isFile()) file = join(dir, 'index.html');
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

describe('connect an assistant (CDN build, API on another origin)', () => {
  let api: Folio;
  let host: Server;
  let appOrigin: string;

  beforeAll(async () => {
    const builds = inject('webBuilds');
    const appPort = await freePort();
    appOrigin = `http://localhost:${appPort}`;
    host = await staticHost(builds.cdn, appPort);
    api = await startFolio({ webDir: builds.sameOrigin, packs: [SAMPLE], corsOrigins: [appOrigin], port: builds.cdnApiPort });
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await new Promise((r) => host?.close(r));
  });

  it("shows the API's /mcp URL; create and revoke work across origins with the cookie", async () => {
    const { cdnApiBase } = inject('webBuilds');
    const { page } = await newReader();
    await page.goto(`${appOrigin}/read/${S}/1/0`);
    await waitForPages(page, '0');
    await press(page, 'ArrowRight', '1,2');
    await page.goto(`${appOrigin}/connect`);
    await page.getByTestId('no-tokens').waitFor();
    const token = await createInUi(page, 'CDN assistant');
    await expect(page.getByTestId('mcp-url').textContent()).resolves.toBe(`${cdnApiBase}/mcp`);
    const client = await assistant(cdnApiBase, token);
    await expect.poll(() => whereAmI(client), { timeout: 10_000 }).toEqual({ episode: 1, page: 2 });
    await page.getByTestId('new-token-done').click();
    await page.getByRole('button', { name: 'Revoke “CDN assistant”' }).click();
    await page.getByTestId('confirm-revoke').click();
    await page.getByTestId('no-tokens').waitFor();
    await expect(whereAmI(client)).rejects.toThrow(/401|nauthorized/);
  });
});

// jsQR is CommonJS whose typings declare an ES default export.
const jsQR = createRequire(import.meta.url)('jsqr') as (data: Uint8ClampedArray, width: number, height: number) => QRCode | null;

/** Decode the QR code drawn as one SVG path of 1×1 modules (web/src/connect/QrCode.tsx): rasterise, then jsQR. */
function decodeQr(path: string): string | null {
  const cells = [...path.matchAll(/M(\d+) (\d+)h1v1h-1z/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
  const size = Math.max(...cells.flat()) + 1;
  const scale = 4;
  const margin = 4;
  const w = (size + 2 * margin) * scale;
  const px = new Uint8ClampedArray(w * w * 4).fill(255);
  for (const [x, y] of cells)
    for (let dy = 0; dy < scale; dy++)
      for (let dx = 0; dx < scale; dx++) {
        const i = (((y + margin) * scale + dy) * w + (x + margin) * scale + dx) * 4;
        px[i] = px[i + 1] = px[i + 2] = 0;
      }
  return jsQR(px, w, w)?.data ?? null;
}

describe('your devices (ADR 0041)', () => {
  it('link a phone with the QR code link: it brings its own place along, both read as one reader; sign it out from the laptop', async () => {
    const laptop = await newReader();
    await laptop.page.goto(`${folio.url}/read/${S}/1/0`);
    await waitForPages(laptop.page, '0');
    await press(laptop.page, 'ArrowRight', '1,2');
    await press(laptop.page, 'ArrowRight', '3,4');
    await expectProgress(folio, S, laptop.context, { episode: 1, page: 4 });
    const laptopToken = await readerToken(laptop.context);

    // The phone read a little on its own first: it is a reader of its own.
    const phone = await newReader({ viewport: PHONE, isMobile: true, hasTouch: true });
    const phoneUrls: string[] = [];
    phone.page.on('request', (r) => phoneUrls.push(r.url()));
    await phone.page.goto(`${folio.url}/read/${S}/1/0`);
    await waitForPages(phone.page);
    await expectProgress(folio, S, phone.context, { episode: 1, page: 0 });
    const phoneFirstToken = await readerToken(phone.context);

    // From the header to the devices.
    await laptop.page.goto(`${folio.url}/`);
    await laptop.page.getByTestId('devices-link').click();
    await laptop.page.waitForURL('**/devices');
    await laptop.page.getByRole('heading', { level: 1, name: 'Your devices' }).waitFor();
    const list = laptop.page.getByTestId('device-list');
    await list.waitFor();
    await expect(laptop.page.getByTestId('device-item').count()).resolves.toBe(1);
    await expect(list.textContent()).resolves.toContain('(this device)');
    // The only device cannot be signed out.
    await expect(laptop.page.getByTestId('sign-out-device').isDisabled()).resolves.toBe(true);
    await laptop.page.getByTestId('link-device').click();
    const code = (await laptop.page.getByTestId('link-code').textContent())!.trim();
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    await laptop.page.getByTestId('link-qr').waitFor();
    await screenshot(laptop.page, 'devices-link-code');
    // The QR code, read as a phone's camera would (jsQR on the drawn modules): /link with the code in the fragment.
    const scanned = decodeQr((await laptop.page.getByTestId('link-qr').locator('path').getAttribute('d'))!);
    expect(scanned).toBe(`${folio.url}/link#${code}`);

    // What the QR code opens on the phone: the code prefilled, then gone from the URL.
    await phone.page.goto(scanned!);
    await expect(phone.page.getByTestId('link-code-input').inputValue()).resolves.toBe(code);
    await expect.poll(() => phone.page.url()).toBe(`${folio.url}/link`);
    await phone.page.getByTestId('link-submit').click();
    await phone.page.getByTestId('linked').waitFor();
    await expect(phone.page.getByTestId('linked').textContent()).resolves.toContain('your place in 1 series');
    await screenshot(phone.page, 'link-done');
    // The phone has a new cookie, and it is the laptop's reader at the furthest place.
    await expect.poll(async () => (await readerToken(phone.context)) !== phoneFirstToken).toBe(true);
    expect((await folio.api(`/api/series/${S}/progress`, phoneFirstToken)).status).toBe(401);
    await expectProgress(folio, S, phone.context, { episode: 1, page: 4 });
    // The code went nowhere but the JSON body.
    expect(phoneUrls.filter((u) => u.includes(code) || u.includes(code.replace('-', '')))).toEqual([]);

    // Reading on on the phone moves the laptop's place too.
    await phone.page.goto(`${folio.url}/read/${S}/1/5`);
    await waitForPages(phone.page);
    await expectProgress(folio, S, laptop.context, { episode: 1, page: 5 });

    // The laptop sees both and signs the phone out.
    await laptop.page.getByTestId('link-code-done').click();
    await laptop.page.reload();
    await expect.poll(() => laptop.page.getByTestId('device-item').count()).toBe(2);
    const phoneItem = laptop.page.getByTestId('device-item').filter({ hasNotText: '(this device)' });
    await phoneItem.getByTestId('sign-out-device').click();
    await laptop.page.getByTestId('confirm-sign-out').click();
    await expect.poll(() => laptop.page.getByTestId('device-item').count()).toBe(1);
    expect((await folio.api(`/api/series/${S}/progress`, await readerToken(phone.context))).status).toBe(401);
    expect((await folio.api(`/api/series/${S}/progress`, laptopToken)).status).toBe(200);
  });
});

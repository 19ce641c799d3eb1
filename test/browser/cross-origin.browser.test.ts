/**
 * The cloud split: the web app built with VITE_API_BASE_URL, served from
 * another origin (a stand-in for the CDN: a plain static server), calling the
 * API with credentials; CORS_ORIGINS allows exactly that origin. Both are on
 * localhost (same site, different ports), where the Lax cookie applies; the
 * cross-site https case is covered by src/http/reader-cookie.db.test.ts.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { SAMPLE } from '../server.js';
import { freePort } from '../services/free-port.js';
import { freshContext, launchChromium, screenshot } from './chromium.js';
import { type Folio, startFolio } from './folio.js';
import { expectProgress, press, waitForPages } from './helpers.js';

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

/** A static host: files from the build, index.html for every other path (SPA). */
function staticHost(dir: string, port: number): Promise<Server> {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(dir, path);
    if (!(await stat(file).catch(() => null))?.isFile()) file = join(dir, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

let folio: Folio;
let host: Server;
let browser: Browser;
let appOrigin: string;

beforeAll(async () => {
  const builds = inject('webBuilds');
  const appPort = await freePort();
  appOrigin = `http://localhost:${appPort}`;
  host = await staticHost(builds.cdn, appPort);
  folio = await startFolio({ webDir: builds.sameOrigin, packs: [SAMPLE], corsOrigins: [appOrigin], port: builds.cdnApiPort });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await folio?.close();
  await new Promise((r) => host?.close(r));
});

it('a CDN build reads from the API on another origin, with the reader cookie', async () => {
  const { cdnApiBase } = inject('webBuilds');
  const { context, problems } = await freshContext(browser);
  const page = await context.newPage();
  const apiCalls: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/')) apiCalls.push(r.url());
  });
  await page.goto(`${appOrigin}/`);
  await page.locator('.series-card h2', { hasText: 'Moth and Lantern' }).waitFor();
  await page.goto(`${appOrigin}/read/moth-and-lantern/1/0`);
  await waitForPages(page, '0');
  await press(page, 'ArrowRight', '1,2');
  await expectProgress(folio, 'moth-and-lantern', context, { episode: 1, page: 2 });
  // Every API call and every image went to the API's origin, not the app's.
  expect(apiCalls.length).toBeGreaterThan(0);
  expect(apiCalls.every((u) => u.startsWith(`${cdnApiBase}/api/`))).toBe(true);
  const src = await page.locator('.flip-page[data-page="1"] img').getAttribute('src');
  expect(src?.startsWith(`${cdnApiBase}/media/`)).toBe(true);
  await page.reload();
  await waitForPages(page, '1,2');
  await screenshot(page, 'cdn-build-reader');
  await context.close();
  expect(problems).toEqual([]);
});

it('an origin not in CORS_ORIGINS gets no CORS grant', async () => {
  const res = await fetch(`${inject('webBuilds').cdnApiBase}/api/series`, { headers: { origin: 'http://localhost:1' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('access-control-allow-origin')).toBeNull();
});

it('a CDN build: the companion streams across origins (cookie, CORS), and the world graph loads its avatars from the API', async () => {
  const { cdnApiBase } = inject('webBuilds');
  const { context, problems } = await freshContext(browser);
  const page = await context.newPage();
  await page.goto(`${appOrigin}/read/moth-and-lantern/1/1`);
  await waitForPages(page, '1,2');
  await expectProgress(folio, 'moth-and-lantern', context, { episode: 1, page: 2 });
  const chatRequests: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/chat')) chatRequests.push(r.url());
  });
  await page.getByTestId('toggle-chat').click();
  await page.getByLabel('Your question').fill('How many lamps are on Tallow Street?');
  await page.getByLabel('Your question').press('Enter');
  const answer = page.getByTestId('answer').last();
  await answer.getByTestId('quote-label').waitFor();
  await expect.poll(() => page.locator('.chat').getAttribute('data-status')).toBe('ready');
  await expect(answer.locator('.answer-body').innerText()).resolves.toContain('Forty-one lamps');
  expect(chatRequests).toContain(`${cdnApiBase}/api/series/moth-and-lantern/chat`);
  await page.getByTestId('open-world').click();
  const ada = page.locator('.react-flow__node[data-id="ada"] img.entity-avatar');
  await ada.waitFor();
  expect((await ada.getAttribute('src'))?.startsWith(`${cdnApiBase}/media/`)).toBe(true);
  await context.close();
  expect(problems).toEqual([]);
});

/**
 * Serving the built web reader: the deep links (docs/architecture.md#web-routes) get index.html
 * (no-cache, strict CSP), hashed assets are immutable, anything else stays the
 * API's JSON 404, and without a build the operator is told to run it.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../storage/local.js';
import { createApp } from '../app.js';
import { WEB_CSP } from './web.js';

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-AbC123.js"></script></head><body><div id="root"></div></body></html>';
let dir: string;

const appFor = (webDir: string) =>
  createApp({
    logger: pino({ level: 'silent' }),
    storage: new LocalStorage(join(dir, 'media')),
    runtime: { database: null },
    corsOrigins: [],
    trustProxy: false,
    webDir,
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'folio-webroute-'));
  await mkdir(join(dir, 'web', 'assets'), { recursive: true });
  await writeFile(join(dir, 'web', 'index.html'), INDEX);
  await writeFile(join(dir, 'web', 'assets', 'index-AbC123.js'), 'console.log("folio")');
  await writeFile(join(dir, 'web', 'assets', 'index-AbC123.css'), 'body{}');
  await writeFile(join(dir, 'web', 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(dir, 'secret.txt'), 'outside the web dir');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('web routes with a build', () => {
  const app = () => appFor(join(dir, 'web'));

  it.each([
    '/',
    '/series/pepper-carrot',
    '/series/pepper-carrot/world',
    '/series/pepper-carrot/wiki',
    '/series/pepper-carrot/wiki/carrot',
    '/read/pepper-carrot/3/0',
    '/read/moth-and-lantern/12/104',
    '/connect',
  ])('%s → index.html, no-cache, strict CSP (without a database)', async (path) => {
    const res = await app().request(path);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(INDEX);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toBe(WEB_CSP);
    expect(WEB_CSP).toContain("script-src 'self'");
    expect(WEB_CSP).not.toContain('unsafe-inline');
    expect(WEB_CSP).not.toContain('unsafe-eval');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('HEAD on a web route', async () => {
    const res = await app().request('/read/pepper-carrot/1/0', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
  });

  it('hashed assets: immutable for a year, with their type', async () => {
    const js = await app().request('/assets/index-AbC123.js');
    expect(js.status).toBe(200);
    expect(await js.text()).toBe('console.log("folio")');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    const css = await app().request('/assets/index-AbC123.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const head = await app().request('/assets/index-AbC123.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String('console.log("folio")'.length));
  });

  it('the favicon, cached briefly', async () => {
    const res = await app().request('/favicon.svg');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
  });

  it.each([
    ['/assets/missing-123.js', 'not_found:asset'],
    ['/assets/..%2Fsecret.txt', 'not_found:asset'],
    ['/assets/%2E%2E%2F%2E%2E%2Fsecret.txt', 'not_found:asset'],
    ['/assets/.hidden', 'not_found:asset'],
    ['/index.html', 'not_found:route'],
    ['/secret.txt', 'not_found:route'],
    ['/series/Not_A_Series', 'not_found:route'],
    ['/series/pepper-carrot/wiki/Bad%20Slug', 'not_found:route'],
    ['/read/pepper-carrot/one/0', 'not_found:route'],
    ['/read/pepper-carrot/1/12345678', 'not_found:route'],
    ['/read/pepper-carrot/1', 'not_found:route'],
    ['/series/pepper-carrot/other', 'not_found:route'],
    ['/nothing', 'not_found:route'],
    ['/.env', 'not_found:route'],
  ])('%s → 404 %s (JSON)', async (path, code) => {
    const res = await app().request(path);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
  });

  it('POST to a web route is not a page', async () => {
    const res = await app().request('/read/pepper-carrot/1/0', { method: 'POST' });
    expect(res.status).toBe(404);
  });
});

describe('web routes without a build', () => {
  it('tell the operator to run npm run build (503, HTML, not cached)', async () => {
    const res = await appFor(join(dir, 'no-such-build')).request('/');
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toContain('npm run build');
    const deep = await appFor(join(dir, 'no-such-build')).request('/read/pepper-carrot/1/0');
    expect(deep.status).toBe(503);
    const asset = await appFor(join(dir, 'no-such-build')).request('/assets/index-AbC123.js');
    expect(asset.status).toBe(404);
  });
});

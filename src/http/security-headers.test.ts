/** Security headers on the web app and on everything else the server answers, over real HTTP and through app.request. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../storage/local.js';
import { createApp } from './app.js';
import { listen } from './listen.js';
import { WEB_CSP } from './routes/web.js';
import { API_CSP } from './security-headers.js';

let dir: string;
let server: Server;
let base: string;
const app = () =>
  createApp({ logger: pino({ level: 'silent' }), storage: new LocalStorage(dir), runtime: { database: null }, corsOrigins: [], trustProxy: false, webDir: dir });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'folio-headers-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
  await writeFile(join(dir, 'assets', 'index-x1.js'), 'console.log(1)');
  await writeFile(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  server = await listen(app(), { port: 0, hostname: '127.0.0.1' });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

// The same checks whether the headers go on Node's response (node:http) or on the Response (app.request).
const ways: Array<[string, (path: string) => Promise<Response>]> = [
  ['over HTTP', (path) => fetch(base + path)],
  ['app.request', (path) => Promise.resolve(app().request(path))],
];

describe.each(ways)('security headers (%s)', (_, get) => {
  it('the web app: strict CSP with frame-ancestors none, nosniff, Referrer-Policy, X-Frame-Options DENY', async () => {
    const res = await get('/read/pepper-carrot/1/1');
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toBe(WEB_CSP);
    for (const d of ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"]) expect(csp).toContain(d);
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
  });

  it.each(['/health', '/ready', '/api/series', '/no/such/route', '/assets/index-x1.js', '/favicon.svg'])(
    '%s: a deny-all CSP (never a document that runs anything), nosniff, no framing',
    async (path) => {
      const res = await get(path);
      expect(res.headers.get('content-security-policy')).toBe(API_CSP);
      expect(API_CSP).toContain("default-src 'none'");
      expect(API_CSP).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
      expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      // The route's own headers are still there.
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    },
  );
});

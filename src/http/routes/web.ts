/**
 * The built web reader (`npm run build` → dist/web): hashed assets cached
 * forever, index.html revalidated on every load, and index.html served for the
 * deep links of docs/architecture.md#web-routes (SPA fallback) — only those, so an unknown path is
 * still the API's JSON 404. Without a build, the web routes answer with a short
 * page telling the operator what to run.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type Context, Hono } from 'hono';
import { DEFAULT_WEB_DIR } from '../../config/web-dir.js';
import { SERIES_ID, SLUG } from '../../content/pack-schema.js';
import { FolioError } from '../../errors.js';
import type { AppDeps, AppEnv } from '../context.js';

/**
 * Strict: scripts and styles only from files of this origin (no inline code;
 * the build inlines nothing), images also from https: (S3/CDN media) and
 * data:/blob:, no framing, no plugins, no forms.
 */
export const WEB_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob: https:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const HASHED_ASSET = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,200}$/;
const ROOT_FILE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,100}\.(svg|ico|png|txt|webmanifest)$/;
const NUMBER = /^\d{1,7}$/;

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  html: 'text/html; charset=utf-8',
  json: 'application/json',
  map: 'application/json',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  webp: 'image/webp',
  woff2: 'font/woff2',
  txt: 'text/plain; charset=utf-8',
  webmanifest: 'application/manifest+json',
};
const typeOf = (file: string) => TYPES[file.slice(file.lastIndexOf('.') + 1)] ?? 'application/octet-stream';

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Folio: web reader not built</title></head>
<body><h1>Folio is running, but the web reader is not built</h1>
<p>Run <code>npm run build</code> (or <code>npm start</code>, which builds first) in the Folio checkout, then reload this page.
The reader API is up: <a href="/api/series">/api/series</a>.</p></body></html>`;

async function isFile(path: string): Promise<{ size: number; mtimeMs: number } | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? { size: s.size, mtimeMs: s.mtimeMs } : null;
  } catch {
    return null;
  }
}

function streamFile(c: Context<AppEnv>, path: string, size: number, headers: Record<string, string>): Response {
  const all = { ...headers, 'Content-Type': typeOf(path), 'Content-Length': String(size), 'X-Content-Type-Options': 'nosniff' };
  if (c.req.method === 'HEAD') return c.body(null, 200, all);
  return c.body(Readable.toWeb(createReadStream(path)) as ReadableStream, 200, all);
}

export function webRoutes(deps: AppDeps) {
  const dir = deps.webDir ?? DEFAULT_WEB_DIR;

  const index = async (c: Context<AppEnv>): Promise<Response> => {
    c.header('Content-Security-Policy', WEB_CSP);
    c.header('Cache-Control', 'no-cache');
    let html: string;
    try {
      // Read per request (the OS caches it): a rebuild is picked up without a restart.
      html = await readFile(join(dir, 'index.html'), 'utf8');
    } catch {
      c.header('Cache-Control', 'no-store');
      return c.html(NOT_BUILT, 503);
    }
    return c.html(html);
  };

  const app = new Hono<AppEnv>();
  // The web routes (docs/architecture.md#web-routes). Malformed ids are a 404 here, exactly like an unknown route.
  const page = (check: (p: Record<string, string>) => boolean) => async (c: Context<AppEnv>) => {
    if (!check(c.req.param() as Record<string, string>)) throw new FolioError('not_found:route', `No route for ${c.req.method} ${c.req.path}.`);
    return index(c);
  };
  const series = (p: Record<string, string>) => SERIES_ID.test(p.seriesId ?? '');
  // app.get also answers HEAD.
  app.get(
    '/',
    page(() => true),
  );
  app.get('/series/:seriesId', page(series));
  app.get('/series/:seriesId/world', page(series));
  app.get('/series/:seriesId/wiki', page(series));
  app.get(
    '/series/:seriesId/wiki/:slug',
    page((p) => series(p) && SLUG.test(p.slug ?? '')),
  );
  app.get(
    '/read/:seriesId/:episode/:page',
    page((p) => series(p) && NUMBER.test(p.episode ?? '') && NUMBER.test(p.page ?? '')),
  );
  // Connect an assistant (docs/mcp.md): the reader's assistant tokens. Devices (docs/accounts.md): the reader's
  // devices, and /link, which makes this browser one; /authorize, where an assistant added by URL asks (ADR 0044).
  for (const path of ['/connect', '/devices', '/link', '/authorize'])
    app.get(
      path,
      page(() => true),
    );

  // Content-hashed build output: a changed file gets a new name, so cache it forever.
  app.get('/assets/:file', async (c) => {
    const file = c.req.param('file');
    const path = join(dir, 'assets', file);
    const s = HASHED_ASSET.test(file) && !file.includes('..') ? await isFile(path) : null;
    if (!s) throw new FolioError('not_found:asset', 'No such asset.');
    return streamFile(c, path, s.size, { 'Cache-Control': 'public, max-age=31536000, immutable' });
  });

  // Unhashed files from web/public (favicon): cache briefly.
  app.get('/:file', async (c, next) => {
    const file = c.req.param('file');
    if (!ROOT_FILE.test(file)) return next();
    const path = join(dir, file);
    const s = await isFile(path);
    if (!s) return next();
    return streamFile(c, path, s.size, { 'Cache-Control': 'public, max-age=3600' });
  });

  return app;
}

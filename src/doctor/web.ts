/**
 * The web build (dist/web): present, and which API it calls — the same
 * origin, or the `VITE_API_BASE_URL` it was built with (then that API must
 * allow the page's origin in CORS_ORIGINS).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/env.js';
import { type CheckResult, pass, warn } from './types.js';

/**
 * The API base compiled into the web client (web/src/api/client.ts: `fetch(API_BASE + path)`):
 * '' for same-origin, the URL for a CDN build, null when it cannot be told.
 */
export function findApiBase(code: string): string | null {
  const literal = /fetch\(\s*(["'`])((?:https?:\/\/[^"'`\s]*)?)\1\s*\+/.exec(code);
  if (literal) return literal[2]!;
  // A CDN build hoists the URL into a variable: `q=\`https://api…\`` … `fetch(q+e,…)`.
  const named = /fetch\(\s*([A-Za-z_$][\w$]*)\s*\+/.exec(code);
  if (!named) return null;
  const id = named[1]!.replace(/\$/g, '\\$');
  for (const m of code.matchAll(new RegExp(`(?:^|[^\\w$.])${id}\\s*=\\s*(["'\`])(https?:\\/\\/[^"'\`\\s]*)\\1`, 'g'))) return m[2]!;
  return null;
}

export function checkWebBuild(webDir: string, config: Config): CheckResult {
  if (!existsSync(join(webDir, 'index.html'))) {
    return warn(
      'web',
      `no web build in ${webDir}: \`folio serve\` answers / with a "not built" page`,
      'run `npm run build` (or, for a CDN, `VITE_API_BASE_URL=https://your-api npm run build:web` and host dist/web).',
    );
  }
  const assets = join(webDir, 'assets');
  let base: string | null = null;
  for (const f of existsSync(assets) ? readdirSync(assets).filter((x) => x.endsWith('.js')) : []) {
    base = findApiBase(readFileSync(join(assets, f), 'utf8'));
    if (base !== null) break;
  }
  if (base === null) return warn('web', `${webDir} has a build, but which API it calls cannot be told`, 'rebuild it with `npm run build` from this checkout.');
  if (base === '') return pass('web', `${webDir}: built for the same origin (VITE_API_BASE_URL unset): served by this server, it calls this API`);
  if (config.corsOrigins.length === 0) {
    return warn(
      'web',
      `${webDir} was built with VITE_API_BASE_URL=${base} (a CDN build), but CORS_ORIGINS is empty: browsers will refuse its API calls from another origin`,
      "set CORS_ORIGINS to the web app's origin on the API at that URL, or rebuild with `npm run build` (no VITE_API_BASE_URL) to serve it from this server.",
    );
  }
  return pass('web', `${webDir}: built for the API at ${base} (VITE_API_BASE_URL); allowed origins: ${config.corsOrigins.join(', ')}`);
}

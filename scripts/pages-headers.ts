/**
 * Security headers for the web reader on Cloudflare Pages: writes
 * `<dir>/_headers` with the same policy `folio serve` sends with index.html
 * (src/http/routes/web.ts WEB_CSP), plus the API's origin in `connect-src`
 * (a CDN build calls the API on another origin). Run after `npm run build:web`:
 *
 *   node --import tsx scripts/pages-headers.ts dist/web https://folio-api.fly.dev
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WEB_CSP } from '../src/http/routes/web.js';

/** The `_headers` file for a web build that calls the API at `apiBase` (an http(s) URL). */
export function pagesHeaders(apiBase: string): string {
  const url = new URL(apiBase);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`the API URL must be http(s): ${apiBase}`);
  const csp = WEB_CSP.replace("connect-src 'self'", `connect-src 'self' ${url.origin}`);
  return [
    '/*',
    `  Content-Security-Policy: ${csp}`,
    '  X-Content-Type-Options: nosniff',
    '  Referrer-Policy: same-origin',
    '  X-Frame-Options: DENY',
    '  Cross-Origin-Opener-Policy: same-origin',
    '',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [dir, api] = process.argv.slice(2);
  if (!dir || !api) {
    process.stderr.write('usage: node --import tsx scripts/pages-headers.ts <web build dir> <API URL>\n');
    process.exit(2);
  }
  writeFileSync(join(dir, '_headers'), pagesHeaders(api));
  process.stdout.write(`wrote ${join(dir, '_headers')}\n`);
}

/**
 * The web reader's build. `npm run build` runs it into dist/web (served by
 * `folio serve`); with VITE_API_BASE_URL set it is a static site for a CDN
 * that calls the API on that origin (docs/web.md).
 *
 * Only VITE_API_BASE_URL reaches the bundle: it is the sole env prefix, and the
 * bundle test (test/browser/bundle.browser.test.ts) builds with fake secrets
 * in the environment and scans the output.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, loadEnv, type Plugin } from 'vite';
import { PAGE_FLIP_MODULE, patchPageFlip } from './build/page-flip-patch.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

/** '' (same origin) or an absolute http(s) origin with an optional path, without a trailing slash. */
export function normalizeApiBase(raw: string | undefined): string {
  const value = (raw ?? '').trim();
  if (value === '') return '';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`VITE_API_BASE_URL: must be an absolute URL such as https://api.example.com (got "${value}").`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('VITE_API_BASE_URL: must start with https:// or http://.');
  if (url.search || url.hash || url.username || url.password) throw new Error('VITE_API_BASE_URL: must not contain credentials, a ?query or a #fragment.');
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function pageFlipPatch(): Plugin {
  return {
    name: 'folio:page-flip-patch',
    enforce: 'pre',
    transform(code, id) {
      return PAGE_FLIP_MODULE.test(id.split('?')[0]!) ? { code: patchPageFlip(code), map: null } : null;
    },
  };
}

export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, root, 'VITE_API_BASE_URL');
  const apiBase = normalizeApiBase(process.env.VITE_API_BASE_URL ?? env.VITE_API_BASE_URL);
  return {
    root,
    base: '/',
    envPrefix: 'VITE_API_BASE_URL',
    define: { 'import.meta.env.VITE_API_BASE_URL': JSON.stringify(apiBase) },
    plugins: [react(), pageFlipPatch()],
    build: {
      outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
      emptyOutDir: true,
      sourcemap: false,
      // Modern browsers only: no polyfill code in the entry.
      modulePreload: { polyfill: false },
      reportCompressedSize: false,
    },
    // Served through the transform pipeline in development too, so the page-flip patch applies there as well.
    optimizeDeps: { exclude: ['page-flip'] },
    server: {
      // `npx vite web` during development: the API of a running `npm start`.
      // /mcp too: "Connect an assistant" shows this page's origin as the MCP URL.
      proxy: { '/api': 'http://127.0.0.1:3000', '/media': 'http://127.0.0.1:3000', '/mcp': 'http://127.0.0.1:3000' },
    },
  };
});

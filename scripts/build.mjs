#!/usr/bin/env node
/**
 * `npm run build`: bundle the server and CLI with esbuild into dist/cli/.
 * One bundle (split at the lazy command imports) instead of ~400 ESM files:
 * Node's module loader, not our code, dominated start-up (ADR 0008).
 * Type checking is separate (`npm run typecheck`, part of `npm test`).
 * Then the web reader with Vite into dist/web/ (web/vite.config.ts, ADR 0010),
 * which `folio serve` serves.
 */
import { rmSync } from 'node:fs';
import { build } from 'esbuild';
import { serverBundleOptions } from './server-bundle.mjs';

// `npm run build:web` (`--web`): only the web reader, e.g. the CDN build with VITE_API_BASE_URL.
const webOnly = process.argv.includes('--web');

const outdir = new URL('../dist/cli/', import.meta.url).pathname;
if (!webOnly) rmSync(outdir, { recursive: true, force: true });

if (!webOnly) await build(serverBundleOptions(outdir));

// The web reader. Always a production build: a NODE_ENV=development (or test)
// left in the shell would otherwise ship React's development runtime.
process.env.NODE_ENV = 'production';
const { build: viteBuild } = await import('vite');
await viteBuild({
  configFile: new URL('../web/vite.config.ts', import.meta.url).pathname,
  mode: 'production',
  logLevel: 'warn',
});

/**
 * esbuild options for the server and CLI bundle (dist/cli/), shared by
 * `npm run build` and the test that keeps `folio serve`'s start-up path small
 * (server-bundle.test.ts, ADR 0018).
 */
import { dirname, join } from 'node:path';

// zod re-exports its 40-odd message locales as a namespace, which bundles all of them (~300 KB,
// half of zod, compiled on every start). Folio's messages are English, zod's default: keep `en` only.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: join(dirname(args.importer), '../locales'), namespace: 'zod-locales' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: args.path,
      loader: 'js',
    }));
  },
};

/** @param {string} outdir @returns {import('esbuild').BuildOptions} */
export function serverBundleOptions(outdir) {
  return {
    entryPoints: { main: new URL('../src/cli/main.ts', import.meta.url).pathname },
    outdir,
    // Every output file sits in dist/cli/, two levels below the package root, like
    // the sources in src/<feature>/: `new URL('../../…', import.meta.url)` finds
    // samples/ and src/db/migrations/ from either.
    chunkNames: '[name]-[hash]',
    bundle: true,
    // Split at dynamic imports: commands, and what only some requests need (the AI SDK, the
    // importer, S3, MCP), load when first used instead of being compiled at every start.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [zodEnglishOnly],
    // Native code, WASM bundles and worker-thread loaders resolve files next to
    // themselves: they stay in node_modules.
    external: ['sharp', '@electric-sql/pglite', '@electric-sql/pglite-pgvector', 'pg-native', 'pino-pretty', 'tesseract.js'],
    // Some bundled CommonJS packages call require() for Node built-ins.
    banner: { js: "import { createRequire as __folioCreateRequire } from 'node:module'; const require = __folioCreateRequire(import.meta.url);" },
  };
}

/**
 * Where `npm run build` puts the web reader: dist/web at the package root.
 * This file sits two levels below the root, like the bundle in dist/cli/
 * (ADR 0008), so the same relative URL works from the sources and the build.
 */
export const DEFAULT_WEB_DIR = new URL('../../dist/web/', import.meta.url).pathname;

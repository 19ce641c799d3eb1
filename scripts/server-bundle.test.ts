/**
 * What `folio serve` compiles before it can answer /ready: the bundle's output
 * files reachable by static imports from the CLI entry and the serve command.
 * Restart time is mostly V8 compiling them (ADR 0018), so packages that only a
 * chat, an import, S3 or MCP need must stay behind dynamic imports.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM build script without type declarations
import { serverBundleOptions } from './server-bundle.mjs';

let meta: Metafile;

beforeAll(async () => {
  const result = await build({ ...serverBundleOptions(join(tmpdir(), 'folio-bundle-test')), write: false, sourcemap: false, metafile: true });
  meta = result.metafile!;
}, 120_000);

/** Input files compiled at start-up: outputs reachable by import statements from these entry points. */
function startupInputs(entries: string[]): { inputs: Set<string>; bytes: number } {
  const byEntry = new Map(Object.entries(meta.outputs).map(([out, o]) => [o.entryPoint, out] as const));
  const queue = entries.map((e) => {
    const out = byEntry.get(e);
    if (!out) throw new Error(`no output for ${e}`);
    return out;
  });
  const seen = new Set<string>();
  while (queue.length) {
    const out = queue.pop()!;
    if (seen.has(out)) continue;
    seen.add(out);
    for (const imp of meta.outputs[out]!.imports) if (imp.kind === 'import-statement' && !imp.external) queue.push(imp.path);
  }
  const inputs = new Set<string>();
  let bytes = 0;
  for (const out of seen) {
    bytes += meta.outputs[out]!.bytes;
    for (const input of Object.keys(meta.outputs[out]!.inputs)) inputs.add(input);
  }
  return { inputs, bytes };
}

const pkg = (input: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];

describe('folio serve start-up bundle', () => {
  it('leaves the AI SDK, the providers, the importer, S3 and MCP to dynamic imports', () => {
    // The serve command loads the server with a dynamic import only to start opening the database first
    // (ADR 0034): it is compiled at every start all the same.
    const { inputs } = startupInputs(['src/cli/main.ts', 'src/cli/commands/serve.ts', 'src/server/serve.ts']);
    const packages = new Set([...inputs].map(pkg).filter((p): p is string => p !== undefined));
    // Sanity: the walk found the server itself.
    expect(packages).toContain('hono');
    expect(packages).toContain('zod');
    for (const lazy of [
      'ai',
      '@ai-sdk/anthropic',
      '@ai-sdk/openai-compatible',
      '@ai-sdk/gateway',
      'ollama-ai-provider-v2',
      'yaml',
      'yauzl',
      '@aws-sdk/client-s3',
      '@modelcontextprotocol/sdk',
      'fast-xml-parser',
    ]) {
      expect(packages, `${lazy} is compiled at every start`).not.toContain(lazy);
    }
    expect([...inputs].filter((i) => i.includes('src/content/importer.ts'))).toEqual([]);
  });

  it('bundles only the English zod locale', () => {
    const locales = Object.keys(meta.inputs).filter((i) => /node_modules\/zod\/v4\/locales\/[^/]+\.js$/.test(i));
    expect(locales.map((l) => l.split('/').pop())).toEqual(['en.js']);
  });

  it('still bundles the lazy parts, for the requests that need them', () => {
    const all = new Set(Object.keys(meta.inputs).map(pkg));
    for (const p of ['ai', '@ai-sdk/anthropic', 'ollama-ai-provider-v2', 'yaml', 'yauzl']) expect(all).toContain(p);
  });
});

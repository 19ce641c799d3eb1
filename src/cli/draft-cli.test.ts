/** `folio draft export` as a real process on the embedded database: a pack out that imports back; clear refusals. */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runFolio } from '../../test/cli.js';
import { writeTinyPack } from '../../test/packs.js';

let dir: string;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('exports a series as a pack that imports back unchanged; refuses a non-empty folder and an unknown series', async () => {
  dir = await mkdtemp(join(tmpdir(), 'folio-draft-cli-'));
  const data = join(dir, 'data');
  expect((await runFolio(['import', await writeTinyPack({ id: 'cli-draft' })], { FOLIO_DATA_DIR: data })).code).toBe(0);

  const out = join(dir, 'out');
  const r = await runFolio(['draft', 'export', 'cli-draft', out, '--json'], { FOLIO_DATA_DIR: data });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, seriesId: 'cli-draft', transcribedPages: 0 });
  expect(await readdir(out)).toEqual(expect.arrayContaining(['series.yaml', 'episodes']));
  const back = await runFolio(['import', out], { FOLIO_DATA_DIR: join(dir, 'data2') });
  expect(back.code).toBe(0);
  expect(back.stdout).toMatch(/Imported .*cli-draft/);

  const full = join(dir, 'full');
  await mkdir(full);
  await writeFile(join(full, 'keep.txt'), 'mine');
  const refused = await runFolio(['draft', 'export', 'cli-draft', full], { FOLIO_DATA_DIR: data });
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('is not empty');
  const unknown = await runFolio(['draft', 'export', 'no-such-series', join(dir, 'x')], { FOLIO_DATA_DIR: data });
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('No series "no-such-series"');
}, 120_000);

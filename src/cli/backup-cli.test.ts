/** `folio backup` / `folio restore` as real processes on the embedded database. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runFolio } from '../../test/cli.js';
import { writeTinyPack } from '../../test/packs.js';

let dir: string;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('backs up one data dir and restores it into another; refuses to overwrite without --force', async () => {
  dir = await mkdtemp(join(tmpdir(), 'folio-backup-cli-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const file = join(dir, 'backup.tar.gz');
  expect((await runFolio(['import', await writeTinyPack({ id: 'cli-backup' })], { FOLIO_DATA_DIR: a })).code).toBe(0);

  const made = await runFolio(['backup', file, '--json'], { FOLIO_DATA_DIR: a });
  expect(made.stderr).not.toMatch(/error/i);
  expect(made.code).toBe(0);
  const summary = JSON.parse(made.stdout) as { images: number; rows: number };
  expect(summary.images).toBe(16);

  const restored = await runFolio(['restore', file], { FOLIO_DATA_DIR: b });
  expect(restored.code).toBe(0);
  expect(restored.stdout).toMatch(/Restored \d+ rows and 16 images/);

  const again = await runFolio(['restore', file], { FOLIO_DATA_DIR: b });
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('--force');
  expect((await runFolio(['restore', file, '--force'], { FOLIO_DATA_DIR: b })).code).toBe(0);

  // The restored instance reports the imported pack as unchanged: same rows, same images.
  const reimport = await runFolio(['import', await writeTinyPack({ id: 'cli-backup' }), '--json'], { FOLIO_DATA_DIR: b });
  expect(JSON.parse(reimport.stdout)).toMatchObject({ ok: true, status: 'unchanged' });
}, 120_000);

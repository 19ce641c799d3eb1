/** `folio import <folder of .cbz>` and `<file.cbz>` through the real importer and reader API. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comicInfo, makeCbz } from '../../test/cbz.js';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { startTestServer, type TestServer } from '../../test/server.js';
import { importPack } from './importer.js';

let t: TestDatabase;
let server: TestServer;
let dir: string;

beforeAll(async () => {
  t = await createTestDatabase();
  server = await startTestServer(t.database);
  dir = await mkdtemp(join(tmpdir(), 'folio-cbz-'));
}, 120_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('CBZ import', () => {
  it('imports a folder of CBZ files as one series, idempotently, with episode summaries gated like packs', async () => {
    const folder = join(dir, 'lamp');
    await mkdir(folder);
    await writeFile(
      join(folder, 'lamp-01.cbz'),
      await makeCbz({ pages: 2, seed: 1, comicInfo: comicInfo({ Series: 'Lamp Tales', Number: 1, Title: 'Dark Street', Summary: 'The lamps go out.' }) }),
    );
    await writeFile(
      join(folder, 'lamp-02.cbz'),
      await makeCbz({ pages: 3, seed: 2, comicInfo: comicInfo({ Series: 'Lamp Tales', Number: 2, Title: 'The Moth Returns', Summary: 'A secret ending.' }) }),
    );
    const r = await importPack({ database: t.database, storage: server.storage }, folder);
    expect(r).toMatchObject({ status: 'created', seriesId: 'lamp-tales', episodes: 2, pages: 5 });
    expect((await importPack({ database: t.database, storage: server.storage }, folder)).status).toBe('unchanged');

    const token = await server.newReader();
    await server.fetch('/api/series/lamp-tales/progress', { method: 'POST', token, json: { episode: 1, page: 1 } });
    const detail = (await (await server.fetch('/api/series/lamp-tales', { token })).json()) as {
      episodes: Array<{ number: number; title: string | null; summary: string | null }>;
    };
    expect(detail.episodes.map((e) => e.number)).toEqual([1, 2]);
    // Episode 1 is not finished: its summary is still hidden; nothing of episode 2's summary appears.
    expect(JSON.stringify(detail)).not.toContain('A secret ending');
    expect(detail.episodes[0]!.summary).toBeNull();
  });

  it('imports a single .cbz as a series of one', async () => {
    const file = join(dir, 'One Shot.cbz');
    await writeFile(file, await makeCbz({ pages: 4, seed: 7 }));
    const r = await importPack({ database: t.database, storage: server.storage }, file);
    expect(r).toMatchObject({ status: 'created', seriesId: 'one-shot', episodes: 1, pages: 4 });
  });

  it('a broken archive imports nothing and says why', async () => {
    const folder = join(dir, 'broken');
    await mkdir(folder);
    await writeFile(join(folder, '1.cbz'), await makeCbz({ pages: 1 }));
    await writeFile(join(folder, '2.cbz'), 'not a zip');
    await expect(importPack({ database: t.database, storage: server.storage }, folder)).rejects.toMatchObject({ code: 'bad_request:pack' });
    const token = await server.newReader();
    const lib = (await (await server.fetch('/api/series', { token })).json()) as { series: Array<{ id: string }> };
    expect(lib.series.map((s) => s.id)).not.toContain('broken');
  });
});

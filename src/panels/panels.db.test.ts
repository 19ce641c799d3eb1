/**
 * Panels from import to the reader API: found in page images at import in the series' direction, a pack's own
 * `panels` winning, kept across re-imports without reading an unchanged image again, and sent only with an image
 * the reader is sent (PGlite and PostgreSQL).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { writeTinyPack } from '../../test/packs.js';
import { episodeDetail } from '../catalog/catalog.js';
import { importPack } from '../content/importer.js';
import { progress, readers } from '../db/schema.js';
import { LocalStorage } from '../storage/local.js';

let t: TestDatabase;
let mediaDir: string;
let storage: LocalStorage;

beforeAll(async () => {
  t = await createTestDatabase();
  mediaDir = await mkdtemp(join(tmpdir(), 'folio-media-'));
  storage = new LocalStorage(mediaDir);
}, 120_000);

afterAll(async () => {
  await t?.close();
  await rm(mediaDir, { recursive: true, force: true });
});

/** A page of two panels side by side, a wide one under them (white paper, 12 px gutters); `shade` makes it distinct. */
async function threePanels(shade: number): Promise<Buffer> {
  const box = (w: number, h: number) =>
    sharp({ create: { width: w, height: h, channels: 3, background: { r: shade, g: 60, b: 90 } } })
      .png()
      .toBuffer();
  return sharp({ create: { width: 400, height: 560, channels: 3, background: '#ffffff' } })
    .composite([
      { input: await box(174, 254), left: 20, top: 20 },
      { input: await box(174, 254), left: 206, top: 20 },
      { input: await box(360, 254), left: 20, top: 286 },
    ])
    .jpeg()
    .toBuffer();
}

async function editEpisode(dir: string, e: number, edit: (episode: { pages: Array<Record<string, unknown>> }) => void): Promise<void> {
  const file = join(dir, 'episodes', `ep${e}`, 'episode.yaml');
  const data = parse(await readFile(file, 'utf8'));
  edit(data);
  await writeFile(file, stringify(data));
}

async function readerAt(seriesId: string, episode: number, page: number): Promise<string> {
  const { db } = t.database;
  const [reader] = await db.insert(readers).values({}).returning();
  await db.insert(progress).values({ readerId: reader!.id, seriesId, episode, page });
  return reader!.id;
}

/** A pack of three episodes whose first pages are three-panel pages; page 2 of episode 1 lists its own panels. */
async function panelPack(id: string, direction: 'ltr' | 'rtl', seed: number): Promise<string> {
  const dir = await writeTinyPack({ id, episodes: 3, pagesPerEpisode: 2, seed });
  const series = parse(await readFile(join(dir, 'series.yaml'), 'utf8'));
  await writeFile(join(dir, 'series.yaml'), stringify({ ...series, reading_direction: direction }));
  for (const e of [1, 2, 3]) await writeFile(join(dir, 'episodes', `ep${e}`, 'pages', '1.jpg'), await threePanels(100 + e + seed * 3));
  await editEpisode(dir, 1, (ep) => {
    ep.pages[1]!.panels = [
      { x: 0, y: 0, w: 1, h: 0.5 },
      { x: 0, y: 0.5, w: 1, h: 0.5 },
    ];
  });
  return dir;
}

describe('panels of a page', () => {
  it('are found at import, ordered in the series direction, and a pack’s own win', async () => {
    for (const direction of ['ltr', 'rtl'] as const) {
      const id = `panels-${direction}`;
      await importPack({ database: t.database, storage }, await panelPack(id, direction, direction === 'ltr' ? 1 : 2), { concurrency: 2 });
      const detail = await episodeDetail(t.database.db, storage, { readerId: await readerAt(id, 1, 1), seriesId: id }, 1);
      const [first, second] = detail.pages;
      const left = { x: 20 / 400, y: 20 / 560, w: 174 / 400, h: 254 / 560 };
      const right = { x: 206 / 400, y: 20 / 560, w: 174 / 400, h: 254 / 560 };
      const wide = { x: 20 / 400, y: 286 / 560, w: 360 / 400, h: 254 / 560 };
      const expected = direction === 'ltr' ? [left, right, wide] : [right, left, wide];
      expect(first!.panels, direction).toHaveLength(3);
      // Within a pixel or two: JPEG blurs an edge.
      first!.panels!.forEach((p, i) => {
        for (const k of ['x', 'y', 'w', 'h'] as const) expect(Math.abs(p[k] - expected[i]![k]), `${direction} panel ${i + 1} ${k}`).toBeLessThan(0.006);
      });
      // The pack's own, as written (not reordered, not detected: the page image is one flat colour).
      expect(second!.panels).toEqual([
        { x: 0, y: 0, w: 1, h: 0.5 },
        { x: 0, y: 0.5, w: 1, h: 0.5 },
      ]);
    }
  });

  it('are sent with the image only: the next episode yes, a locked one no', async () => {
    const id = 'panels-ltr';
    const readerId = await readerAt(id, 1, 2);
    const next = await episodeDetail(t.database.db, storage, { readerId, seriesId: id }, 2);
    expect(next.pages[0]!.image).not.toBeNull();
    expect(next.pages[0]!.panels).toHaveLength(3);
    const locked = await episodeDetail(t.database.db, storage, { readerId, seriesId: id }, 3);
    expect(locked.pages[0]!.image).toBeNull();
    expect(locked.pages[0]!.panels).toBeNull();
  });

  it('a page with one flat picture, or `panels: []`, is shown whole (null)', async () => {
    const id = 'panels-whole';
    const dir = await panelPack(id, 'ltr', 3);
    await editEpisode(dir, 1, (ep) => {
      ep.pages[0]!.panels = [];
    });
    await importPack({ database: t.database, storage }, dir, { concurrency: 2 });
    const detail = await episodeDetail(t.database.db, storage, { readerId: await readerAt(id, 1, 2), seriesId: id }, 1);
    expect(detail.pages[0]!.panels).toBeNull();
    const ep2 = await episodeDetail(t.database.db, storage, { readerId: await readerAt(id, 2, 2), seriesId: id }, 2);
    expect(ep2.pages[1]!.panels).toBeNull();
  });

  it('a re-import with new `panels` uses them without reading an unchanged image again', async () => {
    const id = 'panels-reimport';
    const dir = await panelPack(id, 'ltr', 4);
    const first = await importPack({ database: t.database, storage }, dir, { concurrency: 2 });
    expect(first.imagesMade).toBeGreaterThan(0);
    await editEpisode(dir, 2, (ep) => {
      ep.pages[0]!.panels = [{ x: 0.1, y: 0.1, w: 0.8, h: 0.8 }];
    });
    const again = await importPack({ database: t.database, storage }, dir, { concurrency: 2 });
    expect(again.status).toBe('updated');
    expect(again.imagesMade).toBe(0);
    const detail = await episodeDetail(t.database.db, storage, { readerId: await readerAt(id, 2, 1), seriesId: id }, 2);
    expect(detail.pages[0]!.panels).toEqual([{ x: 0.1, y: 0.1, w: 0.8, h: 0.8 }]);
  });
});

describe('the full-size copy of a wide page', () => {
  it('is sent with the page image, for zooming past the display variant, and never before', async () => {
    const id = 'panels-wide';
    const dir = await writeTinyPack({ id, episodes: 3, pagesPerEpisode: 1, seed: 5 });
    for (const e of [1, 2, 3]) {
      const wide = await sharp({ create: { width: 2000 + e, height: 2800, channels: 3, background: '#224466' } })
        .jpeg()
        .toBuffer();
      await writeFile(join(dir, 'episodes', `ep${e}`, 'pages', '1.jpg'), wide);
    }
    await importPack({ database: t.database, storage }, dir, { concurrency: 2 });
    const readerId = await readerAt(id, 1, 1);
    const page = (await episodeDetail(t.database.db, storage, { readerId, seriesId: id }, 1)).pages[0]!;
    expect(page.image).toMatchObject({ width: 1600, full: { width: 2001, height: 2800 } });
    expect(page.image!.full!.url).not.toBe(page.image!.url);
    expect(await storage.exists(page.image!.full!.url.replace(/^\/media\//, ''))).toBe(true);
    expect((await episodeDetail(t.database.db, storage, { readerId, seriesId: id }, 2)).pages[0]!.image?.full).toBeDefined();
    expect((await episodeDetail(t.database.db, storage, { readerId, seriesId: id }, 3)).pages[0]!.image).toBeNull();
  });
});

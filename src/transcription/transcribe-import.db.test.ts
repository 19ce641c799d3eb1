/**
 * Any comic in, a companion out: Pepper&Carrot's page images as CBZ archives
 * (no text at all) through the real importer, the real offline OCR engine and
 * the reader API, on both databases. The transcribed text is the pages' text
 * (marked `ocr`), searched, quoted and cited under the boundary; a world and
 * summaries are drafted from it with debuts at the first page that names them;
 * an unchanged page is never read twice and a cancelled import resumes; a
 * language without OCR data stops the import naming the package to add; the
 * operator sees every page's transcript; `folio draft export` round-trips.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cbzOfImages, comicInfo } from '../../test/cbz.js';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { type CompanionServer, startCompanionServer } from '../../test/fakes/folio.js';
import { PEPPER_CARROT } from '../../test/server.js';
import { exportSeries } from '../content/export.js';
import { importPack } from '../content/importer.js';
import { isFolioError } from '../errors.js';
import { comparePositions } from '../spoilers/position.js';

const SERIES = 'potion-tales';
const EPISODES = ['ep01-Potion-of-Flight', 'ep02-Rainbow-potions', 'ep03-The-secret-ingredients'];
const ADMIN = 'transcribe-admin-token-0123456789abcdef';

interface GoldPage {
  number: number;
  kind: string;
  image?: string;
  dialogue?: string | null;
}
let t: TestDatabase;
let server: CompanionServer;
let dir: string;
const gold = new Map<string, GoldPage[]>();

const words = (s: string) => (s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length > 1);
function recall(got: string, want: string): number {
  const have = new Set(words(got));
  const need = words(want);
  return need.length === 0 ? 1 : need.filter((w) => have.has(w)).length / need.length;
}

/** The pages of an episode that go into its CBZ (with an image), in order: CBZ page n is the n-th of them. */
const cbzPages = (episode: number) => gold.get(EPISODES[episode - 1]!)!.filter((p) => p.image && p.kind !== 'blank');
const goldText = (episode: number, cbzPage: number) => cbzPages(episode)[cbzPage - 1]!.dialogue ?? '';

/** One CBZ per episode: the page images only, no text. `changed` pages (episode, CBZ page) are re-encoded. */
async function writeArchives(folder: string, changed: Array<[number, number]> = []): Promise<void> {
  await mkdir(folder, { recursive: true });
  for (const [i, ep] of EPISODES.entries()) {
    const images = await Promise.all(
      cbzPages(i + 1).map(async (p, k) => {
        let bytes: Uint8Array = await readFile(join(PEPPER_CARROT, 'episodes', ep, p.image!));
        // A changed image (a fix by the artist): the same page, re-encoded.
        if (changed.some(([e, n]) => e === i + 1 && n === k + 1)) bytes = await sharp(bytes).jpeg({ quality: 80 }).toBuffer();
        return { name: `p${String(p.number).padStart(3, '0')}.jpg`, bytes };
      }),
    );
    await writeFile(join(folder, `potion-tales-${i + 1}.cbz`), await cbzOfImages(images, comicInfo({ Series: 'Potion Tales', Number: i + 1 })));
  }
}

beforeAll(async () => {
  for (const ep of EPISODES) {
    const y = parse(await readFile(join(PEPPER_CARROT, 'episodes', ep, 'episode.yaml'), 'utf8')) as { pages: GoldPage[] };
    gold.set(ep, y.pages);
  }
  dir = await mkdtemp(join(tmpdir(), 'folio-ocr-'));
  t = await createTestDatabase();
  server = await startCompanionServer(t.database, { FOLIO_MODEL: 'none', ADMIN_TOKEN: ADMIN });
  await writeArchives(join(dir, 'cbz'));
}, 120_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const json = async <T>(path: string, token?: string): Promise<T> => {
  const res = await server.fetch(path, { token });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
};

interface PageJson {
  number: number;
  reached: boolean;
  dialogue: string | null;
  textSource: string | null;
  alt: string;
}

describe('CBZ pages without text are transcribed at import', () => {
  it('imports, transcribes every page offline and drafts a world; the text is the pages’ text under the boundary', async () => {
    const phases = new Set<string>();
    const r = await importPack({ database: t.database, storage: server.storage }, join(dir, 'cbz'), { onProgress: (p) => phases.add(p.phase) });
    const pageCount = EPISODES.reduce((n, _, i) => n + cbzPages(i + 1).length, 0);
    expect(r).toMatchObject({ status: 'created', seriesId: SERIES, transcriptsMade: pageCount, transcriptsReused: 0 });
    expect(r.entitiesDrafted).toBeGreaterThan(0);
    expect([...phases]).toEqual(expect.arrayContaining(['transcripts', 'draft']));

    // Episode 1, page 3 ("ha... perfect") read by a reader at 1/3: the lettering is there, marked as transcribed.
    const at = { episode: 1, page: 3 };
    const token = await server.newReader();
    await server.moveTo(token, SERIES, at);
    const ep1 = await json<{ pages: PageJson[] }>(`/api/series/${SERIES}/episodes/1`, token);
    const p3 = ep1.pages.find((p) => p.number === 3)!;
    expect(p3.textSource).toBe('ocr');
    expect(goldText(1, 3)).toContain('perfect');
    expect(recall(p3.dialogue ?? '', goldText(1, 3))).toBeGreaterThan(0.6);
    // The accessible text of a reached page is its text; an unreached page exposes nothing.
    expect(p3.alt).toMatch(/^Page 3: .*perfect/i);
    const p4 = ep1.pages.find((p) => p.number === 4)!;
    expect(p4).toMatchObject({ reached: false, dialogue: null, textSource: null, alt: 'Page 4' });

    // Search finds the transcribed words, only on reached pages.
    const hits = await json<{ results: Array<{ episode: number; page: number }> }>(`/api/series/${SERIES}/search?q=perfect`, token);
    expect(hits.results.length).toBeGreaterThan(0);
    for (const h of hits.results) expect(comparePositions(h, at)).toBeLessThanOrEqual(0);

    // Quote mode answers from the transcribed page, with a citation at or before the position.
    const answer = await server.ask(token, SERIES, 'What is happening on this page?');
    expect(answer.status).toBe(200);
    expect(answer.citations.length).toBeGreaterThan(0);
    for (const c of answer.citations) expect(comparePositions(c, at)).toBeLessThanOrEqual(0);
  }, 240_000);

  it('drafted entities debut at the first page whose transcript names them, never earlier', async () => {
    const transcripts = await json<{ pages: Array<{ episode: number; page: number; source: string; text: string }> }>(`/api/admin/series/${SERIES}/transcripts`, ADMIN);
    const token = await server.newReader();
    await server.moveTo(token, SERIES, { episode: 3, page: cbzPages(3).length });
    const graph = await json<{ nodes: Array<{ name: string; aliases: string[]; debut: { episode: number; page: number }; drafted: boolean }> }>(
      `/api/series/${SERIES}/world`,
      token,
    );
    expect(graph.nodes.length).toBeGreaterThan(0);
    for (const n of graph.nodes) {
      expect(n.drafted).toBe(true);
      const names = [n.name, ...n.aliases].map((x) => x.toLowerCase());
      const first = transcripts.pages.find((p) =>
        names.some((name) => new RegExp(`(^|[^\\p{L}])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\p{L}]|$)`, 'iu').test(p.text)),
      );
      expect(first, `${n.name} is named in some transcript`).toBeDefined();
      expect(comparePositions(n.debut, first!), `${n.name} debuts at ${n.debut.episode}/${n.debut.page}`).toBeGreaterThanOrEqual(0);
    }
  });

  it('the operator API shows every page with its source, engine and regions', async () => {
    expect((await server.fetch(`/api/admin/series/${SERIES}/transcripts`)).status).toBe(401);
    const body = await json<{
      counts: { authored: number; ocr: number; model: number };
      pages: Array<{ source: string; engine: string | null; regions: Array<{ text: string; confidence: number; sound: boolean }> | null }>;
    }>(`/api/admin/series/${SERIES}/transcripts`, ADMIN);
    expect(body.counts.ocr).toBe(body.pages.length);
    for (const p of body.pages) {
      expect(p.engine).toMatch(/^tesseract\.js@/);
      for (const g of p.regions ?? []) expect(g.confidence).toBeGreaterThanOrEqual(0);
    }
    expect(body.pages.some((p) => (p.regions ?? []).length > 0)).toBe(true);
    expect((await server.fetch('/api/admin/series/no-such-series/transcripts', { token: ADMIN })).status).toBe(404);
  });

  it('re-importing reads only a changed image; a cancelled import resumes after the pages it read', async () => {
    await writeArchives(join(dir, 'cbz2'), [[2, 3]]);
    const again = await importPack({ database: t.database, storage: server.storage }, join(dir, 'cbz2'));
    expect(again.status).toBe('updated');
    expect(again.transcriptsMade).toBe(1);

    // A cancelled run keeps what it read: the next one reads only the rest.
    await writeArchives(join(dir, 'cbz3'), [
      [3, 4],
      [3, 5],
    ]);
    const controller = new AbortController();
    let seen = 0;
    await expect(
      importPack({ database: t.database, storage: server.storage }, join(dir, 'cbz3'), {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'transcripts' && p.done === 1) controller.abort();
          seen = Math.max(seen, p.phase === 'transcripts' ? p.done : 0);
        },
      }),
    ).rejects.toThrow();
    expect(seen).toBeGreaterThanOrEqual(1);
    const resumed = await importPack({ database: t.database, storage: server.storage }, join(dir, 'cbz3'));
    expect(resumed.status).toBe('updated');
    expect(resumed.transcriptsMade).toBe(2 - seen);
  }, 120_000);

  it('a language without OCR data stops the import before any page work, naming the package to add', async () => {
    const folder = join(dir, 'fr');
    await mkdir(folder);
    const page = await readFile(join(PEPPER_CARROT, 'episodes', EPISODES[0]!, 'pages', '002.jpg'));
    await writeFile(join(folder, 'pot.cbz'), await cbzOfImages([{ name: 'p1.jpg', bytes: page }], comicInfo({ Series: 'Potion FR', Number: 1, LanguageISO: 'fr' })));
    const err = await importPack({ database: t.database, storage: server.storage }, folder).catch((e: unknown) => e);
    expect(isFolioError(err)).toBe(true);
    expect((err as Error).message).toContain('@tesseract.js-data/fra');
    expect((await server.fetch('/api/series/potion-fr')).status).not.toBe(200);
    // With transcription off the same archive imports, without text.
    const off = await importPack({ database: t.database, storage: server.storage, transcriber: null }, folder);
    expect(off).toMatchObject({ status: 'created', transcriptsMade: 0, entitiesDrafted: 0 });
  });

  it('`folio draft export` writes an editable pack that imports back as authored text', async () => {
    const out = join(dir, 'export');
    const r = await exportSeries(t.database.db, server.storage, SERIES, out);
    expect(r).toMatchObject({ seriesId: SERIES, episodes: 3 });
    expect(r.transcribedPages).toBe(r.pages);
    expect(r.draftedEntities).toBe(r.entities);
    // (The drafted world's round trip is checked on a series with a large one: content/drafted-spoilers.db.test.ts.)
    expect(await readdir(out)).toEqual(expect.arrayContaining(['series.yaml', 'episodes', ...(r.entities > 0 ? ['world'] : [])]));
    const series = parse(await readFile(join(out, 'series.yaml'), 'utf8')) as { id: string; draft: boolean };
    expect(series).toMatchObject({ id: SERIES, draft: false });

    const before = await json<{ pages: Array<{ episode: number; page: number; text: string }> }>(`/api/admin/series/${SERIES}/transcripts`, ADMIN);
    const back = await importPack({ database: t.database, storage: server.storage }, out);
    expect(back).toMatchObject({ status: 'updated', transcriptsMade: 0, transcriptsReused: 0, entitiesDrafted: 0 });
    const after = await json<{ counts: { authored: number; ocr: number }; pages: Array<{ episode: number; page: number; text: string }> }>(
      `/api/admin/series/${SERIES}/transcripts`,
      ADMIN,
    );
    expect(after.counts.ocr).toBe(0);
    expect(after.pages.map((p) => [p.episode, p.page, p.text])).toEqual(before.pages.map((p) => [p.episode, p.page, p.text]));
    const token = await server.newReader();
    await server.moveTo(token, SERIES, { episode: 3, page: cbzPages(3).length });
    const graph = await json<{ nodes: Array<{ drafted: boolean }> }>(`/api/series/${SERIES}/world`, token);
    expect(graph.nodes.length).toBe(r.entities);
    expect(graph.nodes.every((n) => !n.drafted)).toBe(true);
  }, 120_000);
});

/**
 * Page descriptions by a vision model at import, end to end: the real importer
 * and job worker, the real AI SDK OpenAI-compatible provider, and a fake
 * vision server on a loopback port that refuses any request without an
 * `image_url` data-URL part (so `rejected === 0` proves the wire format).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { makeCbz } from '../../test/cbz.js';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { type FakeVisionServer, startFakeVision } from '../../test/fakes/vision.js';
import { writeTinyPack } from '../../test/packs.js';
import { loadConfig } from '../config/env.js';
import { type ImportPhase, importPack } from '../content/importer.js';
import { queryRows } from '../db/client.js';
import { jobHandlers } from '../jobs/handlers.js';
import { JobQueue } from '../jobs/jobs.js';
import { isFinished } from '../jobs/rules.js';
import { Worker } from '../jobs/worker.js';
import { LocalStorage } from '../storage/local.js';
import { type PageDescriber, pageDescriberFor } from './describer.js';

let t: TestDatabase;
let vision: FakeVisionServer;
let mediaDir: string;
let storage: LocalStorage;
let describer: PageDescriber;

beforeAll(async () => {
  [t, vision] = await Promise.all([createTestDatabase(), startFakeVision()]);
  mediaDir = await mkdtemp(join(tmpdir(), 'folio-media-'));
  storage = new LocalStorage(mediaDir);
  const config = loadConfig(
    {
      FOLIO_MODEL: 'openai',
      FOLIO_MODEL_BASE_URL: `${vision.url}/v1`,
      FOLIO_CHAT_MODEL: 'fake-chat',
      FOLIO_VISION_MODEL: 'fake-vl',
      FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS: '200',
      FOLIO_MODEL_TOTAL_TIMEOUT_MS: '1000',
    },
    { cwd: mediaDir },
  );
  describer = pageDescriberFor(config)!;
}, 120_000);

afterAll(async () => {
  await vision?.close();
  await t?.close();
  await rm(mediaDir, { recursive: true, force: true });
});

beforeEach(() => vision.reset());

/** Edit page `page` of episode `episode` in a tiny pack's episode.yaml. */
async function editPage(root: string, episode: number, page: number, change: Record<string, unknown>): Promise<void> {
  const file = join(root, 'episodes', `ep${episode}`, 'episode.yaml');
  const data = parse(await readFile(file, 'utf8')) as { pages: Array<Record<string, unknown>> };
  Object.assign(data.pages.find((p) => p.number === page)!, change);
  await writeFile(file, stringify(data));
}

interface PageText {
  episode: number;
  number: number;
  description: string | null;
  generated_description: string | null;
  generated_description_model: string | null;
  chunk: string | null;
}

const pageTexts = (seriesId: string) =>
  queryRows<PageText>(
    t.database.db,
    sql`SELECT p.episode, p.number, p.description, p.generated_description, p.generated_description_model,
               (SELECT string_agg(c.text, ' ' ORDER BY c.ordinal) FROM chunks c
                 WHERE c.series_id = p.series_id AND c.episode = p.episode AND c.page = p.number AND c.source = 'description') AS chunk
          FROM pages p WHERE p.series_id = ${seriesId} ORDER BY p.episode, p.number`,
  );

const described = (e: number, p: number) => `A drawn panel for episode ${e}, page ${p}: rooftops under a violet sky, and a lantern glowing in a window.`;

describe('page descriptions at import', () => {
  let pack: string;

  it('describes the pages without a description, leaves authored ones alone, and chunks both', async () => {
    pack = await writeTinyPack({ id: 'vis', episodes: 2, pagesPerEpisode: 3, seed: 11 });
    await editPage(pack, 1, 1, { description: 'The authored description of the first page.' });
    const phases: ImportPhase[] = [];
    const r = await importPack({ database: t.database, storage, describer }, pack, {
      descriptionConcurrency: 2,
      onProgress: (p) => (phases.at(-1) === p.phase ? undefined : phases.push(p.phase)),
    });
    expect(r.status).toBe('created');
    expect([r.descriptionsMade, r.descriptionsReused, r.descriptionsFailed]).toEqual([5, 0, 0]);
    expect(phases).toEqual(['validate', 'images', 'descriptions', 'publish']);

    // Every request carried the page as a data:image/jpeg;base64 URL (the fake refuses anything else).
    expect(vision.rejected).toBe(0);
    expect(vision.images).toHaveLength(5);
    expect(vision.images.every((i) => i.mime === 'image/jpeg' && i.bytes[0] === 0xff && i.bytes[1] === 0xd8)).toBe(true);
    expect(vision.images.some((i) => i.prompt.includes('Line of episode 2 page 3'))).toBe(true);

    const rows = await pageTexts('vis');
    expect(rows[0]).toEqual({
      episode: 1,
      number: 1,
      description: 'The authored description of the first page.',
      generated_description: null,
      generated_description_model: null,
      chunk: 'The authored description of the first page.',
    });
    for (const row of rows.slice(1)) {
      expect(row).toEqual({
        episode: row.episode,
        number: row.number,
        description: null,
        generated_description: described(row.episode, row.number),
        generated_description_model: 'openai:fake-vl',
        chunk: described(row.episode, row.number),
      });
    }
  });

  it('re-importing makes no vision call: not for an unchanged pack, nor for unchanged images of a changed one', async () => {
    const again = await importPack({ database: t.database, storage, describer }, pack);
    expect(again.status).toBe('unchanged');
    expect(vision.requests).toHaveLength(0);

    await editPage(pack, 2, 1, { dialogue: 'Edited lettering.' });
    await editPage(pack, 2, 2, { description: 'Now the pack describes this page itself.' });
    const edited = await importPack({ database: t.database, storage, describer }, pack);
    expect(edited.status).toBe('updated');
    expect([edited.descriptionsMade, edited.descriptionsReused, edited.descriptionsFailed]).toEqual([0, 4, 0]);
    expect(vision.requests).toHaveLength(0);
    const rows = await pageTexts('vis');
    expect(rows.find((r) => r.episode === 2 && r.number === 1)!.generated_description).toBe(described(2, 1));
    // Authored wins as soon as there is one.
    expect(rows.find((r) => r.episode === 2 && r.number === 2)).toMatchObject({
      description: 'Now the pack describes this page itself.',
      generated_description: null,
      chunk: 'Now the pack describes this page itself.',
    });
  });

  it('without a describer the import writes none (turning it off removes them at the next import)', async () => {
    const off = await importPack({ database: t.database, storage }, pack);
    expect(off.status).toBe('updated');
    expect(off.descriptionsMade + off.descriptionsReused + off.descriptionsFailed).toBe(0);
    expect((await pageTexts('vis')).filter((r) => r.generated_description !== null)).toEqual([]);
    expect(vision.requests).toHaveLength(0);
  });

  it('a failing vision server never fails the import: failures are counted and retried at the next import', async () => {
    const failing = await writeTinyPack({ id: 'vis-fail', episodes: 2, pagesPerEpisode: 3, seed: 12 });
    vision.set({ fault: 'server-error' });
    const r = await importPack({ database: t.database, storage, describer }, failing);
    expect(r.status).toBe('created');
    expect([r.descriptionsMade, r.descriptionsFailed]).toEqual([0, 6]);
    // One retry per page; after three failed pages in a row the rest are not sent.
    expect(vision.chatRequests()).toHaveLength(6);
    expect(r.warnings.map((w) => w.message).join('\n')).toContain('could not describe 6 page image(s), first: server (episode 1, page 1)');
    expect((await pageTexts('vis-fail')).every((p) => p.generated_description === null && p.chunk === null)).toBe(true);
    expect(r.pages).toBe(6);

    // The pack is unchanged, but its descriptions are incomplete: the next import tries them again
    // (the first request fails once more, its retry succeeds).
    vision.reset();
    vision.set({ fault: 'server-error-once' });
    const retried = await importPack({ database: t.database, storage, describer }, failing);
    expect(retried.status).toBe('updated');
    expect([retried.descriptionsMade, retried.descriptionsFailed]).toEqual([6, 0]);
    expect(vision.chatRequests()).toHaveLength(7);
    expect((await pageTexts('vis-fail')).every((p) => p.chunk === described(p.episode, p.number))).toBe(true);

    vision.reset();
    expect((await importPack({ database: t.database, storage, describer }, failing)).status).toBe('unchanged');
    expect(vision.requests).toHaveLength(0);
  }, 30_000);

  it('a hanging vision server is timed out', async () => {
    const slow = await writeTinyPack({ id: 'vis-hang', episodes: 1, pagesPerEpisode: 1, seed: 13 });
    vision.set({ fault: 'hang' });
    const started = performance.now();
    const r = await importPack({ database: t.database, storage, describer }, slow);
    expect(r.status).toBe('created');
    expect(r.descriptionsFailed).toBe(1);
    expect(r.warnings.map((w) => w.message).join('\n')).toContain('first: timeout (episode 1, page 1)');
    // Two attempts of 1 s and the pause between them.
    expect(performance.now() - started).toBeLessThan(8_000);
  }, 30_000);

  it('the job-queue import describes too, and its result counts them', async () => {
    const queue = new JobQueue(t.database.db);
    const worker = new Worker({
      db: t.database.db,
      handlers: jobHandlers({ database: t.database, storage, importConcurrency: 2, describer, descriptionConcurrency: 2 }),
      logger: pino({ level: 'silent' }),
      concurrency: 1,
      pollMs: 20,
    });
    worker.start();
    try {
      const job = await queue.enqueue('import', {}, { upload: { name: 'vision-job.cbz', bytes: await makeCbz({ pages: 3, seed: 14 }) } });
      let state = await queue.get(job.id);
      for (let i = 0; i < 300 && !isFinished(state.state); i++) {
        await new Promise((r) => setTimeout(r, 50));
        state = await queue.get(job.id);
      }
      expect(state.state).toBe('succeeded');
      expect(state.result).toMatchObject({ status: 'created', pages: 3, descriptionsMade: 3, descriptionsReused: 0, descriptionsFailed: 0 });
      expect(vision.rejected).toBe(0);
      expect(vision.images).toHaveLength(3);
    } finally {
      await worker.stop(1_000);
    }
  }, 30_000);
});

/**
 * With FOLIO_VISION_MODEL, a page the OCR engine read is transcribed by the vision model too, with the OCR
 * reading as a hint, through a fake OpenAI-compatible vision server on loopback: a model that transcribes, one
 * that letters what it knows instead of what is drawn, and one that fails. The OCR text stands whenever the
 * model's lettering is missing or not backed by it, and the import never fails because of the model.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cbzOfImages, comicInfo } from '../../test/cbz.js';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { type FakeVisionServer, startFakeVision } from '../../test/fakes/vision.js';
import { PEPPER_CARROT } from '../../test/server.js';
import { loadConfig } from '../config/env.js';
import { importPack } from '../content/importer.js';
import { queryRows } from '../db/client.js';
import { LocalStorage } from '../storage/local.js';
import { type PageDescriber, pageDescriberFor } from '../vision/describer.js';

let t: TestDatabase;
let vision: FakeVisionServer;
let describer: PageDescriber;
let storage: LocalStorage;
let dir: string;
let series = 0;

beforeAll(async () => {
  [t, vision] = await Promise.all([createTestDatabase(), startFakeVision()]);
  dir = await mkdtemp(join(tmpdir(), 'folio-vision-ocr-'));
  storage = new LocalStorage(join(dir, 'media'));
  const config = loadConfig(
    {
      FOLIO_MODEL: 'openai',
      FOLIO_MODEL_BASE_URL: `${vision.url}/v1`,
      FOLIO_CHAT_MODEL: 'fake-chat',
      FOLIO_VISION_MODEL: 'fake-vl',
      FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS: '200',
      FOLIO_MODEL_TOTAL_TIMEOUT_MS: '1000',
    },
    { cwd: dir },
  );
  describer = pageDescriberFor(config)!;
}, 120_000);

afterAll(async () => {
  await vision?.close();
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(() => vision.reset());

/** A one-page CBZ series of Pepper&Carrot's episode 1 page 2 ("ha... perfect / NO! Don't even think about it / SPLASH"). */
async function onePage(): Promise<{ folder: string; id: string }> {
  const id = `perfect-${++series}`;
  const folder = join(dir, id);
  await mkdir(folder);
  // Re-encoded per test: a new image each time, so no answer comes from the cache of an earlier test.
  const bytes = await sharp(await readFile(join(PEPPER_CARROT, 'episodes', 'ep01-Potion-of-Flight', 'pages', '002.jpg')))
    .jpeg({ quality: 95 - series })
    .toBuffer();
  await writeFile(join(folder, `${id}.cbz`), await cbzOfImages([{ name: 'p1.jpg', bytes }], comicInfo({ Series: id, Number: 1 })));
  return { folder, id };
}

const stored = async (id: string) =>
  (
    await queryRows<{ dialogue: string; dialogue_source: string; transcript_engine: string; generated_description: string | null }>(
      t.database.db,
      sql`SELECT dialogue, dialogue_source, transcript_engine, generated_description FROM pages WHERE series_id = ${id}`,
    )
  )[0]!;

describe('a vision model transcribes what the OCR engine read', () => {
  it('the model letters the page with the OCR reading as its hint: its text is the page text, marked `model`', async () => {
    const { folder, id } = await onePage();
    const r = await importPack({ database: t.database, storage, describer }, folder);
    expect(r.status).toBe('created');
    expect(vision.rejected).toBe(0);
    // The OCR reading went to the model as a hint.
    const prompt = vision.images[0]!.prompt;
    expect(prompt).toMatch(/<reading>\n[\s\S]*perfect[\s\S]*<\/reading>/i);
    const page = await stored(id);
    expect(page.dialogue_source).toBe('model');
    expect(page.transcript_engine).toContain('fake-vl');
    expect(page.dialogue).toMatch(/perfect/i);
    expect(page.generated_description).toMatch(/rooftops/);
  });

  it('a speaker label the page does not letter is removed; the rest of the model’s lettering stands', async () => {
    vision.set({
      persona: 'fixed',
      text: "LETTERING:\nShichimi: ha... perfect\nNO! Don't even think about it\nSPLASH\n\nDESCRIPTION:\nA young witch stirs a cauldron.",
    });
    const { folder, id } = await onePage();
    const r = await importPack({ database: t.database, storage, describer }, folder);
    const page = await stored(id);
    expect(page.dialogue_source).toBe('model');
    expect(page.dialogue).toBe("ha... perfect\nNO! Don't even think about it\nSPLASH");
    expect(page.dialogue).not.toContain('Shichimi');
    expect(r.warnings.map((w) => w.message).join('\n')).toContain('Shichimi');
  });

  it('lettering the OCR reading does not back (story knowledge) is not used: the OCR text stands', async () => {
    vision.set({ persona: 'fixed', text: 'LETTERING:\nSaffron wins the potion contest in Komona.\nDESCRIPTION:\nA girl stirs a pot.' });
    const { folder, id } = await onePage();
    const r = await importPack({ database: t.database, storage, describer }, folder);
    const page = await stored(id);
    expect(page.dialogue_source).toBe('ocr');
    expect(page.dialogue).toMatch(/perfect/i);
    expect(page.dialogue).not.toMatch(/Saffron|Komona/);
    expect(r.warnings.map((w) => w.message).join('\n')).toMatch(/not used on 1 page/);
  });

  it('a failing model never fails the import: the OCR text stands', async () => {
    vision.set({ fault: 'server-error' });
    const { folder, id } = await onePage();
    const r = await importPack({ database: t.database, storage, describer }, folder);
    expect(r).toMatchObject({ status: 'created', descriptionsFailed: 1 });
    const page = await stored(id);
    expect(page.dialogue_source).toBe('ocr');
    expect(page.dialogue).toMatch(/perfect/i);
    expect(page.generated_description).toBeNull();
  });
});

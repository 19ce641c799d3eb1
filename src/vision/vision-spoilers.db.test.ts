/**
 * A vision model may "recognise" a character the reader has not met yet (it
 * knows the public story, or guesses). Its descriptions are page text at the
 * page's position and go through the same unreached-name withholding as
 * every pack text: a reader at that page never sees the name through
 * quote-mode chat, search snippets or the reader's page text and alt text.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { type CompanionServer, startCompanionServer } from '../../test/fakes/folio.js';
import { type FakeVisionServer, startFakeVision } from '../../test/fakes/vision.js';
import { SAMPLE } from '../../test/server.js';
import { QUOTE_HEADER } from '../chat/quote.js';
import { loadConfig } from '../config/env.js';
import { importPack } from '../content/importer.js';
import { pageDescriberFor } from './describer.js';

const SERIES = 'moth-vision';
/** "Dimmer" is an alias of The Dimmers, who debut at 2/3. */
const RECOGNISED = 'A zeppelin drifts over the rooftops of the town. Behind a chimney, a Dimmer in a grey hood watches the zeppelin.';

let t: TestDatabase;
let vision: FakeVisionServer;
let server: CompanionServer;
let packDir: string;

async function readerAt(at: { episode: number; page: number }): Promise<string> {
  const token = await server.newReader();
  await server.moveTo(token, SERIES, at);
  return token;
}

beforeAll(async () => {
  [t, vision] = await Promise.all([createTestDatabase(), startFakeVision()]);
  server = await startCompanionServer(t.database, { FOLIO_MODEL: 'none' });
  // The bundled sample as another series, with pages 1/4 and 2/4 left for the vision model to describe.
  packDir = await mkdtemp(join(tmpdir(), 'folio-vision-pack-'));
  await cp(SAMPLE, packDir, { recursive: true });
  await writeFile(join(packDir, 'series.yaml'), (await readFile(join(packDir, 'series.yaml'), 'utf8')).replace(/^id: .*$/m, `id: ${SERIES}`));
  for (const dir of ['ep01-Tallow-Street', 'ep02-Beneath-the-Grate']) {
    const file = join(packDir, 'episodes', dir, 'episode.yaml');
    const data = parse(await readFile(file, 'utf8')) as { pages: Array<{ number: number; description?: string }> };
    delete data.pages.find((p) => p.number === 4)!.description;
    await writeFile(file, stringify(data));
  }
  vision.set({ persona: 'fixed', text: RECOGNISED });
  const describer = pageDescriberFor(
    loadConfig({ FOLIO_MODEL: 'openai', FOLIO_MODEL_BASE_URL: `${vision.url}/v1`, FOLIO_CHAT_MODEL: 'fake-chat', FOLIO_VISION_MODEL: 'fake-vl' }, { cwd: packDir }),
  );
  const r = await importPack({ database: t.database, storage: server.storage, describer }, packDir);
  expect([r.descriptionsMade, r.descriptionsFailed]).toEqual([2, 0]);
  expect(vision.rejected).toBe(0);
}, 180_000);

afterAll(async () => {
  await server?.close();
  await vision?.close();
  await t?.close();
  if (packDir) await rm(packDir, { recursive: true, force: true });
});

describe('a machine description naming a character who debuts later', () => {
  it('quote-mode chat quotes the description without the name', async () => {
    const token = await readerAt({ episode: 1, page: 4 });
    const r = await server.ask(token, SERIES, 'Is there a zeppelin over the rooftops?');
    expect(r.status).toBe(200);
    expect(r.text.startsWith(QUOTE_HEADER)).toBe(true);
    expect(r.text).toContain('A zeppelin drifts over the rooftops of the town.');
    expect(r.raw).not.toMatch(/Dimmer/i);
    expect(r.guard).toBeNull();
  });

  it('search finds the description and shows it without the name; the name itself finds nothing', async () => {
    const token = await readerAt({ episode: 1, page: 4 });
    const res = await server.fetch(`/api/series/${SERIES}/search?q=zeppelin`, { token });
    const raw = await res.text();
    const body = JSON.parse(raw) as { results: Array<{ episode: number; page: number; source: string; snippet: string }> };
    expect(body.results).toEqual([expect.objectContaining({ episode: 1, page: 4, source: 'description', snippet: expect.stringContaining('zeppelin') })]);
    expect(raw).not.toMatch(/Dimmer/i);

    const byName = (await (await server.fetch(`/api/series/${SERIES}/search?q=Dimmer`, { token })).json()) as { results: unknown[] };
    expect(byName.results).toEqual([]);
  });

  it('machine descriptions are not the page text or alt text of the reader', async () => {
    const token = await readerAt({ episode: 1, page: 4 });
    const raw = await (await server.fetch(`/api/series/${SERIES}/episodes/1`, { token })).text();
    const page = (JSON.parse(raw) as { pages: Array<{ number: number; alt: string; description: string | null }> }).pages.find((p) => p.number === 4)!;
    // The alt text is the page's own lettering, never the machine description.
    expect(page).toMatchObject({ alt: expect.stringMatching(/^Page 4: TOBIN: Hold still/), description: null });
    expect(raw).not.toMatch(/Dimmer|zeppelin/i);
  });

  it('a reader who has met the Dimmers reads the whole description', async () => {
    const token = await readerAt({ episode: 2, page: 4 });
    const body = (await (await server.fetch(`/api/series/${SERIES}/search?q=zeppelin`, { token })).json()) as {
      results: Array<{ episode: number; page: number; snippet: string }>;
    };
    expect(body.results.map((r) => `${r.episode}/${r.page}`).sort()).toEqual(['1/4', '2/4']);
    expect(body.results.every((r) => r.snippet.includes('a Dimmer in a grey hood'))).toBe(true);
    const r = await server.ask(token, SERIES, 'Is there a zeppelin over the rooftops?');
    expect(r.text).toContain('a Dimmer in a grey hood');
  });
});

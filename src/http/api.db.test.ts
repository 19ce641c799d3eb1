/**
 * The reader HTTP API (docs/architecture.md: the spoiler policy, public interface) over a real loopback server, against
 * the imported Pepper&Carrot pack: identity (token and cookie), health and
 * readiness, the spoiler-gated catalog, progress semantics and media.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { backend, createTestDatabase, type TestDatabase } from '../../test/db.js';
import { PEPPER_CARROT, startTestServer, type TestServer } from '../../test/server.js';
import { importPack } from '../content/importer.js';

// ---------------------------------------------------------------------------
// The pack as written on disk (the source of truth for expected values).

interface PackPage {
  number: number;
  kind: string;
  image: string | null;
  dialogue: string;
}
interface PackEpisode {
  number: number;
  title: string;
  attribution: string;
  license: string;
  pages: PackPage[];
}

const PACK: PackEpisode[] = readdirSync(join(PEPPER_CARROT, 'episodes'))
  .filter((d) => /^ep\d\d-/.test(d))
  .map((d) => parseYaml(readFileSync(join(PEPPER_CARROT, 'episodes', d, 'episode.yaml'), 'utf8')) as PackEpisode)
  .sort((a, b) => a.number - b.number);

const ep = (n: number): PackEpisode => {
  const e = PACK.find((x) => x.number === n);
  if (!e) throw new Error(`no episode ${n} in the pack`);
  return e;
};
const ALL_POSITIONS = PACK.flatMap((e) => e.pages.map((p) => ({ episode: e.number, page: p.number })));
const LAST = ALL_POSITIONS[ALL_POSITIONS.length - 1]!;

const SERIES = 'pepper-carrot';
const MEDIA_URL = /^\/media\/(pages|covers)\/[0-9a-f]{2}\/[0-9a-f]{64}\.webp$/;
const COVER_URL = /^\/media\/covers\/[0-9a-f]{2}\/[0-9a-f]{64}\.webp$/;
const PAGE_URL = /^\/media\/pages\/[0-9a-f]{2}\/[0-9a-f]{64}\.webp$/;
const BLURHASH_4X3 = /^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{28}$/;
const COLOR = /^#[0-9a-f]{6}$/;
const ERROR_CODE = /^[a-z_]+:[a-z_]+$/;

// ---------------------------------------------------------------------------
// API shapes.

interface Pos {
  episode: number;
  page: number;
}
interface ImageJson {
  url: string;
  width: number;
  height: number;
  blurhash?: string;
  color?: string;
}
interface PlaceholderJson {
  placeholder: true;
  width: number;
  height: number;
  blurhash: string | null;
  color: string | null;
}
interface SeriesListJson {
  series: Array<{
    id: string;
    title: string;
    description: string | null;
    language: string;
    readingDirection: string;
    layout: string;
    license: string | null;
    licenseUrl: string | null;
    attribution: string;
    author: string | null;
    homepage: string | null;
    episodeCount: number;
    cover: ImageJson | null;
    progress: Pos | null;
  }>;
}
interface EpisodeJson {
  number: number;
  title: string | null;
  displayTitle: string;
  state: 'read' | 'current' | 'next' | 'unread';
  pageCount: number;
  cover: ImageJson | PlaceholderJson | null;
  summary: string | null;
  attribution: string | null;
  license: string | null;
}
interface SeriesDetailJson {
  series: { id: string; title: string; showUnreadCovers: boolean; episodeCount: number };
  progress: Pos | null;
  nextUnreadEpisode: number | null;
  episodes: EpisodeJson[];
}
interface PageJson {
  number: number;
  kind: string;
  reached: boolean;
  image: ImageJson | null;
  thumbnail: ImageJson | PlaceholderJson | null;
  alt: string;
  dialogue: string | null;
  textSource: string | null;
  description: string | null;
}
interface EpisodeDetailJson {
  series: { id: string; title: string; attribution: string; license: string | null };
  episode: EpisodeJson;
  progress: Pos | null;
  pages: PageJson[];
}
interface ProgressJson {
  episode: number | null;
  page: number | null;
  advanced?: boolean;
}
interface ErrorJson {
  error: { code: string; message: string } & Record<string, unknown>;
}

// ---------------------------------------------------------------------------
// Helpers.

async function okJson<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status, `${res.url}: ${text.slice(0, 300)}`).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return JSON.parse(text) as T;
}

/** Every error: the given status and code, a JSON body `{error:{code,message,…}}`. */
async function expectError(res: Response, status: number, code: string): Promise<ErrorJson> {
  const text = await res.text();
  expect(res.status, `${res.url}: ${text.slice(0, 300)}`).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as ErrorJson;
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(body.error.code).toMatch(ERROR_CODE);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  return body;
}

function expectPlaceholder(v: unknown, size?: { width: number; height: number }): void {
  expect(v).toEqual({
    placeholder: true,
    width: size?.width ?? expect.any(Number),
    height: size?.height ?? expect.any(Number),
    blurhash: expect.stringMatching(BLURHASH_4X3),
    color: expect.stringMatching(COLOR),
  });
  const text = JSON.stringify(v);
  expect(text).not.toContain('url');
  expect(text).not.toContain('/media/');
}

function expectImage(v: unknown, url: RegExp, size?: { width: number; height?: number }): void {
  expect(v).toEqual({
    url: expect.stringMatching(url),
    width: size?.width ?? expect.any(Number),
    height: size?.height ?? expect.any(Number),
    blurhash: expect.stringMatching(BLURHASH_4X3),
    color: expect.stringMatching(COLOR),
  });
}

// ---------------------------------------------------------------------------

let t: TestDatabase;
let server: TestServer;

const get = <T>(path: string, token?: string, status = 200) => server.fetch(path, { token }).then((r) => okJson<T>(r, status));
const seriesDetail = (token?: string) => get<SeriesDetailJson>(`/api/series/${SERIES}`, token);
const episodeDetail = (n: number, token?: string) => get<EpisodeDetailJson>(`/api/series/${SERIES}/episodes/${n}`, token);
const readProgress = (token: string) => get<ProgressJson>(`/api/series/${SERIES}/progress`, token);
const postProgress = (token: string, body: unknown) => server.fetch(`/api/series/${SERIES}/progress`, { method: 'POST', token, json: body });
const postReset = (token: string, body: unknown) => server.fetch(`/api/series/${SERIES}/progress/reset`, { method: 'POST', token, json: body });

/** A new reader placed at a position (confirming any skip). */
async function readerAt(at: Pos | null): Promise<string> {
  const token = await server.newReader();
  if (at) {
    const body = await okJson<ProgressJson>(await postProgress(token, { ...at, confirmSkip: true }));
    expect(body).toEqual({ ...at, advanced: true });
  }
  return token;
}

beforeAll(async () => {
  t = await createTestDatabase();
  server = await startTestServer(t.database);
  const result = await importPack({ database: t.database, storage: server.storage }, PEPPER_CARROT);
  expect(result.seriesId).toBe(SERIES);
  expect(result.episodes).toBe(23);
}, 240_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
});

it('the pack on disk is what these tests assume', () => {
  expect(PACK.map((e) => e.number)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
  expect(ep(1).title).toBe('The Potion of Flight');
  expect(ep(1).pages.map((p) => p.number)).toEqual([0, 1, 2, 3, 4]);
  expect(ep(1).pages[3]!.dialogue).toBe('Happy ?!\n');
  expect(ep(4).pages.map((p) => p.number)).toEqual([0, 1, 2, 3, 4, 6, 7, 8]);
  expect(ep(6).title).toBe('The Potion Contest');
  expect(ep(7).title).toBe('The Wish');
});

describe('readers: token and cookie identity', () => {
  it('POST /api/readers → 201 {token} and an HttpOnly, SameSite=Lax cookie on /', async () => {
    const res = await server.fetch('/api/readers', { method: 'POST' });
    const body = await okJson<{ token: string }>(res, 201);
    expect(Object.keys(body)).toEqual(['token']);
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    const [pair, ...attrs] = cookies[0]!.split(';').map((s) => s.trim());
    expect(pair).toBe(`folio_reader=${body.token}`);
    expect(attrs).toContain('HttpOnly');
    expect(attrs).toContain('SameSite=Lax');
    expect(attrs).toContain('Path=/');
    expect(attrs).toContain(`Max-Age=${400 * 24 * 3600}`);
    // Plain http on loopback: no Secure flag (the browser would drop the cookie).
    expect(attrs).not.toContain('Secure');
    expect(attrs).toHaveLength(4);
  });

  it('every reader gets a different token', async () => {
    const tokens = await Promise.all(Array.from({ length: 5 }, () => server.newReader()));
    expect(new Set(tokens).size).toBe(5);
  });

  it('the cookie works as identity exactly like the bearer token', async () => {
    const res = await server.fetch('/api/readers', { method: 'POST' });
    const { token } = await okJson<{ token: string }>(res, 201);
    const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
    const viaCookie = (path: string, init: RequestInit & { json?: unknown } = {}) => server.fetch(path, { ...init, headers: { cookie } });

    expect(await okJson(await viaCookie(`/api/series/${SERIES}/progress`))).toEqual({ episode: null, page: null });
    expect(await okJson(await viaCookie(`/api/series/${SERIES}/progress`, { method: 'POST', json: { episode: 1, page: 1 } }))).toEqual({
      episode: 1,
      page: 1,
      advanced: true,
    });
    // Written through the cookie, read through the bearer token (and back).
    expect(await readProgress(token)).toEqual({ episode: 1, page: 1 });
    expect(await okJson(await postProgress(token, { episode: 1, page: 2 }))).toEqual({ episode: 1, page: 2, advanced: true });
    expect(await okJson(await viaCookie(`/api/series/${SERIES}/progress`))).toEqual({ episode: 1, page: 2 });

    // The catalog is gated identically for both identities.
    const [a, b] = await Promise.all([viaCookie(`/api/series/${SERIES}/episodes/1`).then((r) => okJson<EpisodeDetailJson>(r)), episodeDetail(1, token)]);
    expect(a).toEqual(b);
    expect(a.progress).toEqual({ episode: 1, page: 2 });
    expect(a.pages.map((p) => p.reached)).toEqual([true, true, true, false, false]);
  });

  it('an unknown token in the cookie is a 401, not anonymous', async () => {
    const res = await server.fetch(`/api/series/${SERIES}`, { headers: { cookie: `folio_reader=${'A'.repeat(43)}` } });
    await expectError(res, 401, 'unauthorized:reader');
  });

  it('the bearer token wins over the cookie when both are sent', async () => {
    const a = await readerAt({ episode: 2, page: 0 });
    const b = await server.newReader();
    const res = await server.fetch(`/api/series/${SERIES}/progress`, { token: b, headers: { cookie: `folio_reader=${a}` } });
    expect(await okJson(res)).toEqual({ episode: null, page: null });
  });

  it('two readers are independent', async () => {
    const a = await server.newReader();
    const b = await server.newReader();
    expect(await okJson(await postProgress(a, { episode: 1, page: 3 }))).toEqual({ episode: 1, page: 3, advanced: true });
    expect(await readProgress(a)).toEqual({ episode: 1, page: 3 });
    expect(await readProgress(b)).toEqual({ episode: null, page: null });
    expect((await seriesDetail(b)).progress).toBeNull();
    expect((await episodeDetail(1, b)).pages.every((p) => !p.reached && p.dialogue === null)).toBe(true);
    expect(await okJson(await postProgress(b, { episode: 1, page: 0 }))).toEqual({ episode: 1, page: 0, advanced: true });
    expect(await readProgress(a)).toEqual({ episode: 1, page: 3 });
    expect(await readProgress(b)).toEqual({ episode: 1, page: 0 });
  });
});

describe('health and readiness', () => {
  it('/health → 200 {status:"ok"}', async () => {
    expect(await okJson(await server.fetch('/health'))).toEqual({ status: 'ok' });
  });

  it('/ready → 200 {status:"ready"} with the backend, never cached', async () => {
    const res = await server.fetch('/ready');
    expect(await okJson(res)).toEqual({ status: 'ready', database: backend() });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('before the database is open: /health 200, /ready 503 + Retry-After, API 503 unavailable:starting', async () => {
    const starting = await startTestServer(null);
    try {
      expect(await okJson(await starting.fetch('/health'))).toEqual({ status: 'ok' });

      const ready = await starting.fetch('/ready');
      expect(ready.headers.get('retry-after')).toBe('1');
      expect(ready.headers.get('cache-control')).toBe('no-store');
      await expectError(ready, 503, 'unavailable:starting');

      for (const [path, init] of [
        ['/api/series', {}],
        [`/api/series/${SERIES}`, {}],
        [`/api/series/${SERIES}/episodes/1`, {}],
        ['/api/series', { token: 'A'.repeat(43) }],
        ['/api/readers', { method: 'POST' }],
      ] as const) {
        const res = await starting.fetch(path, init);
        expect(res.headers.get('retry-after'), path).toBe('1');
        await expectError(res, 503, 'unavailable:starting');
      }
    } finally {
      await starting.close();
    }
  });
});

describe('GET /api/series', () => {
  const SERIES_FIELDS = {
    id: SERIES,
    title: 'Pepper&Carrot',
    description: null,
    language: 'en',
    readingDirection: 'ltr',
    layout: 'paged',
    license: 'CC BY 4.0',
    licenseUrl: 'https://creativecommons.org/licenses/by/4.0/',
    attribution: 'Pepper&Carrot by David Revoy, https://www.peppercarrot.com',
    author: 'David Revoy',
    homepage: 'https://www.peppercarrot.com',
    episodeCount: 23,
  };

  it('anonymous: series metadata, the first cover, progress null', async () => {
    const res = await server.fetch('/api/series');
    // Revalidated every time: the reader's next page turn may change it.
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    const body = await okJson<SeriesListJson>(res);
    expect(body.series).toHaveLength(1);
    const s = body.series[0]!;
    expect(s).toEqual({ ...SERIES_FIELDS, cover: expect.any(Object), progress: null });
    // 600×417 JPEG covers are never enlarged.
    expectImage(s.cover, COVER_URL, { width: 600, height: 417 });
  });

  it('the cover is episode 1 cover, the same as in the series detail', async () => {
    const list = await get<SeriesListJson>('/api/series');
    const detail = await seriesDetail();
    expect(list.series[0]!.cover).toEqual(detail.episodes[0]!.cover);
  });

  it('a new reader: progress null; after advancing: {episode, page}', async () => {
    const token = await server.newReader();
    expect((await get<SeriesListJson>('/api/series', token)).series[0]!.progress).toBeNull();
    await okJson(await postProgress(token, { episode: 1, page: 2 }));
    const s = (await get<SeriesListJson>('/api/series', token)).series[0]!;
    expect(s).toEqual({ ...SERIES_FIELDS, cover: expect.any(Object), progress: { episode: 1, page: 2 } });
    await okJson(await postProgress(token, { episode: 2, page: 0 }));
    expect((await get<SeriesListJson>('/api/series', token)).series[0]!.progress).toEqual({ episode: 2, page: 0 });
    // Someone else's progress never shows.
    expect((await get<SeriesListJson>('/api/series')).series[0]!.progress).toBeNull();
  });
});

describe('GET /api/series/:seriesId', () => {
  it('a new reader: episode 1 is next with title and cover; 2..23 unread, hidden, placeholder covers', async () => {
    const token = await server.newReader();
    const body = await seriesDetail(token);
    expect(body.series).toMatchObject({ id: SERIES, title: 'Pepper&Carrot', showUnreadCovers: false, episodeCount: 23 });
    expect(body.progress).toBeNull();
    expect(body.nextUnreadEpisode).toBe(1);
    expect(body.episodes.map((e) => e.number)).toEqual(PACK.map((e) => e.number));

    const first = body.episodes[0]!;
    expect(first).toEqual({
      number: 1,
      title: 'The Potion of Flight',
      displayTitle: 'The Potion of Flight',
      state: 'next',
      pageCount: 5,
      cover: expect.any(Object),
      summary: null,
      summaryDrafted: false,
      attribution: ep(1).attribution,
      license: ep(1).license,
    });
    expectImage(first.cover, COVER_URL, { width: 600, height: 417 });

    for (const e of body.episodes.slice(1)) {
      expect(e, `episode ${e.number}`).toEqual({
        number: e.number,
        title: null,
        displayTitle: `Episode ${e.number}`,
        state: 'unread',
        pageCount: ep(e.number).pages.length,
        cover: expect.any(Object),
        summary: null,
        summaryDrafted: false,
        attribution: ep(e.number).attribution,
        license: ep(e.number).license,
      });
      expectPlaceholder(e.cover, { width: 600, height: 417 });
    }

    // No hidden title and no cover URL but the first one appears anywhere in the payload.
    const text = JSON.stringify(body);
    for (const e of PACK.slice(1)) expect(text, `title of episode ${e.number}`).not.toContain(e.title);
    expect(text.match(/\/media\//g)).toHaveLength(1);
  });

  it('anonymous: same gating as a new reader', async () => {
    const anon = await seriesDetail();
    const fresh = await seriesDetail(await server.newReader());
    expect(anon).toEqual(fresh);
  });

  it('at 6/4: 1–5 read, 6 current, 7 next (title visible), 8+ hidden; summaries null', async () => {
    const token = await readerAt({ episode: 6, page: 4 });
    const body = await seriesDetail(token);
    expect(body.progress).toEqual({ episode: 6, page: 4 });
    expect(body.nextUnreadEpisode).toBe(7);
    expect(body.episodes.map((e) => e.state)).toEqual([...Array<string>(5).fill('read'), 'current', 'next', ...Array<string>(16).fill('unread')]);
    for (const e of body.episodes) {
      expect(e.summary, `summary of episode ${e.number}`).toBeNull();
      if (e.number <= 7) {
        expect(e.title).toBe(ep(e.number).title);
        expect(e.displayTitle).toBe(ep(e.number).title);
        expectImage(e.cover, COVER_URL, { width: 600, height: 417 });
      } else {
        expect(e.title).toBeNull();
        expect(e.displayTitle).toBe(`Episode ${e.number}`);
        expectPlaceholder(e.cover, { width: 600, height: 417 });
      }
    }
    expect(body.episodes[6]!.title).toBe('The Wish');
    const text = JSON.stringify(body);
    for (const e of PACK.slice(7)) expect(text, `title of episode ${e.number}`).not.toContain(e.title);
    expect(text.match(/\/media\//g)).toHaveLength(7);
  });

  it('the last page of an episode marks it read, and the next one becomes next', async () => {
    const token = await readerAt({ episode: 1, page: 4 });
    const body = await seriesDetail(token);
    expect(body.episodes.slice(0, 3).map((e) => [e.number, e.state, e.title])).toEqual([
      [1, 'read', 'The Potion of Flight'],
      [2, 'next', 'Rainbow potions'],
      [3, 'unread', null],
    ]);
    expect(body.nextUnreadEpisode).toBe(2);
  });

  it('unknown series → 404 not_found:series', async () => {
    await expectError(await server.fetch('/api/series/no-such-series'), 404, 'not_found:series');
    await expectError(await server.fetch('/api/series/no-such-series/episodes/1'), 404, 'not_found:series');
  });

  it('unknown episode → 404 not_found:episode', async () => {
    await expectError(await server.fetch(`/api/series/${SERIES}/episodes/0`), 404, 'not_found:episode');
    await expectError(await server.fetch(`/api/series/${SERIES}/episodes/24`), 404, 'not_found:episode');
  });
});

describe('GET /api/series/:seriesId/episodes/:episode', () => {
  it('answers with an ETag; the same body again is a 304 without one; a page turn, or another position, is a new body', async () => {
    const token = await readerAt({ episode: 2, page: 1 });
    const path = `/api/series/${SERIES}/episodes/2`;
    const first = await server.fetch(path, { token });
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    const body = await first.text();
    // Unchanged: 304, empty, for this reader and for another at the same place (the same body).
    const again = await server.fetch(path, { token, headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const twin = await readerAt({ episode: 2, page: 1 });
    const twinRes = await server.fetch(path, { token: twin });
    expect(twinRes.headers.get('etag')).toBe(etag);
    expect(await twinRes.text()).toBe(body);
    expect((await server.fetch(path, { token: twin, headers: { 'if-none-match': `W/${etag}, "other"` } })).status).toBe(304);
    // A reader elsewhere never gets a 304 for it, nor its body.
    const behind = await readerAt({ episode: 2, page: 0 });
    const behindRes = await server.fetch(path, { token: behind, headers: { 'if-none-match': etag! } });
    expect(behindRes.status).toBe(200);
    expect(behindRes.headers.get('etag')).not.toBe(etag);
    // The reader's own page turn: a new body (the next page's text now comes with it), under a new ETag.
    await okJson(await postProgress(token, { episode: 2, page: 2 }));
    const moved = await server.fetch(path, { token, headers: { 'if-none-match': etag! } });
    expect(moved.status).toBe(200);
    const movedBody = JSON.parse(await moved.text()) as EpisodeDetailJson;
    expect(movedBody.progress).toEqual({ episode: 2, page: 2 });
    expect(movedBody.pages.find((p) => p.number === 2)!.dialogue).not.toBeNull();
    expect(JSON.parse(body).pages.find((p: { number: number }) => p.number === 2).dialogue).toBeNull();
  });

  it('at 1/2: pages 0–2 have text and real thumbnails; page 3 is gated; "Happy ?!" is nowhere', async () => {
    const token = await readerAt({ episode: 1, page: 2 });
    const res = await server.fetch(`/api/series/${SERIES}/episodes/1`, { token });
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    const raw = await res.text();
    expect(res.status).toBe(200);
    const body = JSON.parse(raw) as EpisodeDetailJson;

    expect(body.series).toMatchObject({ id: SERIES, title: 'Pepper&Carrot', attribution: 'Pepper&Carrot by David Revoy, https://www.peppercarrot.com' });
    expect(body.progress).toEqual({ episode: 1, page: 2 });
    expect(body.episode).toMatchObject({ number: 1, title: 'The Potion of Flight', state: 'current', pageCount: 5 });
    expect(body.pages.map((p) => [p.number, p.kind])).toEqual([
      [0, 'title'],
      [1, 'story'],
      [2, 'story'],
      [3, 'story'],
      [4, 'blank'],
    ]);

    for (const p of body.pages.slice(0, 3)) {
      expect(p.reached, `page ${p.number}`).toBe(true);
      expect(p.dialogue).toBe(ep(1).pages[p.number]!.dialogue);
      expect(p.description).toBeNull();
      expect(p.textSource).toBe('authored');
      expectImage(p.thumbnail, PAGE_URL, { width: 240 });
      expect(p.image).toEqual({ url: expect.stringMatching(PAGE_URL), width: expect.any(Number), height: expect.any(Number) });
    }
    expect(body.pages[0]!.dialogue).toBe('Episode 1 : Potion of flight\n');
    expect(body.pages[2]!.dialogue).toBe("ha... perfect\nNO! Don't even think about it\nSPLASH\n");
    // A reached page's text is its accessible text (no description in this pack).
    expect(body.pages[2]!.alt).toBe("Page 2: ha... perfect / NO! Don't even think about it / SPLASH");

    const p3 = body.pages[3]!;
    expect(p3).toMatchObject({ number: 3, kind: 'story', reached: false, dialogue: null, textSource: null, description: null, alt: 'Page 3' });
    expectPlaceholder(p3.thumbnail, { width: 240, height: (body.pages[2]!.thumbnail as ImageJson).height });

    // The blank page has no image at all.
    expect(body.pages[4]).toMatchObject({ number: 4, kind: 'blank', reached: false, image: null, thumbnail: null, dialogue: null, description: null });

    expect(raw).not.toContain('Happy ?!');
    expect(raw).not.toContain('Happy');
    expect(raw).not.toContain('05/2014');
  });

  it('late pages of a finished episode are visible (reader at 3/1 sees all of episode 2)', async () => {
    const token = await readerAt({ episode: 3, page: 1 });
    const e2 = await episodeDetail(2, token);
    expect(e2.episode).toMatchObject({ number: 2, title: 'Rainbow potions', state: 'read' });
    expect(e2.pages.map((p) => p.number)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const p of e2.pages) {
      expect(p.reached, `page ${p.number}`).toBe(true);
      expect(p.dialogue).toBe(ep(2).pages.find((x) => x.number === p.number)!.dialogue);
      expectImage(p.thumbnail, PAGE_URL, { width: 240 });
    }
    // Page numbers above the current page (1) inside a finished episode: the naive predicate would hide these.
    expect(e2.pages[5]!.dialogue).toBe('Blup Blup\nsplup\nsplup\nsplup\n');
    expect(e2.pages[6]).toMatchObject({ number: 6, kind: 'credits', reached: true, dialogue: '' });

    const e3 = await episodeDetail(3, token);
    expect(e3.episode).toMatchObject({ number: 3, state: 'current', title: 'The secret ingredients' });
    expect(e3.pages.map((p) => p.reached)).toEqual([true, true, false, false, false, false, false, false, false]);
    expect(e3.pages[1]!.dialogue).toBe(ep(3).pages[1]!.dialogue);
    expect(e3.pages.slice(2).every((p) => p.dialogue === null)).toBe(true);
  });

  it('episode 6 for a reader at 1/1: no text, placeholder thumbnails, no title', async () => {
    const token = await readerAt({ episode: 1, page: 1 });
    const res = await server.fetch(`/api/series/${SERIES}/episodes/6`, { token });
    const raw = await res.text();
    expect(res.status).toBe(200);
    const body = JSON.parse(raw) as EpisodeDetailJson;
    expect(body.progress).toEqual({ episode: 1, page: 1 });
    expect(body.episode).toMatchObject({ number: 6, title: null, displayTitle: 'Episode 6', state: 'unread', summary: null, pageCount: 11 });
    expectPlaceholder(body.episode.cover, { width: 600, height: 417 });
    expect(body.pages.map((p) => p.number)).toEqual(ep(6).pages.map((p) => p.number));
    for (const p of body.pages) {
      expect(p.reached, `page ${p.number}`).toBe(false);
      expect(p.dialogue).toBeNull();
      expect(p.description).toBeNull();
      expect(p.alt).toBe(`Page ${p.number}`);
      expectPlaceholder(p.thumbnail, { width: 240, height: (p.thumbnail as PlaceholderJson).height });
    }
    expect(raw).not.toContain('The Potion Contest');
    const lines = ep(6)
      .pages.flatMap((p) => p.dialogue.split('\n'))
      .filter((l) => l.trim().length >= 12);
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) expect(raw, `dialogue line ${JSON.stringify(line)}`).not.toContain(line);
  });

  it('anonymous: nothing reached, episode 1 title still revealed', async () => {
    const body = await episodeDetail(1);
    expect(body.progress).toBeNull();
    expect(body.episode).toMatchObject({ title: 'The Potion of Flight', state: 'next' });
    expect(body.pages.map((p) => [p.reached, p.dialogue])).toEqual([
      [false, null],
      [false, null],
      [false, null],
      [false, null],
      [false, null],
    ]);
  });
});

describe('progress over HTTP', () => {
  let token: string;
  const url = `/api/series/${SERIES}/progress`;

  beforeAll(async () => {
    token = await server.newReader();
  });

  it('GET with no progress → {episode:null, page:null}, not cached', async () => {
    const res = await server.fetch(url, { token });
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(await okJson(res)).toEqual({ episode: null, page: null });
  });

  it('advance to 1/1', async () => {
    expect(await okJson(await postProgress(token, { episode: 1, page: 1 }))).toEqual({ episode: 1, page: 1, advanced: true });
    expect(await readProgress(token)).toEqual({ episode: 1, page: 1 });
  });

  it('a lower position (1/0) is a no-op that returns the current one', async () => {
    expect(await okJson(await postProgress(token, { episode: 1, page: 0 }))).toEqual({ episode: 1, page: 1, advanced: false });
    expect(await okJson(await postProgress(token, { episode: 1, page: 1 }))).toEqual({ episode: 1, page: 1, advanced: false });
    expect(await readProgress(token)).toEqual({ episode: 1, page: 1 });
  });

  it('into the next episode (2/0) is reading, no confirmation needed', async () => {
    expect(await okJson(await postProgress(token, { episode: 2, page: 0 }))).toEqual({ episode: 2, page: 0, advanced: true });
  });

  it('a jump past the next unread episode → 409 conflict:skip_ahead with nextUnreadEpisode', async () => {
    const body = await expectError(await postProgress(token, { episode: 5, page: 1 }), 409, 'conflict:skip_ahead');
    expect(body.error).toEqual({
      code: 'conflict:skip_ahead',
      message: expect.stringContaining('confirmSkip'),
      nextUnreadEpisode: 3,
      current: { episode: 2, page: 0 },
    });
    await expectError(await postProgress(token, { episode: 5, page: 1, confirmSkip: false }), 409, 'conflict:skip_ahead');
    // One episode past the next unread one is already a skip.
    const one = await expectError(await postProgress(token, { episode: 4, page: 0 }), 409, 'conflict:skip_ahead');
    expect(one.error.nextUnreadEpisode).toBe(3);
    expect(await readProgress(token)).toEqual({ episode: 2, page: 0 });
  });

  it('with confirmSkip: true the jump advances', async () => {
    expect(await okJson(await postProgress(token, { episode: 5, page: 1, confirmSkip: true }))).toEqual({ episode: 5, page: 1, advanced: true });
    expect(await readProgress(token)).toEqual({ episode: 5, page: 1 });
  });

  it('a page the pack does not have (4/5) → 404 not_found:page; past the end too', async () => {
    await expectError(await postProgress(token, { episode: 4, page: 5 }), 404, 'not_found:page');
    await expectError(await postProgress(token, { episode: 6, page: 11, confirmSkip: true }), 404, 'not_found:page');
    await expectError(await postProgress(token, { episode: 24, page: 0, confirmSkip: true }), 404, 'not_found:page');
    await expectError(await postReset(token, { episode: 4, page: 5 }), 404, 'not_found:page');
    expect(await readProgress(token)).toEqual({ episode: 5, page: 1 });
  });

  it('an unknown series → 404 not_found:series (GET, POST and reset)', async () => {
    await expectError(await server.fetch('/api/series/no-such-series/progress', { token }), 404, 'not_found:series');
    await expectError(await server.fetch('/api/series/no-such-series/progress', { method: 'POST', token, json: { episode: 1, page: 0 } }), 404, 'not_found:series');
    await expectError(await server.fetch('/api/series/no-such-series/progress/reset', { method: 'POST', token, json: { episode: 1, page: 0 } }), 404, 'not_found:series');
  });

  it('reset lowers (to 2/1)', async () => {
    expect(await okJson(await postReset(token, { episode: 2, page: 1 }))).toEqual({ episode: 2, page: 1 });
    expect(await readProgress(token)).toEqual({ episode: 2, page: 1 });
    // Resetting to the current position is allowed and changes nothing.
    expect(await okJson(await postReset(token, { episode: 2, page: 1 }))).toEqual({ episode: 2, page: 1 });
  });

  it('reset forward → 400 bad_request:progress_reset, progress unchanged', async () => {
    await expectError(await postReset(token, { episode: 2, page: 2 }), 400, 'bad_request:progress_reset');
    await expectError(await postReset(token, { episode: 3, page: 0 }), 400, 'bad_request:progress_reset');
    expect(await readProgress(token)).toEqual({ episode: 2, page: 1 });
  });

  it('after a reset, the catalog follows the lower position', async () => {
    const body = await seriesDetail(token);
    expect(body.progress).toEqual({ episode: 2, page: 1 });
    expect(body.episodes.slice(0, 5).map((e) => e.state)).toEqual(['read', 'current', 'next', 'unread', 'unread']);
    expect(body.episodes[3]!.title).toBeNull();
    expect((await episodeDetail(5, token)).pages.every((p) => p.dialogue === null)).toBe(true);
  });

  it('a reset without any progress returns nulls and creates nothing', async () => {
    const fresh = await server.newReader();
    expect(await okJson(await postReset(fresh, { episode: 1, page: 0 }))).toEqual({ episode: null, page: null });
    expect(await readProgress(fresh)).toEqual({ episode: null, page: null });
  });

  it('a new reader cannot start past episode 1 without confirming', async () => {
    const fresh = await server.newReader();
    const body = await expectError(await postProgress(fresh, { episode: 2, page: 0 }), 409, 'conflict:skip_ahead');
    expect(body.error.nextUnreadEpisode).toBe(1);
    expect(body.error.current).toBeNull();
    expect(await okJson(await postProgress(fresh, { episode: 1, page: 4 }))).toEqual({ episode: 1, page: 4, advanced: true });
  });

  it('progress survives across requests and is per reader', async () => {
    const other = await server.newReader();
    for (let i = 0; i < 3; i++) expect(await readProgress(token)).toEqual({ episode: 2, page: 1 });
    expect(await readProgress(other)).toEqual({ episode: null, page: null });
    await expectError(await server.fetch(url), 401, 'unauthorized:reader');
  });

  it('monotonic under races: 20 parallel advances end at the maximum', async () => {
    // 20 increasing positions spread over the whole series, the last one being its last page.
    const targets = Array.from({ length: 20 }, (_, i) => ALL_POSITIONS[Math.round((i * (ALL_POSITIONS.length - 1)) / 19)]!);
    expect(new Set(targets.map((p) => `${p.episode}/${p.page}`)).size).toBe(20);
    expect(targets[19]).toEqual(LAST);
    // (On PGlite every query runs on one connection, so the race is mostly exercised on PostgreSQL.)
    // Eight readers at once, each with its own firing order: ascending, descending, interleaved, and seeded shuffles.
    let seed = 42;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const shuffled = () =>
      targets
        .map((p) => [rnd(), p] as const)
        .sort((a, b) => a[0] - b[0])
        .map(([, p]) => p);
    const orders = [
      targets,
      [...targets].reverse(),
      targets.filter((_, i) => i % 2 === 1).concat(targets.filter((_, i) => i % 2 === 0)),
      ...Array.from({ length: 5 }, shuffled),
    ];
    await Promise.all(
      orders.map(async (order) => {
        const reader = await server.newReader();
        const results = await Promise.all(
          order.map(async (target) => ({
            target,
            body: await okJson<{ episode: number; page: number; advanced: boolean }>(await postProgress(reader, { ...target, confirmSkip: true })),
          })),
        );
        for (const { target, body } of results) {
          // The answer is the stored position: at or after the target, never before it.
          const cmp = body.episode !== target.episode ? body.episode - target.episode : body.page - target.page;
          expect(cmp, `${target.episode}/${target.page} → ${body.episode}/${body.page}`).toBeGreaterThanOrEqual(0);
          expect(body.advanced).toBe(cmp === 0);
        }
        expect(await readProgress(reader)).toEqual(LAST);
      }),
    );
  });
});

describe('media', () => {
  let coverUrl: string;

  beforeAll(async () => {
    coverUrl = (await get<SeriesListJson>('/api/series')).series[0]!.cover!.url;
  });

  it('a cover URL from the API → 200 image/webp, immutable caching, strong ETag', async () => {
    expect(coverUrl).toMatch(COVER_URL);
    const res = await server.fetch(coverUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const hash = /([0-9a-f]{64})\.webp$/.exec(coverUrl)![1]!;
    expect(res.headers.get('etag')).toBe(`"${hash}"`);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(bytes.subarray(8, 12).toString('latin1')).toBe('WEBP');
  });

  it('If-None-Match with the ETag → 304 with no body', async () => {
    const etag = (await server.fetch(coverUrl)).headers.get('etag')!;
    for (const inm of [etag, `W/${etag}`, `"0000", ${etag}`]) {
      const res = await server.fetch(coverUrl, { headers: { 'if-none-match': inm } });
      expect(res.status, inm).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(await res.text()).toBe('');
    }
    const other = await server.fetch(coverUrl, { headers: { 'if-none-match': '"0000"' } });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
  });

  it('page images and thumbnails from the API are served', async () => {
    const token = await readerAt({ episode: 1, page: 1 });
    const body = await episodeDetail(1, token);
    for (const url of [body.pages[1]!.image!.url, (body.pages[1]!.thumbnail as ImageJson).url]) {
      expect(url).toMatch(MEDIA_URL);
      const res = await server.fetch(url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/webp');
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
  });

  it('bad or unknown keys → 404 JSON not_found:media, never 500', async () => {
    for (const path of [
      '/media/pages/zz/x.webp',
      '/media/..%2F..%2Fetc%2Fpasswd',
      `/media/pages/00/${'0'.repeat(64)}.webp`,
      coverUrl.replace(/\.webp$/, '.png'),
      coverUrl.toUpperCase().replace('/MEDIA/', '/media/'),
    ]) {
      await expectError(await server.fetch(path), 404, 'not_found:media');
    }
  });
});

describe('error shape', () => {
  it('is {error:{code,message}} with code kind:surface for every kind of error', async () => {
    const token = await server.newReader();
    const cases: Array<[Promise<Response>, number, string]> = [
      [server.fetch('/api/nothing-here'), 404, 'not_found:route'],
      [server.fetch('/api/series/NOPE'), 400, 'bad_request:series'],
      [server.fetch(`/api/series/${SERIES}/progress`), 401, 'unauthorized:reader'],
      [
        server.fetch(`/api/series/${SERIES}/progress`, { method: 'POST', token, body: 'x', headers: { 'content-type': 'text/plain' } }),
        415,
        'unsupported_media_type:progress',
      ],
      [postProgress(token, { episode: 'one', page: 0 }), 400, 'bad_request:progress'],
      [postProgress(token, { episode: 3, page: 0 }), 409, 'conflict:skip_ahead'],
      [postProgress(token, { episode: 1, page: 9 }), 404, 'not_found:page'],
      [server.fetch('/media/nope'), 404, 'not_found:media'],
    ];
    for (const [res, status, code] of cases) await expectError(await res, status, code);
  });
});

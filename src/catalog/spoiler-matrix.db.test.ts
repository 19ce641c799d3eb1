/**
 * Spoiler matrix over the reader API: a reader walks through the series page
 * by page; at each position every catalog surface (library, series detail,
 * every episode's pages, with and without peek) is fetched and scanned for
 * text that the pack places beyond the position, for leaks by the independent
 * oracle (test/spoilers/leaks.ts: names in any disguise, later episodes in any
 * form, unreached words, names the reader never met), and for thumbnail URLs
 * or display images that should not be there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { PEPPER_CARROT, SAMPLE, startTestServer, type TestServer } from '../../test/server.js';
import { leaksIn } from '../../test/spoilers/leaks.js';
import { MATRIX_POSITIONS } from '../../test/spoilers/matrix.js';
import { buildOracle, type Oracle, stringsOf } from '../../test/spoilers/oracle.js';
import { importPack } from '../content/importer.js';
import { comparePositions, isVisible, type Position } from '../spoilers/position.js';

let t: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  t = await createTestDatabase();
  server = await startTestServer(t.database);
  await importPack({ database: t.database, storage: server.storage }, SAMPLE);
  await importPack({ database: t.database, storage: server.storage }, PEPPER_CARROT);
}, 240_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
});

interface PagePayload {
  number: number;
  reached: boolean;
  image: { url: string } | null;
  thumbnail: { url?: string; placeholder?: true } | null;
  dialogue: string | null;
}

async function walk(seriesId: string, oracle: Oracle, stops: Position[]): Promise<void> {
  const token = await server.newReader();
  const numbers = oracle.pack.episodes.map((e) => e.data.number);
  let checked = 0;
  for (const at of stops) {
    const moved = await server.fetch(`/api/series/${seriesId}/progress`, { method: 'POST', token, json: { ...at, confirmSkip: true } });
    expect(moved.status).toBe(200);
    const forbidden = oracle.forbiddenAt(at);
    const payloads: Array<[string, unknown]> = [];
    for (const path of [
      `/api/series`,
      `/api/series/${seriesId}`,
      ...numbers.flatMap((n) => [`/api/series/${seriesId}/episodes/${n}`, `/api/series/${seriesId}/episodes/${n}?peek=true`]),
    ]) {
      const res = await server.fetch(path, { token });
      expect(res.status, path).toBe(200);
      payloads.push([path, await res.json()]);
    }
    for (const [path, body] of payloads) {
      const text = stringsOf(body).join('\n');
      for (const s of forbidden) {
        if (text.includes(s)) throw new Error(`leak at ${at.episode}/${at.page} in ${path}: ${JSON.stringify(s)}`);
      }
      // Titles, covers, summaries and page text, by the independent oracle: any disguise, any later reference.
      // Only this series' entry of the library; its id, title and blurb are public (the library shows them before
      // any reading) even when they name a character.
      const own = path === '/api/series' ? (body as { series: Array<{ id: string }> }).series.filter((x) => x.id === seriesId) : body;
      const series = oracle.pack.series;
      // A locked episode's neutral title ("Episode 7") is the table of contents: which episodes exist, not what happens.
      const story = stringsOf(own)
        .filter((x) => !/^Episode \d+$/.test(x))
        .map((x) => [seriesId, series.title, series.description ?? seriesId].reduce((acc, pub) => acc.split(pub).join(' '), x))
        .join('\n');
      for (const leak of leaksIn(oracle, story, at)) throw new Error(`leak at ${at.episode}/${at.page} in ${path}: ${leak}`);
      checked++;
    }
    // Structural checks on page payloads.
    const next = numbers.find((n) => n > at.episode) ?? at.episode;
    for (const [path, body] of payloads) {
      const m = /episodes\/(\d+)(\?peek=true)?$/.exec(path);
      if (!m) continue;
      const ep = Number(m[1]);
      for (const p of (body as { pages: PagePayload[] }).pages) {
        const reached = isVisible({ episode: ep, page: p.number }, at);
        expect(p.reached).toBe(reached);
        if (!reached) {
          expect(p.dialogue).toBeNull();
          if (p.thumbnail) expect(p.thumbnail.url, `thumbnail of unread ${ep}/${p.number}`).toBeUndefined();
          if (!m[2] && ep > next) expect(p.image, `display image of locked ${ep}/${p.number}`).toBeNull();
        }
      }
    }
  }
  expect(checked).toBeGreaterThan(0);
}

describe('spoiler matrix over the catalog API', () => {
  it('the sample series: every position', async () => {
    const oracle = await buildOracle(SAMPLE);
    // The oracle must have teeth: early on, most of the story is forbidden.
    expect(oracle.forbiddenAt(oracle.positions[1]!).length).toBeGreaterThan(20);
    await walk(oracle.pack.series.id, oracle, oracle.positions);
  }, 240_000);

  it('Pepper&Carrot: positions across episodes 1–23, and the first and last page of each episode around them', async () => {
    const oracle = await buildOracle(PEPPER_CARROT);
    const ends = (n: number) => {
      const ps = oracle.pack.episodes.find((e) => e.data.number === n)!.data.pages.map((p) => p.number);
      return [
        { episode: n, page: ps[0]! },
        { episode: n, page: ps[ps.length - 1]! },
      ];
    };
    const stops = [...MATRIX_POSITIONS, ...MATRIX_POSITIONS.flatMap((p) => ends(p.episode))]
      .sort(comparePositions)
      .filter((p, i, all) => i === 0 || comparePositions(p, all[i - 1]!) !== 0);
    expect(oracle.forbiddenAt({ episode: 1, page: 1 }).length).toBeGreaterThan(500);
    await walk('pepper-carrot', oracle, stops);
  }, 240_000);
});

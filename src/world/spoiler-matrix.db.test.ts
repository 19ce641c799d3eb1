/**
 * Spoiler matrix over the world graph, wiki and search APIs. A reader moves
 * through the series; at each position every world node and edge, node
 * details, every wiki article (visible ones in full, hidden ones must 404) and
 * a set of searches (ordinary and adversarial) are fetched and compared with
 * an oracle computed from the pack files:
 * - exactly the visible nodes, edges and articles, no more and no fewer;
 * - descriptions, summaries and sections made only of text reached by then;
 * - no name or alias of an unreached entity in any payload;
 * - no 8-word run of text that only appears beyond the position;
 * - search snippets cut from visible text, pointing at reached pages;
 * - zero leaks by the independent oracle (test/spoilers/leaks.ts) in every
 *   payload: names in any disguise, later episodes in any form, later page
 *   labels, unreached distinctive words and names the reader never met —
 *   including for searches typed in those disguises.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { PEPPER_CARROT, SAMPLE, startTestServer, type TestServer } from '../../test/server.js';
import { fullWidth, lookAlike } from '../../test/spoilers/disguises.js';
import { leaksIn } from '../../test/spoilers/leaks.js';
import { MATRIX_POSITIONS } from '../../test/spoilers/matrix.js';
import { stringsOf } from '../../test/spoilers/oracle.js';
import { buildWorldOracle, namesWord, shingles, type WorldOracle } from '../../test/spoilers/world-oracle.js';
import { importPack } from '../content/importer.js';
import { comparePositions, formatPosition, isVisible, type Position } from '../spoilers/position.js';

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

interface NodeJson {
  slug: string;
  name: string;
  description: string | null;
  descriptionDebut: Position | null;
  avatar: { url: string; thumbUrl: string } | null;
  debut: Position;
}
interface EdgeJson {
  id: string;
  source: string;
  target: string;
  summary: string | null;
  debut: Position;
}
interface SectionJson {
  heading: string | null;
  body: string;
  debut: Position;
}
interface SearchJson {
  results: Array<{ kind: 'page' | 'wiki'; episode: number; page: number; slug?: string; link: string; snippet: string; highlights: Array<[number, number]> }>;
  nextOffset: number | null;
}

/** The pieces of a checked text that were not withheld. */
const kept = (text: string): string[] =>
  text
    .split('…')
    .map((s) => s.trim())
    .filter((s) => /[\p{L}\p{N}]/u.test(s));

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Searches: common words, words of late content, and names and events that come later. */
const QUERIES = {
  'moth-and-lantern': ['lantern', 'Ada', 'flame jars', 'Keeper', 'grandfather', 'Orrin Vale', 'Dimmers', 'ember moths', 'daughter', 'episode 3'],
  'pepper-carrot': [
    'potion',
    'Pepper',
    'witch',
    'dragon',
    'Qualicity',
    'Torreya',
    'Temples of Ah',
    'queen coronation',
    'wanted poster',
    '"ep. 36"',
    'Zombiah',
    'Hippiah',
    'Water Tentacles',
    'episode 22',
    // Disguised: spelled out, look-alike letters, full-width, number words, French.
    'T-o-r-r-e-y-a',
    lookAlike('Coriander'),
    fullWidth('Shichimi'),
    'episode thirty-six',
    'le sixième épisode',
    'ép. 28',
  ],
} as const;

/** Fetch JSON with the reader's token; the status must be `status`. */
async function getJson<T>(token: string, path: string, status = 200): Promise<T> {
  const res = await server.fetch(path, { token });
  const body = await res.text();
  expect(res.status, `${path} → ${body.slice(0, 300)}`).toBe(status);
  return JSON.parse(body) as T;
}

async function walk(seriesId: keyof typeof QUERIES, oracle: WorldOracle, stops: Position[]): Promise<number> {
  const token = await server.newReader();
  const allSlugs = oracle.entities.map((e) => e.slug);
  // Avatar URLs are content-hashed by the importer: learn them once from a reader who has seen everything.
  const end = oracle.base.positions[oracle.base.positions.length - 1]!;
  const avatarOf = new Map<string, string[]>();
  {
    const all = await server.newReader();
    await server.fetch(`/api/series/${seriesId}/progress`, { method: 'POST', token: all, json: { ...end, confirmSkip: true } });
    const g = await getJson<{ nodes: NodeJson[] }>(all, `/api/series/${seriesId}/world`);
    for (const n of g.nodes) if (n.avatar) avatarOf.set(n.slug, [n.avatar.url, n.avatar.thumbUrl]);
  }
  let payloads = 0;

  for (const at of stops) {
    const where = formatPosition(at);
    const moved = await server.fetch(`/api/series/${seriesId}/progress`, { method: 'POST', token, json: { ...at, confirmSkip: true } });
    expect(moved.status).toBe(200);
    const scanned: Array<[string, unknown]> = [];

    // World graph: exactly the visible nodes and edges.
    const graph = await getJson<{ nodes: NodeJson[]; edges: EdgeJson[] }>(token, `/api/series/${seriesId}/world`);
    scanned.push(['world', graph]);
    const vis = oracle.visibleEntities(at);
    expect(graph.nodes.map((n) => n.slug).sort(), `nodes at ${where}`).toEqual(vis.map((e) => e.slug).sort());
    expect(graph.edges.map((e) => e.id).sort(), `edges at ${where}`).toEqual(
      oracle
        .visibleEdges(at)
        .map((e) => e.id)
        .sort(),
    );
    for (const n of graph.nodes) {
      const e = oracle.entities.find((x) => x.slug === n.slug)!;
      const d = oracle.description(e, at);
      expect(n.descriptionDebut, `${n.slug} description debut at ${where}`).toEqual(d?.debut ?? null);
      if (d === null) expect(n.description).toBeNull();
      else for (const piece of kept(n.description ?? '')) expect(norm(d.text), `${n.slug} at ${where}`).toContain(norm(piece));
      expect(Boolean(n.avatar), `${n.slug} avatar`).toBe(e.hasImage);
    }
    for (const r of graph.edges) {
      const o = oracle.edges.find((x) => x.id === r.id)!;
      if (o.summary === null) expect(r.summary).toBeNull();
      else for (const piece of kept(r.summary ?? '')) expect(norm(o.summary)).toContain(norm(piece));
    }

    // Node details: a handful of visible nodes, and every hidden one is the same 404 as an unknown slug.
    for (const n of graph.nodes.slice(-4)) scanned.push([`world/${n.slug}`, await getJson(token, `/api/series/${seriesId}/world/${n.slug}`)]);
    const unknown = await getJson<{ error: { code: string } }>(token, `/api/series/${seriesId}/world/no-such-entity`, 404);
    for (const slug of allSlugs.filter((s) => !vis.some((e) => e.slug === s))) {
      const hidden = await getJson<{ error: { code: string } }>(token, `/api/series/${seriesId}/world/${slug}`, 404);
      expect(hidden.error.code).toBe(unknown.error.code);
    }

    // Wiki: exactly the unlocked articles; each with exactly its unlocked sections.
    const list = await getJson<{ articles: Array<{ slug: string }> }>(token, `/api/series/${seriesId}/wiki`);
    scanned.push(['wiki', list]);
    const arts = oracle.visibleArticles(at);
    expect(list.articles.map((a) => a.slug).sort(), `articles at ${where}`).toEqual(arts.map((a) => a.slug).sort());
    for (const a of arts) {
      const body = await getJson<{ sections: SectionJson[] }>(token, `/api/series/${seriesId}/wiki/${a.slug}`);
      scanned.push([`wiki/${a.slug}`, body]);
      const expected = a.sections.filter((s) => isVisible(s.debut, at) && (s.heading !== null || s.body !== ''));
      expect(body.sections.length, `${a.slug} sections at ${where}`).toBe(expected.length);
      body.sections.forEach((s, i) => {
        const o = expected[i]!;
        expect(s.debut).toEqual(o.debut);
        if (s.heading !== null) expect(s.heading).toBe(o.heading);
        for (const piece of kept(s.body)) expect(norm(o.body), `${a.slug} at ${where}`).toContain(norm(piece));
      });
    }
    const wikiUnknown = await getJson<{ error: { code: string } }>(token, `/api/series/${seriesId}/wiki/no-such-article`, 404);
    expect(wikiUnknown.error.code).toBe('not_found:wiki');
    for (const a of oracle.articles.filter((x) => !arts.includes(x))) {
      const hidden = await getJson<{ error: { code: string } }>(token, `/api/series/${seriesId}/wiki/${a.slug}`, 404);
      expect(hidden.error.code).toBe('not_found:wiki');
    }

    // Search: every result reached, every snippet cut from visible text.
    const visible4 = oracle.visibleShingles(at);
    for (const q of QUERIES[seriesId]) {
      const res = await getJson<SearchJson>(token, `/api/series/${seriesId}/search?q=${encodeURIComponent(q)}&limit=20`);
      const { query: _echo, ...rest } = res as SearchJson & { query: string };
      scanned.push([`search ${q}`, rest]);
      for (const r of res.results) {
        const rAt = { episode: r.episode, page: r.page };
        expect(comparePositions(rAt, at), `result ${r.link} at ${where}`).toBeLessThanOrEqual(0);
        if (r.kind === 'page') expect(r.link).toBe(`/read/${seriesId}/${r.episode}/${r.page}`);
        else expect(r.link).toBe(`/series/${seriesId}/wiki/${r.slug}`);
        for (const fragment of kept(r.snippet)) for (const s of shingles(fragment, 4)) expect(visible4.has(s), `snippet "${fragment}" at ${where}`).toBe(true);
        for (const [a, b] of r.highlights) expect(b).toBeGreaterThan(a);
      }
    }

    // Every payload: no leak by the independent oracle (any disguise, later episodes and pages, unreached words,
    // unknown names), no unreached name, no run of text from beyond the position, no hidden avatar.
    const names = oracle.unreachedNames(at);
    const forbidden = oracle.forbiddenShingles(at);
    const hiddenAvatars = [...avatarOf].filter(([slug]) => !vis.some((e) => e.slug === slug)).flatMap(([, urls]) => urls);
    for (const [what, body] of scanned) {
      // The series id and title are public (the library shows them) even when they name a character.
      const strings = stringsOf(body).map((s) => s.split(seriesId).join(' ').split(oracle.base.pack.series.title).join(' '));
      const question = what.startsWith('search ') ? what.slice('search '.length) : undefined;
      for (const leak of leaksIn(oracle.base, strings.join('\n'), at, { question })) throw new Error(`${leak} at ${where} in ${what}`);
      for (const s of strings) {
        for (const name of names) if (namesWord(s, name)) throw new Error(`unreached name "${name}" at ${where} in ${what}: ${JSON.stringify(s.slice(0, 200))}`);
        // A withheld sentence ("…") is a break: the words around it were never next to each other.
        for (const part of s.split('…')) for (const sh of shingles(part, 8)) if (forbidden.has(sh)) throw new Error(`text from beyond ${where} in ${what}: "${sh}"`);
        for (const url of hiddenAvatars) expect(s, `${what} at ${where}`).not.toContain(url);
      }
      payloads++;
    }
  }
  return payloads;
}

const NEVER_SLUGS = ['torreya', 'qualicity', 'temples-of-ah'];
const NEVER_EDGES = [
  'torreya|member_of|ah',
  'torreya|partner_of|shichimi',
  'coriander|lives_in|qualicity',
  'zombiah|located_in|qualicity',
  'ah|located_in|temples-of-ah',
];

describe('spoiler matrix over the world graph, wiki and search', () => {
  it('the sample series: every position', async () => {
    const oracle = await buildWorldOracle(SAMPLE);
    // The oracle has teeth: at the first story page most of the world is still hidden.
    const early = oracle.base.positions[1]!;
    expect(oracle.visibleEntities(early).length).toBeLessThan(oracle.entities.length / 2);
    expect(oracle.forbiddenShingles(early).size).toBeGreaterThan(500);
    expect(await walk('moth-and-lantern', oracle, oracle.base.positions)).toBeGreaterThan(0);
  }, 600_000);

  it('Pepper&Carrot: positions across episodes 1–23 and the last page; the post-23 entities never appear', async () => {
    const oracle = await buildWorldOracle(PEPPER_CARROT);
    const stops = [...MATRIX_POSITIONS, oracle.base.positions[oracle.base.positions.length - 1]!];
    // The fixtures the pack README names as never visible, checked against the pack itself.
    const last = stops[stops.length - 1]!;
    expect(oracle.visibleEntities(last).map((e) => e.slug)).not.toEqual(expect.arrayContaining([NEVER_SLUGS[0]]));
    for (const s of NEVER_SLUGS)
      expect(
        oracle.entities.find((e) => e.slug === s),
        s,
      ).toBeDefined();
    for (const id of NEVER_EDGES)
      expect(
        oracle.edges.find((e) => e.id === id),
        id,
      ).toBeDefined();
    expect(oracle.unreachedNames(last)).toEqual(expect.arrayContaining(['Torreya', 'Qualicity', 'Temples of Ah']));
    expect(await walk('pepper-carrot', oracle, stops)).toBeGreaterThan(stops.length * 10);
  }, 1_200_000);
});

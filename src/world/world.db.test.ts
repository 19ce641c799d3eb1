/**
 * The world graph, wiki and search APIs over real HTTP on a small pack built
 * for the rules: description replacement, edges that wait for both ends,
 * withheld sentences, article debut precedence (issue 7), the focus mode,
 * anonymous readers, and requests that try to move the boundary.
 */

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { writeTinyPack } from '../../test/packs.js';
import { PEPPER_CARROT, SAMPLE, startTestServer, type TestServer } from '../../test/server.js';
import { type ImportResult, importPack } from '../content/importer.js';
import type { ErrorResponse, SearchResponse, WikiArticle, WikiIndex, WorldGraph, WorldNode, WorldNodeDetail } from '../contract/index.js';
import type { Position } from '../spoilers/index.js';

const S = 'tiny-world';
let t: TestDatabase;
let server: TestServer;
let packDir: string;
let imported: ImportResult;

const DIALOGUE: Record<string, string> = {
  // The story names her trade on her first page, so her summary's word is reached there (ADR 0021).
  '1/1': 'ADA: Hello, Flit! A lamplighter never sleeps.\n',
  '1/2': 'ADA: The tower is dark tonight.\n',
  '1/3': 'FLIT: Prrp.\n',
  '2/1': 'TOBIN: I mend lanterns, little lamplighter.\n',
  '2/2': 'ADA: Who keeps the tower?\n',
  '2/3': 'TOBIN: Nobody, these days.\n',
  '3/1': 'ORRIN: I kept it once. Tobin was only a name.\n',
  '3/2': 'ADA: Grandfather?\n',
  '3/3': 'ADA: The tower shines again.\n',
};

beforeAll(async () => {
  packDir = await writeTinyPack({ id: S, title: 'Tiny World', episodes: 3, pagesPerEpisode: 3, dialogue: (e, p) => DIALOGUE[`${e}/${p}`]! });
  await mkdir(join(packDir, 'world', 'images'), { recursive: true });
  await mkdir(join(packDir, 'wiki'), { recursive: true });
  await writeFile(
    join(packDir, 'world', 'images', 'ada.png'),
    await sharp({ create: { width: 32, height: 32, channels: 3, background: '#c33' } })
      .png()
      .toBuffer(),
  );
  await writeFile(
    join(packDir, 'world', 'entities.yaml'),
    stringify({
      entities: [
        {
          slug: 'ada',
          name: 'Ada',
          kind: 'character',
          summary: 'A lamplighter.',
          episode_debut: 1,
          page_debut: 1,
          layout: { x: 10, y: -5 },
          image_url: 'images/ada.png',
          descriptions: [
            { text: 'A lamplighter who met a tinker.', episode_debut: 2, page_debut: 1 },
            { text: 'Granddaughter of Orrin Vale.', episode_debut: 3, page_debut: 2 },
          ],
        },
        { slug: 'flit', name: 'Flit', kind: 'creature', summary: 'A moth. Later she befriends Tobin.', episode_debut: 1, page_debut: 1 },
        {
          slug: 'tobin',
          name: 'Tobin',
          kind: 'character',
          aliases: ['the tinker'],
          summary: 'A tinker with a cart. In episode 3 he is revealed.',
          episode_debut: 2,
          page_debut: 1,
        },
        { slug: 'orrin', name: 'Orrin Vale', kind: 'character', aliases: ['the lost Keeper'], summary: 'The keeper of the tower.', episode_debut: 3, page_debut: 1 },
      ],
    }),
  );
  await writeFile(
    join(packDir, 'world', 'relationships.yaml'),
    stringify({
      relationships: [
        { source: 'ada', target: 'flit', kind: 'friend_of', summary: 'Ada and Flit go everywhere together.', episode_debut: 1, page_debut: 1 },
        // Debuts before Tobin does: shown only once both ends have debuted.
        { source: 'tobin', target: 'ada', kind: 'ally_of', summary: 'Tobin helps Ada. He is Orrin Vale.', episode_debut: 1, page_debut: 2 },
        { source: 'orrin', target: 'ada', kind: 'grandfather_of', episode_debut: 3, page_debut: 2 },
      ],
    }),
  );
  const wiki = (name: string, fm: Record<string, unknown>, body: string) => writeFile(join(packDir, 'wiki', `${name}.md`), `---\n${stringify(fm)}---\n${body}`);
  // Own debut wins over the entity's (1/1).
  await wiki(
    'ada',
    { title: 'Ada', category: 'character', debut: { episode: 1, page: 2 } },
    'Ada lights the lamps of the street.\n\n## Family\n<!-- debut: 3/2 -->\nHer grandfather is the keeper.\n',
  );
  // No own debut: the entity's (2/1) wins over spoiler_free.
  await wiki('tobin', { title: 'Tobin', spoiler_free: true }, 'Tobin mends lanterns for soup.\n\n## Orrin Vale\nHe lit the tower for thirty years.\n');
  // No debut, no entity, spoiler_free: from the first page.
  await wiki(
    'lore',
    { title: 'The town', category: 'setting', spoiler_free: true },
    'Lamps are lit at dusk. Tobin knows every lamp in town.\n\nIn episode 2 a stranger comes.\n',
  );
  // Nothing at all: hidden until the last page of the series, with a warning.
  await wiki('secret', { title: 'Secrets' }, 'The tower keeper never left.\n');
  // The title names Orrin (3/1): locked until then, whatever its debut says.
  await wiki('orrin-story', { title: 'The story of Orrin Vale', debut: { episode: 1, page: 1 } }, 'A story told at the end.\n');

  t = await createTestDatabase();
  server = await startTestServer(t.database);
  imported = await importPack({ database: t.database, storage: server.storage }, packDir);
}, 240_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
  if (packDir) await rm(packDir, { recursive: true, force: true });
});

async function readerAt(at: Position | null, series = S): Promise<string> {
  const token = await server.newReader();
  if (at) {
    const res = await server.fetch(`/api/series/${series}/progress`, { method: 'POST', token, json: { ...at, confirmSkip: true } });
    expect(res.status).toBe(200);
  }
  return token;
}

async function get<T = unknown>(token: string | undefined, path: string, status = 200, headers: Record<string, string> = {}): Promise<T> {
  const res = await server.fetch(path, { token, headers });
  const text = await res.text();
  expect(res.status, `${path}: ${text.slice(0, 300)}`).toBe(status);
  return JSON.parse(text) as T;
}

function nodeOf(g: WorldGraph, slug: string): WorldNode {
  const node = g.nodes.find((n) => n.slug === slug);
  if (!node) throw new Error(`no node ${slug} in the world graph`);
  return node;
}

describe('world graph', () => {
  it('shows only debuted entities, each with its latest reached description', async () => {
    const early = await get<WorldGraph>(await readerAt({ episode: 1, page: 1 }), `/api/series/${S}/world`);
    expect(early.nodes.map((n) => n.slug)).toEqual(['ada', 'flit']);
    expect(nodeOf(early, 'ada')).toMatchObject({ description: 'A lamplighter.', descriptionDebut: { episode: 1, page: 1 }, layout: { x: 10, y: -5 }, kind: 'character' });

    const mid = await get<WorldGraph>(await readerAt({ episode: 2, page: 3 }), `/api/series/${S}/world`);
    expect(nodeOf(mid, 'ada').description).toBe('A lamplighter who met a tinker.');
    const late = await get<WorldGraph>(await readerAt({ episode: 3, page: 2 }), `/api/series/${S}/world`);
    expect(nodeOf(late, 'ada')).toMatchObject({ description: 'Granddaughter of Orrin Vale.', descriptionDebut: { episode: 3, page: 2 } });
    expect(late.nodes.map((n) => n.slug)).toEqual(['ada', 'flit', 'tobin', 'orrin']);
  });

  it('withholds sentences that name unreached entities or unfinished episodes', async () => {
    const g1 = await get<WorldGraph>(await readerAt({ episode: 1, page: 3 }), `/api/series/${S}/world`);
    expect(nodeOf(g1, 'flit').description).toBe('A moth. …');
    const g2 = await get<WorldGraph>(await readerAt({ episode: 2, page: 1 }), `/api/series/${S}/world`);
    expect(nodeOf(g2, 'flit').description).toBe('A moth. Later she befriends Tobin.');
    expect(nodeOf(g2, 'tobin').description).toBe('A tinker with a cart. …');
    expect(g2.edges.find((e) => e.kind === 'ally_of')?.summary).toBe('Tobin helps Ada. …');
    // Episode 3 is finished at its last story page.
    const g3 = await get<WorldGraph>(await readerAt({ episode: 3, page: 3 }), `/api/series/${S}/world`);
    expect(nodeOf(g3, 'tobin').description).toBe('A tinker with a cart. In episode 3 he is revealed.');
    expect(g3.edges.find((e) => e.kind === 'ally_of')?.summary).toBe('Tobin helps Ada. He is Orrin Vale.');
  });

  it('shows an edge only when it and both its ends have debuted', async () => {
    const ids = async (at: Position) => (await get<WorldGraph>(await readerAt(at), `/api/series/${S}/world`)).edges.map((e) => e.id);
    expect(await ids({ episode: 1, page: 3 })).toEqual(['ada|friend_of|flit']);
    expect(await ids({ episode: 2, page: 1 })).toEqual(['ada|friend_of|flit', 'tobin|ally_of|ada']);
    expect(await ids({ episode: 3, page: 1 })).toEqual(['ada|friend_of|flit', 'tobin|ally_of|ada']);
    expect(await ids({ episode: 3, page: 2 })).toEqual(['ada|friend_of|flit', 'tobin|ally_of|ada', 'orrin|grandfather_of|ada']);
  });

  it('gives avatars from storage or null, and layout or null', async () => {
    const g = await get<WorldGraph>(await readerAt({ episode: 3, page: 3 }), `/api/series/${S}/world`);
    const ada = nodeOf(g, 'ada');
    expect(ada.avatar).toMatchObject({
      url: expect.stringMatching(/^\/media\/avatars\//),
      thumbUrl: expect.stringMatching(/^\/media\/avatars\//),
      width: 32,
      height: 32,
    });
    expect((await server.fetch(ada.avatar!.url)).status).toBe(200);
    expect(nodeOf(g, 'flit')).toMatchObject({ avatar: null, layout: null });
  });

  it('marks the nodes named on the current page and the page before it (focus mode)', async () => {
    const onPage = async (at: Position) => {
      const g = await get<WorldGraph>(await readerAt(at), `/api/series/${S}/world`);
      return { pages: g.focus.pages, slugs: g.nodes.filter((n) => n.onPage).map((n) => n.slug) };
    };
    expect(await onPage({ episode: 1, page: 1 })).toEqual({ pages: [{ episode: 1, page: 1 }], slugs: ['ada', 'flit'] });
    // Speaker labels count: "ADA:" on 1/2, "FLIT:" on 1/3.
    expect(await onPage({ episode: 1, page: 3 })).toEqual({
      pages: [
        { episode: 1, page: 2 },
        { episode: 1, page: 3 },
      ],
      slugs: ['ada', 'flit'],
    });
    expect(await onPage({ episode: 2, page: 1 })).toEqual({ pages: [{ episode: 2, page: 1 }], slugs: ['tobin'] });
    expect(await onPage({ episode: 3, page: 1 })).toEqual({ pages: [{ episode: 3, page: 1 }], slugs: ['tobin'] });
  });

  it('one node: its description and visible edges; unknown and undebuted slugs are the same 404', async () => {
    const token = await readerAt({ episode: 2, page: 2 });
    const node = await get<WorldNodeDetail>(token, `/api/series/${S}/world/ada`);
    expect(node.node).toMatchObject({ slug: 'ada', description: 'A lamplighter who met a tinker.', wiki: 'ada' });
    expect(node.edges.map((e) => [e.id, e.direction, e.other])).toEqual([
      ['ada|friend_of|flit', 'out', { slug: 'flit', name: 'Flit' }],
      ['tobin|ally_of|ada', 'in', { slug: 'tobin', name: 'Tobin' }],
    ]);
    const hidden = await get<ErrorResponse>(token, `/api/series/${S}/world/orrin`, 404);
    const unknown = await get<ErrorResponse>(token, `/api/series/${S}/world/nobody`, 404);
    expect(hidden.error.code).toBe('not_found:world');
    expect(unknown.error.code).toBe('not_found:world');
  });

  it('a reader with no progress, or no reader at all, sees an empty world', async () => {
    expect(await get<WorldGraph>(await readerAt(null), `/api/series/${S}/world`)).toMatchObject({ position: null, nodes: [], edges: [], focus: { pages: [] } });
    expect(await get<WorldGraph>(undefined, `/api/series/${S}/world`)).toMatchObject({ nodes: [], edges: [] });
    await get<ErrorResponse>(undefined, `/api/series/${S}/world/ada`, 404);
  });
});

describe('wiki', () => {
  const list = async (at: Position) => (await get<WikiIndex>(await readerAt(at), `/api/series/${S}/wiki`)).articles.map((a) => a.slug).sort();

  it('applies the article debut rules of issue 7: own debut, else the entity, else spoiler_free, else the end (with a warning)', async () => {
    expect(await list({ episode: 1, page: 1 })).toEqual(['lore']);
    expect(await list({ episode: 1, page: 2 })).toEqual(['ada', 'lore']);
    expect(await list({ episode: 2, page: 1 })).toEqual(['ada', 'lore', 'tobin']);
    expect(await list({ episode: 3, page: 2 })).toEqual(['ada', 'lore', 'orrin-story', 'tobin']);
    expect(await list({ episode: 3, page: 3 })).toEqual(['ada', 'lore', 'orrin-story', 'secret', 'tobin']);
    expect(imported.warnings.some((w) => w.file === 'wiki/secret.md' && /hidden until the end of the series \(3\/3\)/.test(w.message))).toBe(true);
  });

  it('an article whose title names an unreached entity stays locked, whatever its debut', async () => {
    const token = await readerAt({ episode: 2, page: 3 });
    const locked = await get<ErrorResponse>(token, `/api/series/${S}/wiki/orrin-story`, 404);
    const unknown = await get<ErrorResponse>(token, `/api/series/${S}/wiki/no-such-article`, 404);
    expect(locked).toEqual({ error: { code: 'not_found:wiki', message: expect.any(String) } });
    expect(unknown.error.code).toBe(locked.error.code);
    expect(locked.error.message.replace('orrin-story', 'X')).toBe(unknown.error.message.replace('no-such-article', 'X'));
  });

  it('shows only unlocked sections (absent, not blurred) and withholds what names later things', async () => {
    const before = await get<WikiArticle>(await readerAt({ episode: 3, page: 1 }), `/api/series/${S}/wiki/ada`);
    expect(before.sections).toEqual([{ heading: null, anchor: null, body: 'Ada lights the lamps of the street.', debut: { episode: 1, page: 2 }, withheld: 0 }]);
    expect(JSON.stringify(before)).not.toMatch(/Family|grandfather/);
    const after = await get<WikiArticle>(await readerAt({ episode: 3, page: 2 }), `/api/series/${S}/wiki/ada`);
    expect(after.sections[1]).toEqual({ heading: 'Family', anchor: 'family', body: 'Her grandfather is the keeper.', debut: { episode: 3, page: 2 }, withheld: 0 });
    expect(after).toMatchObject({ slug: 'ada', title: 'Ada', category: 'character', entity: 'ada' });
  });

  it('a section whose heading names an unreached entity is withheld whole', async () => {
    const tobin = await get<WikiArticle>(await readerAt({ episode: 2, page: 1 }), `/api/series/${S}/wiki/tobin`);
    expect(tobin.sections.map((s) => [s.heading, s.body])).toEqual([
      [null, 'Tobin mends lanterns for soup.'],
      [null, '…'],
    ]);
    expect(JSON.stringify(tobin)).not.toMatch(/Orrin|thirty years/);
    const later = await get<WikiArticle>(await readerAt({ episode: 3, page: 1 }), `/api/series/${S}/wiki/tobin`);
    expect(later.sections[1]).toMatchObject({ heading: 'Orrin Vale', body: 'He lit the tower for thirty years.' });
  });

  it('withholds sentences naming unreached entities or unfinished episodes', async () => {
    const at1 = await get<WikiArticle>(await readerAt({ episode: 1, page: 1 }), `/api/series/${S}/wiki/lore`);
    // Neighbouring withheld sentences collapse into one "…".
    expect(at1.sections[0]?.body).toBe('Lamps are lit at dusk. …\n\n');
    expect(at1.sections[0]?.withheld).toBe(2);
    const at2 = await get<WikiArticle>(await readerAt({ episode: 2, page: 1 }), `/api/series/${S}/wiki/lore`);
    expect(at2.sections[0]?.body).toBe('Lamps are lit at dusk. Tobin knows every lamp in town.\n\n…');
    const done = await get<WikiArticle>(await readerAt({ episode: 2, page: 3 }), `/api/series/${S}/wiki/lore`);
    expect(done.sections[0]?.body).toBe('Lamps are lit at dusk. Tobin knows every lamp in town.\n\nIn episode 2 a stranger comes.');
  });

  it('Pepper&Carrot: entity articles take their entity debut, unannotated lore opens at 23/8', async () => {
    await importPack({ database: t.database, storage: server.storage }, PEPPER_CARROT);
    const pc = async (at: Position) => (await get<WikiIndex>(await readerAt(at, 'pepper-carrot'), `/api/series/pepper-carrot/wiki`)).articles.map((a) => a.slug);
    expect(await pc({ episode: 6, page: 3 })).not.toContain('coriander');
    expect(await pc({ episode: 6, page: 4 })).toContain('coriander');
    expect(await pc({ episode: 23, page: 7 })).not.toContain('timeline');
    const end = await pc({ episode: 23, page: 8 });
    expect(end).toEqual(expect.arrayContaining(['timeline', 'magic-system', 'chaosah-tradition']));
    expect(end).not.toEqual(expect.arrayContaining(['torreya']));
    // Coriander at 6/4: the sentences about Qualicity (27/1) are withheld.
    const cor = await get<WikiArticle>(await readerAt({ episode: 6, page: 4 }, 'pepper-carrot'), `/api/series/pepper-carrot/wiki/coriander`);
    const body = cor.sections.map((s) => s.body).join('\n');
    expect(body).toContain('…');
    expect(body).not.toMatch(/Qualicity|coronation|Queen/);
    expect(body).toContain('She is one of Pepper');
  }, 240_000);
});

describe('search', () => {
  const search = async (at: Position, q: string, extra = '') => get<SearchResponse>(await readerAt(at), `/api/series/${S}/search?q=${encodeURIComponent(q)}${extra}`);

  it('finds reached pages and unlocked wiki text, with links and highlights', async () => {
    const r = await search({ episode: 2, page: 1 }, 'lanterns');
    expect(r.results.map((x) => x.link)).toEqual(expect.arrayContaining([`/read/${S}/2/1`, `/series/${S}/wiki/tobin`]));
    for (const x of r.results) {
      expect(x.highlights.length).toBeGreaterThan(0);
      for (const [a, b] of x.highlights) expect(x.snippet.slice(a, b).toLowerCase()).toMatch(/^lantern/);
    }
    const page = r.results.find((x) => x.kind === 'page');
    expect(page).toMatchObject({ source: 'dialogue', episode: 2, page: 1, title: 'Episode 2 · Episode title 2' });
  });

  it('never returns text beyond the position', async () => {
    const r = await search({ episode: 1, page: 3 }, 'lanterns');
    expect(r.results).toEqual([]);
    const tower = await search({ episode: 1, page: 2 }, 'tower');
    expect(tower.results.map((x) => x.link)).toEqual([`/read/${S}/1/2`]);
  });

  it('a match only inside a withheld sentence is not a result; a query naming an unreached entity finds nothing', async () => {
    // "every lamp" is only in the sentence that names Tobin (2/1).
    expect((await search({ episode: 1, page: 1 }, 'every lamp')).results).toEqual([]);
    expect((await search({ episode: 2, page: 1 }, 'every lamp')).results.map((x) => x.link)).toEqual([`/series/${S}/wiki/lore`]);
    const named = await search({ episode: 1, page: 3 }, 'Tobin');
    const nothing = await search({ episode: 1, page: 3 }, 'xylophone');
    expect({ ...named, query: '' }).toEqual({ ...nothing, query: '' });
  });

  it('pages through results', async () => {
    const all = await search({ episode: 3, page: 3 }, 'tower', '&limit=50');
    expect(all.results.length).toBeGreaterThanOrEqual(3);
    const first = await search({ episode: 3, page: 3 }, 'tower', '&limit=1');
    expect(first.results).toEqual([all.results[0]]);
    expect(first.nextOffset).toBe(1);
    const second = await search({ episode: 3, page: 3 }, 'tower', '&limit=1&offset=1');
    expect(second.results).toEqual([all.results[1]]);
    const last = await search({ episode: 3, page: 3 }, 'tower', `&limit=1&offset=${all.results.length - 1}`);
    expect(last.nextOffset).toBeNull();
  });

  it('query syntax of any kind is a query, not an error', async () => {
    for (const q of ['"', '!!!', '(&|)', "'", 'or', 'the', '-tower', '"the tower" -dark', '\\', '%', '*:*', 'a'.repeat(200)]) {
      const r = await search({ episode: 3, page: 3 }, q);
      expect(Array.isArray(r.results), q).toBe(true);
    }
  });
});

describe('the boundary cannot be moved by the request', () => {
  /** What a reader sees on the world, wiki and search routes. */
  type ReaderView = WorldGraph | WorldNodeDetail | WikiIndex | WikiArticle | SearchResponse;
  const TAMPER_QUERIES = [
    '?episode=3&page=3',
    '?position=3/3',
    '?position=3:3&progress=3/3',
    '?at=3/3&readerId=00000000-0000-0000-0000-000000000000',
    '?episode[]=3&page[]=3',
  ];
  const TAMPER_HEADERS: Record<string, string>[] = [
    { 'x-folio-position': '3/3' },
    { 'x-folio-episode': '3', 'x-folio-page': '3' },
    { 'x-reader-position': '{"episode":3,"page":3}', 'x-forwarded-for': '127.0.0.1' },
  ];

  it('query parameters and headers leave world, wiki and search unchanged', async () => {
    const token = await readerAt({ episode: 1, page: 2 });
    for (const path of [
      `/api/series/${S}/world`,
      `/api/series/${S}/world/ada`,
      `/api/series/${S}/wiki`,
      `/api/series/${S}/wiki/ada`,
      `/api/series/${S}/search?q=tower`,
    ]) {
      const base = await get<ReaderView>(token, path);
      expect(JSON.stringify(base)).not.toMatch(/Orrin|Tobin/);
      for (const q of TAMPER_QUERIES) expect(await get<ReaderView>(token, path + (path.includes('?') ? q.replace('?', '&') : q))).toEqual(base);
      for (const h of TAMPER_HEADERS) expect(await get<ReaderView>(token, path, 200, h)).toEqual(base);
    }
    for (const path of [`/api/series/${S}/wiki/tobin`, `/api/series/${S}/world/orrin`]) {
      for (const q of TAMPER_QUERIES) await get<ErrorResponse>(token, path + q, 404);
      for (const h of TAMPER_HEADERS) await get<ErrorResponse>(token, path, 404, h);
    }
  });

  it('a body sent with GET is ignored', async () => {
    const token = await readerAt({ episode: 1, page: 2 });
    const base = await get<WorldGraph>(token, `/api/series/${S}/world`);
    const url = new URL(`${server.url}/api/series/${S}/world`);
    const body = JSON.stringify({ episode: 3, page: 3, position: { episode: 3, page: 3 } });
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'GET',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (r) => {
          let text = '';
          r.on('data', (d) => (text += d));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual(base);
  });

  it("another reader's progress never counts", async () => {
    await readerAt({ episode: 3, page: 3 });
    const mine = await get<WorldGraph>(await readerAt({ episode: 1, page: 1 }), `/api/series/${S}/world`);
    expect(mine.nodes.map((n) => n.slug)).toEqual(['ada', 'flit']);
  });
});

describe('unknown series', () => {
  it('is a 404 on every route', async () => {
    const token = await server.newReader();
    for (const p of ['world', 'world/ada', 'wiki', 'wiki/ada', 'search?q=x']) {
      const body = await get<ErrorResponse>(token, `/api/series/no-such-series/${p}`, 404);
      expect(body.error.code).toBe('not_found:series');
    }
  });

  it('the bundled sample imports and answers', async () => {
    await importPack({ database: t.database, storage: server.storage }, SAMPLE);
    const g = await get<WorldGraph>(await readerAt({ episode: 3, page: 5 }, 'moth-and-lantern'), `/api/series/moth-and-lantern/world`);
    expect(g.nodes).toHaveLength(8);
    expect(g.edges).toHaveLength(10);
  });
});

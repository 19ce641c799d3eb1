import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PEPPER_CARROT } from '../../test/corpus.js';
import { SLUG } from './pack-schema.js';
import { openPackDir } from './pack-source.js';
import { formatProblem, type Pack, type PackProblem, type PackResult, readPack } from './read-pack.js';

const REAL_PACK = PEPPER_CARROT;

let JPEG: Buffer;
let PNG: Buffer;
let root: string;

beforeAll(async () => {
  JPEG = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } })
    .jpeg()
    .toBuffer();
  PNG = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } })
    .png()
    .toBuffer();
  root = await mkdtemp(path.join(tmpdir(), 'folio-read-pack-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A file's content: raw text/bytes, or an object written as YAML. `undefined` leaves the file out. */
type FileContent = string | Buffer | Record<string, unknown> | undefined;

let packCounter = 0;
async function writePack(files: Record<string, FileContent>): Promise<string> {
  const dir = path.join(root, `pack-${++packCounter}`);
  await mkdir(dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    if (content === undefined) continue;
    const full = path.join(dir, ...rel.split('/'));
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, typeof content === 'string' || Buffer.isBuffer(content) ? content : stringify(content));
  }
  return dir;
}

async function read(files: Record<string, FileContent>): Promise<PackResult> {
  return readPack(await openPackDir(await writePack(files)));
}

async function readOk(files: Record<string, FileContent>): Promise<Pack> {
  const result = await read(files);
  if (!result.ok) throw new Error(`expected an ok pack, got:\n${result.problems.map(formatProblem).join('\n')}`);
  return result.pack;
}

async function readProblems(files: Record<string, FileContent>): Promise<PackProblem[]> {
  const result = await read(files);
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.problems;
}

const where = (p: PackProblem): string => `${p.file}${p.field ? ` | ${p.field}` : ''}`;

/** A small valid pack: two episodes (folders in reverse order of numbers), a world graph and a wiki. */
function basePack(): Record<string, FileContent> {
  return {
    'series.yaml': { id: 'demo-comic', title: 'Demo Comic', license: 'CC BY 4.0', our_own_bookkeeping: { anything: [1, 2] } },
    'episodes/a-second/episode.yaml': {
      number: 2,
      title: 'Second',
      cover_image: 'cover.jpg',
      unknown_episode_key: 'kept quiet',
      pages: [
        { number: 2, kind: 'story', image: 'pages/002.jpg', dialogue: 'Two\n' },
        { number: 0, kind: 'title', image: 'pages/000.png', dialogue: 'Episode 2\n', panels_detected: 1 },
        { number: 1, image: 'pages/001.jpg', dialogue: 'One\n' },
        { number: 3, kind: 'blank', image: null },
      ],
    },
    'episodes/a-second/cover.jpg': JPEG,
    'episodes/a-second/pages/000.png': PNG,
    'episodes/a-second/pages/001.jpg': JPEG,
    'episodes/a-second/pages/002.jpg': JPEG,
    'episodes/b-first/episode.yaml': {
      number: 1,
      title: 'First',
      pages: [
        { number: 1, kind: 'story', image: 'pages/001.jpg', dialogue: 'Hello\n' },
        { number: 0, kind: 'title', image: 'pages/000.jpg' },
        { number: 2, kind: 'credits', image: 'pages/002.jpg', credits_text: 'Thanks' },
      ],
    },
    'episodes/b-first/pages/000.jpg': JPEG,
    'episodes/b-first/pages/001.jpg': JPEG,
    'episodes/b-first/pages/002.jpg': JPEG,
    'world/entities.yaml': {
      entities: [
        {
          slug: 'pepper',
          name: 'Pepper',
          kind: 'character',
          episode_debut: 1,
          page_debut: 1,
          image_url: 'images/pepper.png',
          descriptions: [{ text: 'Later, a potion champion.', episode_debut: 2, page_debut: 2 }],
          character_slug: 'pepper',
        },
        { slug: 'carrot', name: 'Carrot', kind: 'creature', episode_debut: 1, page_debut: 2, layout: { x: 1, y: 2 } },
        { slug: 'komona', name: 'Komona', kind: 'place', episode_debut: 2, page_debut: 1 },
      ],
    },
    'world/images/pepper.png': PNG,
    'world/relationships.yaml': {
      relationships: [
        { source: 'carrot', target: 'pepper', kind: 'familiar_of', episode_debut: 1, page_debut: 2, summary: 'Her cat.' },
        { source: 'pepper', target: 'komona', kind: 'lives_in', episode_debut: 2, page_debut: 1 },
      ],
    },
    // Front matter debut wins over the entity with the same slug.
    'wiki/entities/carrot.md': '---\nslug: carrot\ntitle: Carrot\ndebut: {episode: 2, page: 0}\n---\nA cat.\n',
    // Entity with the same slug gives the debut; sections resolve against it.
    'wiki/entities/pepper.md':
      '---\nslug: pepper\ntitle: Pepper\ncategory: character\nsource_url: https://example.com/p\n---\nA witch.\n# Later\n<!-- debut: 2/2 -->\nShe wins.\n## Detail\nMore.\n# Early\n<!-- debut: 1/0 -->\nClamped.\n',
    // spoiler_free: first page of the first episode (1/0, though the YAML lists page 1 first).
    'wiki/topics/about.md': '---\ntitle: About\nspoiler_free: true\n---\nA comic about a witch.\n',
    // Nothing: hidden until the end of the series, with a warning.
    'wiki/upstream/lore.md': '---\ntitle: Lore\ncategory: wiki\n---\n# Everything\nAll the spoilers.\n',
  };
}

describe('readPack: a valid pack', () => {
  let pack: Pack;

  beforeAll(async () => {
    pack = await readOk(basePack());
  });

  it('parses series.yaml with defaults and keeps unknown keys', () => {
    expect(pack.series).toEqual({
      id: 'demo-comic',
      title: 'Demo Comic',
      license: 'CC BY 4.0',
      our_own_bookkeeping: { anything: [1, 2] },
      language: 'en',
      reading_direction: 'ltr',
      layout: 'paged',
      attribution: '',
      show_unread_covers: false,
    });
  });

  it('orders episodes by number and pages by page number, with page defaults', () => {
    expect(pack.episodes.map((e) => [e.dir, e.data.number])).toEqual([
      ['episodes/b-first', 1],
      ['episodes/a-second', 2],
    ]);
    const second = pack.episodes[1]!.data;
    expect(second.pages.map((p) => [p.number, p.kind, p.image])).toEqual([
      [0, 'title', 'pages/000.png'],
      [1, 'story', 'pages/001.jpg'],
      [2, 'story', 'pages/002.jpg'],
      [3, 'blank', null],
    ]);
    expect(second.pages[3]!.dialogue).toBeUndefined(); // no text authored: a page with an image would be transcribed
    expect(second.cover_image).toBe('cover.jpg');
    expect((second as Record<string, unknown>).unknown_episode_key).toBe('kept quiet');
    expect((second.pages[0] as Record<string, unknown>).panels_detected).toBe(1);
  });

  it('reads the world graph with defaults', () => {
    expect(pack.entities.map((e) => e.slug)).toEqual(['pepper', 'carrot', 'komona']);
    expect(pack.entities[1]!.aliases).toEqual([]);
    expect(pack.entities[1]!.descriptions).toEqual([]);
    expect(pack.entities[0]!.descriptions).toEqual([{ text: 'Later, a potion champion.', episode_debut: 2, page_debut: 2 }]);
    expect(pack.relationships.map((r) => `${r.source} ${r.kind} ${r.target}`)).toEqual(['carrot familiar_of pepper', 'pepper lives_in komona']);
  });

  it('resolves wiki debuts: front matter, entity, spoiler_free, end of series', () => {
    const bySlug = Object.fromEntries(pack.wiki.map((w) => [w.slug, [w.debutSource, w.debut]]));
    expect(bySlug).toEqual({
      carrot: ['front_matter', { episode: 2, page: 0 }],
      pepper: ['entity', { episode: 1, page: 1 }],
      about: ['spoiler_free', { episode: 1, page: 0 }],
      lore: ['end_of_series', { episode: 2, page: 3 }],
    });
  });

  it('warns (does not fail) about the article with no debut', () => {
    expect(pack.warnings).toEqual([
      {
        file: 'wiki/upstream/lore.md',
        message: 'no debut, no world entity "lore" and not spoiler_free: hidden until the end of the series (2/3)',
      },
    ]);
  });

  it('resolves section debuts against the article debut', () => {
    const pepper = pack.wiki.find((w) => w.slug === 'pepper')!;
    expect(pepper).toMatchObject({ path: 'wiki/entities/pepper.md', title: 'Pepper', category: 'character' });
    expect(pepper.sections).toEqual([
      { heading: null, body: 'A witch.', debut: { episode: 1, page: 1 } },
      { heading: 'Later', body: 'She wins.', debut: { episode: 2, page: 2 } },
      { heading: 'Detail', body: 'More.', debut: { episode: 2, page: 2 } },
      { heading: 'Early', body: 'Clamped.', debut: { episode: 1, page: 1 } },
    ]);
    const about = pack.wiki.find((w) => w.slug === 'about')!;
    expect(about.category).toBeNull();
  });

  it('takes the wiki slug from the file name (lower-cased) when the front matter has none', async () => {
    const p = await readOk({ ...basePack(), 'wiki/Extra.md': '---\ntitle: Extra\nspoiler_free: true\n---\nx\n' });
    expect(p.wiki.find((w) => w.path === 'wiki/Extra.md')?.slug).toBe('extra');
  });

  // BUG (minor, src/content/read-pack.ts): a slug derived from the file name is only
  // lower-cased, never checked against SLUG, so "wiki/My Article (draft).md" becomes the
  // slug "my article (draft)" (a front-matter slug with the same text would be rejected).
  it('a slug taken from the file name is a valid slug (or the file is reported)', async () => {
    const result = await read({ ...basePack(), 'wiki/My Article (draft).md': '---\ntitle: Draft\nspoiler_free: true\n---\nx\n' });
    if (result.ok) for (const w of result.pack.wiki) expect(w.slug).toMatch(SLUG);
    else expect(result.problems.map(where)).toContain('wiki/My Article (draft).md | slug');
  });

  it('a pack without world/ or wiki/ is fine', async () => {
    const files = basePack();
    for (const k of Object.keys(files)) if (k.startsWith('world/') || k.startsWith('wiki/')) delete files[k];
    const p = await readOk(files);
    expect(p.entities).toEqual([]);
    expect(p.relationships).toEqual([]);
    expect(p.wiki).toEqual([]);
    expect(p.warnings).toEqual([]);
  });

  it('a pack without episodes is rejected with one problem', async () => {
    const files = basePack();
    for (const k of Object.keys(files)) if (k.startsWith('episodes/')) delete files[k];
    const result = await read(files);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([{ file: 'episodes/', message: 'no episodes: expected episodes/<folder>/episode.yaml' }]);
  });

  it('warns when relationships are in a misnamed file', async () => {
    const files = basePack();
    files['world/relationships.yml'] = files['world/relationships.yaml'];
    delete files['world/relationships.yaml'];
    const p = await readOk(files);
    expect(p.relationships).toEqual([]);
    expect(p.warnings).toContainEqual({ file: 'world/', message: 'relationships must be in world/relationships.yaml; other files are ignored' });
  });
});

describe('readPack: problems', () => {
  it('a series with more entity names and aliases than the matcher is sized for is refused, with the count and the limit', async () => {
    const files = basePack();
    const entity = (i: number, aliases: number) => ({
      slug: `e${i}`,
      name: `Name ${i}`,
      aliases: Array.from({ length: aliases }, (_, k) => `Alias ${i} ${k}`),
      kind: 'character',
      episode_debut: 1,
      page_debut: 1,
    });
    files['world/entities.yaml'] = { entities: Array.from({ length: 4001 }, (_, i) => entity(i, 4)) };
    const problems = await readProblems(files);
    expect(problems).toContainEqual({ file: 'world/entities.yaml', message: expect.stringMatching(/^20005 entity names and aliases: a series may have at most 20000 /) });
    // At the limit it is fine.
    files['world/entities.yaml'] = { entities: Array.from({ length: 4000 }, (_, i) => entity(i, 4)) };
    const r = await read(files);
    expect(r.ok ? [] : r.problems.filter((p) => p.message.includes('entity names and aliases'))).toEqual([]);
  });

  it('a missing series.yaml is reported', async () => {
    const files = basePack();
    delete files['series.yaml'];
    const problems = await readProblems(files);
    expect(problems).toEqual([{ file: 'series.yaml', message: 'missing: a pack must have series.yaml at its root' }]);
  });

  // BUG (src/content/read-pack.ts): a missing series.yaml returns at once, so the other
  // problems of the pack are only reported on the next attempt. Marked `fails` until fixed.
  it('a missing series.yaml does not hide the other problems', async () => {
    const files = basePack();
    delete files['series.yaml'];
    delete files['episodes/b-first/pages/001.jpg'];
    const problems = await readProblems(files);
    expect(problems.map(where)).toEqual(['series.yaml', 'episodes/b-first/episode.yaml | pages[0].image']);
  });

  it('reports EVERY problem with its file and field in one pass', async () => {
    const files = basePack();
    // Bad series id.
    files['series.yaml'] = { id: 'Bad Id!', title: 'Demo' };
    // Duplicate page number, missing image, text bytes named .jpg, image: null on a story page, cover not an image.
    files['episodes/b-first/episode.yaml'] = {
      number: 1,
      title: 'First',
      cover_image: 'cover.txt',
      pages: [
        { number: 0, kind: 'title', image: 'pages/000.jpg' },
        { number: 1, image: 'pages/001.jpg' },
        { number: 1, image: 'pages/001.jpg' },
        { number: 2, image: 'pages/missing.jpg' },
        { number: 3, image: 'pages/fake.jpg' },
        { number: 4, kind: 'story', image: null },
      ],
    };
    files['episodes/b-first/cover.txt'] = 'not an image';
    files['episodes/b-first/pages/fake.jpg'] = 'hello, I am text pretending to be a JPEG\n';
    // Duplicate episode number in another folder (sorted after a-second, so a-second is reported).
    files['episodes/c-again/episode.yaml'] = { number: 2, title: 'Again', pages: [{ number: 0, kind: 'blank' }] };
    // Invalid YAML.
    files['episodes/d-broken/episode.yaml'] = 'number: 4\ntitle: [unclosed\npages:\n  - number: 0\n';
    // Path traversal.
    files['episodes/e-evil/episode.yaml'] = { number: 5, title: 'Evil', pages: [{ number: 0, image: '../../etc/passwd' }] };
    // Duplicate entity slug; description debut before the entity's.
    files['world/entities.yaml'] = {
      entities: [
        {
          slug: 'pepper',
          name: 'Pepper',
          kind: 'character',
          episode_debut: 1,
          page_debut: 1,
          descriptions: [
            { text: 'fine', episode_debut: 1, page_debut: 1 },
            { text: 'too early', episode_debut: 1, page_debut: 0 },
          ],
        },
        { slug: 'carrot', name: 'Carrot', kind: 'creature', episode_debut: 1, page_debut: 2 },
        { slug: 'pepper', name: 'Pepper again', kind: 'character', episode_debut: 2, page_debut: 1 },
      ],
    };
    // Relationship to an unknown entity, and a duplicate edge.
    files['world/relationships.yaml'] = {
      relationships: [
        { source: 'carrot', target: 'pepper', kind: 'familiar_of', episode_debut: 1, page_debut: 2 },
        { source: 'pepper', target: 'saffron', kind: 'rival_of', episode_debut: 2, page_debut: 1 },
        { source: 'carrot', target: 'pepper', kind: 'familiar_of', episode_debut: 2, page_debut: 1 },
      ],
    };
    // Wiki without front matter; duplicate wiki slug; front matter without a title.
    files['wiki/no-front-matter.md'] = '# Just a heading\nNo front matter.\n';
    files['wiki/topics/about-again.md'] = '---\nslug: about\ntitle: About again\n---\nx\n';
    files['wiki/untitled.md'] = '---\nslug: untitled\n---\nx\n';

    const problems = await readProblems(files);
    expect(problems.map(where)).toEqual([
      'series.yaml | id',
      'episodes/b-first/episode.yaml | pages[2].number',
      'episodes/b-first/episode.yaml | pages[5].image',
      'episodes/c-again/episode.yaml | number',
      'episodes/d-broken/episode.yaml',
      'episodes/e-evil/episode.yaml | pages[0].image',
      'world/entities.yaml | entities[0].descriptions[1]',
      'world/entities.yaml | entities[2].slug',
      'world/relationships.yaml | relationships[1].target',
      'world/relationships.yaml | relationships[2]',
      'wiki/no-front-matter.md',
      'wiki/topics/about.md | slug',
      'wiki/untitled.md | title',
      'episodes/b-first/episode.yaml | pages[3].image',
      'episodes/b-first/episode.yaml | pages[4].image',
      'episodes/b-first/episode.yaml | cover_image',
    ]);
    const at = (w: string): string => problems.find((p) => where(p) === w)!.message;
    expect(at('series.yaml | id')).toMatch(/^must be lowercase letters, digits and "-"/);
    expect(at('episodes/b-first/episode.yaml | pages[2].number')).toBe('page number 1 appears twice');
    expect(at('episodes/b-first/episode.yaml | pages[5].image')).toBe('required unless kind is "blank"');
    expect(at('episodes/c-again/episode.yaml | number')).toBe('episode number 2 is also used by episodes/a-second/episode.yaml');
    expect(at('episodes/d-broken/episode.yaml')).toMatch(/^not valid YAML: /);
    expect(at('episodes/e-evil/episode.yaml | pages[0].image')).toBe('must be a relative path inside the pack (no "..", no leading "/", forward slashes)');
    expect(at('world/entities.yaml | entities[0].descriptions[1]')).toBe("debut 1/0 is before the entity's own debut 1/1");
    expect(at('world/entities.yaml | entities[2].slug')).toBe('duplicate slug "pepper"');
    expect(at('world/relationships.yaml | relationships[1].target')).toBe('unknown entity "saffron"');
    expect(at('world/relationships.yaml | relationships[2]')).toBe('duplicate edge carrot familiar_of pepper');
    expect(at('wiki/no-front-matter.md')).toBe('missing YAML front matter (the file must start with a "---" block)');
    expect(at('wiki/topics/about.md | slug')).toBe('slug "about" is also used by wiki/topics/about-again.md');
    expect(at('episodes/b-first/episode.yaml | pages[3].image')).toBe('episodes/b-first/pages/missing.jpg: file not found in the pack');
    expect(at('episodes/b-first/episode.yaml | pages[4].image')).toMatch(/^episodes\/b-first\/pages\/fake\.jpg: not a readable image \(/);
    expect(at('episodes/b-first/episode.yaml | cover_image')).toBe('episodes/b-first/cover.txt: not an image file (jpg, png, webp, avif or gif)');
    // formatProblem puts the field in parentheses.
    expect(formatProblem(problems[0]!)).toMatch(/^series\.yaml \(id\): must be lowercase/);
    expect(formatProblem({ file: 'a.md', message: 'm' })).toBe('a.md: m');
  });

  it('each problem on its own also fails the pack', async () => {
    const cases: Array<[string, (f: Record<string, FileContent>) => void, string]> = [
      ['bad series id', (f) => (f['series.yaml'] = { id: '-bad', title: 'x' }), 'series.yaml | id'],
      // Links shown to readers: a script or data URL would run in Folio's page.
      ['javascript: license link', (f) => (f['series.yaml'] = { id: 'ok', title: 'x', license_url: 'javascript:alert(1)' }), 'series.yaml | license_url'],
      ['data: homepage', (f) => (f['series.yaml'] = { id: 'ok', title: 'x', homepage: 'data:text/html,<script>alert(1)</script>' }), 'series.yaml | homepage'],
      ['ftp: homepage', (f) => (f['series.yaml'] = { id: 'ok', title: 'x', homepage: 'ftp://example.com/' }), 'series.yaml | homepage'],
      ['empty series.yaml', (f) => (f['series.yaml'] = ''), 'series.yaml | id'],
      ['missing image', (f) => delete f['episodes/b-first/pages/002.jpg'], 'episodes/b-first/episode.yaml | pages[2].image'],
      ['missing cover', (f) => delete f['episodes/a-second/cover.jpg'], 'episodes/a-second/episode.yaml | cover_image'],
      ['fake image', (f) => (f['episodes/b-first/pages/002.jpg'] = 'text'), 'episodes/b-first/episode.yaml | pages[2].image'],
      ['missing avatar', (f) => delete f['world/images/pepper.png'], 'world/entities.yaml | entities[0].image_url'],
      ['invalid entities YAML', (f) => (f['world/entities.yaml'] = 'entities: [\n'), 'world/entities.yaml'],
      ['episode without pages', (f) => (f['episodes/b-first/episode.yaml'] = { number: 1, title: 'x', pages: [] }), 'episodes/b-first/episode.yaml | pages'],
      [
        'negative page number',
        (f) => (f['episodes/b-first/episode.yaml'] = { number: 1, title: 'x', pages: [{ number: -1, kind: 'blank' }] }),
        'episodes/b-first/episode.yaml | pages[0].number',
      ],
      [
        'unknown page kind',
        (f) => (f['episodes/b-first/episode.yaml'] = { number: 1, title: 'x', pages: [{ number: 0, kind: 'poster', image: null }] }),
        'episodes/b-first/episode.yaml | pages[0].kind',
      ],
      ['bad wiki debut', (f) => (f['wiki/x.md'] = '---\ntitle: X\ndebut: {episode: 1}\n---\n'), 'wiki/x.md | debut.page'],
      ['bad front matter YAML', (f) => (f['wiki/x.md'] = '---\ntitle: [x\n---\n'), 'wiki/x.md'],
      [
        'a panel outside the page',
        (f) => (f['episodes/b-first/episode.yaml'] = { number: 1, title: 'x', pages: [{ number: 0, image: 'pages/000.jpg', panels: [{ x: 0.5, y: 0, w: 0.6, h: 1 }] }] }),
        'episodes/b-first/episode.yaml | pages[0].panels[0]',
      ],
      [
        'a panel in pixels, not fractions',
        (f) =>
          (f['episodes/b-first/episode.yaml'] = { number: 1, title: 'x', pages: [{ number: 0, image: 'pages/000.jpg', panels: [{ x: 10, y: 10, w: 300, h: 200 }] }] }),
        'episodes/b-first/episode.yaml | pages[0].panels[0].x',
      ],
      [
        'a panel with a key of its own',
        (f) =>
          (f['episodes/b-first/episode.yaml'] = {
            number: 1,
            title: 'x',
            pages: [{ number: 0, image: 'pages/000.jpg', panels: [{ x: 0, y: 0, w: 1, h: 1, order: 2 }] }],
          }),
        'episodes/b-first/episode.yaml | pages[0].panels[0]',
      ],
      [
        'absolute image path',
        (f) => (f['episodes/b-first/episode.yaml'] = { number: 1, title: 'x', pages: [{ number: 0, image: '/etc/passwd' }] }),
        'episodes/b-first/episode.yaml | pages[0].image',
      ],
    ];
    for (const [name, mutate, expected] of cases) {
      const files = basePack();
      mutate(files);
      const problems = await readProblems(files);
      expect(problems.map(where), name).toContain(expected);
    }
  });

  it('a traversal path never reaches the file system, even if the target exists as a pack-relative file', async () => {
    const files = basePack();
    files['episodes/b-first/episode.yaml'] = {
      number: 1,
      title: 'First',
      pages: [{ number: 0, image: 'pages/../../a-second/pages/001.jpg' }],
    };
    const problems = await readProblems(files);
    expect(problems.map(where)).toEqual(['episodes/b-first/episode.yaml | pages[0].image']);
  });
});

describe('readPack: the real Pepper&Carrot pack', () => {
  let pack: Pack;

  beforeAll(async () => {
    const result = await readPack(await openPackDir(REAL_PACK));
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    pack = result.pack;
  });

  it('reads ok with the documented counts', () => {
    expect(pack.series.id).toBe('pepper-carrot');
    expect(pack.episodes).toHaveLength(23);
    expect(pack.episodes.map((e) => e.data.number)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
    expect(pack.episodes.reduce((n, e) => n + e.data.pages.length, 0)).toBe(192);
    expect(pack.entities).toHaveLength(45);
    expect(pack.relationships).toHaveLength(57);
    expect(pack.wiki).toHaveLength(57);
  });

  it('keys pages by number: ep04 has no page 5, ep12 no page 6', () => {
    const pages = (n: number) => pack.episodes.find((e) => e.data.number === n)!.data.pages.map((p) => p.number);
    expect(pages(4)).toEqual([0, 1, 2, 3, 4, 6, 7, 8]);
    expect(pages(4)).not.toContain(5);
    expect(pages(12)).not.toContain(6);
  });

  it('the article coriander takes the entity debut 6/4', () => {
    const coriander = pack.wiki.find((w) => w.slug === 'coriander')!;
    expect(coriander.path).toBe('wiki/entities/coriander.md');
    expect(coriander.debutSource).toBe('entity');
    expect(coriander.debut).toEqual({ episode: 6, page: 4 });
    for (const s of coriander.sections) expect(s.debut).toEqual({ episode: 6, page: 4 });
  });

  it('timeline is hidden until the last page of episode 23, with a warning', () => {
    const ep23 = pack.episodes.find((e) => e.data.number === 23)!.data;
    const lastPage = ep23.pages[ep23.pages.length - 1]!.number;
    expect(lastPage).toBe(8);
    const timeline = pack.wiki.find((w) => w.slug === 'timeline')!;
    expect(timeline.path).toBe('wiki/upstream/timeline.md');
    expect(timeline.debutSource).toBe('end_of_series');
    expect(timeline.debut).toEqual({ episode: 23, page: lastPage });
    expect(timeline.sections.length).toBeGreaterThan(1);
    for (const s of timeline.sections) expect(s.debut).toEqual({ episode: 23, page: 8 });
    expect(pack.warnings).toContainEqual({
      file: 'wiki/upstream/timeline.md',
      message: 'no debut, no world entity "timeline" and not spoiler_free: hidden until the end of the series (23/8)',
    });
  });

  it('only the 12 non-entity articles (7 upstream, 5 topics) warn; the 45 entity articles take their entity debut', () => {
    expect(pack.warnings).toHaveLength(12);
    for (const w of pack.warnings) expect(w.file).toMatch(/^wiki\/(upstream|topics)\/[a-z-]+\.md$/);
    expect(pack.wiki.filter((w) => w.debutSource === 'entity')).toHaveLength(45);
    expect(pack.wiki.filter((w) => w.debutSource === 'end_of_series')).toHaveLength(12);
  });

  it('entities that debut beyond the corpus keep their debut (never visible)', () => {
    const torreya = pack.entities.find((e) => e.slug === 'torreya')!;
    expect([torreya.episode_debut, torreya.page_debut]).toEqual([36, 10]);
  });
});

/**
 * Property-based: the pack validator, the zip reader and the CBZ reader
 * never crash on any input. They accept it or report problems (FolioError
 * with a 4xx code, or `{ok: false}` with problems naming a file).
 */
import fc from 'fast-check';
import { zipSync } from 'fflate';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FolioError } from '../errors.js';
import { cbzPack } from './cbz.js';
import { openPackZip, type PackSource } from './pack-source.js';
import { type PackResult, readPack } from './read-pack.js';

function memorySource(files: Record<string, Uint8Array>): PackSource {
  const names = Object.keys(files).sort();
  return {
    origin: 'memory',
    files: () => names,
    has: (p) => Object.hasOwn(files, p),
    read: async (p) => {
      const b = files[p];
      if (!b) throw new FolioError('not_found:pack_file', `${p} is not in the pack`);
      return Buffer.from(b);
    },
  };
}

const text = (s: string) => new TextEncoder().encode(s);
let png: Uint8Array;
beforeAll(async () => {
  png = new Uint8Array(
    await sharp({ create: { width: 8, height: 12, channels: 3, background: '#336699' } })
      .png()
      .toBuffer(),
  );
});

function expectHandled(err: unknown): void {
  expect(err).toBeInstanceOf(FolioError);
  expect((err as FolioError).status).toBeGreaterThanOrEqual(400);
  expect((err as FolioError).status).toBeLessThan(500);
}

/** A valid base pack, then arbitrary values in its fields (YAML-encoded), files dropped or replaced. */
const yamlValue = fc.oneof(fc.anything({ maxDepth: 2 }), fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }));
const packArb = fc.record({
  series: fc.dictionary(
    fc.constantFrom('id', 'title', 'language', 'reading_direction', 'layout', 'license_url', 'attribution', 'show_unread_covers', 'homepage'),
    yamlValue,
    { maxKeys: 3 },
  ),
  episode: fc.dictionary(fc.constantFrom('number', 'title', 'summary', 'cover_image', 'pages', 'slug'), yamlValue, { maxKeys: 2 }),
  page: fc.dictionary(fc.constantFrom('number', 'kind', 'image', 'dialogue', 'description'), yamlValue, { maxKeys: 2 }),
  entity: fc.dictionary(fc.constantFrom('slug', 'name', 'kind', 'aliases', 'episode_debut', 'page_debut', 'descriptions', 'layout', 'image_url'), yamlValue, {
    maxKeys: 2,
  }),
  wiki: fc.oneof(fc.string({ maxLength: 200 }), fc.constant('---\ntitle: Ok\ndebut: {episode: 1, page: 1}\n---\n# A\ntext\n<!-- debut: 9/9 -->\n## B\nmore')),
  rawYaml: fc.option(
    fc.tuple(fc.constantFrom('series.yaml', 'episodes/e1/episode.yaml', 'world/entities.yaml', 'world/relationships.yaml'), fc.string({ maxLength: 300 })),
  ),
  drop: fc.option(fc.constantFrom('series.yaml', 'episodes/e1/episode.yaml', 'episodes/e1/p1.png')),
  badImage: fc.option(fc.uint8Array({ maxLength: 64 })),
});

describe('pack validation never crashes', () => {
  it('mutated packs: accepted, or rejected with problems that name a file (600 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(packArb, async (m) => {
        const files: Record<string, Uint8Array> = {
          'series.yaml': text(stringify({ id: 'fuzz', title: 'Fuzz', ...m.series })),
          'episodes/e1/episode.yaml': text(stringify({ number: 1, title: 'One', pages: [{ number: 1, image: 'p1.png', dialogue: 'Hi', ...m.page }], ...m.episode })),
          'episodes/e1/p1.png': m.badImage ?? png,
          'world/entities.yaml': text(stringify({ entities: [{ slug: 'a', name: 'A', kind: 'character', episode_debut: 1, page_debut: 1, ...m.entity }] })),
          'world/relationships.yaml': text(stringify({ relationships: [{ source: 'a', target: 'a', kind: 'self_of', episode_debut: 1, page_debut: 1 }] })),
          'wiki/a.md': text(m.wiki),
        };
        if (m.rawYaml) files[m.rawYaml[0]] = text(m.rawYaml[1]);
        if (m.drop) delete files[m.drop];
        let result: PackResult;
        try {
          result = await readPack(memorySource(files));
        } catch (err) {
          expectHandled(err);
          return;
        }
        if (!result.ok) {
          expect(result.problems.length).toBeGreaterThan(0);
          for (const p of result.problems) {
            expect(typeof p.file).toBe('string');
            expect(p.message.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 600 },
    );
  }, 120_000);
});

describe('archive readers never crash', () => {
  const entryName = fc.oneof(
    fc.constantFrom('series.yaml', 'ComicInfo.xml', 'p1.jpg', 'a/b/c.png', '../evil.jpg', '/abs.jpg', 'C:\\x.jpg', '.DS_Store', '__MACOSX/x.jpg', 'dir/'),
    fc.string({ minLength: 1, maxLength: 30 }),
  );
  const entryBody = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.string({ maxLength: 300 }).map(text),
    fc
      .constantFrom(
        '<ComicInfo><Number>2</Number><Series>S</Series></ComicInfo>',
        '<!DOCTYPE x [<!ENTITY a "b">]><ComicInfo/>',
        '<ComicInfo><Pages><Page Image="x"/></Pages></ComicInfo>',
        '<<<',
      )
      .map(text),
  );
  const archive = fc.oneof(
    fc.dictionary(entryName, entryBody, { maxKeys: 6 }).map((files) => {
      try {
        return zipSync(files);
      } catch {
        return new Uint8Array([0x50, 0x4b, 3, 4]);
      }
    }),
    fc.uint8Array({ maxLength: 300 }),
  );

  it('zip packs: a source or a 4xx FolioError (1500 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(archive, async (bytes) => {
        try {
          const source = await openPackZip(bytes, 'fuzz.zip');
          // Reading an entry is where it inflates: a handled error too, never a crash.
          for (const f of source.files().slice(0, 3)) await source.read(f).catch(expectHandled);
        } catch (err) {
          expectHandled(err);
        }
      }),
      { numRuns: 1500 },
    );
  }, 120_000);

  it('CBZ folders: a valid-or-reported pack, or a 4xx FolioError (1500 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.string({ minLength: 1, maxLength: 12 }).map((s) => `${s}.cbz`),
            archive,
          ),
          { minLength: 1, maxLength: 3 },
        ),
        async (list) => {
          let source: PackSource;
          try {
            source = await cbzPack(
              list.map(([name, bytes]) => ({ name, bytes })),
              'fuzz-folder',
            );
          } catch (err) {
            expectHandled(err);
            return;
          }
          const r = await readPack(source);
          if (!r.ok) expect(r.problems.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 1500 },
    );
  }, 120_000);
});

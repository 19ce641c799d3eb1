import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { comicInfo, makeCbz } from '../../test/cbz.js';
import { cbzPack, parseComicInfo, slugify } from './cbz.js';
import { readPack } from './read-pack.js';

describe('parseComicInfo', () => {
  it('reads the fields Folio uses, as text', () => {
    const info = parseComicInfo(
      comicInfo({ Series: 'Moth & Lantern', Number: '02', Title: 'Glow', Summary: 'Lamps go dark.', Writer: 'A', Manga: 'YesAndRightToLeft' }),
      'x.cbz',
    );
    expect(info).toMatchObject({ Series: 'Moth & Lantern', Number: '02', Title: 'Glow', Summary: 'Lamps go dark.', Writer: 'A', Manga: 'YesAndRightToLeft' });
  });

  it('reads page types (one page or several)', () => {
    const one = parseComicInfo('<ComicInfo><Pages><Page Image="3" Type="FrontCover"/></Pages></ComicInfo>', 'x');
    expect(one.Pages?.Page).toEqual([{ Image: 3, Type: 'FrontCover' }]);
  });

  it('refuses DOCTYPE and entity declarations (entity expansion bombs)', () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><ComicInfo><Series>&lol2;</Series></ComicInfo>';
    expect(() => parseComicInfo(bomb, 'bomb.cbz')).toThrow(/DOCTYPE/);
  });

  it('ignores unknown or malformed fields instead of failing', () => {
    expect(parseComicInfo('<ComicInfo><Pages>nonsense</Pages><Foo>1</Foo></ComicInfo>', 'x')).toEqual({ Foo: '1' });
    expect(parseComicInfo('<NotComicInfo/>', 'x')).toEqual({});
  });
});

describe('slugify', () => {
  it('makes a series id', () => {
    expect(slugify('Moth & Lantern: Vol. 2')).toBe('moth-lantern-vol-2');
    expect(slugify('Écume')).toBe('ecume');
    expect(slugify('!!!')).toBe('comic');
  });
});

describe('cbzPack', () => {
  it('turns a folder of archives into a valid pack: series from ComicInfo, episodes by <Number>, pages in natural order', async () => {
    const a = await makeCbz({
      pages: 3,
      seed: 1,
      comicInfo: comicInfo({ Series: 'Lamp Tales', Number: 2, Title: 'Second', Summary: 'Two.', Writer: 'W', Penciller: 'P' }),
    });
    const b = await makeCbz({ pages: 2, seed: 2, comicInfo: comicInfo({ Series: 'Lamp Tales', Number: 1, Title: 'First' }) });
    const source = await cbzPack(
      [
        { name: 'b.cbz', bytes: a },
        { name: 'a.cbz', bytes: b },
      ],
      '/comics/lamp',
    );
    const read = await readPack(source);
    if (!read.ok) throw new Error(JSON.stringify(read.problems));
    expect(read.pack.series).toMatchObject({ id: 'lamp-tales', title: 'Lamp Tales', attribution: 'W, P', reading_direction: 'ltr' });
    expect(read.pack.episodes.map((e) => [e.data.number, e.data.title, e.data.pages.length])).toEqual([
      [1, 'First', 2],
      [2, 'Second', 3],
    ]);
    expect(read.pack.episodes[1]!.data.summary).toBe('Two.');
  });

  it('without ComicInfo: numbers from file names, title from the folder, natural page order', async () => {
    const files: Record<string, Uint8Array> = {};
    const one = await makeCbz({ pages: 11 });
    // Re-zip with names that sort wrongly as plain strings.
    const { unzipSync } = await import('fflate');
    const pages = unzipSync(one);
    Object.keys(pages).forEach((k) => {
      files[k.replace('page', 'p')] = pages[k]!;
    });
    const source = await cbzPack(
      [
        { name: 'Issue 10.cbz', bytes: zipSync(files) },
        { name: 'Issue 9.cbz', bytes: await makeCbz({ pages: 1, seed: 9 }) },
      ],
      '/x/Night Bus',
    );
    const read = await readPack(source);
    if (!read.ok) throw new Error(JSON.stringify(read.problems));
    expect(read.pack.series.title).toBe('Night Bus');
    expect(read.pack.episodes.map((e) => e.data.number)).toEqual([9, 10]);
    // p1 … p11 became pages 1 … 11 in that order (not p1, p10, p11, p2 …).
    const ep10 = read.pack.episodes[1]!;
    expect(ep10.data.pages).toHaveLength(11);
    expect(Buffer.compare(await source.read(`${ep10.dir}/${ep10.data.pages[1]!.image}`), Buffer.from(files['p2.jpg']!))).toBe(0);
    expect(Buffer.compare(await source.read(`${ep10.dir}/${ep10.data.pages[9]!.image}`), Buffer.from(files['p10.jpg']!))).toBe(0);
  });

  it('uses the FrontCover page as the episode cover and right-to-left for manga', async () => {
    const a = await makeCbz({
      pages: 3,
      comicInfo: comicInfo({ Series: 'M', Number: 1, Manga: 'YesAndRightToLeft' }).replace(
        '</ComicInfo>',
        '<Pages><Page Image="2" Type="FrontCover"/></Pages></ComicInfo>',
      ),
    });
    const read = await readPack(await cbzPack([{ name: 'm.cbz', bytes: a }], 'm.cbz'));
    if (!read.ok) throw new Error(JSON.stringify(read.problems));
    expect(read.pack.series.reading_direction).toBe('rtl');
    expect(read.pack.episodes[0]!.data.cover_image).toBe(read.pack.episodes[0]!.data.pages[2]!.image);
  });

  it('reports every broken archive at once and imports nothing', async () => {
    const good = await makeCbz({ pages: 1, comicInfo: comicInfo({ Number: 1 }) });
    const dup = await makeCbz({ pages: 1, seed: 3, comicInfo: comicInfo({ Number: 1 }) });
    const noImages = zipSync({ 'readme.txt': new TextEncoder().encode('hi') });
    const traversal = zipSync({ '../evil.jpg': new Uint8Array([1]) });
    const call = () =>
      cbzPack(
        [
          { name: 'a.cbz', bytes: good },
          { name: 'b.cbz', bytes: dup },
          { name: 'c.cbz', bytes: noImages },
          { name: 'd.cbz', bytes: traversal },
          { name: 'e.cbz', bytes: new TextEncoder().encode('not a zip') },
        ],
        '/comics',
      );
    const err = await call().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    {
      const msg = (err as Error).message;
      expect(msg).toContain('c.cbz: no page images');
      expect(msg).toContain('unsafe entry paths');
      expect(msg).toContain('e.cbz is not a readable zip archive');
      expect(msg).toContain('2 archives are episode 1');
      expect((err as { code: string }).code).toBe('bad_request:pack');
    }
  });
});

describe('a CBZ corpus made from the bundled sample series', () => {
  it('each sample episode as a .cbz with ComicInfo.xml reads back with the same episodes, titles, page counts and dates', async () => {
    const { openPackDir } = await import('./pack-source.js');
    const { zipSync: zip } = await import('fflate');
    const sample = await readPack(await openPackDir('samples/moth-and-lantern'));
    if (!sample.ok) throw new Error('sample pack invalid');
    const archives = await Promise.all(
      sample.pack.episodes.map(async (e, i) => {
        const files: Record<string, Uint8Array> = {};
        for (const p of e.data.pages)
          if (p.image) files[`${String(p.number).padStart(3, '0')}.jpg`] = new Uint8Array(await sample.pack.source.read(`${e.dir}/${p.image}`));
        files['ComicInfo.xml'] = new TextEncoder().encode(
          comicInfo({
            Series: sample.pack.series.title,
            Number: e.data.number,
            Title: e.data.title,
            Summary: e.data.summary ?? '',
            Year: 2026,
            Month: i + 1,
            Writer: 'Folio contributors',
          }),
        );
        return { name: `${e.dir.split('/').pop()}.cbz`, bytes: zip(files) };
      }),
    );
    const read = await readPack(await cbzPack(archives, 'moth-cbz'));
    if (!read.ok) throw new Error(JSON.stringify(read.problems));
    expect(read.pack.series).toMatchObject({ id: 'moth-and-lantern', title: sample.pack.series.title, author: 'Folio contributors' });
    expect(read.pack.episodes.map((e) => [e.data.number, e.data.title, e.data.pages.length, (e.data as { published?: string }).published])).toEqual(
      sample.pack.episodes.map((e, i) => [e.data.number, e.data.title, e.data.pages.filter((p) => p.image).length, `2026-0${i + 1}`]),
    );
  });
});

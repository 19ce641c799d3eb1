/**
 * The offline OCR engine on real images, no mocks: Pepper&Carrot pages against their gold dialogue (word
 * recall / precision per page), reading order on a drawn page with two balloons side by side, sound effects,
 * the missing-language error and the language mapping. One engine for the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FolioError } from '../errors.js';
import { type OcrEngine, ocrLanguagesFor, openOcrEngine, type TextRegion, transcriptText } from './ocr.js';

const PACK = process.env.FOLIO_TEST_PEPPER_CARROT ?? '/work/shared/data/pepper-carrot';
const hasPack = existsSync(join(PACK, 'episodes'));

const words = (s: string): string[] => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
function score(gold: string, ocr: string): { recall: number; precision: number } {
  const counts = new Map<string, number>();
  for (const w of words(ocr)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const g = words(gold);
  let matched = 0;
  for (const w of g) {
    const n = counts.get(w) ?? 0;
    if (n > 0) {
      matched++;
      counts.set(w, n - 1);
    }
  }
  const o = words(ocr).length;
  return { recall: g.length ? matched / g.length : 1, precision: o ? matched / o : 0 };
}

function goldOf(episodeDir: string, page: number): { path: string; dialogue: string } {
  const y = YAML.parse(readFileSync(join(PACK, 'episodes', episodeDir, 'episode.yaml'), 'utf8')) as {
    pages: Array<{ number: number; image: string; dialogue?: string }>;
  };
  const p = y.pages.find((x) => x.number === page);
  if (!p) throw new Error(`no page ${page} in ${episodeDir}`);
  return { path: join(PACK, 'episodes', episodeDir, p.image), dialogue: p.dialogue ?? '' };
}

/** A page drawn with SVG: white ellipse balloons holding dark lettering on a mid-grey art background. */
async function drawPage(balloons: Array<{ cx: number; cy: number; lines: string[]; size?: number; bold?: boolean }>): Promise<Buffer> {
  const parts = balloons.map((b) => {
    const size = b.size ?? 26;
    const h = b.lines.length * size * 1.25 + size * 1.4;
    const w = Math.max(...b.lines.map((l) => l.length)) * size * 0.62 + size * 2.5;
    const text = b.lines
      .map(
        (l, i) =>
          `<text x="${b.cx}" y="${b.cy - ((b.lines.length - 1) * size * 1.25) / 2 + i * size * 1.25 + size * 0.35}" font-family="DejaVu Sans, sans-serif" font-size="${size}"${b.bold ? ' font-weight="bold"' : ''} text-anchor="middle" fill="#111">${l}</text>`,
      )
      .join('');
    return `<ellipse cx="${b.cx}" cy="${b.cy}" rx="${w / 2}" ry="${h / 2}" fill="#fff" stroke="#222" stroke-width="3"/>${text}`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600"><rect width="800" height="600" fill="#fff"/><rect x="20" y="20" width="760" height="560" fill="#5a7a8c"/>${parts.join('')}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

describe('ocrLanguagesFor', () => {
  it('maps series languages to tesseract codes', () => {
    expect(ocrLanguagesFor('en')).toEqual(['eng']);
    expect(ocrLanguagesFor('fr')).toEqual(['fra']);
    expect(ocrLanguagesFor('pt-BR')).toEqual(['por']);
    expect(ocrLanguagesFor('de-AT')).toEqual(['deu']);
    expect(ocrLanguagesFor('zh-TW')).toEqual(['chi_tra']);
    expect(ocrLanguagesFor('zh')).toEqual(['chi_sim']);
    expect(ocrLanguagesFor('ja')).toEqual(['jpn']);
  });
});

describe('transcriptText', () => {
  it('is one line per region (its lettered lines joined, hyphenation undone), sound effects kept', () => {
    const box = { x: 0, y: 0, width: 1, height: 1 };
    const regions: TextRegion[] = [
      { text: 'ha... this is\nperfect, won-\nderful', confidence: 0.9, box, sound: false },
      { text: 'SPLASH', confidence: 0.8, box, sound: true },
      { text: ' \n', confidence: 0.8, box, sound: false },
      { text: 'the Posh-\nZombie and\n\n the end', confidence: 0.8, box, sound: false },
      { text: 'A-true-witch-of-\nChaosah-wouldn’t-\ncreate-', confidence: 0.8, box, sound: false },
    ];
    expect(transcriptText(regions)).toBe('ha... this is perfect, wonderful\nSPLASH\nthe Posh-Zombie and the end\nA-true-witch-of-Chaosah-wouldn’t-create-');
  });
});

describe('openOcrEngine', () => {
  it('names the npm package to add when a language is not installed', async () => {
    const err = await openOcrEngine({ languages: ['fra'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FolioError);
    expect((err as FolioError).message).toContain('@tesseract.js-data/fra');
  });
});

describe('the OCR engine', () => {
  let engine: OcrEngine;
  beforeAll(async () => {
    engine = await openOcrEngine({ languages: ['eng'], workers: 2 });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('has an id naming engine, data and algorithm', () => {
    expect(engine.id).toMatch(/^tesseract\.js@\d+\.\d+\.\d+\+eng@[^/]+\/4\.0\.0_best_int\/regions-v\d+$/);
    expect(engine.languages).toEqual(['eng']);
  });

  const cases: Array<[string, number, number, number]> = [
    // episode folder, page, minimum recall, minimum precision
    ['ep01-Potion-of-Flight', 2, 0.6, 0.8],
    ['ep01-Potion-of-Flight', 3, 1, 0.5],
    ['ep06-The-Potion-Contest', 2, 0.8, 0.85],
    ['ep18-The-Encounter', 3, 0.6, 0.8],
  ];
  it.skipIf(!hasPack).each(cases)('reads %s page %i against its gold dialogue', async (dir, page, minRecall, minPrecision) => {
    const { path, dialogue } = goldOf(dir, page);
    const regions = await engine.read(readFileSync(path), { direction: 'ltr' });
    const s = score(dialogue, transcriptText(regions));
    expect(s.recall, transcriptText(regions)).toBeGreaterThanOrEqual(minRecall);
    expect(s.precision, transcriptText(regions)).toBeGreaterThanOrEqual(minPrecision);
    for (const r of regions) {
      expect(r.confidence).toBeGreaterThan(0);
      expect(r.confidence).toBeLessThanOrEqual(1);
      expect(r.box.x + r.box.width).toBeLessThanOrEqual(800);
      expect(r.box.y + r.box.height).toBeLessThanOrEqual(1130);
    }
  });
  if (!hasPack) it.skip(`Pepper&Carrot pages: ${PACK} is absent (set FOLIO_TEST_PEPPER_CARROT)`, () => {});

  it('orders two balloons side by side left to right for ltr and right to left for rtl', async () => {
    const img = await drawPage([
      { cx: 210, cy: 200, lines: ['Apples are', 'on the left'] },
      { cx: 590, cy: 200, lines: ['Oranges are', 'on the right'] },
    ]);
    const ltr = await engine.read(img, { direction: 'ltr' });
    const rtl = await engine.read(img, { direction: 'rtl' });
    const first = (rs: TextRegion[]) => transcriptText(rs).split('\n')[0]!.toLowerCase();
    expect(ltr.length).toBeGreaterThanOrEqual(2);
    expect(first(ltr)).toContain('apples');
    expect(first(rtl)).toContain('oranges');
    expect(transcriptText(ltr).toLowerCase()).toMatch(/apples are on the left\noranges are on the right/);
    expect(transcriptText(rtl).toLowerCase()).toMatch(/oranges are on the right\napples are on the left/);
  });

  it('marks a short all-caps onomatopoeia as a sound and dialogue as not', async () => {
    const img = await drawPage([
      { cx: 220, cy: 300, lines: ['SPLASH'], size: 40, bold: true },
      { cx: 560, cy: 300, lines: ['What was', 'that noise?'] },
    ]);
    const regions = await engine.read(img, { direction: 'ltr' });
    const splash = regions.find((r) => r.text.includes('SPLASH'));
    const talk = regions.find((r) => /noise/i.test(r.text));
    expect(splash?.sound).toBe(true);
    expect(talk?.sound).toBe(false);
  });

  it('a page of small print that reads like credits keeps its opening lines, not its list; other small print is read whole', async () => {
    const names = ['Ada Byron', 'Grace Murray', 'Alan Mathison', 'Edsger Wybe', 'Barbara Liskov', 'Donald Ervin', 'Frances Allen', 'Niklaus Emil'];
    const prose = ['the river ran past the mill and the old', 'bridge where the children played until', 'the lamps were lit along the whole road'];
    const print = (head: string[], body: (i: number) => string, last: string) => {
      const rows = [...head, '', ...Array.from({ length: 30 }, (_, i) => body(i)), last];
      const text = rows.map((r, i) => `<text x="60" y="${60 + i * 16}" font-family="DejaVu Sans, sans-serif" font-size="12" fill="#111">${r}</text>`).join('');
      return sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="800" height="700"><rect width="800" height="700" fill="#fff"/>${text}</svg>`))
        .png()
        .toBuffer();
    };
    const list = (i: number) => Array.from({ length: 4 }, (_, k) => names[(i + k) % names.length]).join(' * ');
    const credits = await print(
      ['This comic is free thanks to its 300 patrons.', 'Read it at www.example.org under a Creative Commons licence.'],
      list,
      'Zebulon Quartermaine',
    );
    const story = await print(['Chapter two, in which nothing much happens.', 'It was a quiet evening in the valley.'], (i) => prose[i % 3]!, 'Zebulon Quartermaine');
    const c = transcriptText(await engine.read(credits, { direction: 'ltr' }));
    expect(c).toMatch(/patrons/);
    expect(c).not.toMatch(/Zebulon/);
    expect(words(c).length).toBeLessThan(60);
    const t = transcriptText(await engine.read(story, { direction: 'ltr' }));
    expect(t).toMatch(/quiet evening/);
    expect(t).toMatch(/Zebulon/);
    expect(words(t).length).toBeGreaterThan(200);
  });

  it('honours an aborted signal', async () => {
    const img = await drawPage([{ cx: 400, cy: 300, lines: ['Hello there'] }]);
    const ac = new AbortController();
    ac.abort();
    await expect(engine.read(img, { direction: 'ltr', signal: ac.signal })).rejects.toThrow();
  });
});

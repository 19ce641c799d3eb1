/**
 * The offline OCR engine on Folio's bundled sample series: clean digital lettering in round balloons, checked
 * against the pack's authored text (speaker labels such as "ADA:" are the author's, not lettered on the page).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type OcrEngine, openOcrEngine, transcriptText } from './ocr.js';

const EPISODE = join(process.cwd(), 'samples', 'moth-and-lantern', 'episodes', 'ep01-Tallow-Street');
let engine: OcrEngine;
let pages: Array<{ number: number; image?: string; dialogue?: string }>;

beforeAll(async () => {
  engine = await openOcrEngine({ languages: ['eng'], workers: 1 });
  pages = (parse(await readFile(join(EPISODE, 'episode.yaml'), 'utf8')) as { pages: typeof pages }).pages;
}, 60_000);
afterAll(() => engine?.close());

const words = (s: string) => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
const lettered = (dialogue: string) =>
  dialogue
    .split('\n')
    .map((l) => l.replace(/^[A-Z][A-Z ]*:\s*/, ''))
    .join('\n');

describe('OCR on the bundled sample series', () => {
  it.each([1, 2, 3])(
    'episode 1 page %i: the lettering is read, in reading order',
    async (n) => {
      const page = pages.find((p) => p.number === n)!;
      const regions = await engine.read(await readFile(join(EPISODE, page.image!)), { direction: 'ltr' });
      const got = words(transcriptText(regions));
      const want = words(lettered(page.dialogue ?? ''));
      const have = new Set(got);
      const recall = want.filter((w) => have.has(w)).length / want.length;
      const wanted = new Set(want);
      const precision = got.filter((w) => wanted.has(w)).length / Math.max(1, got.length);
      expect(recall, `recall on page ${n}: ${transcriptText(regions)}`).toBeGreaterThanOrEqual(0.8);
      expect(precision, `precision on page ${n}`).toBeGreaterThanOrEqual(0.8);
      // Reading order: the page's first lettered line comes before its last.
      const text = transcriptText(regions).toLowerCase();
      const first = words(lettered(page.dialogue ?? '').split('\n')[0]!)[0]!;
      const last = words(
        lettered(page.dialogue ?? '')
          .trim()
          .split('\n')
          .at(-1)!,
      ).at(-1)!;
      expect(text.indexOf(first)).toBeLessThan(text.lastIndexOf(last));
    },
    60_000,
  );
});

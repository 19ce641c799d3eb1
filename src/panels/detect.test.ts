import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { PEPPER_CARROT } from '../../test/corpus.js';
import { DETECT_WIDTH, detectPanels, type GrayImage } from './detect.js';
import { orderPanels, type Panel } from './order.js';

/** A page of `bg` with filled rectangles (pixels), like panels drawn on paper. */
function page(width: number, height: number, bg: number, rects: Array<[x: number, y: number, w: number, h: number, value?: number]>): GrayImage {
  const data = new Uint8Array(width * height).fill(bg);
  for (const [x0, y0, w, h, v] of rects) {
    for (let y = y0; y < y0 + h; y++) data.fill(v ?? 255 - bg, y * width + x0, y * width + x0 + w);
  }
  return { data, width, height };
}

/** A 2 × 2 grid of panels, 20 px margins and a 12 px gutter, on a 400 × 560 page. */
const GRID: Array<[number, number, number, number]> = [
  [20, 20, 174, 254],
  [206, 20, 174, 254],
  [20, 286, 174, 254],
  [206, 286, 174, 254],
];

describe('detectPanels', () => {
  it('finds the panels of a grid on white paper, as fractions of the page', () => {
    const found = detectPanels(
      page(
        400,
        560,
        255,
        GRID.map(([x, y, w, h]) => [x, y, w, h, 60]),
      ),
    );
    expect(found.unsure).toBe(false);
    const ordered = orderPanels(found.panels, 'ltr');
    expect(ordered).toEqual([
      { x: 0.05, y: 0.0357, w: 0.435, h: 0.4536 },
      { x: 0.515, y: 0.0357, w: 0.435, h: 0.4536 },
      { x: 0.05, y: 0.5107, w: 0.435, h: 0.4536 },
      { x: 0.515, y: 0.5107, w: 0.435, h: 0.4536 },
    ]);
  });

  it('cuts a webtoon strip at its gutters into bands, top to bottom', () => {
    // 400 × 4000: five drawn scenes of unequal height between 60 px white gaps, edge to edge across the strip, so
    // the page's outer frame is art, not paper.
    const scenes: Array<[number, number, number, number]> = [
      [0, 0, 400, 700],
      [0, 760, 400, 900],
      [0, 1720, 400, 500],
      [0, 2280, 400, 1000],
      [0, 3340, 400, 660],
    ];
    const strip = page(400, 4000, 255, []);
    for (const [i, [, y0, , h]] of scenes.entries()) {
      for (let y = y0; y < y0 + h; y++) for (let x = 0; x < 400; x++) strip.data[y * 400 + x] = 40 + ((x * 7 + y * 3 + i * 50) % 150);
    }
    const found = detectPanels(strip);
    expect(found.unsure).toBe(false);
    const ordered = orderPanels(found.panels, 'rtl');
    expect(ordered).toHaveLength(5);
    for (const [i, [, y, , h]] of scenes.entries()) {
      expect(ordered[i]!.y).toBeCloseTo(y / 4000, 2);
      expect(ordered[i]!.h).toBeCloseTo(h / 4000, 2);
      expect(ordered[i]!.w).toBeCloseTo(1, 2);
    }
  });

  it('works on black paper too: the background is the colour of the page frame', () => {
    const found = detectPanels(
      page(
        400,
        560,
        0,
        GRID.map(([x, y, w, h]) => [x, y, w, h, 200]),
      ),
    );
    expect(found.panels).toHaveLength(4);
  });

  it('cuts nested layouts: a row of a tall panel beside two stacked ones', () => {
    const found = detectPanels(
      page(400, 560, 255, [
        [20, 20, 360, 150, 90],
        [20, 182, 170, 358, 90],
        [202, 182, 178, 170, 90],
        [202, 364, 178, 176, 90],
      ]),
    );
    const ordered = orderPanels(found.panels, 'ltr');
    expect(ordered.map((p) => [Math.round(p.x * 400), Math.round(p.y * 560)])).toEqual([
      [20, 20],
      [20, 182],
      [202, 182],
      [202, 364],
    ]);
  });

  it('keeps a gutter that art crosses a little (a balloon tail), not one the art fills', () => {
    const crossed = page(400, 560, 255, [...GRID.map(([x, y, w, h]): [number, number, number, number, number] => [x, y, w, h, 60]), [190, 100, 20, 14, 60]]);
    expect(detectPanels(crossed).panels).toHaveLength(4);
    const bridged = page(400, 560, 255, [...GRID.map(([x, y, w, h]): [number, number, number, number, number] => [x, y, w, h, 60]), [190, 40, 20, 200, 60]]);
    // The top two panels are joined by art across half the gutter's height: one piece above, two below.
    expect(detectPanels(bridged).panels).toHaveLength(3);
  });

  it('ignores specks in the margins (a page number, a sound effect)', () => {
    const found = detectPanels(page(400, 560, 255, [...GRID.map(([x, y, w, h]): [number, number, number, number, number] => [x, y, w, h, 60]), [195, 548, 10, 8, 0]]));
    expect(found.panels).toHaveLength(4);
  });

  it('is unsure, so the page is shown whole, without gutters or with a single panel', () => {
    expect(detectPanels(page(400, 560, 255, [[0, 0, 400, 560, 80]]))).toEqual({ panels: [], unsure: true });
    expect(detectPanels(page(400, 560, 255, [[20, 20, 360, 520, 80]]))).toEqual({ panels: [], unsure: true });
    expect(detectPanels(page(400, 560, 255, []))).toEqual({ panels: [], unsure: true });
    expect(detectPanels({ data: new Uint8Array(4), width: 2, height: 2 })).toEqual({ panels: [], unsure: true });
  });

  it('is unsure when the panels it would keep cover too little of the drawing', () => {
    // Two small framed boxes under a large borderless drawing made of specks too small to be panels.
    const specks: Array<[number, number, number, number, number]> = [];
    for (let y = 20; y < 400; y += 16) for (let x = 20; x < 380; x += 16) specks.push([x, y, 10, 10, 40]);
    const found = detectPanels(page(400, 560, 255, [...specks, [20, 420, 170, 120, 60], [210, 420, 170, 120, 60]]));
    expect(found.unsure).toBe(true);
  });
});

describe.runIf(existsSync(PEPPER_CARROT))('detectPanels on Pepper&Carrot pages', () => {
  const gray = async (episodeDir: string, file: string) => {
    const { data, info } = await sharp(join(PEPPER_CARROT, 'episodes', episodeDir, 'pages', file))
      .resize({ width: DETECT_WIDTH })
      .grayscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  };

  it('episode 4, page 7: six panels, read row by row', async () => {
    const panels = orderPanels(detectPanels(await gray('ep04-Stroke-of-genius', '007.jpg')).panels, 'ltr');
    expect(panels).toHaveLength(6);
    // A wide panel, three side by side, then two wide ones.
    const [wide, a, b, c, d, e] = panels as [Panel, Panel, Panel, Panel, Panel, Panel];
    expect(wide.w).toBeGreaterThan(0.8);
    expect(Math.max(a.y, b.y, c.y) - Math.min(a.y, b.y, c.y)).toBeLessThan(0.03);
    expect(a.y).toBeGreaterThan(wide.y + wide.h - 0.01);
    expect(d.y).toBeGreaterThan(a.y + a.h - 0.01);
    expect(e.y).toBeGreaterThan(d.y + d.h - 0.01);
    expect(panels[1]!.x).toBeLessThan(panels[2]!.x);
    expect(panels[2]!.x).toBeLessThan(panels[3]!.x);
  });

  it('episode 21, page 4: two side by side, a wide one, then three', async () => {
    const panels = orderPanels(detectPanels(await gray('ep21-The-Magic-Contest', '004.jpg')).panels, 'ltr');
    expect(panels).toHaveLength(6);
    expect(panels[0]!.x).toBeLessThan(panels[1]!.x);
    expect(panels[2]!.w).toBeGreaterThan(0.8);
    expect(panels[3]!.x).toBeLessThan(panels[4]!.x);
    expect(panels[4]!.x).toBeLessThan(panels[5]!.x);
  });

  it('a title strip is shown whole', async () => {
    expect(detectPanels(await gray('ep06-The-Potion-Contest', '000.jpg')).unsure).toBe(true);
  });
});

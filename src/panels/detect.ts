/**
 * Panels of a comic page from its pixels (pure): a recursive XY-cut at the page's gutters. A gutter is a run of
 * rows (or columns) of a region that are nearly all page background — the colour of the page's outer frame, so
 * white, black or any flat margin works. Each region is cut at its horizontal gutters, then each piece at its
 * vertical ones, and so on, until no gutter is left: what remains are the panels. Art that crosses a gutter
 * (a balloon's tail, a character stepping out of a frame) is tolerated up to a small share of the row.
 *
 * The result is unordered geometry in fractions of the page; reading order is order.ts's job (it depends on the
 * series' direction, the detection does not). When the cut finds nothing a reader could step through (no gutter,
 * one panel, or panels covering too little of the drawn area), the page is `unsure` and guided view shows it
 * whole. bench/panels.ts measures it on Pepper&Carrot.
 */
import type { Panel } from './order.js';

export interface GrayImage {
  /** One byte per pixel, row after row. */
  data: Uint8Array;
  width: number;
  height: number;
}

export interface Detection {
  /** Panels in fractions of the page (0..1), unordered; empty when `unsure`. */
  panels: Panel[];
  unsure: boolean;
}

/** Width, in pixels, a page is scaled to before detection (about 2 ms of work per page at this size). */
export const DETECT_WIDTH = 400;
/** A pixel this close (0..255) to the background colour counts as background (JPEG noise); pale art does not. */
const BACKGROUND_TOLERANCE = 12;
/** A row or column is a gutter when at most this share of it is drawn (art and balloons crossing it). */
const GUTTER_INK = 0.07;
/** Thinnest gutter, as a share of the page's width (about 2 px at DETECT_WIDTH). */
const MIN_GUTTER = 0.005;
/** Pieces smaller than this share of the page are not panels (a sound effect or a page number in a margin). */
const MIN_PANEL_AREA = 0.012;
/** Pieces thinner than this share of the page in either direction are not panels either. */
const MIN_PANEL_SIDE = 0.04;
/** Panels must cover at least this share of the drawn area's bounding box, else the cut is not trusted. */
const MIN_COVERAGE = 0.6;
const MAX_DEPTH = 8;

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The page's background: the median grey of its outermost frame of pixels. */
export function backgroundOf(img: GrayImage): number {
  const counts = new Uint32Array(256);
  const { data, width: w, height: h } = img;
  const frame = Math.max(1, Math.round(Math.min(w, h) * 0.005));
  let n = 0;
  for (let y = 0; y < h; y++) {
    const edge = y < frame || y >= h - frame;
    for (let x = 0; x < w; x++) {
      if (!edge && x >= frame && x < w - frame) {
        x = w - frame - 1;
        continue;
      }
      counts[data[y * w + x]!]!++;
      n++;
    }
  }
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += counts[v]!;
    if (seen * 2 >= n) return v;
  }
  return 255;
}

/**
 * The grey of the page's flat gutters: the commonest grey of the rows and columns drawn in one flat grey from edge
 * to edge, or null when there are none. A webtoon's scenes run to the strip's sides, so its outer frame is art
 * (backgroundOf is wrong there), but its gutters run right across it.
 */
export function gutterGreyOf(img: GrayImage): number | null {
  const { data, width: w, height: h } = img;
  const counts = new Uint32Array(256);
  const line = (start: number, step: number, n: number) => {
    let lo = 255;
    let hi = 0;
    for (let i = 0, k = start; i < n; i++, k += step) {
      const v = data[k]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      if (hi - lo > BACKGROUND_TOLERANCE) return;
    }
    counts[(lo + hi) >> 1]!++;
  };
  for (let y = 0; y < h; y++) line(y * w, 1, w);
  for (let x = 0; x < w; x++) line(x, w, h);
  let best = 0;
  for (let v = 1; v < 256; v++) if (counts[v]! > counts[best]!) best = v;
  return counts[best]! >= Math.max(2, Math.round(MIN_GUTTER * w)) ? best : null;
}

/** Detect the panels of a page (pure; `img` is best at about DETECT_WIDTH pixels wide). */
export function detectPanels(img: GrayImage): Detection {
  const { width: w, height: h } = img;
  if (w < 8 || h < 8 || img.data.length < w * h) return { panels: [], unsure: true };
  const frame = backgroundOf(img);
  const framed = detectOn(img, frame);
  // Art to the page's edges (a webtoon strip): the frame is art, so also cut at the grey of lines flat from edge
  // to edge, when that is another grey, and keep the cut that steps through more panels.
  const gutter = gutterGreyOf(img);
  if (gutter === null || Math.abs(gutter - frame) <= BACKGROUND_TOLERANCE) return framed;
  const bled = detectOn(img, gutter);
  return bled.panels.length > framed.panels.length ? bled : framed;
}

function detectOn(img: GrayImage, bg: number): Detection {
  const { width: w, height: h } = img;
  // Drawn (not background) pixels as a summed-area table: the ink of any row or column span is O(1).
  const ink = new Uint32Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += Math.abs(img.data[y * w + x]! - bg) > BACKGROUND_TOLERANCE ? 1 : 0;
      ink[(y + 1) * (w + 1) + x + 1] = ink[y * (w + 1) + x + 1]! + row;
    }
  }
  const W = w + 1;
  const sum = (x0: number, y0: number, x1: number, y1: number) => ink[y1 * W + x1]! - ink[y0 * W + x1]! - ink[y1 * W + x0]! + ink[y0 * W + x0]!;
  const minGutter = Math.max(2, Math.round(MIN_GUTTER * w));

  /** The box shrunk to the drawn pixels inside it, or null when nothing is drawn. */
  const trim = (b: Box): Box | null => {
    const t = { ...b };
    const rowInk = (y: number) => sum(t.x0, y, t.x1, y + 1);
    const colInk = (x: number) => sum(x, t.y0, x + 1, t.y1);
    while (t.y0 < t.y1 && rowInk(t.y0) <= 0) t.y0++;
    while (t.y1 > t.y0 && rowInk(t.y1 - 1) <= 0) t.y1--;
    while (t.x0 < t.x1 && colInk(t.x0) <= 0) t.x0++;
    while (t.x1 > t.x0 && colInk(t.x1 - 1) <= 0) t.x1--;
    return t.x1 > t.x0 && t.y1 > t.y0 ? t : null;
  };

  /** The pieces of `b` between its gutters along one axis (b itself when it has none). */
  const split = (b: Box, horizontal: boolean): Box[] => {
    const [from, to] = horizontal ? [b.y0, b.y1] : [b.x0, b.x1];
    const across = horizontal ? b.x1 - b.x0 : b.y1 - b.y0;
    const isGutter = (i: number) => (horizontal ? sum(b.x0, i, b.x1, i + 1) : sum(i, b.y0, i + 1, b.y1)) <= across * GUTTER_INK;
    const pieces: Box[] = [];
    let start = from;
    let i = from;
    while (i < to) {
      if (!isGutter(i)) {
        i++;
        continue;
      }
      let j = i;
      while (j < to && isGutter(j)) j++;
      // A gutter is inside the box (not its edge) and thick enough; thin runs are lines of the drawing.
      if (i > from && j < to && j - i >= minGutter) {
        pieces.push(horizontal ? { ...b, y0: start, y1: i } : { ...b, x0: start, x1: i });
        start = j;
      }
      i = j;
    }
    if (pieces.length === 0) return [b];
    pieces.push(horizontal ? { ...b, y0: start, y1: to } : { ...b, x0: start, x1: to });
    return pieces;
  };

  const leaves: Box[] = [];
  const cut = (b: Box, depth: number) => {
    const t = trim(b);
    if (!t) return;
    for (const horizontal of [true, false]) {
      const pieces = split(t, horizontal);
      if (pieces.length > 1 && depth < MAX_DEPTH) {
        for (const p of pieces) cut(p, depth + 1);
        return;
      }
    }
    leaves.push(t);
  };
  const page = trim({ x0: 0, y0: 0, x1: w, y1: h });
  if (!page) return { panels: [], unsure: true };
  cut(page, 0);

  const big = leaves.filter((b) => (b.x1 - b.x0) * (b.y1 - b.y0) >= MIN_PANEL_AREA * w * h && b.x1 - b.x0 >= MIN_PANEL_SIDE * w && b.y1 - b.y0 >= MIN_PANEL_SIDE * h);
  const covered = big.reduce((a, b) => a + (b.x1 - b.x0) * (b.y1 - b.y0), 0);
  const drawn = (page.x1 - page.x0) * (page.y1 - page.y0);
  if (big.length < 2 || covered < MIN_COVERAGE * drawn) return { panels: [], unsure: true };
  const f = (v: number, of: number) => Math.round((v / of) * 10_000) / 10_000;
  return {
    panels: big.map((b) => ({ x: f(b.x0, w), y: f(b.y0, h), w: f(b.x1 - b.x0, w), h: f(b.y1 - b.y0, h) })),
    unsure: false,
  };
}

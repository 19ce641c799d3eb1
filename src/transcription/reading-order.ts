/**
 * Reading order of text regions on a comic page: the page is cut into panels along light gutters
 * (recursive XY-cut: horizontal gutters make panel rows, vertical gutters split a row), panels are
 * read row by row top to bottom, left to right ('ltr') or right to left ('rtl'); regions inside a
 * panel are read top to bottom, and side by side ones (overlapping vertically) in the direction.
 */
import type { Box, Gray } from './regions.js';

export type Direction = 'ltr' | 'rtl';

/** A rectangle of the page (panel), in raster pixels. */
interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const MIN_GUTTER = 4;
const MIN_PANEL = 40;

/** Runs of "gutter" lines (rows or columns at least `minLight` light) inside a rect, as [start, end). */
function gutters(img: Gray, r: Rect, horizontal: boolean, light: number, minLight: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const a0 = horizontal ? r.y0 : r.x0;
  const a1 = horizontal ? r.y1 : r.x1;
  const b0 = horizontal ? r.x0 : r.y0;
  const b1 = horizontal ? r.x1 : r.y1;
  let start = -1;
  for (let a = a0; a < a1; a++) {
    let n = 0;
    for (let b = b0; b < b1; b++) {
      const v = horizontal ? img.data[a * img.width + b]! : img.data[b * img.width + a]!;
      if (v >= light) n++;
    }
    const isGutter = n >= (b1 - b0) * minLight;
    if (isGutter && start < 0) start = a;
    if (!isGutter && start >= 0) {
      out.push([start, a]);
      start = -1;
    }
  }
  if (start >= 0) out.push([start, a1]);
  return out;
}

/** Splits a rect at gutters into pieces along one axis; the margins (gutters at the edges) are trimmed. */
function split(img: Gray, r: Rect, horizontal: boolean): Rect[] {
  const g = gutters(img, r, horizontal, 225, 0.985).filter(([s, e]) => e - s >= MIN_GUTTER);
  const a0 = horizontal ? r.y0 : r.x0;
  const a1 = horizontal ? r.y1 : r.x1;
  const pieces: Array<[number, number]> = [];
  let cur = a0;
  for (const [s, e] of g) {
    if (s > cur) pieces.push([cur, s]);
    cur = e;
  }
  if (cur < a1) pieces.push([cur, a1]);
  const big = pieces.filter(([s, e]) => e - s >= MIN_PANEL);
  if (big.length <= 1) return [r];
  return big.map(([s, e]) => (horizontal ? { x0: r.x0, x1: r.x1, y0: s, y1: e } : { x0: s, x1: e, y0: r.y0, y1: r.y1 }));
}

/** Panels of a page raster in reading order for the direction. */
export function panels(img: Gray, direction: Direction, depth = 0, r: Rect = { x0: 0, y0: 0, x1: img.width, y1: img.height }): Rect[] {
  if (depth > 4) return [r];
  const rows = split(img, r, true);
  if (rows.length > 1) return rows.flatMap((row) => panels(img, direction, depth + 1, row));
  const cols = split(img, r, false);
  if (cols.length > 1) {
    const ordered = direction === 'rtl' ? [...cols].reverse() : cols;
    return ordered.flatMap((col) => panels(img, direction, depth + 1, col));
  }
  return [r];
}

/**
 * Sorts boxes in reading order: by panel (given in reading order; a box belongs to the panel holding
 * its centre, boxes outside any panel go with the nearest one), then inside a panel top to bottom,
 * boxes whose vertical spans overlap by half being read in the direction.
 */
export function orderBoxes<T extends { box: Box }>(items: T[], panelRects: Rect[], direction: Direction): T[] {
  const panelOf = (b: Box): number => {
    const cx = b.x + b.width / 2;
    const cy = b.y + b.height / 2;
    let best = 0;
    let bestD = Number.POSITIVE_INFINITY;
    panelRects.forEach((p, i) => {
      const dx = cx < p.x0 ? p.x0 - cx : cx > p.x1 ? cx - p.x1 : 0;
      const dy = cy < p.y0 ? p.y0 - cy : cy > p.y1 ? cy - p.y1 : 0;
      const d = dx * dx + dy * dy;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    });
    return best;
  };
  const groups = new Map<number, T[]>();
  for (const it of items) {
    const p = panelRects.length ? panelOf(it.box) : 0;
    const list = groups.get(p) ?? [];
    list.push(it);
    groups.set(p, list);
  }
  const out: T[] = [];
  for (const p of [...groups.keys()].sort((a, b) => a - b)) out.push(...orderInPanel(groups.get(p)!, direction));
  return out;
}

/** Top to bottom; items side by side (vertical overlap of half the smaller height) in the direction. */
export function orderInPanel<T extends { box: Box }>(items: T[], direction: Direction): T[] {
  const sorted = [...items].sort((a, b) => a.box.y - b.box.y);
  const bands: T[][] = [];
  for (const it of sorted) {
    const band = bands[bands.length - 1];
    if (band) {
      const top = Math.min(...band.map((b) => b.box.y));
      const bottom = Math.max(...band.map((b) => b.box.y + b.box.height));
      const overlap = Math.min(bottom, it.box.y + it.box.height) - Math.max(top, it.box.y);
      const minH = Math.min(it.box.height, ...band.map((b) => b.box.height));
      if (overlap >= minH * 0.5) {
        band.push(it);
        continue;
      }
    }
    bands.push([it]);
  }
  return bands.flatMap((band) => band.sort((a, b) => (direction === 'rtl' ? b.box.x + b.box.width - (a.box.x + a.box.width) : a.box.x - b.box.x)));
}

/**
 * Reading order of a page's panels (pure). Comics are laid out as rows of panels, and a row may itself be
 * columns of stacked panels: the order is found the way the page was drawn, by cutting the set of panels along
 * a line no panel crosses — across first (rows, top to bottom), else down (columns, in the series' direction) —
 * and ordering each part the same way. A vertical strip (a webtoon) is one column: top to bottom.
 */

import type { Direction, Panel } from '../contract/api.js';

export type { Direction, Panel };

/** How far (share of the page) two panels may overlap across a cut: hand-drawn frames are not ruler-straight. */
const SLACK = 0.02;

/** Parts of `panels` separated by lines no panel crosses along one axis, in increasing coordinate. */
function partition(panels: Panel[], across: boolean): Panel[][] {
  const start = (p: Panel) => (across ? p.y : p.x);
  const end = (p: Panel) => (across ? p.y + p.h : p.x + p.w);
  const sorted = [...panels].sort((a, b) => start(a) - start(b) || end(a) - end(b));
  const parts: Panel[][] = [];
  let current: Panel[] = [];
  let reach = Number.NEGATIVE_INFINITY;
  for (const p of sorted) {
    if (current.length > 0 && start(p) >= reach - SLACK) {
      parts.push(current);
      current = [];
      reach = Number.NEGATIVE_INFINITY;
    }
    current.push(p);
    reach = Math.max(reach, end(p));
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

/** The panels in reading order. */
export function orderPanels(panels: Panel[], direction: Direction): Panel[] {
  if (panels.length <= 1) return [...panels];
  const rows = partition(panels, true);
  if (rows.length > 1) return rows.flatMap((row) => orderPanels(row, direction));
  const columns = partition(panels, false);
  if (columns.length > 1) {
    const inDirection = direction === 'rtl' ? columns.reverse() : columns;
    return inDirection.flatMap((column) => orderPanels(column, direction));
  }
  // Overlapping panels no line separates (insets, diagonal layouts): by where their centres fall, row by row.
  const centre = (p: Panel) => ({ x: p.x + p.w / 2, y: p.y + p.h / 2 });
  return [...panels].sort((a, b) => {
    const ca = centre(a);
    const cb = centre(b);
    const sameRow = Math.abs(ca.y - cb.y) < Math.min(a.h, b.h) / 2;
    if (!sameRow) return ca.y - cb.y;
    return direction === 'rtl' ? cb.x - ca.x : ca.x - cb.x;
  });
}

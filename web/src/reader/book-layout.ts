/**
 * Where each page of an episode sits in page-flip's page array, and which
 * pages a spread shows. page-flip only knows left-to-right books: a
 * right-to-left (manga) episode is handed to it reversed, so "forward" is
 * page-flip's "back" and the first page ends up last. The spread rules below
 * mirror page-flip 2.0.7's createSpread() exactly; the flipbook maps its
 * 'flip' events through them.
 */
export type Direction = 'ltr' | 'rtl';
export type ViewMode = 'single' | 'spread';

/** An array slot that holds no page (pads a right-to-left spread). */
export const FILLER = -1;

export interface BookLayout {
  count: number;
  direction: Direction;
  mode: ViewMode;
  /** page-flip array index → reading index (or FILLER). */
  order: number[];
  /** page-flip's showCover: the first array page alone on the right. */
  showCover: boolean;
  /** Spreads in array indices, in page-flip's order. */
  spreads: number[][];
}

export function bookLayout(count: number, direction: Direction, mode: ViewMode): BookLayout {
  const reading = Array.from({ length: count }, (_, i) => i);
  let order: number[];
  let showCover: boolean;
  if (direction === 'ltr') {
    order = reading;
    // Page 0 (the cover or title strip) alone on the right, then pairs: 1|2, 3|4, …
    showCover = mode === 'spread';
  } else {
    order = reading.reverse();
    showCover = false;
    // Pairs are built from the array start; the first reading page must end up alone
    // on the left, which needs an odd array length.
    if (mode === 'spread' && count % 2 === 0) order = [FILLER, ...order];
  }
  const spreads: number[][] = [];
  if (mode === 'single') {
    for (let i = 0; i < order.length; i++) spreads.push([i]);
  } else {
    let start = 0;
    if (showCover) {
      spreads.push([0]);
      start = 1;
    }
    for (let i = start; i < order.length; i += 2) spreads.push(i < order.length - 1 ? [i, i + 1] : [i]);
  }
  return { count, direction, mode, order, showCover, spreads };
}

export function spreadIndexOfArray(layout: BookLayout, arrayIndex: number): number {
  return Math.max(
    0,
    layout.spreads.findIndex((s) => s.includes(arrayIndex)),
  );
}

export function arrayIndexOf(layout: BookLayout, readingIndex: number): number {
  return Math.max(0, layout.order.indexOf(readingIndex));
}

/** Reading indices shown by the spread at this spread index, ascending. */
export function spreadPages(layout: BookLayout, spreadIndex: number): number[] {
  return (layout.spreads[spreadIndex] ?? [])
    .map((a) => layout.order[a]!)
    .filter((r) => r !== FILLER)
    .sort((a, b) => a - b);
}

/** The spread index that shows this reading index. */
export function spreadIndexOfPage(layout: BookLayout, readingIndex: number): number {
  return spreadIndexOfArray(layout, arrayIndexOf(layout, readingIndex));
}

/** The spread one step forward (+1) or back (-1) in reading order, or null at either end. */
export function stepSpread(layout: BookLayout, spreadIndex: number, step: 1 | -1): number | null {
  // Right-to-left books are reversed in the array: reading forward walks the spreads backward.
  const next = spreadIndex + (layout.direction === 'ltr' ? step : -step);
  return next >= 0 && next < layout.spreads.length ? next : null;
}

/** The furthest page of what is displayed: what progress records (docs/architecture.md#the-spoiler-policy). */
export function furthestPage(pages: readonly number[]): number {
  return pages.reduce((a, b) => Math.max(a, b), -1);
}

/**
 * The page to open for a requested page number: itself, else the last page before it, else the first
 * (so `/0` opens an episode at its start and a huge number at its end, whatever its numbering).
 */
export function resolvePageIndex(numbers: readonly number[], requested: number): number {
  let best = -1;
  numbers.forEach((n, i) => {
    if (n <= requested) best = i;
  });
  return Math.max(0, best);
}

/**
 * Zoom in the vertical reader as plain maths. The column of pages is zoomed
 * by its layout width (a CSS variable), not by a transform: the scroller then
 * pans it natively in both directions, with the browser's own momentum, and
 * a page's `<img>` is really that wide (so the full-size image is chosen by
 * its drawn width, as everywhere else). A zoom keeps the content point under
 * the fingers (or the pointer, or the middle of the view) where it was, by
 * scrolling: a fraction of the column's width and of the content's height.
 * use-column-zoom.ts wires gestures to these.
 */
import type { Point, View } from './zoom';

/** The column as laid out now (scroller CSS pixels). */
export interface ColumnLayout {
  scrollLeft: number;
  scrollTop: number;
  /** The column's left edge in the scrolled content (its auto margin while narrower than the view). */
  columnLeft: number;
  columnWidth: number;
  /** The scrolled content's size. */
  contentWidth: number;
  contentHeight: number;
}

/** A content point as fractions of the column's width and the content's height. */
export interface Anchor {
  u: number;
  v: number;
}

export function anchorAt(at: Point, l: ColumnLayout): Anchor {
  return {
    u: l.columnWidth > 0 ? (l.scrollLeft + at.x - l.columnLeft) / l.columnWidth : 0.5,
    v: l.contentHeight > 0 ? (l.scrollTop + at.y) / l.contentHeight : 0,
  };
}

const clamp = (n: number, max: number) => Math.min(Math.max(0, n), Math.max(0, max));

/** The scroll offsets that put `anchor` under `at` in the column as laid out now (within the scroll range). */
export function scrollToAnchor(anchor: Anchor, at: Point, l: ColumnLayout, view: View): { left: number; top: number } {
  return {
    left: clamp(l.columnLeft + anchor.u * l.columnWidth - at.x, l.contentWidth - view.width),
    top: clamp(anchor.v * l.contentHeight - at.y, l.contentHeight - view.height),
  };
}

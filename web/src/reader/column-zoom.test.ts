import { describe, expect, it } from 'vitest';
import { anchorAt, type ColumnLayout, scrollToAnchor } from './column-zoom';
import { verticalSwipeAction } from './input';

// A 390 × 700 phone scroller; at fit the column fills its width and is 6000 px tall.
const view = { width: 390, height: 700 };
const fit: ColumnLayout = { scrollLeft: 0, scrollTop: 1200, columnLeft: 0, columnWidth: 390, contentWidth: 390, contentHeight: 6000 };
/** The same column laid out `z` times wider (and so taller), scrolled as `scroll`. */
const zoomed = (z: number, scroll = { left: 0, top: 0 }): ColumnLayout => ({
  scrollLeft: scroll.left,
  scrollTop: scroll.top,
  columnLeft: 0,
  columnWidth: 390 * z,
  contentWidth: 390 * z,
  contentHeight: 6000 * z,
});

describe('column zoom', () => {
  it('keeps the content point under the fingers where it was', () => {
    const at = { x: 300, y: 400 };
    const a = anchorAt(at, fit);
    expect(a).toEqual({ u: 300 / 390, v: 1600 / 6000 });
    const to = scrollToAnchor(a, at, zoomed(3), view);
    // Three times as far across the column and down the content, less where the fingers are.
    expect(to.left).toBeCloseTo(900 - 300, 6);
    expect(to.top).toBeCloseTo(4800 - 400, 6);
    // Read back at that scroll, the same point is under the fingers.
    const back = anchorAt(at, zoomed(3, to));
    expect(back.u).toBeCloseTo(a.u, 9);
    expect(back.v).toBeCloseTo(a.v, 9);
  });

  it('stays within the scroll range at the edges, and never scrolls sideways at fit', () => {
    const corner = anchorAt({ x: 5, y: 5 }, { ...fit, scrollTop: 0 });
    expect(scrollToAnchor(corner, { x: 380, y: 690 }, zoomed(2), view)).toEqual({ left: 0, top: 0 });
    const end = anchorAt({ x: 385, y: 695 }, { ...fit, scrollTop: 5300 });
    const to = scrollToAnchor(end, { x: 5, y: 5 }, zoomed(2), view);
    expect(to).toEqual({ left: 780 - 390, top: 12000 - 700 });
    expect(scrollToAnchor(anchorAt({ x: 300, y: 400 }, zoomed(3, { left: 500, top: 100 })), { x: 300, y: 400 }, fit, view).left).toBe(0);
  });

  it('on a desktop the column is centred by its margins: the anchor counts from its edge', () => {
    const wide: ColumnLayout = { scrollLeft: 0, scrollTop: 0, columnLeft: 320, columnWidth: 800, contentWidth: 1440, contentHeight: 9000 };
    const a = anchorAt({ x: 720, y: 300 }, wide);
    expect(a.u).toBeCloseTo(0.5, 9);
    // At 2× the column (1600) is wider than the 1440 view: no margin left, its middle under the pointer.
    const to = scrollToAnchor(
      a,
      { x: 720, y: 300 },
      { scrollLeft: 0, scrollTop: 0, columnLeft: 0, columnWidth: 1600, contentWidth: 1600, contentHeight: 18000 },
      { width: 1440, height: 900 },
    );
    expect(to.left).toBeCloseTo(80, 6);
  });
});

describe('vertical swipes (guided view of a vertical series)', () => {
  it('up moves on, down goes back; short or mostly sideways drags are not swipes', () => {
    expect(verticalSwipeAction(0, -120)).toBe('next');
    expect(verticalSwipeAction(10, 80)).toBe('prev');
    expect(verticalSwipeAction(0, -20)).toBeNull();
    expect(verticalSwipeAction(100, -90)).toBeNull();
  });
});

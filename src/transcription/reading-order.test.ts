import { describe, expect, it } from 'vitest';
import { orderBoxes, orderInPanel, panels } from './reading-order.js';
import type { Gray } from './regions.js';

/** A white page with grey panels: two side by side on top, one wide below. */
function page(): Gray {
  const width = 400;
  const height = 400;
  const data = new Uint8Array(width * height).fill(255);
  const fill = (x0: number, y0: number, x1: number, y1: number) => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * width + x] = 90;
  };
  fill(10, 10, 190, 190);
  fill(210, 10, 390, 190);
  fill(10, 210, 390, 390);
  return { data, width, height };
}

const item = (id: string, x: number, y: number) => ({ id, box: { x, y, width: 40, height: 20 } });

describe('reading order', () => {
  it('finds panels row by row, in the direction', () => {
    const ltr = panels(page(), 'ltr');
    const rtl = panels(page(), 'rtl');
    expect(ltr).toHaveLength(3);
    expect(ltr[0]!.x0).toBeLessThan(ltr[1]!.x0);
    expect(rtl[0]!.x0).toBeGreaterThan(rtl[1]!.x0);
    expect(ltr[2]!.y0).toBeGreaterThan(ltr[0]!.y1 - 1);
  });

  it('orders regions by panel, then top to bottom, side by side in the direction', () => {
    const items = [item('bottom', 50, 300), item('right', 250, 50), item('left-low', 50, 120), item('left-top', 50, 30)];
    expect(orderBoxes(items, panels(page(), 'ltr'), 'ltr').map((i) => i.id)).toEqual(['left-top', 'left-low', 'right', 'bottom']);
    expect(orderBoxes(items, panels(page(), 'rtl'), 'rtl').map((i) => i.id)).toEqual(['right', 'left-top', 'left-low', 'bottom']);
  });

  it('reads boxes on one band in the direction inside a panel', () => {
    const items = [item('a', 10, 10), item('b', 100, 14), item('c', 50, 80)];
    expect(orderInPanel(items, 'ltr').map((i) => i.id)).toEqual(['a', 'b', 'c']);
    expect(orderInPanel(items, 'rtl').map((i) => i.id)).toEqual(['b', 'a', 'c']);
  });
});

import { describe, expect, it } from 'vitest';
import { orderPanels, type Panel } from './order.js';

const p = (x: number, y: number, w: number, h: number): Panel => ({ x, y, w, h });

describe('orderPanels', () => {
  it('reads rows top to bottom, and each row in the series direction', () => {
    const a = p(0.05, 0.05, 0.4, 0.4);
    const b = p(0.55, 0.05, 0.4, 0.4);
    const c = p(0.05, 0.55, 0.9, 0.4);
    expect(orderPanels([c, b, a], 'ltr')).toEqual([a, b, c]);
    expect(orderPanels([c, a, b], 'rtl')).toEqual([b, a, c]);
  });

  it('reads a column of stacked panels before the next column (right first, right to left)', () => {
    const tallLeft = p(0.05, 0.05, 0.4, 0.9);
    const topRight = p(0.55, 0.05, 0.4, 0.4);
    const bottomRight = p(0.55, 0.55, 0.4, 0.4);
    expect(orderPanels([bottomRight, topRight, tallLeft], 'ltr')).toEqual([tallLeft, topRight, bottomRight]);
    expect(orderPanels([tallLeft, bottomRight, topRight], 'rtl')).toEqual([topRight, bottomRight, tallLeft]);
  });

  it('reads a vertical strip top to bottom whatever the direction', () => {
    const strip = [p(0, 0.6, 1, 0.3), p(0, 0, 1, 0.25), p(0, 0.3, 1, 0.25)];
    const down = [strip[1], strip[2], strip[0]];
    expect(orderPanels(strip, 'ltr')).toEqual(down);
    expect(orderPanels(strip, 'rtl')).toEqual(down);
  });

  it('tolerates frames that overlap a little across a gutter (hand-drawn, not ruler-straight)', () => {
    const a = p(0.05, 0.05, 0.4, 0.41);
    const b = p(0.55, 0.05, 0.4, 0.4);
    const c = p(0.05, 0.45, 0.9, 0.5);
    expect(orderPanels([c, b, a], 'ltr')).toEqual([a, b, c]);
  });

  it('orders panels no line separates (an inset) by their centres, row by row', () => {
    const big = p(0.05, 0.05, 0.9, 0.9);
    const inset = p(0.6, 0.1, 0.3, 0.2);
    expect(orderPanels([inset, big], 'ltr')).toEqual([inset, big]);
    expect(orderPanels([], 'ltr')).toEqual([]);
    expect(orderPanels([big], 'rtl')).toEqual([big]);
  });
});

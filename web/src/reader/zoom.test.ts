import { describe, expect, it } from 'vitest';
import {
  bookPoint,
  clampPan,
  clampScale,
  DOUBLE_TAP_SCALE,
  doubleTap,
  FIT,
  isDoubleTap,
  isZoomed,
  KEY_STEP,
  keyZoom,
  MAX_SCALE,
  panBy,
  pinchMove,
  pinchStart,
  settle,
  toTransform,
  wantsFullImage,
  wheelFactor,
  wheelScale,
  zoomAt,
  zoomKey,
} from './zoom';

// A phone stage 390 × 700 with a 366 × 517 page centred in it.
const view = { width: 390, height: 700 };
const box = { x: 12, y: 91.5, width: 366, height: 517 };

/** Where the book's edges are on the stage. */
const edges = (z: { scale: number; x: number; y: number }) => ({
  left: box.x + z.x,
  top: box.y + z.y,
  right: box.x + z.x + z.scale * box.width,
  bottom: box.y + z.y + z.scale * box.height,
});

describe('zoom maths', () => {
  it('scale stays between fit and the maximum', () => {
    expect(clampScale(0.3)).toBe(1);
    expect(clampScale(2)).toBe(2);
    expect(clampScale(50)).toBe(MAX_SCALE);
    expect(clampScale(Number.NaN)).toBe(1);
  });

  it('zooming about a point keeps that point of the page under it', () => {
    const at = { x: 100, y: 200 };
    const before = bookPoint(FIT, at, box);
    const z = zoomAt(FIT, 2, at, box, view);
    expect(z.scale).toBe(2);
    const after = bookPoint(z, at, box);
    expect(after.x).toBeCloseTo(before.x);
    expect(after.y).toBeCloseTo(before.y);
  });

  it('a zoomed page never leaves a gap at the stage edges', () => {
    const z = zoomAt(FIT, 3, { x: 195, y: 350 }, box, view);
    // Pan far to the right and down: the page's left/top edge stops at the stage's.
    const e1 = edges(panBy(z, 5000, 5000, box, view));
    expect(e1.left).toBeCloseTo(0);
    expect(e1.top).toBeCloseTo(0);
    // And the other way: its right/bottom edge stops at the stage's.
    const e2 = edges(panBy(z, -5000, -5000, box, view));
    expect(e2.right).toBeCloseTo(view.width);
    expect(e2.bottom).toBeCloseTo(view.height);
  });

  it('a zoomed page smaller than the stage on one axis stays wholly inside it on that axis', () => {
    // A landscape strip: 366 × 110; at 2× it is 220 high, less than the stage's 700.
    const strip = { x: 12, y: 295, width: 366, height: 110 };
    const z = panBy(zoomAt(FIT, 2, { x: 195, y: 350 }, strip, view), 0, 5000, strip, view);
    expect(strip.y + z.y + z.scale * strip.height).toBeCloseTo(view.height);
    expect(panBy(z, 0, -5000, strip, view).y + strip.y).toBeCloseTo(0);
  });

  it('at fit there is no pan and no transform', () => {
    expect(clampPan({ scale: 1, x: 40, y: -30 }, box, view)).toEqual(FIT);
    expect(toTransform(FIT)).toBe('');
    expect(toTransform({ scale: 2, x: -10, y: 5 })).toBe('translate(-10px, 5px) scale(2)');
  });

  it('double tap zooms in on the tapped point, and a second one goes back to fit', () => {
    const at = { x: 80, y: 150 };
    const z = doubleTap(FIT, at, box, view);
    expect(z.scale).toBe(DOUBLE_TAP_SCALE);
    expect(bookPoint(z, at, box).x).toBeCloseTo(bookPoint(FIT, at, box).x);
    expect(doubleTap(z, { x: 300, y: 600 }, box, view)).toEqual(FIT);
  });

  it('a double tap is two taps close in time and place', () => {
    const first = { time: 1000, x: 100, y: 100 };
    expect(isDoubleTap(null, first)).toBe(false);
    expect(isDoubleTap(first, { time: 1200, x: 110, y: 95 })).toBe(true);
    expect(isDoubleTap(first, { time: 1400, x: 100, y: 100 })).toBe(false);
    expect(isDoubleTap(first, { time: 1100, x: 200, y: 100 })).toBe(false);
  });

  it('a pinch scales with the fingers’ distance and keeps the point between them', () => {
    const a = { x: 150, y: 300 };
    const b = { x: 250, y: 300 };
    const start = pinchStart(FIT, a, b, box);
    // Fingers twice as far apart, about the same midpoint.
    const z = pinchMove(start, { x: 100, y: 300 }, { x: 300, y: 300 }, box, view);
    expect(z.scale).toBeCloseTo(2);
    const mid = bookPoint(z, { x: 200, y: 300 }, box);
    expect(mid.x).toBeCloseTo(start.anchor.x);
    expect(mid.y).toBeCloseTo(start.anchor.y);
    // Both fingers moving right by 30 px with the same spread: the page follows them.
    const moved = pinchMove(start, { x: 130, y: 300 }, { x: 330, y: 300 }, box, view);
    expect(moved.x - z.x).toBeCloseTo(30);
    // Pinching in below fit is fit; nearly fit settles to fit.
    expect(pinchMove(start, { x: 190, y: 300 }, { x: 210, y: 300 }, box, view)).toEqual(FIT);
    expect(settle({ scale: 1.03, x: -3, y: -4 })).toEqual(FIT);
    expect(settle(z)).toBe(z);
  });

  it('keys: + and = zoom in, - zooms out, 0 fits; out past fit is fit', () => {
    expect(zoomKey('+')).toBe('in');
    expect(zoomKey('=')).toBe('in');
    expect(zoomKey('-')).toBe('out');
    expect(zoomKey('0')).toBe('fit');
    expect(zoomKey('ArrowRight')).toBeNull();
    const z = keyZoom(FIT, 'in', box, view);
    expect(z.scale).toBeCloseTo(KEY_STEP);
    expect(keyZoom(keyZoom(z, 'in', box, view), 'out', box, view).scale).toBeCloseTo(KEY_STEP);
    expect(keyZoom(z, 'out', box, view)).toEqual(FIT);
    expect(keyZoom(z, 'fit', box, view)).toEqual(FIT);
    expect(isZoomed(keyZoom(FIT, 'out', box, view))).toBe(false);
  });

  it('ctrl+wheel: scrolling up zooms in, down zooms out, lines and pixels alike', () => {
    expect(wheelFactor(-100, 0)).toBeGreaterThan(1.5);
    expect(wheelFactor(100, 0)).toBeLessThan(0.7);
    expect(wheelFactor(-3, 1)).toBeCloseTo(wheelFactor(-99, 0));
    // A trackpad pinch sends small deltas: small steps.
    expect(wheelFactor(-4, 0)).toBeLessThan(1.05);
  });

  it('the full-size image is wanted once the display image would be upscaled on screen', () => {
    const phone = { renderedWidth: 366, devicePixelRatio: 3, displayWidth: 1600, fullWidth: 3200 };
    expect(wantsFullImage({ ...phone, scale: 1 })).toBe(false); // 1098 device px of 1600
    expect(wantsFullImage({ ...phone, scale: 1.5 })).toBe(false); // 1647: within the slack
    expect(wantsFullImage({ ...phone, scale: 2 })).toBe(true); // 2196
    // No larger image (the display variant is the original): nothing to load.
    expect(wantsFullImage({ ...phone, scale: 4, fullWidth: null })).toBe(false);
    expect(wantsFullImage({ ...phone, scale: 4, fullWidth: 1600 })).toBe(false);
  });
});

describe('wheelScale', () => {
  it('steps in from fit in small trackpad steps without snapping back; zooming out ends at fit', () => {
    let s = 1;
    for (let i = 0; i < 5; i++) s = wheelScale(s, -4, 0);
    expect(s).toBeGreaterThan(1.09);
    expect(wheelScale(1.04, 10, 0)).toBe(1);
    expect(wheelScale(2, 100, 0)).toBeCloseTo(2 / 1.6487, 3);
    expect(wheelScale(4.9, -200, 0)).toBe(MAX_SCALE);
  });
});

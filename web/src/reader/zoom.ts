/**
 * Zoom and pan of the page (or spread) on display, as plain maths: a scale
 * and a translation applied to the book with `transform-origin: 0 0`. A point
 * `p` of the book (its own CSS pixels at scale 1) shows at
 * `box.x + x + scale * p` in the stage. use-zoom.ts wires gestures to these.
 */

/** Where the book sits in the stage at scale 1 (stage CSS pixels). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The visible area (the stage). */
export interface View {
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface Zoom {
  scale: number;
  x: number;
  y: number;
}

export const FIT: Zoom = { scale: 1, x: 0, y: 0 };
export const MAX_SCALE = 5;
export const DOUBLE_TAP_SCALE = 2.5;
/** One `+`/`-` press. */
export const KEY_STEP = 1.5;
/** Below this a pinch that ends snaps back to fit (a near-1 scale would block page turns for nothing). */
export const SNAP_TO_FIT = 1.05;
export const DOUBLE_TAP_MS = 300;
/** How far apart (CSS px) two taps may land and still be a double tap. */
export const DOUBLE_TAP_SLOP_PX = 30;
/** How far a finger may move and still tap. */
export const TAP_SLOP_PX = 10;

export const clampScale = (scale: number, max = MAX_SCALE): number => Math.min(max, Math.max(1, Number.isFinite(scale) ? scale : 1));

export const isZoomed = (z: Zoom): boolean => z.scale > 1.001;

/** One axis: a book larger than the view may not leave a gap at either edge; a smaller one stays wholly inside. */
function clampAxis(t: number, offset: number, size: number, view: number, scale: number): number {
  const a = view - scale * size - offset;
  const b = -offset;
  return Math.min(Math.max(a, b), Math.max(Math.min(a, b), t));
}

export function clampPan(z: Zoom, box: Box, view: View): Zoom {
  if (!isZoomed(z)) return FIT;
  return {
    scale: z.scale,
    x: clampAxis(z.x, box.x, box.width, view.width, z.scale),
    y: clampAxis(z.y, box.y, box.height, view.height, z.scale),
  };
}

/** The book point under a stage point. */
export const bookPoint = (z: Zoom, at: Point, box: Box): Point => ({ x: (at.x - box.x - z.x) / z.scale, y: (at.y - box.y - z.y) / z.scale });

/** Scale to `scale` keeping the book point under `at` where it is (then within bounds). */
export function zoomAt(z: Zoom, scale: number, at: Point, box: Box, view: View): Zoom {
  const s = clampScale(scale);
  const p = bookPoint(z, at, box);
  return clampPan({ scale: s, x: at.x - box.x - s * p.x, y: at.y - box.y - s * p.y }, box, view);
}

export const panBy = (z: Zoom, dx: number, dy: number, box: Box, view: View): Zoom => clampPan({ scale: z.scale, x: z.x + dx, y: z.y + dy }, box, view);

/** A double tap zooms in on the tapped point, or back to fit when zoomed. */
export const doubleTap = (z: Zoom, at: Point, box: Box, view: View): Zoom => (isZoomed(z) ? FIT : zoomAt(z, DOUBLE_TAP_SCALE, at, box, view));

export interface PinchStart {
  zoom: Zoom;
  /** The book point under the fingers' midpoint when the pinch began. */
  anchor: Point;
  distance: number;
}

export const midpoint = (a: Point, b: Point): Point => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
export const distance = (a: Point, b: Point): number => Math.hypot(a.x - b.x, a.y - b.y);

export function pinchStart(z: Zoom, a: Point, b: Point, box: Box): PinchStart {
  return { zoom: z, anchor: bookPoint(z, midpoint(a, b), box), distance: Math.max(1, distance(a, b)) };
}

/**
 * Two fingers now at `a` and `b`: the scale follows their distance, and the book
 * point that was between them stays between them (so the pinch also pans).
 */
export function pinchMove(start: PinchStart, a: Point, b: Point, box: Box, view: View): Zoom {
  const s = clampScale((start.zoom.scale * distance(a, b)) / start.distance);
  const m = midpoint(a, b);
  return clampPan({ scale: s, x: m.x - box.x - s * start.anchor.x, y: m.y - box.y - s * start.anchor.y }, box, view);
}

/** When a pinch ends: nearly fit is fit. */
export const settle = (z: Zoom): Zoom => (z.scale < SNAP_TO_FIT ? FIT : z);

export interface Tap {
  time: number;
  x: number;
  y: number;
}

export const isDoubleTap = (prev: Tap | null, next: Tap): boolean =>
  prev !== null && next.time - prev.time <= DOUBLE_TAP_MS && Math.hypot(next.x - prev.x, next.y - prev.y) <= DOUBLE_TAP_SLOP_PX;

/** Scale factor for one ctrl+wheel event (a mouse notch is ~100 px: ×1.65; a trackpad pinch sends many small deltas). */
export function wheelFactor(deltaY: number, deltaMode: number): number {
  const px = deltaMode === 1 ? deltaY * 33 : deltaMode === 2 ? deltaY * 800 : deltaY;
  return Math.exp(-Math.max(-200, Math.min(200, px)) * 0.005);
}

/** The scale after one ctrl+wheel event: zooming out ends at fit, but a trackpad's small steps in (×1.02) never snap back to it. */
export function wheelScale(scale: number, deltaY: number, deltaMode: number): number {
  const factor = wheelFactor(deltaY, deltaMode);
  const next = clampScale(scale * factor);
  return factor < 1 && next < SNAP_TO_FIT ? 1 : next;
}

export type ZoomKey = 'in' | 'out' | 'fit';

/** `+` (or `=`, the same key unshifted), `-` and `0`. */
export function zoomKey(key: string): ZoomKey | null {
  if (key === '+' || key === '=') return 'in';
  if (key === '-' || key === '_') return 'out';
  if (key === '0') return 'fit';
  return null;
}

/** The scale after a key (within 1…MAX_SCALE; `0` is fit). */
export const keyScale = (scale: number, key: ZoomKey): number => (key === 'fit' ? 1 : clampScale(key === 'in' ? scale * KEY_STEP : scale / KEY_STEP));

/** The zoom after a key, about the middle of the view; zooming out to 1 or below is fit. */
export function keyZoom(z: Zoom, key: ZoomKey, box: Box, view: View): Zoom {
  if (key === 'fit') return FIT;
  const centre = { x: view.width / 2, y: view.height / 2 };
  const next = zoomAt(z, keyScale(z.scale, key), centre, box, view);
  return isZoomed(next) ? next : FIT;
}

/**
 * Whether the display image is now too small for the screen: the image's
 * on-screen width in device pixels exceeds its own width (with a little
 * slack, since a few per cent of upscaling is invisible) and a larger one exists.
 */
export function wantsFullImage(opts: { renderedWidth: number; scale: number; devicePixelRatio: number; displayWidth: number; fullWidth: number | null }): boolean {
  if (opts.fullWidth === null || opts.fullWidth <= opts.displayWidth) return false;
  return opts.renderedWidth * opts.scale * opts.devicePixelRatio > opts.displayWidth * 1.1;
}

export const toTransform = (z: Zoom): string => (isZoomed(z) ? `translate(${z.x}px, ${z.y}px) scale(${z.scale})` : '');

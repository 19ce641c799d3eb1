/**
 * Pinch, double tap, ctrl+wheel and keys → the vertical reader's column zoom
 * (column-zoom.ts does the maths). One-finger panning is the scroller's own
 * scrolling, so only two-finger moves are taken from the browser (the
 * scroller's `touch-action: pan-x pan-y` keeps the browser from zooming the
 * whole page instead). Touch listeners are native and not passive: a pinch
 * must be able to stop the scroll its fingers would otherwise start.
 */
import { type RefObject, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { type Anchor, anchorAt, type ColumnLayout, scrollToAnchor } from './column-zoom';
import {
  clampScale,
  DOUBLE_TAP_MS,
  DOUBLE_TAP_SCALE,
  distance,
  isDoubleTap,
  keyScale,
  midpoint,
  type Point,
  SNAP_TO_FIT,
  TAP_SLOP_PX,
  type Tap,
  type View,
  wheelScale,
  type ZoomKey,
} from './zoom';

export interface ColumnZoom {
  zoomed: boolean;
  key(key: ZoomKey): void;
}

/** The longest touch that still counts as a tap. */
const TAP_MAX_MS = 300;
const ZOOMED = 1.001;

/**
 * `scrollerRef`: the scrolling element; its `--column-zoom` sizes the column
 * (styles.css). `onTap`: a single touch tap, once no second tap followed.
 * `onScale`: after a gesture ends on a new scale (not on every frame of a pinch).
 */
export function useColumnZoom(
  scrollerRef: RefObject<HTMLElement | null>,
  handlers: { onTap?: (at: Point, view: View) => void; onScale?: (scale: number) => void } = {},
): ColumnZoom {
  const scale = useRef(1);
  const [zoomed, setZoomed] = useState(false);
  const handlersRef = useRef(handlers);
  handlersRef.current = handlers;

  const layout = useCallback((el: HTMLElement): ColumnLayout => {
    const first = el.querySelector<HTMLElement>('.vertical-page');
    return {
      scrollLeft: el.scrollLeft,
      scrollTop: el.scrollTop,
      columnLeft: first?.offsetLeft ?? 0,
      columnWidth: first?.offsetWidth ?? el.clientWidth,
      contentWidth: el.scrollWidth,
      contentHeight: el.scrollHeight,
    };
  }, []);

  /** Scale the column, keeping `anchor` under `at`. */
  const setScale = useCallback(
    (el: HTMLElement, next: number, anchor: Anchor, at: Point) => {
      scale.current = next;
      el.style.setProperty('--column-zoom', String(next));
      // Reading the new layout forces it once, here, rather than on the next frame with the old scroll.
      const to = scrollToAnchor(anchor, at, layout(el), { width: el.clientWidth, height: el.clientHeight });
      el.scrollLeft = to.left;
      el.scrollTop = to.top;
      setZoomed(next > ZOOMED);
    },
    [layout],
  );

  /** A zoom that ends where it is (a key, a wheel notch, a double tap). */
  const zoomTo = useCallback(
    (next: number, at: Point) => {
      const el = scrollerRef.current;
      if (!el || next === scale.current) return;
      setScale(el, next, anchorAt(at, layout(el)), at);
      handlersRef.current.onScale?.(next);
    },
    [scrollerRef, setScale, layout],
  );

  useEffect(() => {
    const el = scrollerRef.current;
    if (!el) return;
    let pinch: { from: number; distance: number; anchor: Anchor } | null = null;
    let gesture: { start: Point; time: number; moved: boolean; multi: boolean } | null = null;
    let lastTap: Tap | null = null;
    let pendingTap: ReturnType<typeof setTimeout> | undefined;
    const local = (t: { clientX: number; clientY: number }): Point => {
      const r = el.getBoundingClientRect();
      return { x: t.clientX - r.left, y: t.clientY - r.top };
    };
    const two = (e: TouchEvent): [Point, Point] | null => {
      const a = e.touches[0];
      const b = e.touches[1];
      return a && b ? [local(a), local(b)] : null;
    };

    const start = (e: TouchEvent) => {
      const pts = two(e);
      if (pts) {
        clearTimeout(pendingTap);
        if (gesture) gesture.multi = true;
        pinch = { from: scale.current, distance: Math.max(1, distance(...pts)), anchor: anchorAt(midpoint(...pts), layout(el)) };
        return;
      }
      const t = e.touches[0];
      if (e.touches.length === 1 && t) gesture = { start: local(t), time: e.timeStamp, moved: false, multi: false };
    };
    const move = (e: TouchEvent) => {
      const pts = two(e);
      if (pinch && pts) {
        if (e.cancelable) e.preventDefault();
        // The fingers' distance sets the scale; the content point that was between them stays between them.
        setScale(el, clampScale((pinch.from * distance(...pts)) / pinch.distance), pinch.anchor, midpoint(...pts));
        return;
      }
      const t = e.touches[0];
      if (gesture && t) {
        const p = local(t);
        if (Math.hypot(p.x - gesture.start.x, p.y - gesture.start.y) > TAP_SLOP_PX) gesture.moved = true;
      }
    };
    const end = (e: TouchEvent) => {
      if (pinch && e.touches.length < 2) {
        const from = pinch.from;
        pinch = null;
        // Nearly fit is fit.
        if (scale.current < SNAP_TO_FIT && scale.current !== 1) {
          const mid = { x: el.clientWidth / 2, y: el.clientHeight / 2 };
          setScale(el, 1, anchorAt(mid, layout(el)), mid);
        }
        if (scale.current !== from) handlersRef.current.onScale?.(scale.current);
      }
      if (e.touches.length > 0) return;
      const g = e.type === 'touchcancel' ? null : gesture;
      gesture = null;
      const t = e.changedTouches[0];
      if (!g || !t || g.multi || g.moved || e.timeStamp - g.time > TAP_MAX_MS) {
        lastTap = null;
        return;
      }
      const p = local(t);
      const tap = { time: e.timeStamp, x: p.x, y: p.y };
      clearTimeout(pendingTap);
      if (isDoubleTap(lastTap, tap)) {
        lastTap = null;
        // Not also a click (a button under the finger) or the browser's own double-tap handling.
        if (e.cancelable) e.preventDefault();
        zoomTo(scale.current > ZOOMED ? 1 : DOUBLE_TAP_SCALE, p);
        return;
      }
      lastTap = tap;
      const view = { width: el.clientWidth, height: el.clientHeight };
      pendingTap = setTimeout(() => handlersRef.current.onTap?.(p, view), DOUBLE_TAP_MS);
    };
    const wheel = (e: WheelEvent) => {
      // ctrl+wheel (and a trackpad pinch, which Chromium sends as one) zooms the column, not the browser.
      if (!e.ctrlKey) return;
      e.preventDefault();
      zoomTo(wheelScale(scale.current, e.deltaY, e.deltaMode), local(e));
    };
    el.addEventListener('touchstart', start, { passive: true });
    el.addEventListener('touchmove', move, { passive: false });
    el.addEventListener('touchend', end, { passive: false });
    el.addEventListener('touchcancel', end, { passive: false });
    el.addEventListener('wheel', wheel, { passive: false });
    return () => {
      clearTimeout(pendingTap);
      el.removeEventListener('touchstart', start);
      el.removeEventListener('touchmove', move);
      el.removeEventListener('touchend', end);
      el.removeEventListener('touchcancel', end);
      el.removeEventListener('wheel', wheel);
    };
  }, [scrollerRef, setScale, layout, zoomTo]);

  const key = useCallback(
    (k: ZoomKey) => {
      const el = scrollerRef.current;
      if (el) zoomTo(keyScale(scale.current, k), { x: el.clientWidth / 2, y: el.clientHeight / 2 });
    },
    [scrollerRef, zoomTo],
  );
  return useMemo(() => ({ zoomed, key }), [zoomed, key]);
}

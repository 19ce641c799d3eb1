/**
 * Pointer, wheel and key input → zoom and pan of the book in the stage
 * (zoom.ts does the maths). Listeners are native: the wheel one must be able
 * to preventDefault (React's is passive), and the transform is written to the
 * book's style directly so a pinch does not re-render React 60 times a second.
 * The book element is the stage's `.book-frame` (FlipbookView's own div; the
 * Flipbook inside it is rebuilt on mode changes, the frame is not).
 */
import { type RefObject, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  type Box,
  clampPan,
  DOUBLE_TAP_MS,
  doubleTap,
  FIT,
  isDoubleTap,
  isZoomed,
  keyZoom,
  type PinchStart,
  type Point,
  panBy,
  pinchMove,
  pinchStart,
  settle,
  TAP_SLOP_PX,
  type Tap,
  toTransform,
  type View,
  wheelScale,
  type Zoom,
  type ZoomKey,
  zoomAt,
} from './zoom';

export interface ZoomControls {
  /** For rendering (a data attribute); the handlers use isZoomed(). */
  zoomed: boolean;
  isZoomed(): boolean;
  /**
   * Whether the gesture that just ended (or the zoom itself) means a swipe or
   * a tap zone must not turn the page: zoomed, two fingers, or a double tap.
   */
  blocksTurn(): boolean;
  /**
   * A touch ended just now: its tap (if it was one) goes to onTap, so the
   * click the browser may synthesise from it is not a second action.
   */
  recentTouch(): boolean;
  key(key: ZoomKey): void;
  reset(): void;
}

interface Gesture {
  start: Point;
  startTime: number;
  multi: boolean;
  moved: boolean;
  doubleTap: boolean;
}

/** The longest touch that still counts as a tap. */
const TAP_MAX_MS = 300;
/** A synthesised click follows its touch within this. */
const CLICK_AFTER_TOUCH_MS = 800;

/**
 * `onTap`: a single touch tap at fit (stage coordinates), once no second tap
 * followed (a double tap zooms). Touch taps are read here rather than from
 * click events: Chromium drops the click of a tap that comes soon after a
 * fast swipe (it is taken for stopping a fling), which lost page turns.
 * `onScale`: after every change of scale.
 */
export function useZoom(
  stageRef: RefObject<HTMLElement | null>,
  enabled: boolean,
  handlers: { onTap?: (at: Point, stage: View) => void; onScale?: (scale: number) => void } = {},
): ZoomControls {
  const zoom = useRef<Zoom>(FIT);
  const [zoomed, setZoomed] = useState(false);
  const gesture = useRef<Gesture | null>(null);
  const lastTouchEnd = useRef(Number.NEGATIVE_INFINITY);
  const pendingTap = useRef<ReturnType<typeof setTimeout> | null>(null);
  const handlersRef = useRef(handlers);
  handlersRef.current = handlers;

  const frame = useCallback(() => stageRef.current?.querySelector<HTMLElement>('.book-frame') ?? null, [stageRef]);
  const geometry = useCallback((): { box: Box; view: View } | null => {
    const stage = stageRef.current;
    const el = frame();
    if (!stage || !el) return null;
    // offset* ignore the transform: the book's place at scale 1 (the stage is its offsetParent).
    return { box: { x: el.offsetLeft, y: el.offsetTop, width: el.offsetWidth, height: el.offsetHeight }, view: { width: stage.clientWidth, height: stage.clientHeight } };
  }, [stageRef, frame]);

  const apply = useCallback(
    (next: Zoom) => {
      const prev = zoom.current;
      zoom.current = next;
      const el = frame();
      if (el) {
        el.style.transformOrigin = isZoomed(next) ? '0 0' : '';
        el.style.transform = toTransform(next);
      }
      if (isZoomed(prev) !== isZoomed(next)) setZoomed(isZoomed(next));
      if (prev.scale !== next.scale) handlersRef.current.onScale?.(next.scale);
    },
    [frame],
  );

  const cancelTap = useCallback(() => {
    if (pendingTap.current !== null) clearTimeout(pendingTap.current);
    pendingTap.current = null;
  }, []);

  useEffect(() => {
    const stage = stageRef.current;
    if (!stage || !enabled) return;
    const pointers = new Map<number, Point>();
    let pinch: PinchStart | null = null;
    let lastTap: Tap | null = null;
    const local = (e: { clientX: number; clientY: number }): Point => {
      const r = stage.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    };
    const startPinch = () => {
      const g = geometry();
      const [a, b] = [...pointers.values()];
      pinch = g && a && b ? pinchStart(zoom.current, a, b, g.box) : null;
    };

    const down = (e: PointerEvent) => {
      // A mouse released outside the stage sent its pointerup elsewhere (touch and pen are captured to the stage).
      if (e.pointerType === 'mouse') pointers.delete(e.pointerId);
      const p = local(e);
      if (pointers.size === 0) {
        gesture.current = { start: p, startTime: e.timeStamp, multi: false, moved: false, doubleTap: false };
      }
      pointers.set(e.pointerId, p);
      if (pointers.size >= 2 && gesture.current) {
        gesture.current.multi = true;
        cancelTap();
        startPinch();
      }
    };
    const move = (e: PointerEvent) => {
      const prev = pointers.get(e.pointerId);
      if (!prev) return;
      const p = local(e);
      pointers.set(e.pointerId, p);
      const g = gesture.current;
      if (g && Math.hypot(p.x - g.start.x, p.y - g.start.y) > TAP_SLOP_PX) g.moved = true;
      const geo = geometry();
      if (!geo) return;
      if (pointers.size >= 2 && pinch) {
        const [a, b] = [...pointers.values()];
        apply(pinchMove(pinch, a!, b!, geo.box, geo.view));
      } else if (pointers.size === 1 && isZoomed(zoom.current)) {
        apply(panBy(zoom.current, p.x - prev.x, p.y - prev.y, geo.box, geo.view));
      }
    };
    const up = (e: PointerEvent) => {
      if (!pointers.delete(e.pointerId)) return;
      if (pointers.size === 1) {
        // One finger lifted from a pinch: the other pans on from where it is.
        pinch = null;
        apply(settle(zoom.current));
      } else if (pointers.size >= 2) {
        startPinch();
      }
      if (e.pointerType === 'touch') lastTouchEnd.current = performance.now();
      if (pointers.size > 0 || e.type !== 'pointerup') return;
      const g = gesture.current;
      if (!g || g.multi) {
        lastTap = null;
        return;
      }
      // A quick touch that did not move is a tap; two of them in the same place a double tap.
      if (e.pointerType !== 'touch' || g.moved || e.timeStamp - g.startTime > TAP_MAX_MS) {
        lastTap = null;
        return;
      }
      const p = local(e);
      const tap = { time: e.timeStamp, x: p.x, y: p.y };
      if (isDoubleTap(lastTap, tap)) {
        lastTap = null;
        g.doubleTap = true;
        cancelTap();
        const geo = geometry();
        if (geo) apply(doubleTap(zoom.current, p, geo.box, geo.view));
      } else {
        lastTap = tap;
        cancelTap();
        if (isZoomed(zoom.current)) return;
        const view = { width: stage.clientWidth, height: stage.clientHeight };
        pendingTap.current = setTimeout(() => {
          pendingTap.current = null;
          if (!isZoomed(zoom.current)) handlersRef.current.onTap?.(p, view);
        }, DOUBLE_TAP_MS);
      }
    };
    const wheel = (e: WheelEvent) => {
      const geo = geometry();
      if (!geo) return;
      if (e.ctrlKey) {
        // ctrl+wheel (and a trackpad pinch, which Chromium sends as one) zooms the page, not the browser.
        e.preventDefault();
        apply(zoomAt(zoom.current, wheelScale(zoom.current.scale, e.deltaY, e.deltaMode), local(e), geo.box, geo.view));
      } else if (isZoomed(zoom.current)) {
        e.preventDefault();
        apply(panBy(zoom.current, -e.deltaX, -e.deltaY, geo.box, geo.view));
      }
    };
    // The stage may change size (rotation, the panel opening): keep the page within bounds.
    const ro = new ResizeObserver(() => {
      const geo = geometry();
      if (geo && isZoomed(zoom.current)) apply(clampPan(zoom.current, geo.box, geo.view));
    });
    ro.observe(stage);
    stage.addEventListener('pointerdown', down);
    stage.addEventListener('pointermove', move);
    stage.addEventListener('pointerup', up);
    stage.addEventListener('pointercancel', up);
    stage.addEventListener('wheel', wheel, { passive: false });
    // Safari's own pinch (its non-standard gesture events) would zoom the whole page as well.
    const gestureStart = (e: Event) => e.preventDefault();
    stage.addEventListener('gesturestart', gestureStart);
    return () => {
      stage.removeEventListener('gesturestart', gestureStart);
      ro.disconnect();
      stage.removeEventListener('pointerdown', down);
      stage.removeEventListener('pointermove', move);
      stage.removeEventListener('pointerup', up);
      stage.removeEventListener('pointercancel', up);
      stage.removeEventListener('wheel', wheel);
      cancelTap();
    };
  }, [stageRef, enabled, geometry, apply, cancelTap]);

  const reset = useCallback(() => {
    if (isZoomed(zoom.current)) apply(FIT);
  }, [apply]);
  const key = useCallback(
    (k: ZoomKey) => {
      const geo = geometry();
      if (geo) apply(keyZoom(zoom.current, k, geo.box, geo.view));
    },
    [geometry, apply],
  );
  return useMemo(
    () => ({
      zoomed,
      isZoomed: () => isZoomed(zoom.current),
      blocksTurn: () => {
        const g = gesture.current;
        return isZoomed(zoom.current) || (g !== null && (g.multi || g.doubleTap));
      },
      recentTouch: () => performance.now() - lastTouchEnd.current < CLICK_AFTER_TOUCH_MS,
      key,
      reset,
    }),
    [zoomed, key, reset],
  );
}

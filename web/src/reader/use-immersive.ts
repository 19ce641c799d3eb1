/**
 * Immersive reading on phones: the header and the reading toolbar slide away
 * while reading and come back on a tap on the middle of the page or a swipe
 * down from the top edge (rules in immersive.ts). The reader renders
 * `data-chrome` from `hidden`; the CSS moves the chrome with a transform, so
 * the page never changes size when it hides or shows.
 */
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { type ChromeEvent, chromeHidden, IDLE_MS, isEdgeSwipe, isMiddle, turnFromToolbar } from './immersive';

/** The phone breakpoint of styles.css. */
export const PHONE_QUERY = '(max-width: 699px)';
const CHROME = '.reader-bar, .reader-dock';

export function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const m = window.matchMedia(query);
      m.addEventListener('change', onChange);
      return () => m.removeEventListener('change', onChange);
    },
    () => window.matchMedia(query).matches,
  );
}

/** The notch's height (env(safe-area-inset-top)), read once per gesture through a probe. */
function topInset(): number {
  const probe = document.createElement('div');
  probe.style.cssText = 'position:fixed;top:0;visibility:hidden;pointer-events:none;height:env(safe-area-inset-top, 0px)';
  document.body.append(probe);
  const h = probe.offsetHeight;
  probe.remove();
  return h;
}

/** Keyboard focus in the header or toolbar holds it (a tap's focus does not: it is not :focus-visible). */
function focusInChrome(): boolean {
  const el = document.activeElement;
  return el instanceof HTMLElement && el.closest(CHROME) !== null && el.matches(':focus-visible');
}

export interface Immersive {
  /** The chrome is slid away. */
  hidden: boolean;
  /** A touch tap on the stage: true when it was about the chrome (a phone, the middle third) and must not turn the page. */
  middleTap(at: { x: number }, stage: { width: number }): boolean;
  /** A tap that is only about the chrome (the vertical reader's column, which has no tap zones). */
  toggle(): void;
}

/**
 * `held`: a panel or the page strip is open. `turnKey`: changes on every page
 * turn (in the vertical reader, as the pages on display change while scrolling).
 */
export function useImmersive({ held, turnKey }: { held: boolean; turnKey: string }): Immersive {
  const on = useMediaQuery(PHONE_QUERY);
  const [hidden, setHidden] = useState(false);
  // Bumped by every use of the chrome: the idle countdown starts again.
  const [used, setUsed] = useState(0);
  const lastUse = useRef(Number.NEGATIVE_INFINITY);
  const ctx = useRef({ enabled: on, held });
  ctx.current = { enabled: on, held };

  const dispatch = useCallback((event: ChromeEvent) => {
    const c = ctx.current;
    setHidden((h) => chromeHidden(h, event, { enabled: c.enabled, held: c.held || focusInChrome() }));
  }, []);

  // Held or off a phone: shown.
  useEffect(() => {
    if (held || !on) setHidden(false);
  }, [held, on]);

  // Every page turn after the first page on display.
  const shown = useRef<string | null>(null);
  useEffect(() => {
    if (turnKey === '' || turnKey === shown.current) return;
    const first = shown.current === null;
    shown.current = turnKey;
    if (!first && !turnFromToolbar(lastUse.current, performance.now())) dispatch('turn');
  }, [turnKey, dispatch]);

  useEffect(() => {
    if (hidden || !on || held) return;
    const t = setTimeout(() => dispatch('idle'), IDLE_MS);
    return () => clearTimeout(t);
  }, [hidden, on, held, used, dispatch]);

  useEffect(() => {
    if (!on) return;
    let start: { x: number; y: number; id: number; inset: number } | null = null;
    const down = (e: PointerEvent) => {
      const t = e.target as Element | null;
      if (t?.closest?.(CHROME)) {
        lastUse.current = performance.now();
        setUsed((n) => n + 1);
        return;
      }
      // Only the press that turns the page counts as the toolbar's.
      lastUse.current = Number.NEGATIVE_INFINITY;
      const inset = topInset();
      start = e.clientY <= inset + 48 ? { x: e.clientX, y: e.clientY, id: e.pointerId, inset } : null;
    };
    const up = (e: PointerEvent) => {
      const s = start;
      start = null;
      if (s && s.id === e.pointerId && isEdgeSwipe(s, { x: e.clientX, y: e.clientY }, s.inset)) dispatch('edge-swipe');
    };
    // Keyboard focus coming into the hidden chrome (Tab) shows it.
    const focus = (e: FocusEvent) => {
      if ((e.target as Element | null)?.closest?.(CHROME) && focusInChrome()) dispatch('use');
    };
    window.addEventListener('pointerdown', down, true);
    window.addEventListener('pointerup', up, true);
    window.addEventListener('focusin', focus);
    return () => {
      window.removeEventListener('pointerdown', down, true);
      window.removeEventListener('pointerup', up, true);
      window.removeEventListener('focusin', focus);
    };
  }, [on, dispatch]);

  const toggle = useCallback(() => {
    dispatch('middle-tap');
    setUsed((n) => n + 1);
  }, [dispatch]);
  const middleTap = useCallback(
    (at: { x: number }, stage: { width: number }) => {
      if (!ctx.current.enabled || !isMiddle(at.x, stage.width)) return false;
      toggle();
      return true;
    },
    [toggle],
  );
  return { hidden: on && hidden, middleTap, toggle };
}

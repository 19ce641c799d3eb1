/**
 * When the reader's chrome (header, reading toolbar) shows on a phone: pure
 * rules for use-immersive.ts. Reading hides it (a page turn, or IDLE_MS
 * without touching it); a tap on the middle of the page toggles it, a swipe
 * down from the top edge shows it; it stays while something holds it (a panel
 * open, the page strip open, keyboard focus in it).
 */

/** Chrome shown this long without use slides away. */
export const IDLE_MS = 4000;
/** A swipe that starts this close to the top edge (below the safe area) brings the chrome back. */
export const EDGE_PX = 32;
/** …once it has come this far down. */
export const EDGE_SWIPE_PX = 40;

/** A page turn this soon after the toolbar was touched came from its buttons: the toolbar stays for the next press. */
export const TOOLBAR_TURN_MS = 1000;

export const turnFromToolbar = (lastUse: number, now: number): boolean => now - lastUse < TOOLBAR_TURN_MS;

export type ChromeEvent = 'turn' | 'idle' | 'middle-tap' | 'edge-swipe' | 'use';

export interface ChromeContext {
  /** A phone-sized window; elsewhere the chrome never hides. */
  enabled: boolean;
  /** A panel or the strip is open, or keyboard focus is in the chrome. */
  held: boolean;
}

/** Whether the chrome is hidden after `event`. */
export function chromeHidden(hidden: boolean, event: ChromeEvent, ctx: ChromeContext): boolean {
  if (!ctx.enabled || ctx.held) return false;
  switch (event) {
    case 'turn':
    case 'idle':
      return true;
    case 'middle-tap':
      return !hidden;
    case 'edge-swipe':
    case 'use':
      return false;
  }
}

/** The middle third of the stage: a tap there is about the chrome, the outer thirds turn the page. */
export function isMiddle(x: number, width: number): boolean {
  return width > 0 && x >= width / 3 && x <= (width * 2) / 3;
}

/** A mostly downward drag from the top edge. `topInset`: the safe area above the edge (the notch). */
export function isEdgeSwipe(start: { x: number; y: number }, end: { x: number; y: number }, topInset = 0): boolean {
  const dy = end.y - start.y;
  return start.y <= topInset + EDGE_PX && dy >= EDGE_SWIPE_PX && Math.abs(end.x - start.x) < dy;
}

import { describe, expect, it } from 'vitest';
import { chromeHidden, isEdgeSwipe, isMiddle, TOOLBAR_TURN_MS, turnFromToolbar } from './immersive';

const phone = { enabled: true, held: false };

describe('immersive chrome rules', () => {
  it('reading hides the chrome: a page turn or going idle', () => {
    expect(chromeHidden(false, 'turn', phone)).toBe(true);
    expect(chromeHidden(false, 'idle', phone)).toBe(true);
    expect(chromeHidden(true, 'turn', phone)).toBe(true);
  });

  it('a tap on the middle toggles it; a swipe from the top edge or using it shows it', () => {
    expect(chromeHidden(true, 'middle-tap', phone)).toBe(false);
    expect(chromeHidden(false, 'middle-tap', phone)).toBe(true);
    expect(chromeHidden(true, 'edge-swipe', phone)).toBe(false);
    expect(chromeHidden(true, 'use', phone)).toBe(false);
  });

  it('never hides while held (a panel open, focus in it) or off a phone', () => {
    for (const event of ['turn', 'idle', 'middle-tap'] as const) {
      expect(chromeHidden(false, event, { enabled: true, held: true })).toBe(false);
      expect(chromeHidden(true, event, { enabled: true, held: true })).toBe(false);
      expect(chromeHidden(false, event, { enabled: false, held: false })).toBe(false);
    }
  });

  it('the middle third of the stage is not a turn zone', () => {
    expect(isMiddle(195, 390)).toBe(true);
    expect(isMiddle(130, 390)).toBe(true);
    expect(isMiddle(129, 390)).toBe(false);
    expect(isMiddle(300, 390)).toBe(false);
    expect(isMiddle(0, 0)).toBe(false);
  });

  it('an edge swipe starts at the top (below the notch) and goes mostly down', () => {
    expect(isEdgeSwipe({ x: 200, y: 5 }, { x: 210, y: 80 })).toBe(true);
    expect(isEdgeSwipe({ x: 200, y: 60 }, { x: 210, y: 120 }, 47)).toBe(true);
    expect(isEdgeSwipe({ x: 200, y: 60 }, { x: 210, y: 120 })).toBe(false);
    expect(isEdgeSwipe({ x: 200, y: 100 }, { x: 200, y: 300 })).toBe(false);
    expect(isEdgeSwipe({ x: 200, y: 5 }, { x: 200, y: 30 })).toBe(false);
    expect(isEdgeSwipe({ x: 200, y: 5 }, { x: 330, y: 80 })).toBe(false);
  });

  it('a turn from the toolbar buttons does not hide it (the next press is there)', () => {
    expect(turnFromToolbar(10_000, 10_000 + TOOLBAR_TURN_MS - 1)).toBe(true);
    expect(turnFromToolbar(10_000, 10_000 + TOOLBAR_TURN_MS)).toBe(false);
    expect(turnFromToolbar(Number.NEGATIVE_INFINITY, 5)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { firstStepOf, guidedSteps, PANEL_MARGIN_PX, panelsOf, panelTransform, stepFrom, transformCss, WHOLE_PAGE, wantsFullForPanel } from './guided';

const p = (x: number, y: number, w: number, h: number) => ({ x, y, w, h });

describe('guided steps', () => {
  const pages = [{ panels: null }, { panels: [p(0, 0, 1, 0.5), p(0, 0.5, 0.5, 0.5), p(0.5, 0.5, 0.5, 0.5)] }, { panels: [] }, { panels: [p(0.1, 0.1, 0.8, 0.8)] }];

  it('is one step per panel in the order given, and a page with null or no panels is one whole-page step', () => {
    expect(guidedSteps(pages)).toEqual([
      { page: 0, panel: 0 },
      { page: 1, panel: 0 },
      { page: 1, panel: 1 },
      { page: 1, panel: 2 },
      { page: 2, panel: 0 },
      { page: 3, panel: 0 },
    ]);
    expect(panelsOf({ panels: null })).toEqual([WHOLE_PAGE]);
    expect(panelsOf({ panels: [] })).toEqual([WHOLE_PAGE]);
    expect(panelsOf(pages[1]!)[2]).toEqual(p(0.5, 0.5, 0.5, 0.5));
    expect(guidedSteps([])).toEqual([]);
  });

  it('reads a tall page without panels (a webtoon strip) in bands about a screen high, top to bottom; a page with panels keeps them', () => {
    // 800 × 4000: five times taller than wide → ⌈5 / 1.5⌉ = 4 bands.
    const bands = panelsOf({ panels: null, image: { width: 800, height: 4000 } });
    expect(bands).toEqual([p(0, 0, 1, 0.25), p(0, 0.25, 1, 0.25), p(0, 0.5, 1, 0.25), p(0, 0.75, 1, 0.25)]);
    expect(panelsOf({ panels: [], image: { width: 800, height: 4000 } })).toHaveLength(4);
    // Up to twice as tall as wide is still one page-sized step.
    expect(panelsOf({ panels: null, image: { width: 800, height: 1600 } })).toEqual([WHOLE_PAGE]);
    expect(panelsOf({ panels: null, image: { width: 800, height: 1601 } })).toHaveLength(2);
    expect(panelsOf({ panels: [p(0, 0, 1, 0.1)], image: { width: 800, height: 4000 } })).toEqual([p(0, 0, 1, 0.1)]);
    expect(
      guidedSteps([
        { panels: null, image: { width: 100, height: 300 } },
        { panels: null, image: null },
      ]),
    ).toEqual([
      { page: 0, panel: 0 },
      { page: 0, panel: 1 },
      { page: 1, panel: 0 },
    ]);
  });

  it('steps across page boundaries both ways and stops at either end', () => {
    const steps = guidedSteps(pages);
    expect(stepFrom(steps, 0, 1)).toBe(1);
    expect(stepFrom(steps, 3, 1)).toBe(4); // last panel of page 1 → page 2
    expect(stepFrom(steps, 4, -1)).toBe(3); // back to page 1's last panel
    expect(stepFrom(steps, 5, 1)).toBeNull();
    expect(stepFrom(steps, 0, -1)).toBeNull();
  });

  it("finds a page's first panel, clamped to the episode", () => {
    const steps = guidedSteps(pages);
    expect(firstStepOf(steps, 0)).toBe(0);
    expect(firstStepOf(steps, 1)).toBe(1);
    expect(firstStepOf(steps, 2)).toBe(4);
    expect(firstStepOf(steps, 99)).toBe(5);
    expect(firstStepOf(steps, -3)).toBe(0);
    expect(firstStepOf([], 2)).toBe(0);
  });
});

describe('panel transform', () => {
  const page = { width: 800, height: 1130 };
  const stage = { width: 390, height: 700 };
  /** Where the panel lands in the stage under the transform. */
  const placed = (panel: ReturnType<typeof p>, t: ReturnType<typeof panelTransform>) => ({
    x: t.x + t.scale * panel.x * page.width,
    y: t.y + t.scale * panel.y * page.height,
    w: t.scale * panel.w * page.width,
    h: t.scale * panel.h * page.height,
  });

  it('fits a wide panel to the stage width, centred, with the margin', () => {
    const panel = p(0.05, 0.1, 0.9, 0.3);
    const r = placed(panel, panelTransform(panel, page, stage));
    expect(r.w).toBeCloseTo(stage.width - 2 * PANEL_MARGIN_PX);
    expect(r.x).toBeCloseTo(PANEL_MARGIN_PX);
    expect(r.y + r.h / 2).toBeCloseTo(stage.height / 2);
    expect(r.h).toBeLessThan(stage.height);
  });

  it('fits a tall panel to the stage height (letterboxed at the sides)', () => {
    const panel = p(0.5, 0, 0.2, 1);
    const r = placed(panel, panelTransform(panel, page, stage));
    expect(r.h).toBeCloseTo(stage.height - 2 * PANEL_MARGIN_PX);
    expect(r.y).toBeCloseTo(PANEL_MARGIN_PX);
    expect(r.x + r.w / 2).toBeCloseTo(stage.width / 2);
    expect(r.w).toBeLessThan(stage.width);
  });

  it('shows the whole page as a page fitted to the stage', () => {
    const t = panelTransform(WHOLE_PAGE, page, stage, 0);
    expect(t.scale).toBeCloseTo(390 / 800);
    expect(t.x).toBeCloseTo(0);
    expect(transformCss({ scale: 2, x: 3, y: -4 })).toBe('translate(3px, -4px) scale(2)');
  });

  it('keeps the margin sensible on a tiny stage and survives a degenerate panel', () => {
    const t = panelTransform(p(0, 0, 0, 0), page, { width: 20, height: 20 });
    expect(Number.isFinite(t.scale) && Number.isFinite(t.x) && Number.isFinite(t.y)).toBe(true);
    expect(t.scale).toBeGreaterThan(0);
  });

  it('wants the full-size image only when the panel is drawn past the display pixels and a larger one exists', () => {
    const display = { width: 800, height: 1130 };
    expect(wantsFullForPanel({ scale: 0.45, x: 0, y: 0 }, display, 2400, 2)).toBe(false);
    expect(wantsFullForPanel({ scale: 1.2, x: 0, y: 0 }, display, 2400, 1)).toBe(true);
    expect(wantsFullForPanel({ scale: 1.2, x: 0, y: 0 }, display, null, 2)).toBe(false);
  });
});

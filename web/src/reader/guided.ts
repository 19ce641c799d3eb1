/**
 * Guided view as plain maths: the steps of an episode (one per panel, a page
 * without panels being one whole-page step) and the transform that fits a
 * panel into the stage. GuidedView.tsx draws them.
 */
import type { Panel } from '../../../src/contract/index.js';
import { wantsFullImage } from './zoom';

/** One thing shown in guided view: a panel of a page (reading indices). */
export interface GuidedStep {
  page: number;
  panel: number;
}

export interface Size {
  width: number;
  height: number;
}

export const WHOLE_PAGE: Panel = { x: 0, y: 0, w: 1, h: 1 };
/** Space left around a panel (CSS px), so its edge is not cut by the screen's. */
export const PANEL_MARGIN_PX = 8;

/** A page's panels in reading order; a page without any (null or `[]`) is one panel, the whole page. */
export const panelsOf = (page: { panels: Panel[] | null }): Panel[] => (page.panels && page.panels.length > 0 ? page.panels : [WHOLE_PAGE]);

/** Every step of an episode, in reading order (the API sends panels already in the series' direction). */
export function guidedSteps(pages: ReadonlyArray<{ panels: Panel[] | null }>): GuidedStep[] {
  return pages.flatMap((p, page) => panelsOf(p).map((_, panel) => ({ page, panel })));
}

/** The step index of a page's first panel (clamped to the episode). */
export function firstStepOf(steps: readonly GuidedStep[], page: number): number {
  if (steps.length === 0) return 0;
  const last = steps[steps.length - 1]!.page;
  const p = Math.min(Math.max(0, page), last);
  const i = steps.findIndex((s) => s.page === p);
  return Math.max(i, 0);
}

/** The step after (`+1`) or before (`-1`) step `i`, across page boundaries; null past either end. */
export function stepFrom(steps: readonly GuidedStep[], i: number, by: 1 | -1): number | null {
  const j = i + by;
  return j >= 0 && j < steps.length ? j : null;
}

/** A scale and translation for an element laid out at the page's size with `transform-origin: 0 0`. */
export interface PanelTransform {
  scale: number;
  x: number;
  y: number;
}

/**
 * The panel (fractions of the page) as large as fits in the stage, keeping its
 * aspect ratio (letterboxed), centred, `margin` px from the stage's edges.
 */
export function panelTransform(panel: Panel, page: Size, stage: Size, margin = PANEL_MARGIN_PX): PanelTransform {
  const pw = Math.max(1e-6, panel.w * page.width);
  const ph = Math.max(1e-6, panel.h * page.height);
  const m = Math.min(margin, stage.width / 4, stage.height / 4);
  const scale = Math.max(1e-6, Math.min((stage.width - 2 * m) / pw, (stage.height - 2 * m) / ph));
  return {
    scale,
    x: stage.width / 2 - scale * (panel.x * page.width + pw / 2),
    y: stage.height / 2 - scale * (panel.y * page.height + ph / 2),
  };
}

export const transformCss = (t: PanelTransform): string => `translate(${t.x}px, ${t.y}px) scale(${t.scale})`;

/**
 * Whether the panel is drawn larger than the display image's own pixels, so
 * its full-size image (when there is one) is worth loading: the element is
 * laid out at the display image's size, so the on-screen width is scale × width.
 */
export const wantsFullForPanel = (t: PanelTransform, display: Size, fullWidth: number | null, devicePixelRatio: number): boolean =>
  wantsFullImage({ renderedWidth: display.width, scale: t.scale, devicePixelRatio, displayWidth: display.width, fullWidth });

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

/** A page without panels this much taller than wide (a strip of a vertical series) is read in bands… */
export const TALL_PAGE_RATIO = 2;
/** …each at most this much taller than wide: about a phone screen's shape, so a band fills it. */
export const BAND_RATIO = 1.5;

type GuidedPage = { panels: Panel[] | null; image?: Size | null };

/**
 * A page's panels in reading order. A page without any (null or `[]`) is one
 * panel, the whole page; a tall one (a webtoon strip where no gutters were
 * found) is equal bands from top to bottom, since the whole strip fitted to
 * the screen would be unreadably small.
 */
export function panelsOf(page: GuidedPage): Panel[] {
  if (page.panels && page.panels.length > 0) return page.panels;
  const size = page.image;
  if (!size || size.width <= 0 || size.height <= size.width * TALL_PAGE_RATIO) return [WHOLE_PAGE];
  const n = Math.ceil(size.height / (size.width * BAND_RATIO));
  return Array.from({ length: n }, (_, i) => ({ x: 0, y: i / n, w: 1, h: 1 / n }));
}

/** Every step of an episode, in reading order (the API sends panels already in the series' direction). */
export function guidedSteps(pages: ReadonlyArray<GuidedPage>): GuidedStep[] {
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

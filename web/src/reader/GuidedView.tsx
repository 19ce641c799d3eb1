/**
 * Guided view: one panel at a time, filling the stage. The page's image is laid
 * out once at its own size and only its `transform` changes from panel to
 * panel (a CSS transition the compositor runs: no layout per frame); a new
 * page enters with a short slide and fade, also transform and opacity only.
 * It answers the reader like the flipbook does (FlipbookHandle: next/prev move
 * by panel, goTo opens a page's first panel) and reports the page on display
 * through onShow, so progress means the same in both views.
 */
import { type CSSProperties, forwardRef, memo, useEffect, useImperativeHandle, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { Page } from '../../../src/contract/index.js';
import { mediaUrl } from '../api/client';
import type { Direction } from './book-layout';
import type { FlipbookHandle } from './FlipbookView';
import { MARK_FIRST_PAGE, MARK_PAGE_SHOWN } from './flipbook';
import { firstStepOf, type GuidedStep, guidedSteps, panelsOf, panelTransform, type Size, stepFrom, transformCss, wantsFullForPanel } from './guided';
import { zoneAction } from './input';
import { TAP_SLOP_PX } from './zoom';
import './guided.css';

interface Props {
  pages: Page[];
  direction: Direction;
  startIndex: number;
  animate: boolean;
  onShow(pages: number[]): void;
  /** A tap or Space: the reader decides (past the last panel it opens the next episode, as page mode does). */
  onAction(action: 'next' | 'prev'): void;
  /** A tap, first: true when the reader took it for itself (on a phone the middle third shows or hides the header). */
  onTapAt?(at: { x: number }, stage: { width: number }): boolean;
}

/**
 * Re-rendered only when what it shows changes: the reader re-renders on every page shown (URL, progress), and
 * that work should not land on the frame of a tap. Callbacks are read through a ref; startIndex counts at mount only.
 */
export const GuidedView = memo(
  forwardRef<FlipbookHandle, Props>(function GuidedView({ pages, direction, startIndex, animate, onShow, onAction, onTapAt }, ref) {
    const root = useRef<HTMLDivElement>(null);
    const steps = useMemo(() => guidedSteps(pages), [pages]);
    const [pos, setPos] = useState<GuidedStep>(() => steps[firstStepOf(steps, startIndex)] ?? { page: 0, panel: 0 });
    // Read by next()/prev() so taps quicker than a render still move one panel each.
    const posRef = useRef(pos);
    /** Which way the last move went, for the page's entrance. */
    const [moved, setMoved] = useState<'next' | 'prev' | null>(null);
    const [stage, setStage] = useState<Size>({ width: 0, height: 0 });
    const [fullShown, setFullShown] = useState<ReadonlySet<number>>(() => new Set());
    const callbacks = useRef({ onShow, onAction, onTapAt });
    callbacks.current = { onShow, onAction, onTapAt };

    const go = (next: GuidedStep, how: 'next' | 'prev' | null) => {
      posRef.current = next;
      setPos(next);
      setMoved(how);
    };
    const indexOf = (p: GuidedStep) => {
      const i = steps.findIndex((s) => s.page === p.page && s.panel === p.panel);
      return i < 0 ? firstStepOf(steps, p.page) : i;
    };
    const step = (by: 1 | -1): boolean => {
      const j = stepFrom(steps, indexOf(posRef.current), by);
      if (j === null) return false;
      go(steps[j]!, by === 1 ? 'next' : 'prev');
      return true;
    };
    useImperativeHandle(ref, () => ({
      next: () => step(1),
      prev: () => step(-1),
      goTo: (page) => {
        const target = steps[firstStepOf(steps, page)];
        if (target && (target.page !== posRef.current.page || target.panel !== posRef.current.panel)) go(target, null);
      },
    }));

    // The stage's size, before the first paint (the transform depends on it).
    useLayoutEffect(() => {
      const el = root.current;
      if (!el) return;
      const measure = () => setStage((s) => (s.width === el.clientWidth && s.height === el.clientHeight ? s : { width: el.clientWidth, height: el.clientHeight }));
      measure();
      const ro = new ResizeObserver(measure);
      ro.observe(el);
      return () => ro.disconnect();
    }, []);

    // A page is reported when it is shown (its first panel, or whichever one a move back lands on), never before:
    // just after the frame that draws it, so the reader's bookkeeping (URL, progress, strip) does not delay that
    // frame. Every page shown is reported, in order: a move on before then reports it at once.
    const pageNumber = pages[pos.page]?.number;
    useEffect(() => {
      const page = pos.page;
      let done = false;
      const report = () => {
        if (done) return;
        done = true;
        callbacks.current.onShow([page]);
        // The same marks as page mode once the page's image is up (bench/web.ts, bench/phone.ts read them).
        const detail = { pages: [pageNumber] };
        const mark = () => {
          if (!firstMarked.current) performance.mark(MARK_FIRST_PAGE, { detail });
          firstMarked.current = true;
          performance.mark(MARK_PAGE_SHOWN, { detail });
        };
        const img = root.current?.querySelector<HTMLImageElement>('.guided-img');
        if (!img || (img.complete && img.naturalWidth > 0)) mark();
        else img.addEventListener('load', mark, { once: true });
      };
      let timer: ReturnType<typeof setTimeout> | undefined;
      const frame = requestAnimationFrame(() => {
        timer = setTimeout(report);
      });
      return () => {
        cancelAnimationFrame(frame);
        clearTimeout(timer);
        report();
      };
    }, [pos.page, pageNumber]);
    const firstMarked = useRef(false);

    // The next page's image is fetched and decoded ahead, as page mode does, so its first panel shows at once.
    const preloaded = useRef(new Set<string>());
    useEffect(() => {
      const image = pages[pos.page + 1]?.image;
      if (!image || preloaded.current.has(image.url)) return;
      preloaded.current.add(image.url);
      const img = new Image();
      img.src = mediaUrl(image.url);
      img.decode().catch(() => {});
    }, [pages, pos.page]);

    // Taps are read from touch events and acted on at once (no wait for a second tap: guided view has no double-tap zoom);
    // the click the browser would synthesise is cancelled, so it is not a second move. Mouse and pen use the click zones.
    useEffect(() => {
      const el = root.current?.closest<HTMLElement>('.stage') ?? root.current;
      if (!el) return;
      let start: { x: number; y: number; moved: boolean; multi: boolean } | null = null;
      const touchStart = (e: TouchEvent) => {
        const t = e.touches[0];
        if (e.touches.length > 1 || !t) {
          if (start) start.multi = true;
          return;
        }
        start = { x: t.clientX, y: t.clientY, moved: false, multi: false };
      };
      const touchMove = (e: TouchEvent) => {
        const t = e.touches[0];
        if (start && t && Math.hypot(t.clientX - start.x, t.clientY - start.y) > TAP_SLOP_PX) start.moved = true;
      };
      const touchEnd = (e: TouchEvent) => {
        if (e.touches.length > 0 || !start) return;
        const s = start;
        start = null;
        if (s.moved || s.multi || (e.target as Element | null)?.closest?.('a, input, textarea, select, .reader-notice')) return;
        e.preventDefault();
        const r = el.getBoundingClientRect();
        if (callbacks.current.onTapAt?.({ x: s.x - r.left }, { width: r.width })) return;
        callbacks.current.onAction(zoneAction(s.x - r.left < r.width / 2 ? 'left' : 'right', direction));
      };
      el.addEventListener('touchstart', touchStart, { passive: true });
      el.addEventListener('touchmove', touchMove, { passive: true });
      el.addEventListener('touchend', touchEnd, { passive: false });
      return () => {
        el.removeEventListener('touchstart', touchStart);
        el.removeEventListener('touchmove', touchMove);
        el.removeEventListener('touchend', touchEnd);
      };
    }, [direction]);

    // Space (Shift+Space back) moves by panel, as a reader of a guided comic expects; arrows come through the reader's keys.
    useEffect(() => {
      const onKey = (e: KeyboardEvent) => {
        if (e.key !== ' ' || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
        const t = e.target as HTMLElement | null;
        if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || t.closest('dialog[open], .side-panel'))) return;
        // Also keeps a focused button (the toggle just pressed) from being pressed again.
        e.preventDefault();
        callbacks.current.onAction(e.shiftKey ? 'prev' : 'next');
      };
      window.addEventListener('keydown', onKey);
      return () => window.removeEventListener('keydown', onKey);
    }, []);

    const page = pages[pos.page];
    const panels = page ? panelsOf(page) : [];
    const panel = panels[Math.min(pos.panel, panels.length - 1)]!;
    const image = page?.image ?? null;
    const t = image && stage.width > 0 ? panelTransform(panel, image, stage) : null;

    // A panel drawn past the display image's pixels gets the page's full-size image, swapped in once decoded.
    const full = image?.full ?? null;
    const wantsFull = !!(t && image && full && page && !fullShown.has(page.number) && wantsFullForPanel(t, image, full.width, window.devicePixelRatio || 1));
    useEffect(() => {
      if (!wantsFull || !full || !page) return;
      let live = true;
      const img = new Image();
      img.src = mediaUrl(full.url);
      img.decode().then(
        () => live && setFullShown((s) => new Set(s).add(page.number)),
        () => {},
      );
      return () => {
        live = false;
      };
    }, [wantsFull, full, page]);

    if (!page) return <div ref={root} className="guided" />;
    // The rest of the page is covered by four stage-sized bars whose inner edges meet the panel's: only the panel shows,
    // and the bars move by transform alone, alongside the image.
    const hole =
      t && image
        ? { x: t.x + t.scale * panel.x * image.width, y: t.y + t.scale * panel.y * image.height, w: t.scale * panel.w * image.width, h: t.scale * panel.h * image.height }
        : null;
    const src = image ? mediaUrl(full && fullShown.has(page.number) ? full.url : image.url) : null;
    return (
      <div
        ref={root}
        className="guided"
        data-page={page.number}
        data-panel={pos.panel}
        data-panels={panels.length}
        data-animate={animate || undefined}
        data-entered={moved ?? undefined}
        data-direction={direction}
      >
        <div key={pos.page} className="guided-page">
          {image && t && src ? (
            <img
              className="guided-img"
              src={src}
              width={image.width}
              height={image.height}
              alt={page.alt}
              draggable={false}
              decoding="async"
              style={{ width: image.width, height: image.height, transform: transformCss(t) } as CSSProperties}
            />
          ) : image ? null : (
            <p className="guided-note" role="img" aria-label={page.kind === 'blank' ? `Page ${page.number} (blank)` : page.alt}>
              {page.kind === 'blank' ? '' : `Page ${page.number} is not available.`}
            </p>
          )}
        </div>
        {hole ? (
          <div className="guided-mask" aria-hidden="true">
            <div style={{ transform: `translateY(${hole.y - stage.height}px)` }} />
            <div style={{ transform: `translateY(${hole.y + hole.h}px)` }} />
            <div style={{ transform: `translateX(${hole.x - stage.width}px)` }} />
            <div style={{ transform: `translateX(${hole.x + hole.w}px)` }} />
          </div>
        ) : null}
      </div>
    );
  }),
  (a, b) => a.pages === b.pages && a.direction === b.direction && a.animate === b.animate,
);

/**
 * Webtoon-style series (`layout: vertical`): one column of pages. A page counts
 * as displayed when at least half of it, or half of the viewport, shows it.
 * Pinch, double tap, ctrl+wheel and `+`/`-`/`0` zoom the column
 * (use-column-zoom.ts); a page drawn wider than its display image then gets
 * its full-size image, swapped in once decoded.
 */
import { forwardRef, useCallback, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { mediaUrl } from '../api/client';
import type { FlipbookHandle } from './FlipbookView';
import { type BookPage, MARK_FIRST_PAGE, MARK_PAGE_SHOWN } from './flipbook';
import { useColumnZoom } from './use-column-zoom';
import { type Point, type View, wantsFullImage } from './zoom';

interface Props {
  pages: BookPage[];
  startIndex: number;
  onShow(pages: number[]): void;
  /** A single touch tap on the column (the reader shows or hides its chrome). */
  onTap?(at: Point, view: View): void;
}

export const VerticalReader = forwardRef<FlipbookHandle, Props>(function VerticalReader({ pages, startIndex, onShow, onTap }, ref) {
  const scroller = useRef<HTMLDivElement>(null);
  const onShowRef = useRef(onShow);
  onShowRef.current = onShow;
  const visible = useRef(new Set<number>());
  /** Pages whose full-size image is decoded and shown, and those being fetched. */
  const [sharp, setSharp] = useState<ReadonlySet<number>>(() => new Set());
  const fetching = useRef(new Set<number>());

  // Every page on display that is drawn wider than its display image's pixels gets the full-size one.
  const sharpen = useCallback(() => {
    const root = scroller.current;
    if (!root) return;
    for (const i of visible.current) {
      const p = pages[i];
      if (!p?.image || !p.full || fetching.current.has(p.number)) continue;
      const el = root.querySelector<HTMLElement>(`.vertical-page[data-index="${i}"]`);
      if (
        !el ||
        !wantsFullImage({ renderedWidth: el.offsetWidth, scale: 1, devicePixelRatio: window.devicePixelRatio || 1, displayWidth: p.image.width, fullWidth: p.full.width })
      ) {
        continue;
      }
      fetching.current.add(p.number);
      const img = new Image();
      img.src = mediaUrl(p.full.url);
      img.decode().then(
        () => setSharp((s) => new Set(s).add(p.number)),
        () => fetching.current.delete(p.number),
      );
    }
  }, [pages]);
  const sharpenRef = useRef(sharpen);
  sharpenRef.current = sharpen;
  const zoom = useColumnZoom(scroller, { onTap: (at, view) => onTap?.(at, view), onScale: () => sharpen() });

  const items = () => Array.from(scroller.current?.querySelectorAll<HTMLElement>('.vertical-page') ?? []);
  const scrollTo = (i: number, smooth = true) => items()[i]?.scrollIntoView({ block: 'start', behavior: smooth ? 'smooth' : 'auto' });
  const current = () => Math.min(...(visible.current.size ? visible.current : new Set([startIndex])));

  // biome-ignore lint/correctness/useExhaustiveDependencies: observes the pages again only when they change; startIndex is where the column opens, not a page to jump back to on every change
  useEffect(() => {
    const root = scroller.current;
    if (!root) return;
    scrollTo(startIndex, false);
    let marked = false;
    const io = new IntersectionObserver(
      (entries) => {
        for (const e of entries) {
          const i = Number((e.target as HTMLElement).dataset.index);
          const viewH = e.rootBounds?.height ?? window.innerHeight;
          const shown = e.isIntersecting && e.intersectionRect.height >= Math.min(e.boundingClientRect.height, viewH) * 0.5;
          if (shown) visible.current.add(i);
          else visible.current.delete(i);
        }
        const list = [...visible.current].sort((a, b) => a - b);
        if (list.length === 0) return;
        if (!marked) {
          marked = true;
          performance.mark(MARK_FIRST_PAGE, { detail: { pages: list.map((i) => pages[i]!.number) } });
        }
        performance.mark(MARK_PAGE_SHOWN, { detail: { pages: list.map((i) => pages[i]!.number) } });
        onShowRef.current(list);
        sharpenRef.current();
      },
      { root, threshold: [0, 0.25, 0.5, 0.75, 1] },
    );
    for (const el of items()) io.observe(el);
    return () => io.disconnect();
  }, [pages]);

  useImperativeHandle(ref, () => ({
    next: () => {
      const i = current() + 1;
      if (i >= pages.length) return false;
      scrollTo(i);
      return true;
    },
    prev: () => {
      const i = current() - 1;
      if (i < 0) return false;
      scrollTo(i);
      return true;
    },
    goTo: (i) => scrollTo(i),
    zoom: zoom.key,
  }));

  return (
    <div ref={scroller} className="vertical-reader" tabIndex={-1} data-zoomed={zoom.zoomed || undefined}>
      {pages.map((p, i) => (
        <div key={p.number} className="vertical-page" data-index={i} data-page={p.number}>
          {p.image ? (
            <img
              src={mediaUrl(p.full && sharp.has(p.number) ? p.full.url : p.image.url)}
              width={p.image.width}
              height={p.image.height}
              alt={p.alt}
              loading={Math.abs(i - startIndex) <= 2 ? 'eager' : 'lazy'}
              decoding="async"
            />
          ) : (
            <div className="vertical-blank" role="img" aria-label={p.alt} />
          )}
        </div>
      ))}
    </div>
  );
});

/**
 * Webtoon-style series (`layout: vertical`): one column of pages. A page counts
 * as displayed when at least half of it, or half of the viewport, shows it.
 */
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import { mediaUrl } from '../api/client';
import type { FlipbookHandle } from './FlipbookView';
import { type BookPage, MARK_FIRST_PAGE, MARK_PAGE_SHOWN } from './flipbook';

interface Props {
  pages: BookPage[];
  startIndex: number;
  onShow(pages: number[]): void;
}

export const VerticalReader = forwardRef<FlipbookHandle, Props>(function VerticalReader({ pages, startIndex, onShow }, ref) {
  const scroller = useRef<HTMLDivElement>(null);
  const onShowRef = useRef(onShow);
  onShowRef.current = onShow;
  const visible = useRef(new Set<number>());

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
  }));

  return (
    <div ref={scroller} className="vertical-reader" tabIndex={-1}>
      {pages.map((p, i) => (
        <div key={p.number} className="vertical-page" data-index={i} data-page={p.number}>
          {p.image ? (
            <img
              src={mediaUrl(p.image.url)}
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

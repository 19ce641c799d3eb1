/** Mounts a Flipbook into a React-owned frame; re-creates it when the book itself changes (pages, mode, direction). */
import { type CSSProperties, forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import type { Direction, ViewMode } from './book-layout';
import { type BookPage, dominantPageSize, Flipbook } from './flipbook';
import type { ZoomKey } from './zoom';

export interface FlipbookHandle {
  next(): boolean;
  prev(): boolean;
  goTo(readingIndex: number): void;
  /** The page is zoomed to `scale` (the flipbook loads full-size images past the display ones). */
  sharpen?(scale: number): void;
  /** `+`/`-`/`0` for a view that zooms itself (the vertical reader); the others are zoomed by the reader's stage. */
  zoom?(key: ZoomKey): void;
}

interface Props {
  pages: BookPage[];
  direction: Direction;
  mode: ViewMode;
  startIndex: number;
  animate: boolean;
  onShow(pages: number[]): void;
}

export const FlipbookView = forwardRef<FlipbookHandle, Props>(function FlipbookView({ pages, direction, mode, startIndex, animate, onShow }, ref) {
  const frame = useRef<HTMLDivElement>(null);
  const book = useRef<Flipbook | null>(null);
  /** What the last book showed, for the same pages only (a mode switch keeps the page; a new episode does not). */
  const shown = useRef<{ pagesKey: string; pages: number[] }>({ pagesKey: '', pages: [] });
  const onShowRef = useRef(onShow);
  onShowRef.current = onShow;
  const size = dominantPageSize(pages);

  // The book is rebuilt only when what it shows changes, not when thumbnails or text refresh.
  const pagesKey = pages.map((p) => `${p.number}:${p.image?.url ?? '-'}`).join(',');
  const bookKey = `${direction}|${mode}|${animate}|${pagesKey}`;

  // biome-ignore lint/correctness/useExhaustiveDependencies: rebuilt only when bookKey changes (direction, mode, animate, the pages' numbers and images); startIndex moves with every flip and thumbnails refresh, and rebuilding for those would restart the book
  useEffect(() => {
    const el = frame.current;
    if (!el) return;
    // Re-open where the previous book was (a mode switch keeps the page), else at the start page.
    const last = shown.current.pagesKey === pagesKey ? shown.current.pages : [];
    const at = last.length > 0 ? last[last.length - 1]! : startIndex;
    const b = new Flipbook(el, {
      pages,
      direction,
      mode,
      startIndex: Math.min(Math.max(0, at), pages.length - 1),
      animate,
      pageSize: size,
      onShow: (p) => {
        shown.current = { pagesKey, pages: p };
        onShowRef.current(p);
      },
    });
    book.current = b;
    const ro = new ResizeObserver(() => b.resize());
    ro.observe(el);
    return () => {
      ro.disconnect();
      b.destroy();
      book.current = null;
    };
  }, [bookKey]);

  const alts = pages.map((p) => p.alt).join('\n');
  useEffect(() => {
    book.current?.setAlts(alts.split('\n'));
  }, [alts, bookKey]);

  useImperativeHandle(
    ref,
    () => ({
      next: () => book.current?.next() ?? false,
      prev: () => book.current?.prev() ?? false,
      goTo: (i) => book.current?.goTo(i),
      sharpen: (scale) => book.current?.sharpen(scale),
    }),
    [],
  );

  const aspect = ((mode === 'spread' ? 2 : 1) * size.width) / size.height;
  return <div ref={frame} className={`book-frame book-frame--${mode}`} style={{ '--book-aspect': aspect } as CSSProperties} />;
});

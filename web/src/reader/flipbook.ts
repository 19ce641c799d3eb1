/**
 * The flipbook: page-flip (HTML mode) driven in reading terms. page-flip owns
 * the DOM it is given (it moves page elements, rewrites their inline styles
 * every frame and removes its root on destroy), so the pages are plain DOM
 * elements made here, inside a root element this class creates; React only
 * owns the container around it. Styling is by class (flipbook.css).
 *
 * Input (keys, click zones, swipes) is handled by the reader, which calls
 * next()/prev(): page-flip's own mouse handling is off, so the behaviour is the
 * same for both reading directions and with reduced motion (no animation:
 * turnToPage instead of flip).
 */
import { PageFlip } from 'page-flip/dist/js/page-flip.module.js';
import type { ImageRef } from '../../../src/contract/index.js';
import { mediaUrl } from '../api/client';
import { type BookLayout, bookLayout, type Direction, FILLER, spreadIndexOfArray, spreadIndexOfPage, spreadPages, stepSpread, type ViewMode } from './book-layout';
import { wantsFullImage } from './zoom';

export interface BookPage {
  number: number;
  kind: string;
  image: ImageRef | null;
  alt: string;
  color: string | null;
  /** A larger image than `image` (the display variant), loaded when zoomed past it; null when there is none. */
  full: ImageRef | null;
}

export interface FlipbookOptions {
  pages: BookPage[];
  direction: Direction;
  mode: ViewMode;
  /** Reading index to open at. */
  startIndex: number;
  animate: boolean;
  /** The page box (all pages of a book share one; images are fitted inside). */
  pageSize: { width: number; height: number };
  /** After each turn (and once at the start): the reading indices on display, ascending. */
  onShow(pages: number[]): void;
  /** Pages loaded ahead of the one on display (and kept behind it). */
  preloadAhead?: number;
}

export const FLIP_MS = 450;

/** Performance marks the bench reads (bench/web.ts). */
export const MARK_FIRST_PAGE = 'folio:first-page-visible';
export const MARK_PAGE_SHOWN = 'folio:page-shown';

export class Flipbook {
  readonly layout: BookLayout;
  private readonly root: HTMLElement;
  private readonly pf: PageFlip;
  /** Image element per reading index (null for pages without an image). */
  private readonly imgs: Array<HTMLImageElement | null>;
  private spread = -1;
  private destroyed = false;
  private firstShown = false;

  constructor(
    container: HTMLElement,
    private readonly opts: FlipbookOptions,
  ) {
    this.layout = bookLayout(opts.pages.length, opts.direction, opts.mode);
    this.root = document.createElement('div');
    this.root.className = `flipbook-root flipbook-root--${opts.mode}`;
    container.appendChild(this.root);

    this.imgs = opts.pages.map(() => null);
    const elements = this.layout.order.map((r) => (r === FILLER ? this.fillerElement() : this.pageElement(r)));

    const startArray = this.layout.spreads[spreadIndexOfPage(this.layout, opts.startIndex)]![0]!;
    const single = opts.mode === 'single';
    this.pf = new PageFlip(this.root, {
      size: 'stretch',
      width: opts.pageSize.width,
      height: opts.pageSize.height,
      // page-flip picks portrait (one page) when the book is narrower than 2 × minWidth:
      // a huge minWidth forces it, usePortrait:false forbids it. The min-width it then
      // writes inline is overridden in flipbook.css.
      minWidth: single ? 100_000 : 1,
      maxWidth: 100_000,
      minHeight: 1,
      maxHeight: 100_000,
      usePortrait: single,
      showCover: this.layout.showCover,
      autoSize: true,
      drawShadow: true,
      maxShadowOpacity: 0.35,
      flippingTime: FLIP_MS,
      startPage: startArray,
      useMouseEvents: false,
      showPageCorners: false,
      mobileScrollSupport: false,
    });
    // page-flip first shows array index 0 while it sets up (in a right-to-left book that is the
    // *last* page), then the start page: only what it shows once loaded counts as displayed.
    let loaded = false;
    this.pf.on('flip', (e) => {
      if (loaded) this.shown(spreadIndexOfArray(this.layout, e.data));
    });
    this.pf.loadFromHTML(elements);
    loaded = true;
    this.shown(spreadIndexOfArray(this.layout, this.pf.getCurrentPageIndex()));
  }

  /** Alt texts change when a page is reached (its description is withheld before): update them in place. */
  setAlts(alts: readonly string[]): void {
    alts.forEach((alt, r) => {
      const img = this.imgs[r];
      if (img && img.alt !== alt) img.alt = alt;
    });
  }

  /** Reading indices on display. */
  displayed(): number[] {
    return this.spread < 0 ? [] : spreadPages(this.layout, this.spread);
  }

  /** Turn one spread forward; false at the end of the book (the reader moves to the next episode). */
  next(): boolean {
    return this.turn(1);
  }

  prev(): boolean {
    return this.turn(-1);
  }

  goTo(readingIndex: number): void {
    const target = spreadIndexOfPage(this.layout, readingIndex);
    if (target === this.spread) return;
    const arrayIndex = this.layout.spreads[target]![0]!;
    if (this.opts.animate) this.pf.flip(arrayIndex, 'top');
    else this.pf.turnToPage(arrayIndex);
  }

  /**
   * The book is shown `scale` times larger (zoom): once that upscales a page's
   * display image on screen, its full-size image replaces it (and stays).
   */
  sharpen(scale: number): void {
    if (this.destroyed) return;
    for (const r of this.displayed()) {
      const img = this.imgs[r];
      const { image, full } = this.opts.pages[r]!;
      if (!img || !image || !full || img.dataset.source) continue;
      // object-fit: contain: the image's own width inside its page box.
      const renderedWidth = Math.min(img.clientWidth, (img.clientHeight * image.width) / image.height);
      if (!wantsFullImage({ renderedWidth, scale, devicePixelRatio: window.devicePixelRatio || 1, displayWidth: image.width, fullWidth: full.width })) continue;
      img.dataset.source = 'full';
      const url = mediaUrl(full.url);
      // Swapped in once decoded, so the page never goes blank meanwhile; a failure keeps the display image (and is not retried).
      const larger = new Image();
      larger.src = url;
      larger.decode().then(
        () => {
          if (!this.destroyed) img.src = url;
        },
        () => {
          img.dataset.source = 'failed';
        },
      );
    }
  }

  /** After the container changed size. */
  resize(): void {
    if (!this.destroyed) this.pf.update();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const render = this.pf.getRender();
    render.finishAnimation();
    render.stopped = true; // see web/build/page-flip-patch.ts
    this.pf.getUI().removeHandlers?.();
    this.pf.destroy(); // removes this.root
  }

  private turn(step: 1 | -1): boolean {
    const target = stepSpread(this.layout, this.spread, step);
    if (target === null) return false;
    if (!this.opts.animate) {
      this.pf.turnToPage(this.layout.spreads[target]![0]!);
      return true;
    }
    // page-flip's "next" is to the right: forward in a left-to-right book, backward in a right-to-left one.
    const pfNext = (step === 1) === (this.opts.direction === 'ltr');
    if (pfNext) this.pf.flipNext('top');
    else this.pf.flipPrev('top');
    return true;
  }

  private shown(spread: number): void {
    if (this.destroyed || spread === this.spread) return;
    this.spread = spread;
    const pages = this.displayed();
    this.loadAround(pages);
    const imgs = pages.map((r) => this.imgs[r]).filter((i): i is HTMLImageElement => i !== null);
    whenLoaded(imgs).then(() => {
      if (this.destroyed) return;
      const detail = { pages: pages.map((r) => this.opts.pages[r]!.number) };
      if (!this.firstShown) {
        this.firstShown = true;
        performance.mark(MARK_FIRST_PAGE, { detail });
      }
      performance.mark(MARK_PAGE_SHOWN, { detail });
    });
    this.opts.onShow(pages);
  }

  /** Images load only near the pages on display: the next ones are fetched and decoded ahead, so a turn shows them at once. */
  private loadAround(pages: number[]): void {
    const ahead = this.opts.preloadAhead ?? (this.opts.mode === 'spread' ? 4 : 3);
    const lo = Math.max(0, pages[0]! - 2);
    const hi = Math.min(this.opts.pages.length - 1, pages[pages.length - 1]! + ahead);
    for (let r = lo; r <= hi; r++) {
      const img = this.imgs[r];
      const image = this.opts.pages[r]!.image;
      if (!img || !image || img.getAttribute('src')) continue;
      const onDisplay = pages.includes(r);
      img.fetchPriority = onDisplay ? 'high' : 'low';
      img.src = mediaUrl(image.url);
      // Decoding off-screen images now makes the turn itself cheap.
      if (!onDisplay) img.decode().catch(() => {});
    }
  }

  private pageElement(r: number): HTMLElement {
    const page = this.opts.pages[r]!;
    const el = document.createElement('div');
    el.className = `flip-page flip-page--${page.kind}`;
    el.dataset.page = String(page.number);
    if (page.color) el.dataset.color = page.color;
    if (page.image) {
      const img = document.createElement('img');
      img.className = 'flip-page-img';
      img.width = page.image.width;
      img.height = page.image.height;
      img.alt = page.alt;
      img.decoding = 'async';
      img.draggable = false;
      img.dataset.page = String(page.number);
      img.addEventListener('error', () => el.classList.add('flip-page--error'));
      el.appendChild(img);
      this.imgs[r] = img;
    } else {
      const note = document.createElement('p');
      note.className = 'flip-page-note';
      note.textContent = page.kind === 'blank' ? '' : `Page ${page.number} is not available.`;
      el.appendChild(note);
      el.setAttribute('role', 'img');
      el.setAttribute('aria-label', page.kind === 'blank' ? `Page ${page.number} (blank)` : page.alt);
    }
    return el;
  }

  private fillerElement(): HTMLElement {
    const el = document.createElement('div');
    el.className = 'flip-page flip-page--filler';
    el.setAttribute('aria-hidden', 'true');
    return el;
  }
}

function whenLoaded(imgs: HTMLImageElement[]): Promise<void> {
  return Promise.all(
    imgs.map((img) =>
      img.complete && img.naturalWidth > 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            img.addEventListener('load', () => resolve(), { once: true });
            img.addEventListener('error', () => resolve(), { once: true });
          }),
    ),
  ).then(() => {});
}

/** The page box of a book: the most common image size among its pages (title strips and odd pages are fitted into it). */
export function dominantPageSize(pages: BookPage[]): { width: number; height: number } {
  const counts = new Map<string, { width: number; height: number; n: number }>();
  for (const p of pages) {
    if (!p.image) continue;
    const key = `${p.image.width}x${p.image.height}`;
    const c = counts.get(key) ?? { width: p.image.width, height: p.image.height, n: 0 };
    c.n++;
    counts.set(key, c);
  }
  let best: { width: number; height: number; n: number } | null = null;
  for (const c of counts.values()) if (!best || c.n > best.n || (c.n === best.n && c.height / c.width > best.height / best.width)) best = c;
  return best ? { width: best.width, height: best.height } : { width: 800, height: 1130 };
}

/**
 * Page thumbnails for the episode. Pages past the reader's position come from
 * the API without a thumbnail (placeholder only), so the strip cannot show
 * what has not been read; it renders exactly what it is given.
 *
 * On phones it sits in the reading toolbar at the bottom (thumb reach): the
 * previous / next page, Pages (the strip, collapsed until tapped) and Ask. The
 * toolbar overlays the page and slides away with the header; on wider screens
 * the toolbar is not shown (the header has these) and the strip is as before.
 */
import { useEffect, useRef } from 'react';
import { isPlaceholder, type Page } from '../../../src/contract/index.js';
import { mediaUrl } from '../api/client';
import { Blurhash } from '../ui/Blurhash';

export function ThumbnailStrip({
  pages,
  displayed,
  direction,
  onOpen,
  open,
  onToggle,
  onTurn,
  step = 'page',
  ask,
}: {
  pages: Page[];
  displayed: number[];
  direction: 'ltr' | 'rtl';
  onOpen: (readingIndex: number) => void;
  /** The strip is expanded. */
  open: boolean;
  onToggle: () => void;
  onTurn: (action: 'prev' | 'next') => void;
  /** What a turn moves by, for screen readers: a page, or a panel in guided view. */
  step?: 'page' | 'panel';
  /** The companion button of the phone toolbar (null: no chat panel). */
  ask: { pressed: boolean; onClick: (button: HTMLElement) => void } | null;
}) {
  const list = useRef<HTMLOListElement>(null);
  const first = displayed[0];
  useEffect(() => {
    if (first === undefined) return;
    const el = list.current?.children[first] as HTMLElement | undefined;
    el?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [first]);

  const strip = open ? (
    <nav className="strip" id="page-strip" aria-label="Pages">
      <ol ref={list} className="strip-list" dir={direction}>
        {pages.map((p, i) => {
          const t = p.thumbnail;
          const current = displayed.includes(i);
          const ratio = t && t.width > 0 && t.height > 0 ? `${t.width} / ${t.height}` : '3 / 4';
          return (
            <li key={p.number} className={`strip-item ${current ? 'strip-item--current' : ''}`}>
              <button
                type="button"
                className="strip-button"
                onClick={() => onOpen(i)}
                aria-current={current ? 'page' : undefined}
                aria-label={p.reached ? `Page ${p.number}` : `Page ${p.number} (not read yet)`}
                data-page={p.number}
                data-reached={p.reached}
              >
                <span className="strip-thumb" style={{ aspectRatio: ratio }}>
                  {t === null ? null : isPlaceholder(t) ? (
                    <Blurhash hash={t.blurhash} color={t.color} />
                  ) : (
                    <img src={mediaUrl(t.url)} width={t.width} height={t.height} alt="" loading="lazy" decoding="async" />
                  )}
                </span>
                <span className="strip-number" aria-hidden="true">
                  {p.number}
                </span>
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  ) : null;
  return (
    <div className="reader-dock" data-open={open || undefined}>
      <div className="dock-inner">
        {strip}
        <div className="dock-bar" role="toolbar" aria-label="Reading" dir={direction}>
          <button type="button" className="dock-button" onClick={() => onTurn('prev')} aria-label={`Previous ${step}`} data-testid="dock-prev">
            <span aria-hidden="true">{direction === 'ltr' ? '‹' : '›'}</span>
          </button>
          <button
            type="button"
            className="dock-button dock-button--wide"
            aria-expanded={open}
            aria-controls={open ? 'page-strip' : undefined}
            onClick={onToggle}
            data-testid="dock-pages"
          >
            <span className="dock-grip" aria-hidden="true" />
            Pages
          </button>
          {ask ? (
            <button
              type="button"
              className="dock-button dock-button--wide dock-button--accent"
              aria-pressed={ask.pressed}
              onClick={(e) => ask.onClick(e.currentTarget)}
              data-testid="dock-ask"
            >
              Ask
            </button>
          ) : null}
          <button type="button" className="dock-button" onClick={() => onTurn('next')} aria-label={`Next ${step}`} data-testid="dock-next">
            <span aria-hidden="true">{direction === 'ltr' ? '›' : '‹'}</span>
          </button>
        </div>
      </div>
    </div>
  );
}

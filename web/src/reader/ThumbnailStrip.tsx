/**
 * Page thumbnails for the episode. Pages past the reader's position come from
 * the API without a thumbnail (placeholder only), so the strip cannot show
 * what has not been read; it renders exactly what it is given.
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
}: {
  pages: Page[];
  displayed: number[];
  direction: 'ltr' | 'rtl';
  onOpen: (readingIndex: number) => void;
}) {
  const list = useRef<HTMLOListElement>(null);
  const first = displayed[0];
  useEffect(() => {
    if (first === undefined) return;
    const el = list.current?.children[first] as HTMLElement | undefined;
    el?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [first]);

  return (
    <nav className="strip" aria-label="Pages">
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
  );
}

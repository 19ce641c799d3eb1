/** A cover or thumbnail: the image, or its placeholder, in a box of the right aspect ratio (no layout shift). */

import { type Cover, isPlaceholder } from '../../../src/contract/index.js';
import { mediaUrl } from '../api/client';
import { Blurhash } from './Blurhash';

export function CoverImage({ cover, alt, className, eager }: { cover: Cover | null; alt: string; className?: string; eager?: boolean }) {
  const ratio = cover && cover.width > 0 && cover.height > 0 ? `${cover.width} / ${cover.height}` : '3 / 2';
  return (
    <div className={`cover ${className ?? ''}`} style={{ aspectRatio: ratio, backgroundColor: cover && !isPlaceholder(cover) ? cover.color : undefined }}>
      {cover === null ? (
        <div className="cover-empty" aria-hidden="true" />
      ) : isPlaceholder(cover) ? (
        <Blurhash hash={cover.blurhash} color={cover.color} />
      ) : (
        <img src={mediaUrl(cover.url)} width={cover.width} height={cover.height} alt={alt} loading={eager ? 'eager' : 'lazy'} decoding="async" />
      )}
    </div>
  );
}

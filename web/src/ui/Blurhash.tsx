/** A blurred stand-in for an image the reader has not reached: its blurhash on a canvas, over its dominant colour. */
import { decode } from 'blurhash';
import { useEffect, useRef } from 'react';

const SIZE = 32;

export function Blurhash({ hash, color, className }: { hash: string | null; color: string | null; className?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas || !hash) return;
    try {
      const pixels = decode(hash, SIZE, SIZE);
      const ctx = canvas.getContext('2d');
      if (!ctx) return;
      const data = ctx.createImageData(SIZE, SIZE);
      data.data.set(pixels);
      ctx.putImageData(data, 0, 0);
    } catch {
      /* an invalid hash leaves the colour */
    }
  }, [hash]);
  return (
    // biome-ignore lint/a11y/noAriaHiddenOnFocusable: a canvas without tabIndex is not focusable; the placeholder is decorative and hidden from assistive technology
    <canvas
      ref={ref}
      width={SIZE}
      height={SIZE}
      className={`blurhash ${className ?? ''}`}
      style={{ backgroundColor: color ?? undefined }}
      aria-hidden="true"
      data-placeholder="true"
    />
  );
}

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DISPLAY_MAX_WIDTH, makeVariants } from './images.js';

const flat = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#3366aa' } })
    .jpeg()
    .toBuffer();

/** Two panels side by side on white paper. */
async function twoPanels(width: number, height: number): Promise<Buffer> {
  const box = await sharp({ create: { width: Math.round(width * 0.42), height: Math.round(height * 0.9), channels: 3, background: '#553322' } })
    .png()
    .toBuffer();
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([
      { input: box, left: Math.round(width * 0.05), top: Math.round(height * 0.05) },
      { input: box, left: Math.round(width * 0.53), top: Math.round(height * 0.05) },
    ])
    .jpeg()
    .toBuffer();
}

describe('makeVariants', () => {
  it('keeps a full-size copy of a page wider than its display variant, for zooming', async () => {
    const v = await makeVariants(await flat(2400, 3000), { full: true });
    expect(v.display.width).toBe(DISPLAY_MAX_WIDTH);
    expect(v.full).toMatchObject({ width: 2400, height: 3000 });
    expect((await sharp(v.full!.bytes).metadata()).format).toBe('webp');
  });

  it('keeps none when the display variant is the page at full size, or when not asked', async () => {
    expect((await makeVariants(await flat(800, 1130), { full: true })).full).toBeUndefined();
    expect((await makeVariants(await flat(2400, 3000))).full).toBeUndefined();
  });

  it('caps the full-size copy at 4096 px wide', async () => {
    const v = await makeVariants(await flat(5000, 1000), { full: true });
    expect(v.full?.width).toBe(4096);
  });

  it('finds the panels of a page when asked (pages only), null when unsure', async () => {
    const page = await makeVariants(await twoPanels(800, 600), { panels: true });
    expect(page.panels).toHaveLength(2);
    expect(page.panels![0]!.w).toBeGreaterThan(0.4);
    expect((await makeVariants(await flat(800, 600), { panels: true })).panels).toBeNull();
    expect((await makeVariants(await twoPanels(800, 600))).panels).toBeUndefined();
  });
});

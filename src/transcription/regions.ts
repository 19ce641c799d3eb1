/**
 * Text-region detection on a comic page, without any model: lettering is dark glyphs on a light
 * ground (balloons, captions, signs). The page is scanned at a normalised width; dark connected
 * components of glyph size whose surroundings are mostly light are kept as glyphs, glyphs are
 * chained into lines and lines stacked into blocks. Each block is one region to read.
 *
 * Pure functions over a greyscale raster (one byte a pixel), so they are testable without images.
 */

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Gray {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A detected block of lettering, in the coordinates of the raster it was found in. */
export interface Block extends Box {
  /** Number of glyph components in it. */
  glyphs: number;
  /** Median glyph height, in pixels. */
  glyphHeight: number;
  /** The line boxes of the block, top to bottom. */
  lines: Box[];
}

interface Comp {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  area: number;
}

export interface DetectOptions {
  /** A pixel this much darker than the lightest one near it is ink (0..255). */
  contrast?: number;
  /** A pixel lighter than this is ground (0..255). */
  lightThreshold?: number;
  /** Largest standard deviation of the ground around a line of lettering. */
  maxRingStd?: number;
}

/** Grey-level dilation (the lightest value) over a (2r+1)² window, separable. */
export function maxFilter(img: Gray, r: number): Uint8Array {
  const { width, height, data } = img;
  const tmp = new Uint8Array(width * height);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let m = 0;
      const a = Math.max(0, x - r);
      const b = Math.min(width - 1, x + r);
      for (let k = a; k <= b; k++) {
        const v = data[row + k]!;
        if (v > m) m = v;
      }
      tmp[row + x] = m;
    }
  }
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      let m = 0;
      const a = Math.max(0, y - r);
      const b = Math.min(height - 1, y + r);
      for (let k = a; k <= b; k++) {
        const v = tmp[k * width + x]!;
        if (v > m) m = v;
      }
      out[y * width + x] = m;
    }
  }
  return out;
}

/** Otsu's threshold of a histogram of the pixels of a box. */
export function otsu(img: Gray, box: Box = { x: 0, y: 0, width: img.width, height: img.height }): number {
  const hist = new Float64Array(256);
  for (let y = box.y; y < box.y + box.height; y++) {
    const row = y * img.width;
    for (let x = box.x; x < box.x + box.width; x++) hist[img.data[row + x] as number]! += 1;
  }
  let total = 0;
  let sum = 0;
  for (let i = 0; i < 256; i++) {
    total += hist[i]!;
    sum += i * hist[i]!;
  }
  let sumB = 0;
  let wB = 0;
  let best = 0;
  let threshold = 128;
  for (let t = 0; t < 256; t++) {
    wB += hist[t]!;
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += t * hist[t]!;
    const mB = sumB / wB;
    const mF = (sum - sumB) / wF;
    const between = wB * wF * (mB - mF) * (mB - mF);
    if (between > best) {
      best = between;
      threshold = t;
    }
  }
  return threshold;
}

/** 8-connected components of the pixels where `mask` is 1. */
function components(mask: Uint8Array, width: number, height: number): Comp[] {
  const labels = new Int32Array(width * height);
  const out: Comp[] = [];
  const stack = new Int32Array(width * height);
  let next = 1;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 0 || labels[i] !== 0) continue;
    const c: Comp = { x0: width, y0: height, x1: -1, y1: -1, area: 0 };
    let sp = 0;
    stack[sp++] = i;
    labels[i] = next;
    while (sp > 0) {
      const p = stack[--sp]!;
      const px = p % width;
      const py = (p - px) / width;
      c.area++;
      if (px < c.x0) c.x0 = px;
      if (px > c.x1) c.x1 = px;
      if (py < c.y0) c.y0 = py;
      if (py > c.y1) c.y1 = py;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = py + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = px + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (mask[q] === 1 && labels[q] === 0) {
            labels[q] = next;
            stack[sp++] = q;
          }
        }
      }
    }
    next++;
    out.push(c);
  }
  return out;
}

/** Fraction of light pixels on the ring `pad` pixels outside a component's box. */
function ringLight(img: Gray, c: Comp, pad: number, light: number): { frac: number; mean: number } {
  const x0 = Math.max(0, c.x0 - pad);
  const x1 = Math.min(img.width - 1, c.x1 + pad);
  const y0 = Math.max(0, c.y0 - pad);
  const y1 = Math.min(img.height - 1, c.y1 + pad);
  let n = 0;
  let l = 0;
  let s = 0;
  const visit = (x: number, y: number) => {
    const v = img.data[y * img.width + x]!;
    n++;
    s += v;
    if (v >= light) l++;
  };
  for (let x = x0; x <= x1; x++) {
    visit(x, y0);
    visit(x, y1);
  }
  for (let y = y0 + 1; y < y1; y++) {
    visit(x0, y);
    visit(x1, y);
  }
  return { frac: n ? l / n : 0, mean: n ? s / n : 0 };
}

/** Mean and standard deviation of a raster's values in a rectangle (inclusive). */
function boxStats(data: Uint8Array, width: number, x0: number, y0: number, x1: number, y1: number): { mean: number; std: number } {
  let n = 0;
  let s = 0;
  let s2 = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const v = data[y * width + x]!;
      n++;
      s += v;
      s2 += v * v;
    }
  }
  const mean = n ? s / n : 0;
  return { mean, std: n ? Math.sqrt(Math.max(0, s2 / n - mean * mean)) : 0 };
}

/** Mean absolute difference of neighbouring values in a rectangle: texture, not gradients. */
function roughness(data: Uint8Array, width: number, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  let s = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const v = data[y * width + x]!;
      s += Math.abs(v - data[y * width + x + 1]!) + Math.abs(v - data[(y + 1) * width + x]!);
      n += 2;
    }
  }
  return n ? s / n : 0;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

/**
 * Blocks of lettering in a page raster. Tuned for a page about 800 pixels wide (callers scale the
 * page to that width first): glyphs 5..48 pixels tall.
 */
export function detectBlocks(img: Gray, opts: DetectOptions = {}): Block[] {
  return detect(img, opts).blocks;
}

/**
 * Blocks of lettering, and the light ground of the page: 1 where the lightest pixel within 5 pixels
 * is light (balloon and caption interiors and their lettering), 0 elsewhere (art).
 */
export function detect(img: Gray, opts: DetectOptions = {}): { blocks: Block[]; ground: Uint8Array } {
  const contrast = opts.contrast ?? 70;
  const light = opts.lightThreshold ?? 170;
  const { width, height, data } = img;
  // Ink: a pixel much darker than the lightest pixel around it, that one being light (lettering
  // of any dark colour on a light ground).
  const bg = maxFilter(img, 5);
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = bg[i]! >= light && bg[i]! - data[i]! >= contrast ? 1 : 0;

  const glyphs: Comp[] = [];
  for (const c of components(mask, width, height)) {
    const w = c.x1 - c.x0 + 1;
    const h = c.y1 - c.y0 + 1;
    if (h > 48 || w > 64) continue;
    if (h < 2 && w < 2) continue;
    // Dots and commas are kept when tiny (punctuation), but only for lines we already have.
    const fill = c.area / (w * h);
    if (fill > 0.95 && w * h > 30) continue; // solid blobs are art, not strokes
    const ring = ringLight(img, c, 2, light);
    if (ring.frac < 0.55) continue;
    glyphs.push(c);
  }

  // Chain glyphs into lines: sort by x, join a glyph to a line whose right end is near and whose
  // vertical span overlaps.
  glyphs.sort((a, b) => a.x0 - b.x0);
  interface Line {
    x0: number;
    y0: number;
    x1: number;
    y1: number;
    comps: Comp[];
    big: number;
  }
  const lines: Line[] = [];
  for (const g of glyphs) {
    const gh = g.y1 - g.y0 + 1;
    let bestLine: Line | undefined;
    let bestGap = Number.POSITIVE_INFINITY;
    for (const ln of lines) {
      const lh = Math.max(ln.y1 - ln.y0 + 1, 6);
      const gap = g.x0 - ln.x1;
      if (gap > Math.max(lh, 8) * 1.1 || gap < -lh) continue;
      const overlap = Math.min(ln.y1, g.y1) - Math.max(ln.y0, g.y0) + 1;
      if (overlap < Math.min(gh, lh) * 0.5) continue;
      if (gh > 2.2 * lh && lh >= 6) continue;
      if (gap < bestGap) {
        bestGap = gap;
        bestLine = ln;
      }
    }
    if (bestLine) {
      bestLine.x0 = Math.min(bestLine.x0, g.x0);
      bestLine.x1 = Math.max(bestLine.x1, g.x1);
      bestLine.y0 = Math.min(bestLine.y0, g.y0);
      bestLine.y1 = Math.max(bestLine.y1, g.y1);
      bestLine.comps.push(g);
      if (gh >= 5) bestLine.big++;
    } else {
      lines.push({ x0: g.x0, y0: g.y0, x1: g.x1, y1: g.y1, comps: [g], big: gh >= 5 ? 1 : 0 });
    }
  }
  // A line needs at least two glyph-sized components (a lone "!" or "?" balloon keeps 2 too: dot + bar).
  const maxStd = opts.maxRingStd ?? 1.5;
  const kept = lines.filter((ln) => {
    if (!(ln.big >= 1 && ln.comps.length >= 2 && ln.y1 - ln.y0 + 1 >= 6)) return false;
    // Lettering sits on a flat ground: the ring around the line is light and even.
    const st = boxStats(bg, width, ln.x0, ln.y0, ln.x1, ln.y1);
    st.std = roughness(bg, width, ln.x0, ln.y0, ln.x1, ln.y1);
    return st.std <= maxStd && st.mean >= light;
  });

  // Stack lines into blocks: the next line starts within ~1.2 line heights below and overlaps horizontally.
  kept.sort((a, b) => a.y0 - b.y0);
  interface Blk {
    x0: number;
    y0: number;
    x1: number;
    y1: number;
    lines: Line[];
  }
  const blocks: Blk[] = [];
  const glyphMedian = (ln: Line) => median(ln.comps.map((c) => c.y1 - c.y0 + 1).filter((h) => h >= 5)) || ln.y1 - ln.y0 + 1;
  const STACK_RATIO = 1.5;
  for (const ln of kept) {
    const lh = ln.y1 - ln.y0 + 1;
    let target: Blk | undefined;
    for (const b of blocks) {
      const last = b.lines[b.lines.length - 1]!;
      const llh = last.y1 - last.y0 + 1;
      const vgap = ln.y0 - last.y1;
      if (vgap > Math.max(lh, llh) * 1.0 || vgap < -Math.min(lh, llh) * 0.6) continue;
      const hover = Math.min(b.x1, ln.x1) - Math.max(b.x0, ln.x0);
      if (hover < -Math.max(lh, llh)) continue;
      // Centred lettering: the centres of a balloon's lines are near each other, or the lines overlap well.
      const overlapFrac = hover / Math.min(b.x1 - b.x0 + 1, ln.x1 - ln.x0 + 1);
      if (overlapFrac < 0.3) continue;
      if (lh > 1.8 * llh || llh > 1.8 * lh) continue;
      const ga = glyphMedian(ln);
      const gb = glyphMedian(last);
      if (ga > gb * STACK_RATIO || gb > ga * STACK_RATIO) continue;
      target = b;
      break;
    }
    if (target) {
      target.x0 = Math.min(target.x0, ln.x0);
      target.x1 = Math.max(target.x1, ln.x1);
      target.y1 = Math.max(target.y1, ln.y1);
      target.y0 = Math.min(target.y0, ln.y0);
      target.lines.push(ln);
    } else {
      blocks.push({ x0: ln.x0, y0: ln.y0, x1: ln.x1, y1: ln.y1, lines: [ln] });
    }
  }

  // Blocks that overlap (a line chained into two neighbouring stacks) are one region: read once.
  for (let merged = true; merged; ) {
    merged = false;
    for (let i = 0; i < blocks.length && !merged; i++) {
      for (let j = i + 1; j < blocks.length && !merged; j++) {
        const a = blocks[i]!;
        const b = blocks[j]!;
        const ix = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
        const iy = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
        if (ix <= 0 || iy <= 0) continue;
        const smaller = Math.min((a.x1 - a.x0) * (a.y1 - a.y0), (b.x1 - b.x0) * (b.y1 - b.y0));
        if (ix * iy < smaller * 0.3) continue;
        a.x0 = Math.min(a.x0, b.x0);
        a.y0 = Math.min(a.y0, b.y0);
        a.x1 = Math.max(a.x1, b.x1);
        a.y1 = Math.max(a.y1, b.y1);
        a.lines = [...a.lines, ...b.lines].sort((p, q) => p.y0 - q.y0);
        blocks.splice(j, 1);
        merged = true;
      }
    }
  }
  const ground = new Uint8Array(width * height);
  for (let i = 0; i < ground.length; i++) ground[i] = bg[i]! >= light ? 1 : 0;
  return {
    ground,
    blocks: blocks.map((b) => {
      const comps = b.lines.flatMap((l) => l.comps);
      return {
        x: b.x0,
        y: b.y0,
        width: b.x1 - b.x0 + 1,
        height: b.y1 - b.y0 + 1,
        glyphs: comps.length,
        glyphHeight: median(comps.map((c) => c.y1 - c.y0 + 1).filter((h) => h >= 5)),
        lines: b.lines.map((l) => ({ x: l.x0, y: l.y0, width: l.x1 - l.x0 + 1, height: l.y1 - l.y0 + 1 })),
      };
    }),
  };
}

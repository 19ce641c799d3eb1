/**
 * Generates every image of the bundled sample series "Moth and Lantern" (samples/moth-and-lantern/).
 *
 *   npx tsx scripts/generate-sample.ts [--preview-dir /tmp/ml-preview]
 *
 * The art is drawn as SVG (flat shapes, gradients, geometric characters, balloons) and rasterised with sharp.
 * The lettering is read from each episode.yaml, so the text on the pages always matches the `dialogue` field:
 * every panel below declares how many dialogue lines it letters, and the script fails if the counts disagree.
 *
 * Outputs (all committed to the repo; this script only regenerates them):
 *   episodes/<ep>/pages/NNN.jpg   story and credits pages 800×1130, title strips 800×240
 *   episodes/<ep>/cover.jpg       600×417 with the title lettered
 *   world/images/<slug>.webp      256×256 avatars
 *
 * Deterministic: no clocks, no Math.random (a seeded PRNG), fixed encoder settings, no metadata.
 * Fonts: DejaVu Sans (installed system font). Licence: MIT, like the series itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { parse } from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERIES_DIR = path.join(ROOT, 'samples', 'moth-and-lantern');
const FONT = 'DejaVu Sans';
const PAGE_W = 800;
const PAGE_H = 1130;
const STRIP_H = 240;
const COVER_W = 600;
const COVER_H = 417;
const AVATAR = 256;
// quality 76 + mozjpeg: visually identical to 80 on this flat art, ~10% smaller (lettering is most of the bytes)
const JPEG_OPTS = { quality: 76, mozjpeg: true } as const;
const WEBP_OPTS = { quality: 82, effort: 6 } as const;
const INK = '#1d1a26';

// ───────────────────────────── utilities ─────────────────────────────

type Pt = [number, number];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Rounds to 1 decimal so the SVG text stays short and stable. */
function r1(n: number): number {
  return Math.round(n * 10) / 10;
}

function pick<T>(arr: readonly T[], i: number): T {
  const v = arr[((i % arr.length) + arr.length) % arr.length];
  if (v === undefined) throw new Error('pick from empty array');
  return v;
}

/** Approximate advance width of DejaVu Sans glyphs, in em. */
function charWidth(ch: string): number {
  if (ch === ' ') return 0.32;
  if ("il.,:;!|'’".includes(ch)) return 0.3;
  if ('fjrt()[]-'.includes(ch)) return 0.42;
  if ('mwMW'.includes(ch)) return 0.9;
  if (ch === '…') return 1.0;
  if (ch >= 'A' && ch <= 'Z') return 0.72;
  if (ch >= '0' && ch <= '9') return 0.64;
  return 0.6;
}

function textWidth(s: string, size: number, bold = false): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch);
  return w * size * (bold ? 1.1 : 1);
}

function wrap(text: string, maxW: number, size: number, bold = false): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let cur = '';
  for (const word of words) {
    const next = cur ? `${cur} ${word}` : word;
    if (cur && textWidth(next, size, bold) > maxW) {
      lines.push(cur);
      cur = word;
    } else {
      cur = next;
    }
  }
  if (cur) lines.push(cur);
  return lines;
}

// ───────────────────────────── palettes ─────────────────────────────

interface Palette {
  name: string;
  skyTop: string;
  skyBottom: string;
  paper: string;
  houses: readonly string[];
  roof: string;
  window: string;
  darkWindow: string;
  glow: string;
  water: string;
  waterDeep: string;
  waterLine: string;
  stone: string;
  stoneDark: string;
  caption: string;
  sfx: string;
  titleA: string;
  titleB: string;
}

const PALETTES: Record<number, Palette> = {
  1: {
    name: 'dusk',
    skyTop: '#2a2c5e',
    skyBottom: '#ee9a6a',
    paper: '#f4ead3',
    houses: ['#4d3f66', '#5b4772', '#413659', '#6b4d6f', '#55425f'],
    roof: '#2f2742',
    window: '#ffd27a',
    darkWindow: '#2b2439',
    glow: '#ffc85a',
    water: '#34467a',
    waterDeep: '#1f2a52',
    waterLine: '#9cb0e0',
    stone: '#8a6f6a',
    stoneDark: '#5e4a4f',
    caption: '#fbe6a6',
    sfx: '#ffb347',
    titleA: '#2a2c5e',
    titleB: '#e8895d',
  },
  2: {
    name: 'undercroft',
    skyTop: '#0d2428',
    skyBottom: '#24514f',
    paper: '#dfe8e1',
    houses: ['#2b4447', '#324f50', '#263c40', '#3a5655'],
    roof: '#182b2e',
    window: '#ffd27a',
    darkWindow: '#182628',
    glow: '#ffcc66',
    water: '#1b4345',
    waterDeep: '#0c2124',
    waterLine: '#6fb0a6',
    stone: '#4f6b66',
    stoneDark: '#2f4744',
    caption: '#f3e2a3',
    sfx: '#ffc24d',
    titleA: '#0d2428',
    titleB: '#2f6b66',
  },
  3: {
    name: 'night',
    skyTop: '#090d2b',
    skyBottom: '#2a336e',
    paper: '#efe6cf',
    houses: ['#1d2148', '#262b57', '#2d3161', '#21264f'],
    roof: '#12152f',
    window: '#ffd36b',
    darkWindow: '#161a38',
    glow: '#ffd36b',
    water: '#1f2a5c',
    waterDeep: '#0f1538',
    waterLine: '#7f8fd0',
    stone: '#5d5a7a',
    stoneDark: '#3b3957',
    caption: '#fbe6a6',
    sfx: '#ffd24a',
    titleA: '#090d2b',
    titleB: '#3a3f86',
  },
};

const SKIN = '#f2c6a0';
const SKIN_OLD = '#e2b18c';
const ADA_COAT = '#c8503a';
const ADA_COAT_DARK = '#9a3a2b';
const ADA_HAIR = '#3a2418';
const SCARF = '#f0b429';
const TOBIN_COAT = '#7a5236';
const TOBIN_COAT_DARK = '#5a3b27';
const HAT = '#3a2b22';
const BEARD = '#cfc9bf';
const CLOAK = '#6c7581';
const CLOAK_DARK = '#4d5561';
const MOTH = '#efe2bf';
const MOTH_WING = '#e2cd9c';
const MOTH_WING2 = '#d3b982';
const MOTH_DARK = '#8c6a45';

// ───────────────────────────── drawing context ─────────────────────────────

class Ctx {
  readonly parts: string[] = [];
  readonly defs: string[] = [];
  readonly anchors = new Map<string, Pt>();
  private n = 0;
  constructor(
    readonly w: number,
    readonly h: number,
    readonly pal: Palette,
    private readonly prefix: string,
  ) {}
  id(kind: string): string {
    return `${this.prefix}${kind}${this.n++}`;
  }
  add(svg: string): void {
    this.parts.push(svg);
  }
  anchor(name: string, x: number, y: number): void {
    this.anchors.set(name, [x, y]);
  }
  linear(stops: ReadonlyArray<readonly [number, string, number?]>, x1 = 0, y1 = 0, x2 = 0, y2 = 1): string {
    const id = this.id('lg');
    const st = stops.map(([o, c, a]) => `<stop offset="${o}" stop-color="${c}"${a === undefined ? '' : ` stop-opacity="${a}"`}/>`).join('');
    this.defs.push(`<linearGradient id="${id}" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}">${st}</linearGradient>`);
    return `url(#${id})`;
  }
  radial(color: string, inner = 0.9, mid = 0.35): string {
    const id = this.id('rg');
    this.defs.push(
      `<radialGradient id="${id}"><stop offset="0" stop-color="${color}" stop-opacity="${inner}"/>` +
        `<stop offset="0.45" stop-color="${color}" stop-opacity="${mid}"/>` +
        `<stop offset="1" stop-color="${color}" stop-opacity="0"/></radialGradient>`,
    );
    return `url(#${id})`;
  }
  glow(x: number, y: number, r: number, color: string, inner = 0.9, mid = 0.35): void {
    this.add(`<circle cx="${r1(x)}" cy="${r1(y)}" r="${r1(r)}" fill="${this.radial(color, inner, mid)}"/>`);
  }
}

// ───────────────────────────── props ─────────────────────────────

type LampState = 'lit' | 'dark' | 'cracked';

/** A hand lantern hanging from (0,0) in local units (about 40 tall). Returns SVG in local coordinates. */
function handLantern(c: Ctx, state: LampState | 'blaze'): string {
  const lit = state === 'lit' || state === 'blaze';
  const glass = lit ? '#fff0b8' : '#39425e';
  let s = '';
  if (lit) {
    s += `<circle cx="0" cy="22" r="${state === 'blaze' ? 80 : 52}" fill="${c.radial(c.pal.glow, 0.75, 0.25)}"/>`;
  }
  s += `<path d="M-5 2 A5 5 0 0 1 5 2" fill="none" stroke="#5a4326" stroke-width="2.5"/>`;
  s += `<path d="M-9 6 L9 6 L11 11 L-11 11 Z" fill="#8a6a3a" stroke="${INK}" stroke-width="1.5"/>`;
  s += `<rect x="-9" y="11" width="18" height="22" rx="2" fill="${glass}" stroke="${INK}" stroke-width="1.5"/>`;
  s += `<line x1="0" y1="11" x2="0" y2="33" stroke="#8a6a3a" stroke-width="1.5"/>`;
  if (lit) s += `<path d="M0 15 Q4 21 3 25 Q0 29 -3 25 Q-4 21 0 15 Z" fill="#ff9a2e"/>`;
  if (state === 'cracked') {
    s += `<path d="M-6 14 L-1 20 L-5 24 L1 29 M-1 20 L5 17" fill="none" stroke="#dfe6f5" stroke-width="1.2"/>`;
  }
  s += `<path d="M-11 33 L11 33 L9 38 L-9 38 Z" fill="#8a6a3a" stroke="${INK}" stroke-width="1.5"/>`;
  return s;
}

function flamePath(x: number, y: number, s: number, color = '#ffb03a'): string {
  return `<path transform="translate(${r1(x)} ${r1(y)}) scale(${s})" d="M0 -14 Q8 -4 5 4 Q0 9 -5 4 Q-8 -4 0 -14 Z" fill="${color}"/>`;
}

function jar(c: Ctx, x: number, y: number, s: number, lit = true, tilt = 0): void {
  let g = '';
  if (lit) g += `<circle cx="0" cy="-14" r="34" fill="${c.radial(c.pal.glow, 0.8, 0.3)}"/>`;
  g += `<path d="M-11 -30 L11 -30 L12 -26 Q16 -22 16 -14 L16 0 Q16 4 12 4 L-12 4 Q-16 4 -16 0 L-16 -14 Q-16 -22 -12 -26 Z" fill="${lit ? '#fff3c6' : '#3c4a5a'}" fill-opacity="${lit ? 0.95 : 0.8}" stroke="${INK}" stroke-width="1.6"/>`;
  g += `<rect x="-12" y="-35" width="24" height="6" rx="2" fill="#7b5a34" stroke="${INK}" stroke-width="1.4"/>`;
  if (lit) {
    g += flamePath(0, -8, 0.85, '#ff9f2e');
    g += flamePath(0, -7, 0.45, '#fff6d0');
  }
  g += `<path d="M-11 -22 Q-13 -12 -11 -3" fill="none" stroke="#ffffff" stroke-opacity="0.55" stroke-width="2"/>`;
  c.add(`<g transform="translate(${r1(x)} ${r1(y)}) rotate(${tilt}) scale(${s})">${g}</g>`);
}

function lampPost(c: Ctx, x: number, baseY: number, s: number, state: LampState): void {
  const lit = state === 'lit';
  let g = '';
  g += `<rect x="-3" y="-170" width="6" height="170" fill="#2b2536"/>`;
  g += `<rect x="-8" y="-8" width="16" height="8" fill="#2b2536"/>`;
  g += `<path d="M-10 -170 L10 -170 M-14 -196 L14 -196" stroke="#2b2536" stroke-width="3"/>`;
  if (lit) g += `<circle cx="0" cy="-184" r="70" fill="${c.radial(c.pal.glow, 0.8, 0.28)}"/>`;
  g += `<path d="M-11 -170 L11 -170 L14 -196 L-14 -196 Z" fill="${lit ? '#fff0b0' : '#3b4260'}" stroke="#2b2536" stroke-width="2"/>`;
  if (lit) g += flamePath(0, -180, 0.7, '#ff9f2e');
  if (state === 'cracked') g += `<path d="M-6 -192 L0 -184 L-4 -178 L3 -172 M0 -184 L7 -188" fill="none" stroke="#cfd8ee" stroke-width="1.3"/>`;
  g += `<path d="M-16 -196 L0 -206 L16 -196 Z" fill="#2b2536"/><circle cx="0" cy="-208" r="3" fill="#2b2536"/>`;
  c.add(`<g transform="translate(${r1(x)} ${r1(baseY)}) scale(${s})">${g}</g>`);
}

function sky(c: Ctx, top: string, bottom: string, y0 = 0, y1 = c.h): void {
  c.add(
    `<rect x="0" y="${y0}" width="${c.w}" height="${y1 - y0}" fill="${c.linear([
      [0, top],
      [1, bottom],
    ])}"/>`,
  );
}

function stars(c: Ctx, count: number, seed: number, maxY: number): void {
  const rnd = mulberry32(seed);
  let s = '';
  for (let i = 0; i < count; i++) {
    const x = rnd() * c.w;
    const y = rnd() * maxY;
    const r = 0.6 + rnd() * 1.4;
    s += `<circle cx="${r1(x)}" cy="${r1(y)}" r="${r1(r)}" fill="#fff7dc" fill-opacity="${r1(0.4 + rnd() * 0.6)}"/>`;
  }
  c.add(s);
}

interface HouseOpts {
  seed: number;
  baseY: number;
  minH: number;
  maxH: number;
  lit?: number;
  x0?: number;
  x1?: number;
  scale?: number;
  colors?: readonly string[];
  fade?: number;
}

function houses(c: Ctx, o: HouseOpts): void {
  const rnd = mulberry32(o.seed);
  const k = o.scale ?? 1;
  const colors = o.colors ?? c.pal.houses;
  let x = o.x0 ?? -20;
  const end = o.x1 ?? c.w + 20;
  let s = '';
  let i = 0;
  while (x < end) {
    const w = (62 + rnd() * 48) * k;
    const h = o.minH + rnd() * (o.maxH - o.minH);
    const top = o.baseY - h;
    const col = pick(colors, Math.floor(rnd() * 97) + i);
    const roofKind = rnd();
    s += `<rect x="${r1(x)}" y="${r1(top)}" width="${r1(w + 1)}" height="${r1(h + 1)}" fill="${col}"/>`;
    if (roofKind < 0.55) {
      s += `<path d="M${r1(x - 3)} ${r1(top)} L${r1(x + w / 2)} ${r1(top - w * 0.45)} L${r1(x + w + 3)} ${r1(top)} Z" fill="${c.pal.roof}"/>`;
    } else if (roofKind < 0.8) {
      const st = w / 5;
      s += `<path d="M${r1(x)} ${r1(top)} L${r1(x)} ${r1(top - st)} L${r1(x + st)} ${r1(top - st)} L${r1(x + st)} ${r1(top - 2 * st)} L${r1(x + w - st)} ${r1(top - 2 * st)} L${r1(x + w - st)} ${r1(top - st)} L${r1(x + w)} ${r1(top - st)} L${r1(x + w)} ${r1(top)} Z" fill="${col}"/>`;
    } else {
      s += `<rect x="${r1(x - 2)}" y="${r1(top - 6 * k)}" width="${r1(w + 4)}" height="${r1(7 * k)}" fill="${c.pal.roof}"/>`;
    }
    if (rnd() < 0.5) {
      s += `<rect x="${r1(x + w * 0.7)}" y="${r1(top - w * 0.5)}" width="${r1(9 * k)}" height="${r1(w * 0.3)}" fill="${c.pal.roof}"/>`;
    }
    const cols = w > 85 * k ? 3 : 2;
    const rows = Math.max(1, Math.floor((h - 30 * k) / (46 * k)));
    const ww = 12 * k;
    const wh = 20 * k;
    for (let r = 0; r < rows; r++) {
      for (let q = 0; q < cols; q++) {
        const wx = x + (w / (cols + 1)) * (q + 1) - ww / 2;
        const wy = top + 16 * k + r * 46 * k;
        const lit = rnd() < (o.lit ?? 0.3);
        s += `<rect x="${r1(wx)}" y="${r1(wy)}" width="${r1(ww)}" height="${r1(wh)}" rx="${r1(5 * k)}" fill="${lit ? c.pal.window : c.pal.darkWindow}"/>`;
      }
    }
    x += w;
    i++;
  }
  c.add(s);
  if (o.fade) {
    c.add(`<rect x="0" y="0" width="${c.w}" height="${o.baseY}" fill="${c.pal.skyBottom}" fill-opacity="${o.fade}"/>`);
  }
}

function canal(c: Ctx, y: number, seed: number, reflections: number[] = []): void {
  const rnd = mulberry32(seed);
  c.add(
    `<rect x="0" y="${r1(y)}" width="${c.w}" height="${r1(c.h - y)}" fill="${c.linear([
      [0, c.pal.water],
      [1, c.pal.waterDeep],
    ])}"/>`,
  );
  let s = '';
  for (const rx of reflections) {
    s += `<rect x="${r1(rx - 8)}" y="${r1(y + 4)}" width="16" height="${r1((c.h - y) * 0.8)}" fill="${c.linear([
      [0, c.pal.glow, 0.55],
      [1, c.pal.glow, 0],
    ])}"/>`;
  }
  const n = Math.floor((c.h - y) / 14);
  for (let i = 0; i < n; i++) {
    const ly = y + 10 + i * 14 + rnd() * 6;
    const lx = rnd() * c.w;
    const lw = 30 + rnd() * 90;
    s += `<path d="M${r1(lx)} ${r1(ly)} q${r1(lw / 4)} -3 ${r1(lw / 2)} 0 t${r1(lw / 2)} 0" fill="none" stroke="${c.pal.waterLine}" stroke-opacity="0.45" stroke-width="2"/>`;
  }
  c.add(s);
}

function quay(c: Ctx, y0: number, y1: number, seed: number): void {
  const rnd = mulberry32(seed);
  c.add(`<rect x="0" y="${r1(y0)}" width="${c.w}" height="${r1(y1 - y0)}" fill="${c.pal.stone}"/>`);
  // brick courses as one path, drawn soft (low contrast keeps the JPEGs small)
  let d = '';
  const rowH = 18;
  for (let y = y0 + rowH; y < y1; y += rowH) d += `M0 ${r1(y)}H${c.w}`;
  let row = 0;
  for (let y = y0; y < y1; y += rowH) {
    for (let x = (row % 2) * 24 + rnd() * 6; x < c.w; x += 48) d += `M${r1(x)} ${r1(y)}V${r1(Math.min(y + rowH, y1))}`;
    row++;
  }
  c.add(`<path d="${d}" fill="none" stroke="${c.pal.stoneDark}" stroke-opacity="0.55" stroke-width="2"/>`);
  c.add(`<rect x="0" y="${r1(y0 - 6)}" width="${c.w}" height="8" fill="${c.pal.stoneDark}"/>`);
}

type TowerState = 'dim' | 'dark' | 'blaze' | 'out';

function tower(c: Ctx, x: number, baseY: number, s: number, state: TowerState): void {
  let g = '';
  const lampY = -440;
  if (state === 'blaze') {
    for (let i = 0; i < 12; i++) {
      const a = (i / 12) * Math.PI * 2;
      const a2 = a + 0.12;
      g += `<path d="M0 ${lampY} L${r1(Math.cos(a) * 900)} ${r1(lampY + Math.sin(a) * 900)} L${r1(Math.cos(a2) * 900)} ${r1(lampY + Math.sin(a2) * 900)} Z" fill="#fff3c0" fill-opacity="0.13"/>`;
    }
    g += `<circle cx="0" cy="${lampY}" r="260" fill="${c.radial('#ffe08a', 0.95, 0.4)}"/>`;
  } else if (state === 'dim') {
    g += `<circle cx="0" cy="${lampY}" r="120" fill="${c.radial('#ffb45a', 0.55, 0.18)}"/>`;
  }
  // body
  g += `<path d="M-46 0 L-36 -380 L36 -380 L46 0 Z" fill="#7b5b52" stroke="${INK}" stroke-width="3"/>`;
  let bricks = '';
  for (let y = -20, i = 0; y > -380; y -= 20, i++) {
    const half = 46 - (-y / 380) * 10;
    bricks += `<line x1="${r1(-half)}" y1="${y}" x2="${r1(half)}" y2="${y}" stroke="#5d4039" stroke-width="1.6"/>`;
    for (let bx = -half + (i % 2 ? 10 : 20); bx < half; bx += 20) {
      bricks += `<line x1="${r1(bx)}" y1="${y}" x2="${r1(bx)}" y2="${y + 20}" stroke="#5d4039" stroke-width="1.4"/>`;
    }
  }
  g += `<g stroke-opacity="0.6">${bricks}</g>`;
  g += `<path d="M-10 0 L-10 -42 A10 10 0 0 1 10 -42 L10 0 Z" fill="#2a1f22"/>`;
  g += `<rect x="-6" y="-250" width="12" height="22" rx="6" fill="${state === 'blaze' ? '#ffe7a0' : '#2a1f22'}"/>`;
  // gallery
  g += `<rect x="-52" y="-392" width="104" height="14" fill="#4a3a3a" stroke="${INK}" stroke-width="3"/>`;
  for (let bx = -48; bx <= 48; bx += 12) g += `<line x1="${bx}" y1="-392" x2="${bx}" y2="-410" stroke="${INK}" stroke-width="2.5"/>`;
  g += `<line x1="-52" y1="-410" x2="52" y2="-410" stroke="${INK}" stroke-width="3"/>`;
  // lamp room
  const glass = state === 'blaze' ? '#fff6d2' : state === 'dim' ? '#f2b866' : '#2b3560';
  g += `<rect x="-30" y="-470" width="60" height="62" fill="${glass}" stroke="${INK}" stroke-width="3"/>`;
  if (state === 'dim') g += flamePath(0, -432, 1.1, '#ff8a2a');
  if (state === 'blaze') g += flamePath(0, -430, 1.8, '#ffb43a') + flamePath(0, -428, 1.0, '#ffffff');
  if (state === 'out') g += `<path d="M0 -440 q-8 -14 2 -24 t-2 -26" fill="none" stroke="#c9cbd8" stroke-opacity="0.8" stroke-width="3"/>`;
  g += `<line x1="-10" y1="-470" x2="-10" y2="-408" stroke="${INK}" stroke-width="2.5"/><line x1="10" y1="-470" x2="10" y2="-408" stroke="${INK}" stroke-width="2.5"/>`;
  g += `<path d="M-38 -470 Q0 -520 38 -470 Z" fill="#3c4a6a" stroke="${INK}" stroke-width="3"/>`;
  g += `<line x1="0" y1="-496" x2="0" y2="-530" stroke="${INK}" stroke-width="3"/><circle cx="0" cy="-532" r="5" fill="${INK}"/>`;
  c.add(`<g transform="translate(${r1(x)} ${r1(baseY)}) scale(${s})">${g}</g>`);
}

/** A humped brick bridge whose deck is at deckY, with one arch opening down to the bottom of the panel. */
function bridge(c: Ctx, x0: number, x1: number, deckY: number): void {
  const mid = (x0 + x1) / 2;
  const span = (x1 - x0) * 0.3;
  const archTop = deckY + 40;
  const bottom = c.h + 10;
  c.add(
    `<path d="M${r1(x0)} ${bottom} L${r1(x0)} ${r1(deckY)} L${r1(x1)} ${r1(deckY)} L${r1(x1)} ${bottom} L${r1(mid + span)} ${bottom} ` +
      `L${r1(mid + span)} ${r1(archTop + span)} A${r1(span)} ${r1(span)} 0 0 0 ${r1(mid - span)} ${r1(archTop + span)} L${r1(mid - span)} ${bottom} Z" ` +
      `fill="${c.pal.stone}" stroke="${INK}" stroke-width="3"/>`,
  );
  c.add(
    `<path d="M${r1(mid - span - 10)} ${r1(archTop + span)} A${r1(span + 10)} ${r1(span + 10)} 0 0 1 ${r1(mid + span + 10)} ${r1(archTop + span)}" fill="none" stroke="${c.pal.stoneDark}" stroke-width="8"/>`,
  );
  c.add(`<rect x="${r1(x0)}" y="${r1(deckY - 14)}" width="${r1(x1 - x0)}" height="14" fill="${c.pal.stoneDark}" stroke="${INK}" stroke-width="3"/>`);
}

function cart(c: Ctx, x: number, baseY: number, s: number, litLanterns = 2): void {
  let g = '';
  g += `<path d="M-80 -40 L80 -40 L74 -96 L-74 -96 Z" fill="#8a5a34" stroke="${INK}" stroke-width="3"/>`;
  g += `<line x1="-70" y1="-68" x2="70" y2="-68" stroke="#6a4226" stroke-width="3"/>`;
  g += `<path d="M-84 -96 L-84 -150 M84 -96 L84 -150 M-90 -150 L90 -150" stroke="#5a3a22" stroke-width="5" fill="none"/>`;
  g += `<line x1="80" y1="-60" x2="150" y2="-48" stroke="#5a3a22" stroke-width="5"/>`;
  for (let i = 0; i < 5; i++) {
    const lx = -64 + i * 32;
    g += `<line x1="${lx}" y1="-150" x2="${lx}" y2="-138" stroke="${INK}" stroke-width="1.5"/>`;
    g += `<g transform="translate(${lx} -138) scale(0.9)">${handLantern(c, i < litLanterns ? 'lit' : 'dark')}</g>`;
  }
  for (const wx of [-48, 48]) {
    g += `<circle cx="${wx}" cy="-28" r="28" fill="#5a3a22" stroke="${INK}" stroke-width="3"/>`;
    g += `<circle cx="${wx}" cy="-28" r="6" fill="${INK}"/>`;
    for (let k = 0; k < 4; k++) {
      const a = (k / 4) * Math.PI;
      g += `<line x1="${r1(wx + Math.cos(a) * 24)}" y1="${r1(-28 + Math.sin(a) * 24)}" x2="${r1(wx - Math.cos(a) * 24)}" y2="${r1(-28 - Math.sin(a) * 24)}" stroke="#3a2616" stroke-width="2.5"/>`;
    }
  }
  c.add(`<g transform="translate(${r1(x)} ${r1(baseY)}) scale(${s})">${g}</g>`);
}

function grate(c: Ctx, x: number, y: number, w: number, h: number, open = false): void {
  let s = `<rect x="${r1(x)}" y="${r1(y)}" width="${r1(w)}" height="${r1(h)}" fill="#0d0b12" stroke="${INK}" stroke-width="3"/>`;
  if (!open) {
    for (let i = 1; i < 7; i++) {
      const bx = x + (w / 7) * i;
      s += `<line x1="${r1(bx)}" y1="${r1(y)}" x2="${r1(bx)}" y2="${r1(y + h)}" stroke="#54586a" stroke-width="5"/>`;
    }
    s += `<line x1="${r1(x)}" y1="${r1(y + h / 2)}" x2="${r1(x + w)}" y2="${r1(y + h / 2)}" stroke="#54586a" stroke-width="5"/>`;
  }
  c.add(s);
}

function ashTrail(c: Ctx, pts: Pt[], seed: number): void {
  const rnd = mulberry32(seed);
  let s = '';
  for (let i = 0; i < pts.length - 1; i++) {
    const [ax, ay] = pts[i] ?? [0, 0];
    const [bx, by] = pts[i + 1] ?? [0, 0];
    for (let k = 0; k < 10; k++) {
      const t = k / 10;
      const x = ax + (bx - ax) * t + (rnd() - 0.5) * 14;
      const y = ay + (by - ay) * t + (rnd() - 0.5) * 8;
      s += `<circle cx="${r1(x)}" cy="${r1(y)}" r="${r1(1.5 + rnd() * 2.5)}" fill="#b8b6c2" fill-opacity="0.85"/>`;
    }
  }
  c.add(s);
}

interface VaultOpts {
  seed: number;
  waterY: number;
  jars?: number;
  light?: boolean;
}

/** The Undercroft: receding brick arches standing in dark water, shelves of jars. */
function vaults(c: Ctx, o: VaultOpts): void {
  const rnd = mulberry32(o.seed);
  sky(c, c.pal.skyTop, c.pal.skyBottom);
  const layers = [
    { k: 0.45, col: '#34605c', y: o.waterY - 6 },
    { k: 0.7, col: '#2c4f4d', y: o.waterY },
    { k: 1.0, col: '#223d3c', y: o.waterY + 6 },
  ];
  for (const L of layers) {
    const archW = 150 * L.k;
    const colW = 34 * L.k;
    const archTop = L.y - 260 * L.k;
    const r = archW / 2;
    // one wall with arch-shaped holes (even-odd), so the farther rows show through the openings
    let d = `M-10 ${r1(archTop - 140 * L.k)} H${c.w + 10} V${r1(L.y)} H-10 Z`;
    let rims = '';
    const offset = rnd() * archW;
    for (let x = -offset; x < c.w; x += archW + colW) {
      d += ` M${r1(x)} ${r1(L.y)} V${r1(archTop + r)} A${r1(r)} ${r1(r)} 0 0 1 ${r1(x + archW)} ${r1(archTop + r)} V${r1(L.y)} Z`;
      rims += `<path d="M${r1(x - 4)} ${r1(archTop + r)} A${r1(r + 4)} ${r1(r + 4)} 0 0 1 ${r1(x + archW + 4)} ${r1(archTop + r)}" fill="none" stroke="#3f605d" stroke-width="${r1(6 * L.k)}"/>`;
    }
    c.add(`<path d="${d}" fill="${L.col}" fill-rule="evenodd"/>${rims}`);
    if (L.k < 1) c.add(`<rect x="0" y="0" width="${c.w}" height="${r1(L.y)}" fill="#0d2428" fill-opacity="${L.k < 0.5 ? 0.45 : 0.3}"/>`);
  }
  if (o.light) {
    for (const sx of [0.25, 0.6, 0.85]) {
      c.add(
        `<path d="M${r1(c.w * sx - 30)} 0 L${r1(c.w * sx + 30)} 0 L${r1(c.w * sx + 110)} ${r1(o.waterY)} L${r1(c.w * sx - 110)} ${r1(o.waterY)} Z" fill="${c.linear([
          [0, '#fff2bf', 0.75],
          [1, '#fff2bf', 0.05],
        ])}"/>`,
      );
    }
  }
  const n = o.jars ?? 0;
  if (n > 0) {
    // far-away jars: pin-points of light along the back of the hall
    let far = '';
    for (let i = 0; i < n * 2; i++) {
      const x = rnd() * c.w;
      const y = o.waterY - 12 - rnd() * 40;
      far += `<circle cx="${r1(x)}" cy="${r1(y)}" r="${r1(4 + rnd() * 3)}" fill="#ffd98a" fill-opacity="0.22"/><circle cx="${r1(x)}" cy="${r1(y)}" r="1.6" fill="#ffe7a6"/>`;
    }
    c.add(far);
  }
  const floating: Array<[number, number, number]> = [];
  for (let i = 0; i < n; i++) floating.push([30 + rnd() * (c.w - 60), o.waterY + 8 + rnd() * 40, 0.5 + rnd() * 0.35]);
  canal(
    c,
    o.waterY,
    o.seed + 7,
    floating.map(([x]) => x),
  );
  for (const [x, y, k] of floating.sort((a, b) => a[1] - b[1])) {
    c.add(`<rect x="${r1(x - 24 * k)}" y="${r1(y)}" width="${r1(48 * k)}" height="${r1(7 * k)}" rx="2" fill="#5a4330" stroke="${INK}" stroke-width="1.5"/>`);
    jar(c, x, y, k, true);
  }
}

// ───────────────────────────── characters ─────────────────────────────

type Face = 'smile' | 'open' | 'worried' | 'surprised' | 'sad' | 'determined' | 'back';

function eyes(face: Face, ex1: number, ex2: number, ey: number, mouthX: number, mouthY: number): string {
  let s = '';
  if (face === 'back') return s;
  if (face === 'surprised') {
    s += `<circle cx="${ex1}" cy="${ey}" r="3.4" fill="#ffffff" stroke="${INK}" stroke-width="1.4"/><circle cx="${ex1 + 0.6}" cy="${ey}" r="1.6" fill="${INK}"/>`;
    s += `<circle cx="${ex2}" cy="${ey}" r="3.4" fill="#ffffff" stroke="${INK}" stroke-width="1.4"/><circle cx="${ex2 + 0.6}" cy="${ey}" r="1.6" fill="${INK}"/>`;
    s += `<ellipse cx="${mouthX}" cy="${mouthY + 1}" rx="2.6" ry="3.4" fill="#6b2a2a"/>`;
    return s;
  }
  s += `<circle cx="${ex1}" cy="${ey}" r="2.3" fill="${INK}"/><circle cx="${ex2}" cy="${ey}" r="2.3" fill="${INK}"/>`;
  if (face === 'smile')
    s += `<path d="M${mouthX - 4} ${mouthY - 1} Q${mouthX} ${mouthY + 3} ${mouthX + 4} ${mouthY - 1}" fill="none" stroke="${INK}" stroke-width="1.6" stroke-linecap="round"/>`;
  if (face === 'open') s += `<path d="M${mouthX - 4} ${mouthY - 1} Q${mouthX} ${mouthY + 6} ${mouthX + 4} ${mouthY - 1} Z" fill="#6b2a2a"/>`;
  if (face === 'worried' || face === 'sad') {
    s += `<path d="M${ex1 - 3} ${ey - 6} L${ex1 + 2} ${ey - 8} M${ex2 - 2} ${ey - 8} L${ex2 + 3} ${ey - 6}" stroke="${INK}" stroke-width="1.5" stroke-linecap="round"/>`;
    s += `<path d="M${mouthX - 4} ${mouthY + 1} Q${mouthX} ${mouthY - 2} ${mouthX + 4} ${mouthY + 1}" fill="none" stroke="${INK}" stroke-width="1.6" stroke-linecap="round"/>`;
  }
  if (face === 'sad') s += `<path d="M${ex2} ${ey + 3} q2 4 0 6 q-2 -2 0 -6 Z" fill="#8fd0ff"/>`;
  if (face === 'determined') {
    s += `<path d="M${ex1 - 3} ${ey - 8} L${ex1 + 3} ${ey - 5} M${ex2 - 3} ${ey - 5} L${ex2 + 3} ${ey - 8}" stroke="${INK}" stroke-width="1.8" stroke-linecap="round"/>`;
    s += `<line x1="${mouthX - 4}" y1="${mouthY}" x2="${mouthX + 4}" y2="${mouthY}" stroke="${INK}" stroke-width="1.8" stroke-linecap="round"/>`;
  }
  return s;
}

function arm(from: Pt, to: Pt, color: string, width: number, hand: string): string {
  return (
    `<line x1="${from[0]}" y1="${from[1]}" x2="${to[0]}" y2="${to[1]}" stroke="${INK}" stroke-width="${width + 3}" stroke-linecap="round"/>` +
    `<line x1="${from[0]}" y1="${from[1]}" x2="${to[0]}" y2="${to[1]}" stroke="${color}" stroke-width="${width}" stroke-linecap="round"/>` +
    `<circle cx="${to[0]}" cy="${to[1]}" r="${width * 0.55}" fill="${hand}" stroke="${INK}" stroke-width="1.3"/>`
  );
}

type AdaPose = 'down' | 'pole' | 'hold' | 'holdUp' | 'clutch' | 'fists' | 'ladder' | 'pour' | 'despair' | 'wave';

interface CharOpts {
  dir?: 1 | -1;
  face?: Face;
  speaker?: string;
}

interface AdaOpts extends CharOpts {
  pose?: AdaPose;
  lantern?: LampState | 'blaze' | 'none';
}

/** Ada: feet at (x,y); about 152 units tall at s=1. */
function ada(c: Ctx, x: number, y: number, s: number, o: AdaOpts = {}): void {
  const dir = o.dir ?? 1;
  const pose = o.pose ?? 'down';
  const face = o.face ?? 'smile';
  const hands: Record<AdaPose, [Pt, Pt]> = {
    down: [
      [17, -58],
      [-16, -58],
    ],
    pole: [
      [34, -116],
      [18, -72],
    ],
    hold: [
      [26, -84],
      [-16, -58],
    ],
    holdUp: [
      [30, -124],
      [-16, -58],
    ],
    clutch: [
      [10, -86],
      [2, -84],
    ],
    fists: [
      [24, -62],
      [-22, -62],
    ],
    ladder: [
      [15, -168],
      [-13, -160],
    ],
    pour: [
      [32, -104],
      [26, -94],
    ],
    despair: [
      [23, -128],
      [-22, -128],
    ],
    wave: [
      [30, -150],
      [-16, -58],
    ],
  };
  const [front, back] = hands[pose];
  let g = '';
  g += `<ellipse cx="0" cy="0" rx="28" ry="5" fill="#000" fill-opacity="0.22"/>`;
  g += arm([-9, -98], back, ADA_COAT_DARK, 9, SKIN);
  g += `<rect x="-12" y="-44" width="8" height="42" fill="#2b2233"/><rect x="4" y="-44" width="8" height="42" fill="#2b2233"/>`;
  g += `<ellipse cx="-7" cy="-2" rx="9" ry="5" fill="#3a2a22"/><ellipse cx="10" cy="-2" rx="9" ry="5" fill="#3a2a22"/>`;
  g += `<path d="M-14 -102 L14 -102 L30 -38 Q0 -32 -30 -38 Z" fill="${ADA_COAT}" stroke="${INK}" stroke-width="2.5" stroke-linejoin="round"/>`;
  g += `<line x1="2" y1="-98" x2="4" y2="-40" stroke="${ADA_COAT_DARK}" stroke-width="2"/>`;
  g += `<circle cx="8" cy="-84" r="2" fill="#f6d28b"/><circle cx="9" cy="-70" r="2" fill="#f6d28b"/><circle cx="10" cy="-56" r="2" fill="#f6d28b"/>`;
  g += `<path d="M-15 -106 Q0 -96 15 -106 L14 -98 Q0 -90 -14 -98 Z" fill="${SCARF}" stroke="${INK}" stroke-width="1.8"/>`;
  g += `<path d="M-10 -100 L-18 -76 L-10 -78 Z" fill="${SCARF}" stroke="${INK}" stroke-width="1.6"/>`;
  g += `<circle cx="0" cy="-124" r="21" fill="${SKIN}" stroke="${INK}" stroke-width="2.5"/>`;
  if (face === 'back') {
    g += `<path d="M-23 -122 Q-25 -150 0 -150 Q25 -150 23 -122 L22 -108 Q0 -100 -22 -108 Z" fill="${ADA_HAIR}" stroke="${INK}" stroke-width="2.2"/>`;
  } else {
    g += `<path d="M-23 -120 Q-25 -150 0 -150 Q24 -150 23 -124 Q16 -136 2 -134 Q-8 -134 -12 -128 L-14 -110 Q-20 -110 -23 -108 Z" fill="${ADA_HAIR}" stroke="${INK}" stroke-width="2.2"/>`;
    g += `<circle cx="12" cy="-116" r="4" fill="#f29a8a" fill-opacity="0.55"/>`;
    g += eyes(face, 5, 14, -125, 10, -112);
  }
  g += `<circle cx="-10" cy="-142" r="4" fill="${ADA_COAT}" stroke="${INK}" stroke-width="1.2"/>`;
  g += arm([9, -98], front, ADA_COAT, 9, SKIN);
  if (pose === 'pole') {
    g += `<line x1="-4" y1="-30" x2="74" y2="-190" stroke="#b08a3e" stroke-width="4" stroke-linecap="round"/>`;
    g += `<circle cx="74" cy="-190" r="4" fill="#ff9f2e"/>`;
    g += arm([9, -98], front, ADA_COAT, 9, SKIN);
  }
  const lantern = o.lantern ?? 'none';
  if (lantern !== 'none') {
    const [lx, ly] = pose === 'clutch' ? [8, -96] : front;
    g += `<g transform="translate(${lx} ${ly})">${handLantern(c, lantern)}</g>`;
    if (pose === 'clutch') g += arm([9, -98], [12, -80], ADA_COAT, 9, SKIN);
  }
  c.add(`<g transform="translate(${r1(x)} ${r1(y)}) scale(${r1(s * dir * 100) / 100} ${s})">${g}</g>`);
  c.anchor(o.speaker ?? 'ADA', x, y - 152 * s);
}

interface FlitOpts {
  dir?: 1 | -1;
  wings?: 'open' | 'up';
  speaker?: string;
  glowing?: boolean;
}

/** Flit: a moth the size of a cat, centred on (x,y); about 90 units wide at s=1. */
function flit(c: Ctx, x: number, y: number, s: number, o: FlitOpts = {}): void {
  const dir = o.dir ?? 1;
  const up = o.wings === 'up';
  let g = '';
  if (o.glowing) g += `<circle cx="0" cy="0" r="70" fill="${c.radial('#ffe7a0', 0.6, 0.2)}"/>`;
  const wing = (side: 1 | -1): string => {
    const rot = up ? -35 * side : -18 * side;
    const lower = `<ellipse cx="${20 * side}" cy="12" rx="18" ry="13" transform="rotate(${22 * side} ${20 * side} 12)" fill="${MOTH_WING2}" stroke="${INK}" stroke-width="2"/>`;
    const upper =
      `<g transform="rotate(${rot} 0 -6)"><ellipse cx="${32 * side}" cy="-8" rx="32" ry="19" fill="${MOTH_WING}" stroke="${INK}" stroke-width="2"/>` +
      `<circle cx="${38 * side}" cy="-9" r="7" fill="${MOTH_DARK}"/><circle cx="${38 * side}" cy="-9" r="3" fill="#f6e7c4"/>` +
      `<path d="M${10 * side} -6 Q${30 * side} -16 ${58 * side} -10" fill="none" stroke="${MOTH_DARK}" stroke-opacity="0.5" stroke-width="1.5"/></g>`;
    return lower + upper;
  };
  g += wing(-1) + wing(1);
  g += `<ellipse cx="0" cy="4" rx="10" ry="22" fill="${MOTH}" stroke="${INK}" stroke-width="2"/>`;
  g += `<path d="M-8 10 L8 10 M-7 17 L7 17" stroke="#cdb98e" stroke-width="2"/>`;
  g += `<circle cx="0" cy="-14" r="11" fill="#fbf4e2" stroke="${INK}" stroke-width="1.5"/>`;
  g += `<circle cx="0" cy="-24" r="11" fill="${MOTH}" stroke="${INK}" stroke-width="2"/>`;
  g += `<path d="M-4 -33 Q-10 -48 -20 -52 M4 -33 Q10 -48 20 -52" fill="none" stroke="${MOTH_DARK}" stroke-width="2.5" stroke-linecap="round"/>`;
  g += `<path d="M-9 -43 l-5 -2 M-13 -48 l-5 -1 M9 -43 l5 -2 M13 -48 l5 -1" stroke="${MOTH_DARK}" stroke-width="1.6" stroke-linecap="round"/>`;
  g += `<circle cx="-4" cy="-24" r="4.2" fill="${INK}"/><circle cx="6" cy="-24" r="4.2" fill="${INK}"/>`;
  g += `<circle cx="-3" cy="-25.5" r="1.4" fill="#fff"/><circle cx="7" cy="-25.5" r="1.4" fill="#fff"/>`;
  c.add(`<g transform="translate(${r1(x)} ${r1(y)}) scale(${r1(s * dir * 100) / 100} ${s})">${g}</g>`);
  c.anchor(o.speaker ?? 'FLIT', x, y - 42 * s);
}

type TobinPose = 'down' | 'pull' | 'cup' | 'lift' | 'tip' | 'reach' | 'hatInHand' | 'hug' | 'point' | 'touch';

interface TobinOpts extends CharOpts {
  pose?: TobinPose;
  hat?: boolean;
  lantern?: LampState | 'blaze' | 'none';
}

/** Tobin: feet at (x,y); about 190 units tall at s=1 (with hat). */
function tobin(c: Ctx, x: number, y: number, s: number, o: TobinOpts = {}): void {
  const dir = o.dir ?? 1;
  const pose = o.pose ?? 'down';
  const face = o.face ?? 'smile';
  const hat = o.hat ?? true;
  const hands: Record<TobinPose, [Pt, Pt]> = {
    down: [
      [24, -70],
      [-22, -70],
    ],
    pull: [
      [-30, -54],
      [-36, -50],
    ],
    cup: [
      [30, -104],
      [22, -96],
    ],
    lift: [
      [52, -84],
      [44, -76],
    ],
    tip: [
      [18, -166],
      [-22, -70],
    ],
    reach: [
      [56, -150],
      [-22, -70],
    ],
    hatInHand: [
      [26, -74],
      [-30, -100],
    ],
    hug: [
      [70, -86],
      [-20, -72],
    ],
    point: [
      [44, -118],
      [-22, -70],
    ],
    touch: [
      [52, -112],
      [-22, -70],
    ],
  };
  const [front, back] = hands[pose];
  let g = '';
  g += `<ellipse cx="0" cy="0" rx="38" ry="6" fill="#000" fill-opacity="0.22"/>`;
  g += arm([-13, -124], back, TOBIN_COAT_DARK, 11, SKIN_OLD);
  g += `<rect x="-15" y="-50" width="10" height="48" fill="#3a3340"/><rect x="5" y="-50" width="10" height="48" fill="#3a3340"/>`;
  g += `<path d="M-20 -8 L-2 -8 L-2 0 L-22 0 Z M4 -8 L22 -8 L24 0 L4 0 Z" fill="#2a1e16"/>`;
  g += `<path d="M-20 -130 L20 -130 L36 -26 L-36 -26 Z" fill="${TOBIN_COAT}" stroke="${INK}" stroke-width="2.8" stroke-linejoin="round"/>`;
  g += `<path d="M-4 -128 L4 -128 L8 -26 L0 -26 Z" fill="${TOBIN_COAT_DARK}"/>`;
  g += `<line x1="-18" y1="-128" x2="26" y2="-60" stroke="#4a2f1d" stroke-width="4"/>`;
  g += `<rect x="16" y="-66" width="22" height="18" rx="3" fill="#6a4a2a" stroke="${INK}" stroke-width="2"/>`;
  g += `<circle cx="0" cy="-146" r="19" fill="${SKIN_OLD}" stroke="${INK}" stroke-width="2.5"/>`;
  if (hat) {
    g += `<path d="M-17 -144 Q-18 -116 2 -110 Q20 -116 19 -144 Q12 -134 2 -136 Q-8 -134 -17 -144 Z" fill="${BEARD}" stroke="${INK}" stroke-width="1.8"/>`;
    g += `<path d="M-20 -150 Q0 -141 20 -150 L20 -156 L-20 -156 Z" fill="#000" fill-opacity="0.25"/>`;
    if (face !== 'back') g += `<circle cx="6" cy="-150" r="2" fill="${INK}"/><circle cx="14" cy="-150" r="2" fill="${INK}"/>`;
    g += `<circle cx="17" cy="-143" r="4" fill="#d49a74" stroke="${INK}" stroke-width="1.2"/>`;
    g += `<ellipse cx="0" cy="-160" rx="36" ry="7" fill="${HAT}" stroke="${INK}" stroke-width="2.2"/>`;
    g += `<path d="M-18 -160 L-16 -186 Q0 -192 16 -186 L18 -160 Z" fill="${HAT}" stroke="${INK}" stroke-width="2.2"/>`;
    g += `<rect x="-17" y="-170" width="34" height="6" fill="#8c3b2a"/>`;
  } else {
    g += `<path d="M-19 -148 Q-22 -166 -8 -168 M19 -148 Q22 -166 8 -168" fill="none" stroke="${BEARD}" stroke-width="6" stroke-linecap="round"/>`;
    g += `<path d="M-17 -144 Q-18 -116 2 -110 Q20 -116 19 -144 Q12 -134 2 -136 Q-8 -134 -17 -144 Z" fill="${BEARD}" stroke="${INK}" stroke-width="1.8"/>`;
    if (face !== 'back') g += eyes(face === 'smile' ? 'smile' : face, 6, 14, -151, 9, -131);
    g += `<circle cx="17" cy="-143" r="4" fill="#d49a74" stroke="${INK}" stroke-width="1.2"/>`;
    g += `<path d="M2 -160 l10 -2 M12 -160 l8 1" stroke="${BEARD}" stroke-width="2.5" stroke-linecap="round"/>`;
  }
  g += arm([13, -124], front, TOBIN_COAT, 11, SKIN_OLD);
  if (!hat && pose === 'hatInHand') {
    g += `<g transform="translate(${back[0]} ${back[1] + 8}) rotate(-20)"><ellipse cx="0" cy="0" rx="26" ry="5" fill="${HAT}" stroke="${INK}" stroke-width="2"/><path d="M-13 0 L-11 -20 Q0 -24 11 -20 L13 0 Z" fill="${HAT}" stroke="${INK}" stroke-width="2"/></g>`;
  }
  const lantern = o.lantern ?? 'none';
  if (lantern !== 'none') {
    g += `<g transform="translate(${front[0] - 4} ${front[1] - 6})">${handLantern(c, lantern)}</g>`;
  }
  c.add(`<g transform="translate(${r1(x)} ${r1(y)}) scale(${r1(s * dir * 100) / 100} ${s})">${g}</g>`);
  c.anchor(o.speaker ?? 'TOBIN', x, y - (hat ? 192 : 170) * s);
}

interface DimmerOpts extends CharOpts {
  hoodDown?: boolean;
  lantern?: LampState | 'none';
  jar?: boolean;
  child?: boolean;
}

/** A Dimmer in a grey hooded cloak; feet at (x,y); about 150 units tall at s=1. */
function dimmer(c: Ctx, x: number, y: number, s: number, o: DimmerOpts = {}): void {
  const dir = o.dir ?? 1;
  let g = '';
  g += `<ellipse cx="0" cy="0" rx="36" ry="5" fill="#000" fill-opacity="0.25"/>`;
  g += `<path d="M0 -150 Q28 -150 28 -118 L42 0 L-42 0 L-28 -118 Q-28 -150 0 -150 Z" fill="${CLOAK}" stroke="${INK}" stroke-width="2.6" stroke-linejoin="round"/>`;
  g += `<path d="M-10 -96 L-18 0 M12 -90 L20 0 M0 -80 L2 0" stroke="${CLOAK_DARK}" stroke-width="2.5"/>`;
  if (o.hoodDown) {
    g += `<path d="M-30 -108 Q0 -92 30 -108 L26 -96 Q0 -84 -26 -96 Z" fill="${CLOAK_DARK}" stroke="${INK}" stroke-width="2"/>`;
    g += `<ellipse cx="2" cy="-128" rx="15" ry="20" fill="#d9c2ad" stroke="${INK}" stroke-width="2.2"/>`;
    g += `<path d="M-14 -132 Q-12 -152 4 -150 Q16 -150 17 -134 Q10 -142 0 -141 Q-8 -140 -14 -132 Z" fill="#59545e" stroke="${INK}" stroke-width="1.8"/>`;
    g += `<circle cx="5" cy="-128" r="2" fill="${INK}"/><circle cx="13" cy="-128" r="2" fill="${INK}"/>`;
    g += `<path d="M3 -122 Q8 -121 13 -122 M4 -134 l5 -1 M12 -135 l4 1" stroke="${INK}" stroke-width="1.3" fill="none"/>`;
    g += `<path d="M8 -115 L14 -115" stroke="${INK}" stroke-width="1.5"/>`;
    g += `<path d="M-4 -116 Q-2 -112 0 -116" stroke="#a88d7a" stroke-width="1.2" fill="none"/>`;
  } else {
    g += `<ellipse cx="4" cy="-120" rx="14" ry="17" fill="#1a1d25"/>`;
    g += `<circle cx="0" cy="-122" r="2.2" fill="#c9d4e0" fill-opacity="0.85"/><circle cx="10" cy="-122" r="2.2" fill="#c9d4e0" fill-opacity="0.85"/>`;
  }
  const handPt: Pt = [30, -62];
  g += arm([22, -82], handPt, CLOAK_DARK, 10, '#d9c2ad');
  const lantern = o.lantern ?? 'none';
  if (lantern !== 'none') g += `<g transform="translate(${handPt[0]} ${handPt[1]})">${handLantern(c, lantern)}</g>`;
  c.add(`<g transform="translate(${r1(x)} ${r1(y)}) scale(${r1(s * dir * 100) / 100} ${s})">${g}</g>`);
  if (o.jar) jar(c, x + 30 * s * dir, y - 50 * s, s * 0.9, true);
  c.anchor(o.speaker ?? 'DIMMER', x, y - 152 * s);
}

/** A small Dimmer child with its hood down; feet at (x,y); about 90 tall at s=1. */
function child(c: Ctx, x: number, y: number, s: number, dir: 1 | -1 = 1, armsUp = false): void {
  let g = '';
  g += `<path d="M0 -70 Q18 -70 18 -52 L26 0 L-26 0 L-18 -52 Q-18 -70 0 -70 Z" fill="${CLOAK}" stroke="${INK}" stroke-width="2.2"/>`;
  g += `<circle cx="2" cy="-78" r="14" fill="#e6cdb5" stroke="${INK}" stroke-width="2"/>`;
  g += `<path d="M-13 -80 Q-12 -96 2 -94 Q14 -94 16 -82 Q6 -88 -4 -86 Z" fill="#6d5e57"/>`;
  g += `<circle cx="5" cy="-79" r="1.8" fill="${INK}"/><circle cx="12" cy="-79" r="1.8" fill="${INK}"/>`;
  g += `<path d="M5 -71 Q8 -69 11 -71" stroke="${INK}" stroke-width="1.3" fill="none"/>`;
  if (armsUp) {
    g += arm([10, -58], [26, -96], CLOAK_DARK, 7, '#e6cdb5') + arm([-10, -58], [-22, -96], CLOAK_DARK, 7, '#e6cdb5');
  } else {
    g += arm([10, -58], [26, -40], CLOAK_DARK, 7, '#e6cdb5');
  }
  c.add(`<g transform="translate(${r1(x)} ${r1(y)}) scale(${r1(s * dir * 100) / 100} ${s})">${g}</g>`);
}

interface SootOpts extends CharOpts {
  seated?: boolean;
  jar?: boolean;
  armsUp?: boolean;
}

/** Mother Soot: an old woman in a sooty shawl and round spectacles; feet at (x,y); about 130 tall. */
function motherSoot(c: Ctx, x: number, y: number, s: number, o: SootOpts = {}): void {
  const dir = o.dir ?? 1;
  const seated = o.seated ?? false;
  let g = '';
  const crate = `<rect x="-40" y="-44" width="80" height="44" fill="#5a4330" stroke="${INK}" stroke-width="2.4"/><path d="M-40 -22 L40 -22" stroke="#3e2e21" stroke-width="2"/>`;
  const lift = seated ? -40 : 0;
  g += `<g transform="translate(0 ${lift})">`;
  g += `<path d="M-24 -60 L24 -60 L34 0 L-34 0 Z" fill="#4b3c4e" stroke="${INK}" stroke-width="2.4"/>`;
  g += `<path d="M-30 -96 Q0 -110 30 -96 L40 -52 Q0 -34 -40 -52 Z" fill="#5e5162" stroke="${INK}" stroke-width="2.4" stroke-linejoin="round"/>`;
  g += `<path d="M-38 -52 l-2 8 M-28 -47 l-1 8 M-18 -44 l0 8 M-8 -42 l0 8 M2 -42 l0 8 M12 -43 l0 8 M22 -46 l1 8 M32 -50 l2 8" stroke="#3d3240" stroke-width="2"/>`;
  g += `<circle cx="-14" cy="-70" r="4" fill="#3d3240"/><circle cx="10" cy="-76" r="3" fill="#3d3240"/><circle cx="20" cy="-60" r="3.5" fill="#3d3240"/>`;
  g += `<circle cx="6" cy="-112" r="18" fill="#e3c0a0" stroke="${INK}" stroke-width="2.3"/>`;
  g += `<path d="M-12 -112 Q-14 -134 6 -132 Q24 -132 24 -114 Q16 -126 4 -124 Q-6 -124 -12 -112 Z" fill="#efefef" stroke="${INK}" stroke-width="1.8"/>`;
  g += `<circle cx="-6" cy="-132" r="8" fill="#efefef" stroke="${INK}" stroke-width="1.8"/>`;
  g += `<circle cx="9" cy="-112" r="5" fill="none" stroke="${INK}" stroke-width="1.6"/><circle cx="20" cy="-112" r="5" fill="none" stroke="${INK}" stroke-width="1.6"/>`;
  g += `<line x1="14" y1="-112" x2="15" y2="-112" stroke="${INK}" stroke-width="1.6"/>`;
  g += `<circle cx="9" cy="-112" r="1.6" fill="${INK}"/><circle cx="20" cy="-112" r="1.6" fill="${INK}"/>`;
  g += `<path d="M10 -101 Q15 -99 20 -101" fill="none" stroke="${INK}" stroke-width="1.5"/>`;
  g += `<path d="M-2 -106 q3 2 0 4 M2 -120 l4 -1" stroke="#a7846a" stroke-width="1.2" fill="none"/>`;
  if (o.armsUp) {
    g += arm([14, -90], [34, -140], '#5e5162', 9, '#e3c0a0') + arm([-14, -90], [-30, -140], '#5e5162', 9, '#e3c0a0');
  } else {
    g += arm([14, -90], [30, -64], '#5e5162', 9, '#e3c0a0');
  }
  g += `</g>`;
  if (seated) {
    // crate, then lap, shins and shoes in front of it
    g += crate;
    g += `<path d="M-32 -50 Q0 -58 32 -50 L36 -32 Q0 -26 -36 -32 Z" fill="#4b3c4e" stroke="${INK}" stroke-width="2.4"/>`;
    g += `<rect x="-16" y="-30" width="9" height="27" fill="#3a3340"/><rect x="6" y="-30" width="9" height="27" fill="#3a3340"/>`;
    g += `<ellipse cx="-10" cy="-3" rx="10" ry="5" fill="#2a1e16"/><ellipse cx="13" cy="-3" rx="10" ry="5" fill="#2a1e16"/>`;
  }
  c.add(`<g transform="translate(${r1(x)} ${r1(y)}) scale(${r1(s * dir * 100) / 100} ${s})">${g}</g>`);
  if (o.jar) jar(c, x + 34 * s * dir, y + (lift - 52) * s, s * 0.95, true);
  c.anchor(o.speaker ?? 'MOTHER SOOT', x + 6 * s * dir, y + (lift - 136) * s);
}

function emberMoths(c: Ctx, cx: number, cy: number, rx: number, ry: number, n: number, seed: number): void {
  const rnd = mulberry32(seed);
  let s = '';
  for (let i = 0; i < n; i++) {
    const a = rnd() * Math.PI * 2;
    const d = 0.35 + rnd() * 0.65;
    const x = cx + Math.cos(a) * rx * d;
    const y = cy + Math.sin(a) * ry * d;
    const k = 0.6 + rnd() * 0.8;
    const rot = Math.round(rnd() * 60 - 30);
    s +=
      `<g transform="translate(${r1(x)} ${r1(y)}) rotate(${rot}) scale(${r1(k)})">` +
      `<circle r="10" fill="#ffd97a" fill-opacity="0.35"/>` +
      `<ellipse cx="-5" cy="-1" rx="6" ry="4" fill="#ffe7a6"/><ellipse cx="5" cy="-1" rx="6" ry="4" fill="#ffe7a6"/>` +
      `<ellipse cx="0" cy="0" rx="1.8" ry="4.5" fill="#ff9d2e"/></g>`;
  }
  c.add(s);
}

/** Interior of the lamp-room: the great lens and its basin. */
function lensRoom(c: Ctx, cx: number, cy: number, r: number, state: 'dark' | 'blaze'): void {
  const blaze = state === 'blaze';
  c.add(`<rect x="0" y="0" width="${c.w}" height="${c.h}" fill="${blaze ? '#6b4a1e' : '#141a3a'}"/>`);
  // window frames
  let s = '';
  for (let i = 0; i < 6; i++) {
    const x = (c.w / 6) * i;
    s += `<rect x="${r1(x + 6)}" y="20" width="${r1(c.w / 6 - 12)}" height="${r1(c.h * 0.55)}" fill="${blaze ? '#ffe6a8' : '#1f2a5c'}" stroke="${INK}" stroke-width="4"/>`;
  }
  c.add(s);
  if (!blaze) stars(c, 30, 99, c.h * 0.5);
  c.add(`<rect x="0" y="${r1(c.h * 0.58)}" width="${c.w}" height="${r1(c.h * 0.42)}" fill="${blaze ? '#8a6a3a' : '#2b2a44'}"/>`);
  if (blaze) {
    for (let i = 0; i < 16; i++) {
      const a = (i / 16) * Math.PI * 2;
      const a2 = a + 0.1;
      c.add(
        `<path d="M${cx} ${cy} L${r1(cx + Math.cos(a) * 1200)} ${r1(cy + Math.sin(a) * 1200)} L${r1(cx + Math.cos(a2) * 1200)} ${r1(cy + Math.sin(a2) * 1200)} Z" fill="#fff6cf" fill-opacity="0.25"/>`,
      );
    }
    c.glow(cx, cy, r * 2.6, '#fff0b0', 1, 0.5);
  }
  let l = `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${blaze ? '#fffbe6' : '#2c3b74'}" stroke="${INK}" stroke-width="5"/>`;
  for (let k = 1; k < 5; k++) {
    l += `<circle cx="${cx}" cy="${cy}" r="${r1((r * k) / 5)}" fill="none" stroke="${blaze ? '#ffd56a' : '#4a5c9a'}" stroke-width="3"/>`;
  }
  l += `<path d="M${cx - r * 0.6} ${cy - r * 0.5} Q${cx - r * 0.3} ${cy - r * 0.8} ${cx} ${cy - r * 0.78}" fill="none" stroke="#ffffff" stroke-opacity="0.5" stroke-width="5" stroke-linecap="round"/>`;
  l += `<path d="M${cx - r * 0.6} ${cy + r + 6} L${cx + r * 0.6} ${cy + r + 6} L${cx + r * 0.45} ${cy + r + 44} L${cx - r * 0.45} ${cy + r + 44} Z" fill="#8a6a3a" stroke="${INK}" stroke-width="4"/>`;
  c.add(l);
}

function spiralStair(c: Ctx): void {
  c.add(`<rect x="0" y="0" width="${c.w}" height="${c.h}" fill="#1b1f3c"/>`);
  let s = '';
  for (let i = 0; i < 12; i++) {
    const y = c.h - 40 - i * 42;
    const x = c.w / 2 + Math.sin(i * 0.9) * c.w * 0.28;
    s += `<path d="M${r1(x - 70)} ${r1(y)} L${r1(x + 70)} ${r1(y)} L${r1(x + 60)} ${r1(y + 16)} L${r1(x - 60)} ${r1(y + 16)} Z" fill="#5d5a7a" stroke="${INK}" stroke-width="2.5"/>`;
  }
  c.add(s);
  c.add(`<rect x="${r1(c.w / 2 - 12)}" y="0" width="24" height="${c.h}" fill="#2f2c48" stroke="${INK}" stroke-width="2.5"/>`);
}

// ───────────────────────────── lettering ─────────────────────────────

interface Line {
  speaker: string | null;
  text: string;
}

function parseDialogue(dialogue: string): Line[] {
  return dialogue
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const m = /^([A-Z][A-Z .'-]*[A-Z]): (.+)$/.exec(l);
      return m ? { speaker: m[1] ?? null, text: m[2] ?? '' } : { speaker: null, text: l };
    });
}

const BALLOON_SIZE = 17;
const BALLOON_LH = 21;

interface SfxPlace {
  fx: number;
  fy: number;
  rot: number;
  size?: number;
}

interface PanelSpec {
  lines: number;
  draw: (c: Ctx) => void;
  sfx?: SfxPlace[];
  textTop?: number;
  /** horizontal placement hints (fraction of panel width) for balloons without an on-panel speaker */
  align?: number[];
}

function letterPanel(c: Ctx, lines: Line[], spec: PanelSpec): void {
  let cursor = spec.textTop ?? 12;
  let sfxIdx = 0;
  let idx = 0;
  const maxW = Math.min(c.w - 44, 330);
  for (const line of lines) {
    if (line.speaker === null) {
      const place = spec.sfx?.[sfxIdx++] ?? { fx: 0.5, fy: 0.55, rot: -6 };
      const size = place.size ?? 56;
      const x = c.w * place.fx;
      const y = c.h * place.fy;
      c.add(
        `<text x="${r1(x)}" y="${r1(y)}" transform="rotate(${place.rot} ${r1(x)} ${r1(y)})" text-anchor="middle" ` +
          `font-family="${FONT}" font-weight="bold" font-size="${size}" letter-spacing="3" fill="${c.pal.sfx}" ` +
          `stroke="${INK}" stroke-width="4" stroke-linejoin="round" paint-order="stroke">${esc(line.text)}</text>`,
      );
      idx++;
      continue;
    }
    if (line.speaker === 'CAPTION') {
      const rows = wrap(line.text, maxW - 20, 15);
      const bw = Math.max(...rows.map((r) => textWidth(r, 15))) + 22;
      const bh = rows.length * 19 + 14;
      const x = 10;
      c.add(`<rect x="${x}" y="${r1(cursor)}" width="${r1(bw)}" height="${bh}" fill="${c.pal.caption}" stroke="${INK}" stroke-width="2.5"/>`);
      const t = rows.map((r, i) => `<tspan x="${x + 11}" y="${r1(cursor + 22 + i * 19)}">${esc(r)}</tspan>`).join('');
      c.add(`<text font-family="${FONT}" font-style="italic" font-size="15" fill="${INK}">${t}</text>`);
      cursor += bh + 10;
      idx++;
      continue;
    }
    const bold = false;
    const rows = wrap(line.text, maxW - 32, BALLOON_SIZE, bold);
    const tw = Math.max(...rows.map((r) => textWidth(r, BALLOON_SIZE, bold)));
    const bw = tw + 34;
    const bh = rows.length * BALLOON_LH + 18;
    const anchor = c.anchors.get(line.speaker);
    let cx: number;
    if (anchor && anchor[0] > 0 && anchor[0] < c.w) {
      cx = anchor[0];
    } else {
      const hint = spec.align?.[idx];
      cx = hint !== undefined ? c.w * hint : anchor ? (anchor[0] <= 0 ? 0 : c.w) : c.w / 2;
    }
    cx = Math.max(bw / 2 + 10, Math.min(c.w - bw / 2 - 10, cx));
    const bx = cx - bw / 2;
    const by = cursor;
    const rad = Math.min(bh / 2, 22);
    let tail = '';
    let tailFill = '';
    if (anchor) {
      const baseX = Math.max(bx + rad + 6, Math.min(bx + bw - rad - 6, anchor[0] + (cx - anchor[0]) * 0.55));
      const baseY = by + bh - 3;
      const vx = anchor[0] - baseX;
      const vy = anchor[1] - baseY;
      const dist = Math.hypot(vx, vy);
      if (vy > 12 && dist > 16) {
        const len = Math.min(dist - 8, 42);
        const tx = baseX + (vx / dist) * len;
        const ty = baseY + (vy / dist) * len;
        const d = `M${r1(baseX - 9)} ${r1(baseY)} L${r1(tx)} ${r1(ty)} L${r1(baseX + 9)} ${r1(baseY)} Z`;
        tail = `<path d="${d}" fill="#ffffff" stroke="${INK}" stroke-width="2.5" stroke-linejoin="round"/>`;
        tailFill = `<path d="${d}" fill="#ffffff"/>`;
      } else if (vx !== 0 && Math.abs(vx) > bw / 2) {
        // speaker beside or off-panel: a short sideways tail
        const side = vx > 0 ? 1 : -1;
        const sx = side > 0 ? bx + bw - 4 : bx + 4;
        const sy = by + bh * 0.6;
        const d = `M${r1(sx)} ${r1(sy - 8)} L${r1(sx + side * 26)} ${r1(sy + 10)} L${r1(sx - side * 4)} ${r1(sy + 8)} Z`;
        tail = `<path d="${d}" fill="#ffffff" stroke="${INK}" stroke-width="2.5" stroke-linejoin="round"/>`;
        tailFill = `<path d="${d}" fill="#ffffff"/>`;
      }
    }
    c.add(tail);
    c.add(`<rect x="${r1(bx)}" y="${r1(by)}" width="${r1(bw)}" height="${bh}" rx="${r1(rad)}" fill="#ffffff" stroke="${INK}" stroke-width="2.5"/>`);
    c.add(tailFill);
    const t = rows.map((r, i) => `<tspan x="${r1(cx)}" y="${r1(by + 9 + BALLOON_SIZE - 2 + i * BALLOON_LH)}">${esc(r)}</tspan>`).join('');
    c.add(`<text font-family="${FONT}" font-size="${BALLOON_SIZE}" text-anchor="middle" fill="${INK}">${t}</text>`);
    cursor += bh + 12;
    idx++;
  }
}

// ───────────────────────────── page layout ─────────────────────────────

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

type Rows = Array<[number, number[]]>;

const MARGIN = 26;
const GUTTER = 14;
const FOOTER = 40;

function layout(rows: Rows): Rect[] {
  const top = MARGIN;
  const bottom = PAGE_H - FOOTER;
  const width = PAGE_W - 2 * MARGIN;
  const totalH = bottom - top - GUTTER * (rows.length - 1);
  const hSum = rows.reduce((a, [h]) => a + h, 0);
  const rects: Rect[] = [];
  let y = top;
  for (const [hw, cols] of rows) {
    const h = Math.round((totalH * hw) / hSum);
    const wSum = cols.reduce((a, b) => a + b, 0);
    const rowW = width - GUTTER * (cols.length - 1);
    let x = MARGIN;
    for (const cw of cols) {
      const w = Math.round((rowW * cw) / wSum);
      rects.push({ x, y, w, h });
      x += w + GUTTER;
    }
    y += h + GUTTER;
  }
  return rects;
}

interface PageSpec {
  rows: Rows;
  panels: PanelSpec[];
}

function renderStoryPage(ep: number, pageNo: number, lines: Line[], spec: PageSpec): string {
  const pal = PALETTES[ep];
  if (!pal) throw new Error(`no palette for episode ${ep}`);
  const rects = layout(spec.rows);
  if (rects.length !== spec.panels.length) {
    throw new Error(`ep${ep} p${pageNo}: layout has ${rects.length} panels but ${spec.panels.length} panel specs`);
  }
  const wanted = spec.panels.reduce((a, p) => a + p.lines, 0);
  if (wanted !== lines.length) {
    throw new Error(`ep${ep} p${pageNo}: panels letter ${wanted} lines but episode.yaml has ${lines.length}`);
  }
  const defs: string[] = [];
  const body: string[] = [];
  let li = 0;
  spec.panels.forEach((p, i) => {
    const r = rects[i];
    if (!r) return;
    const c = new Ctx(r.w, r.h, pal, `e${ep}p${pageNo}n${i}_`);
    p.draw(c);
    letterPanel(c, lines.slice(li, li + p.lines), p);
    li += p.lines;
    const clip = `e${ep}p${pageNo}clip${i}`;
    defs.push(...c.defs, `<clipPath id="${clip}"><rect x="0" y="0" width="${r.w}" height="${r.h}" rx="6"/></clipPath>`);
    body.push(
      `<g transform="translate(${r.x} ${r.y})"><g clip-path="url(#${clip})">${c.parts.join('')}</g>` +
        `<rect x="0" y="0" width="${r.w}" height="${r.h}" rx="6" fill="none" stroke="${INK}" stroke-width="4"/></g>`,
    );
  });
  const footer =
    `<text x="${PAGE_W / 2}" y="${PAGE_H - 16}" text-anchor="middle" font-family="${FONT}" font-size="13" letter-spacing="2" fill="${INK}" fill-opacity="0.6">` +
    `MOTH AND LANTERN · EPISODE ${ep} · ${pageNo}</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${PAGE_W}" height="${PAGE_H}" viewBox="0 0 ${PAGE_W} ${PAGE_H}">` +
    `<defs>${defs.join('')}</defs><rect width="${PAGE_W}" height="${PAGE_H}" fill="${pal.paper}"/>${body.join('')}${footer}</svg>`
  );
}

// ───────────────────────────── the pages ─────────────────────────────

const P = (lines: number, draw: (c: Ctx) => void, extra: Partial<PanelSpec> = {}): PanelSpec => ({ lines, draw, ...extra });

const PAGES: Record<string, PageSpec> = {
  // Episode 1: The Last Lamp on Tallow Street (dusk)
  '1/1': {
    rows: [
      [0.52, [1]],
      [0.48, [1, 1]],
    ],
    panels: [
      P(2, (c) => {
        sky(c, c.pal.skyTop, c.pal.skyBottom, 0, 380);
        stars(c, 25, 11, 150);
        houses(c, { seed: 1, baseY: 380, minH: 170, maxH: 300, lit: 0.35 });
        quay(c, 380, 430, 2);
        canal(c, 430, 3, [380]);
        for (const [lx, st] of [
          [70, 'dark'],
          [200, 'cracked'],
          [520, 'dark'],
          [660, 'cracked'],
        ] as const)
          lampPost(c, lx, 416, 0.95, st);
        lampPost(c, 380, 416, 0.95, 'lit');
        ada(c, 306, 420, 1.02, { pose: 'pole', face: 'smile' });
        flit(c, 470, 300, 0.7, { dir: -1 });
      }),
      P(1, (c) => {
        sky(c, '#3b3468', c.pal.skyBottom);
        houses(c, { seed: 4, baseY: 420, minH: 260, maxH: 380, lit: 0.15, scale: 1.3 });
        c.add(`<rect x="0" y="0" width="${c.w}" height="${c.h}" fill="#1d1a36" fill-opacity="0.35"/>`);
        lampPost(c, 272, 560, 1.55, 'cracked');
        ada(c, 120, 530, 1.9, { face: 'worried', dir: 1 });
      }),
      P(2, (c) => {
        sky(c, '#2f2c5e', '#b46f6a');
        c.glow(190, 250, 200, c.pal.glow, 0.7, 0.25);
        lampPost(c, 190, 560, 1.6, 'lit');
        flit(c, 120, 330, 1.1, { dir: 1 });
        ada(c, 318, 690, 1.75, { dir: -1, face: 'determined' });
      }),
    ],
  },
  '1/2': {
    rows: [
      [0.56, [1]],
      [0.44, [1.35, 1]],
    ],
    panels: [
      P(
        1,
        (c) => {
          sky(c, '#1f2150', '#c97a64');
          stars(c, 45, 21, 260);
          tower(c, 470, 575, 0.92, 'dim');
          houses(c, { seed: 22, baseY: 520, minH: 90, maxH: 190, lit: 0.3, scale: 0.9 });
          quay(c, 520, 560, 23);
          canal(c, 560, 24);
          ada(c, 120, 548, 0.55, { dir: 1, face: 'back' });
          flit(c, 160, 490, 0.35);
        },
        { align: [0.3] },
      ),
      P(2, (c) => {
        sky(c, '#27285a', '#8a5b6e');
        houses(c, { seed: 25, baseY: 330, minH: 80, maxH: 160, lit: 0.3, scale: 0.8, fade: 0.15 });
        canal(c, 330, 26);
        quay(c, 380, c.h, 27);
        ada(c, 150, 500, 1.5, { dir: 1, face: 'sad' });
        flit(c, 300, 350, 0.8, { dir: -1 });
      }),
      P(2, (c) => {
        sky(c, '#2c2a5a', '#6d4e72');
        c.glow(150, 320, 170, '#ffe3a0', 0.35, 0.12);
        flit(c, 150, 330, 1.7, { dir: -1, wings: 'up' });
        c.anchor('ADA', c.w + 40, 300);
      }),
    ],
  },
  '1/3': {
    rows: [
      [0.47, [1]],
      [0.53, [0.82, 1]],
    ],
    panels: [
      P(1, (c) => {
        sky(c, '#2a2a5c', '#d9876a', 0, 320);
        houses(c, { seed: 31, baseY: 320, minH: 120, maxH: 230, lit: 0.3 });
        canal(c, 320, 32, [120, 620]);
        bridge(c, 150, 700, 336);
        cart(c, 290, 334, 0.95, 3);
        tobin(c, 470, 334, 1.0, { pose: 'pull', dir: 1, face: 'smile' });
        lampPost(c, 640, 334, 0.8, 'dark');
      }),
      P(1, (c) => {
        sky(c, '#312d62', '#a7677a');
        houses(c, { seed: 33, baseY: 360, minH: 160, maxH: 300, lit: 0.2, scale: 1.2, fade: 0.3 });
        quay(c, 360, c.h, 34);
        ada(c, 150, 570, 1.85, { pose: 'holdUp', lantern: 'cracked', face: 'worried' });
      }),
      P(2, (c) => {
        c.add(`<rect width="${c.w}" height="${c.h}" fill="#3a2e4e"/>`);
        c.glow(120, 420, 200, '#9aa8d8', 0.3, 0.1);
        tobin(c, 270, 640, 2.0, { dir: -1, face: 'worried' });
        c.add(`<g transform="translate(88 380) scale(3.2)">${handLantern(c, 'cracked')}</g>`);
        c.add(arm([-20, 470], [88, 392], ADA_COAT, 17, SKIN));
      }),
    ],
  },
  '1/4': {
    rows: [
      [0.5, [1.2, 1]],
      [0.5, [1]],
    ],
    panels: [
      P(
        2,
        (c) => {
          c.add(`<rect width="${c.w}" height="${c.h}" fill="#2b2346"/>`);
          c.glow(250, 370, 260, c.pal.glow, 1, 0.45);
          tobin(c, 190, 580, 2.1, { pose: 'cup', lantern: 'lit', face: 'smile' });
        },
        { sfx: [{ fx: 0.62, fy: 0.92, rot: -8, size: 54 }] },
      ),
      P(1, (c) => {
        c.add(`<rect width="${c.w}" height="${c.h}" fill="#3a2a4a"/>`);
        c.glow(200, 330, 230, c.pal.glow, 0.9, 0.35);
        ada(c, 140, 560, 1.85, { pose: 'holdUp', lantern: 'blaze', face: 'surprised' });
      }),
      P(2, (c) => {
        sky(c, '#201f4c', '#a35f6c', 0, 400);
        stars(c, 40, 41, 180);
        houses(c, { seed: 42, baseY: 400, minH: 150, maxH: 260, lit: 0.25 });
        quay(c, 400, c.h, 43);
        cart(c, 660, 470, 0.9, 3);
        tobin(c, 520, 470, 1.0, { pose: 'tip', face: 'smile', dir: -1 });
        ada(c, 170, 470, 0.95, { pose: 'hold', lantern: 'lit', face: 'open' });
        flit(c, 260, 330, 0.55, { dir: 1 });
      }),
    ],
  },
  '1/5': {
    rows: [
      [0.44, [1]],
      [0.56, [1, 1]],
    ],
    panels: [
      P(2, (c) => {
        sky(c, '#0f1236', '#2c2f66', 0, 330);
        stars(c, 60, 51, 200);
        houses(c, { seed: 52, baseY: 330, minH: 120, maxH: 240, lit: 0.05 });
        quay(c, 330, c.h, 53);
        c.add(`<rect width="${c.w}" height="${c.h}" fill="#0b0d26" fill-opacity="0.45"/>`);
        for (const lx of [90, 330, 600]) lampPost(c, lx, 340, 0.8, 'dark');
        ashTrail(
          c,
          [
            [300, 400],
            [520, 420],
            [760, 400],
          ],
          54,
        );
        ada(c, 170, 420, 0.95, { pose: 'hold', lantern: 'lit', face: 'open' });
        flit(c, 500, 300, 0.8, { dir: 1, wings: 'up' });
      }),
      P(1, (c) => {
        c.add(`<rect width="${c.w}" height="${c.h}" fill="#14163a"/>`);
        quay(c, 0, c.h, 55);
        c.add(`<rect width="${c.w}" height="${c.h}" fill="#0b0d26" fill-opacity="0.55"/>`);
        c.glow(40, 240, 330, c.pal.glow, 0.55, 0.2);
        grate(c, 90, 380, 220, 150);
        ashTrail(
          c,
          [
            [40, 210],
            [120, 300],
            [200, 380],
          ],
          56,
        );
        c.anchor('ADA', -60, 260);
      }),
      P(1, (c) => {
        sky(c, '#0b0e30', '#2a2e68', 0, 440);
        stars(c, 70, 57, 300);
        houses(c, { seed: 58, baseY: 440, minH: 100, maxH: 200, lit: 0.04, scale: 0.7 });
        quay(c, 440, c.h, 59);
        c.add(`<rect width="${c.w}" height="${c.h}" fill="#0b0d26" fill-opacity="0.45"/>`);
        c.glow(190, 470, 160, c.pal.glow, 0.5, 0.15);
        grate(c, 240, 500, 100, 60);
        ada(c, 150, 540, 1.25, { pose: 'hold', lantern: 'lit', face: 'back', dir: 1 });
        flit(c, 250, 420, 0.6, { dir: 1 });
      }),
    ],
  },

  // Episode 2: Beneath the Grate (undercroft teal)
  '2/1': {
    rows: [
      [0.5, [1]],
      [0.5, [1, 1]],
    ],
    panels: [
      P(2, (c) => {
        sky(c, '#0b1030', '#2a4a5a', 0, 300);
        stars(c, 50, 61, 180);
        houses(c, { seed: 62, baseY: 300, minH: 110, maxH: 220, lit: 0.1, colors: ['#243a48', '#2c4452', '#1f3340'] });
        quay(c, 300, c.h, 63);
        c.add(`<rect width="${c.w}" height="${c.h}" fill="#071419" fill-opacity="0.3"/>`);
        c.add(`<path d="M540 440 L700 440 L716 486 L524 486 Z" fill="#050608" stroke="${INK}" stroke-width="3"/>`);
        c.add(`<path d="M590 440 L590 486 M650 440 L650 486" stroke="#6b5a44" stroke-width="5"/>`);
        c.add(`<path d="M548 440 L560 330 L700 330 L700 440 Z" fill="none" stroke="#54586a" stroke-width="6" stroke-linejoin="round"/>`);
        c.add(`<path d="M576 440 L584 330 M604 440 L610 330 M632 440 L636 330 M660 440 L662 330 M554 385 L700 385" stroke="#54586a" stroke-width="5"/>`);
        tobin(c, 500, 470, 1.0, { pose: 'lift', face: 'smile' });
        ada(c, 230, 470, 0.95, { pose: 'hold', lantern: 'lit', face: 'open' });
        flit(c, 320, 330, 0.55, { dir: 1 });
      }),
      P(
        2,
        (c) => {
          c.add(`<rect width="${c.w}" height="${c.h}" fill="#183234"/>`);
          quay(c, 0, c.h, 64);
          c.add(`<rect x="${c.w / 2 - 110}" y="0" width="220" height="${c.h}" fill="#0a1517"/>`);
          c.add(`<path d="M${c.w / 2 - 60} 0 L${c.w / 2 - 60} ${c.h} M${c.w / 2 + 60} 0 L${c.w / 2 + 60} ${c.h}" stroke="#6b5a44" stroke-width="8"/>`);
          for (let y = 40; y < c.h; y += 60)
            if (y < 430 || y > 470) c.add(`<line x1="${c.w / 2 - 60}" y1="${y}" x2="${c.w / 2 + 60}" y2="${y}" stroke="#6b5a44" stroke-width="7"/>`);
          c.add(`<path d="M${c.w / 2 - 56} 452 L${c.w / 2 - 10} 458 M${c.w / 2 + 8} 462 L${c.w / 2 + 56} 448" stroke="#6b5a44" stroke-width="7"/>`);
          c.add(`<path d="M${c.w / 2 - 20} 480 l-10 12 M${c.w / 2 + 24} 482 l8 14" stroke="#6b5a44" stroke-width="5"/>`);
          ada(c, c.w / 2, 440, 1.25, { pose: 'ladder', face: 'surprised' });
          c.glow(c.w / 2 + 30, 300, 120, c.pal.glow, 0.4, 0.15);
        },
        { sfx: [{ fx: 0.32, fy: 0.88, rot: -10, size: 50 }] },
      ),
      P(
        1,
        (c) => {
          c.add(`<rect width="${c.w}" height="${c.h}" fill="#102426"/>`);
          quay(c, 0, c.h, 65);
          c.add(`<rect width="${c.w}" height="${c.h}" fill="#071213" fill-opacity="0.5"/>`);
          c.add(
            `<rect x="40" y="120" width="${c.w - 80}" height="260" fill="${c.linear([
              [0, '#0b1030'],
              [1, '#2a3f66'],
            ])}" stroke="${INK}" stroke-width="5"/>`,
          );
          stars(c, 25, 66, 110);
          tobin(c, c.w / 2, 430, 1.05, { pose: 'point', dir: -1, face: 'smile' });
          c.add(`<rect x="0" y="380" width="${c.w}" height="${c.h - 380}" fill="#183234"/>`);
          c.add(`<line x1="0" y1="380" x2="${c.w}" y2="380" stroke="${INK}" stroke-width="5"/>`);
          c.add(`<path d="M${c.w / 2 - 50} 380 L${c.w / 2 - 50} ${c.h} M${c.w / 2 + 50} 380 L${c.w / 2 + 50} ${c.h}" stroke="#6b5a44" stroke-width="8"/>`);
          for (let y = 420; y < c.h; y += 55) c.add(`<line x1="${c.w / 2 - 50}" y1="${y}" x2="${c.w / 2 + 50}" y2="${y}" stroke="#6b5a44" stroke-width="7"/>`);
        },
        { textTop: 12 },
      ),
    ],
  },
  '2/2': {
    rows: [
      [0.7, [1]],
      [0.3, [1]],
    ],
    panels: [
      P(2, (c) => {
        vaults(c, { seed: 71, waterY: 560, jars: 22 });
        let shelves = '';
        for (const [sx, sy, sw] of [
          [60, 330, 200],
          [480, 300, 230],
          [300, 420, 150],
        ] as const) {
          shelves += `<rect x="${sx}" y="${sy}" width="${sw}" height="10" fill="#5a4330" stroke="${INK}" stroke-width="2"/>`;
        }
        c.add(shelves);
        for (let i = 0; i < 6; i++) jar(c, 80 + i * 32, 330, 0.62);
        for (let i = 0; i < 7; i++) jar(c, 498 + i * 32, 300, 0.62);
        for (let i = 0; i < 4; i++) jar(c, 318 + i * 36, 420, 0.7);
        c.add(`<path d="M0 640 L300 620 L330 ${c.h} L0 ${c.h} Z" fill="#2f4744" stroke="${INK}" stroke-width="3"/>`);
        tobin(c, 90, 660, 0.9, { face: 'worried', dir: 1 });
        ada(c, 200, 664, 0.9, { pose: 'holdUp', lantern: 'lit', face: 'surprised' });
        flit(c, 270, 580, 0.5, { dir: 1 });
      }),
      P(1, (c) => {
        c.add(`<rect width="${c.w}" height="${c.h}" fill="#0f2426"/>`);
        c.glow(420, 170, 260, c.pal.glow, 0.8, 0.3);
        jar(c, 420, 290, 4.2, true);
        flit(c, 300, 190, 1.3, { dir: 1, wings: 'up' });
      }),
    ],
  },
  '2/3': {
    rows: [
      [0.5, [1]],
      [0.5, [0.82, 1]],
    ],
    panels: [
      P(1, (c) => {
        vaults(c, { seed: 81, waterY: 470, jars: 0 });
        c.add(`<rect x="0" y="440" width="${c.w}" height="${c.h - 440}" fill="#2f4744"/>`);
        dimmer(c, 180, 470, 0.7, { lantern: 'dark', dir: 1 });
        dimmer(c, 330, 480, 0.85, { lantern: 'dark', dir: 1, speaker: 'D2' });
        dimmer(c, 700, 470, 0.75, { lantern: 'dark', dir: -1, speaker: 'D3' });
        dimmer(c, 520, 505, 1.15, { lantern: 'dark', dir: -1, speaker: 'DIMMER' });
      }),
      P(1, (c) => {
        c.add(`<rect width="${c.w}" height="${c.h}" fill="#17302f"/>`);
        c.glow(200, 360, 200, c.pal.glow, 0.6, 0.2);
        ada(c, 140, 560, 1.85, { pose: 'hold', lantern: 'lit', face: 'determined' });
        flit(c, 260, 280, 0.7, { dir: -1 });
      }),
      P(1, (c) => {
        c.add(`<rect width="${c.w}" height="${c.h}" fill="#1e3332"/>`);
        c.glow(200, 330, 220, '#8fb9b2', 0.25, 0.08);
        dimmer(c, 210, 570, 2.1, { hoodDown: true, dir: -1 });
      }),
    ],
  },
  '2/4': {
    rows: [
      [0.56, [1]],
      [0.44, [1, 1]],
    ],
    panels: [
      P(2, (c) => {
        vaults(c, { seed: 91, waterY: 520, jars: 6 });
        c.add(`<rect x="0" y="470" width="${c.w}" height="${c.h - 470}" fill="#2f4744"/>`);
        c.glow(440, 420, 200, c.pal.glow, 0.85, 0.35);
        motherSoot(c, 300, 520, 1.35, { seated: true, dir: 1 });
        jar(c, 440, 480, 1.6, true);
        child(c, 520, 520, 1.0, -1);
        child(c, 600, 530, 0.85, -1);
        dimmer(c, 700, 520, 0.9, { lantern: 'dark', dir: -1 });
      }),
      P(1, (c) => {
        c.add(`<rect width="${c.w}" height="${c.h}" fill="#14292a"/>`);
        c.glow(c.w / 2, 330, 220, c.pal.glow, 0.95, 0.4);
        jar(c, c.w / 2, 390, 3.2, true);
        child(c, 70, 470, 1.6, 1);
        child(c, 300, 480, 1.5, -1);
        c.anchor('MOTHER SOOT', -50, 200);
      }),
      P(2, (c) => {
        c.add(`<rect width="${c.w}" height="${c.h}" fill="#1c3534"/>`);
        c.glow(130, 360, 170, c.pal.glow, 0.45, 0.15);
        ada(c, 100, 470, 1.4, { pose: 'hold', lantern: 'lit', face: 'worried', dir: 1 });
        tobin(c, 268, 500, 1.35, { face: 'back', dir: 1 });
      }),
    ],
  },
  '2/5': {
    rows: [
      [0.36, [1]],
      [0.64, [1, 1]],
    ],
    panels: [
      P(
        2,
        (c) => {
          vaults(c, { seed: 101, waterY: 330, jars: 0 });
          c.add(`<rect x="40" y="160" width="450" height="10" fill="#5a4330" stroke="${INK}" stroke-width="2"/>`);
          for (let i = 0; i < 9; i++) {
            jar(c, 70 + i * 48, 160, 0.8, true, i % 2 ? 8 : -8);
            c.add(`<path d="M${56 + i * 48} 120 l-6 -4 M${84 + i * 48} 120 l6 -4" stroke="#e8f0ee" stroke-width="2"/>`);
          }
          motherSoot(c, 640, 340, 1.1, { dir: -1 });
        },
        { sfx: [{ fx: 0.38, fy: 0.68, rot: -4, size: 62 }], align: [0.78] },
      ),
      P(
        1,
        (c) => {
          sky(c, '#05071a', '#141a40');
          stars(c, 40, 111, c.h * 0.6);
          houses(c, { seed: 112, baseY: 620, minH: 60, maxH: 150, lit: 0, scale: 0.7, colors: ['#0c0e24', '#101330'] });
          tower(c, c.w / 2, 640, 0.82, 'out');
          for (let i = 1; i < 5; i++) c.add(`<line x1="${(c.w / 5) * i}" y1="0" x2="${(c.w / 5) * i}" y2="${c.h}" stroke="#2a2d3c" stroke-width="16"/>`);
          c.anchor('ADA', c.w / 2, c.h + 80);
        },
        { align: [0.5] },
      ),
      P(
        2,
        (c) => {
          c.add(`<rect width="${c.w}" height="${c.h}" fill="#081314"/>`);
          c.glow(120, 470, 260, c.pal.glow, 0.6, 0.2);
          c.add(`<g transform="translate(120 420) scale(2.2)">${handLantern(c, 'lit')}</g>`);
          c.add(arm([-20, 470], [120, 426], ADA_COAT, 15, SKIN));
          tobin(c, 240, 660, 1.9, { face: 'worried', dir: -1 });
          c.anchor('MOTHER SOOT', -40, 330);
        },
        { align: [0.6, 0.35] },
      ),
    ],
  },

  // Episode 3: The Keeper's Light (night, then gold)
  '3/1': {
    rows: [
      [0.5, [1]],
      [0.5, [1, 1]],
    ],
    panels: [
      P(2, (c) => {
        sky(c, c.pal.skyTop, c.pal.skyBottom, 0, 420);
        stars(c, 80, 121, 300);
        tower(c, 650, 440, 0.75, 'out');
        houses(c, { seed: 122, baseY: 420, minH: 140, maxH: 250, lit: 0, x1: 560 });
        quay(c, 420, c.h, 123);
        c.add(`<rect width="${c.w}" height="${c.h}" fill="#05081c" fill-opacity="0.3"/>`);
        for (const [dx, dy, ds] of [
          [90, 470, 0.62],
          [180, 480, 0.68],
          [270, 490, 0.72],
          [560, 480, 0.62],
        ] as const) {
          dimmer(c, dx, dy, ds, { dir: 1, jar: true, speaker: `D${dx}` });
        }
        ada(c, 420, 500, 0.85, { pose: 'holdUp', lantern: 'lit', face: 'determined', dir: 1 });
      }),
      P(1, (c) => {
        c.add(`<rect width="${c.w}" height="${c.h}" fill="#141838"/>`);
        c.glow(230, 320, 200, c.pal.glow, 0.7, 0.25);
        motherSoot(c, 160, 560, 2.0, { jar: true, dir: 1 });
      }),
      P(1, (c) => {
        spiralStair(c);
        c.glow(c.w / 2, 200, 140, c.pal.glow, 0.4, 0.15);
        flit(c, c.w / 2 + 40, 260, 1.0, { dir: 1, wings: 'up', glowing: true });
      }),
    ],
  },
  '3/2': {
    rows: [
      [0.52, [1]],
      [0.48, [1, 1]],
    ],
    panels: [
      P(
        2,
        (c) => {
          lensRoom(c, 470, 230, 130, 'dark');
          c.add(`<path d="M440 372 q-20 -30 0 -50 t0 -50" fill="none" stroke="#c5c9d8" stroke-opacity="0.8" stroke-width="6" stroke-linecap="round"/>`);
          ada(c, 300, 500, 1.1, { pose: 'pour', face: 'determined' });
          jar(c, 350, 386, 1.1, true, 80);
          c.add(`<path d="M370 378 q20 4 36 -2" fill="none" stroke="#ffb03a" stroke-width="5" stroke-linecap="round"/>`);
        },
        { sfx: [{ fx: 0.74, fy: 0.88, rot: -6, size: 46 }] },
      ),
      P(1, (c) => {
        c.add(`<rect width="${c.w}" height="${c.h}" fill="#1c1d3e"/>`);
        c.add(`<rect x="0" y="${c.h * 0.6}" width="${c.w}" height="${c.h * 0.4}" fill="#2b2a44"/>`);
        for (const [jx, jy, tl] of [
          [50, 470, 80],
          [300, 480, -10],
          [330, 440, 30],
          [260, 470, 90],
        ] as const)
          jar(c, jx, jy, 1.1, false, tl);
        ada(c, 170, 500, 1.6, { pose: 'despair', face: 'sad' });
      }),
      P(1, (c) => {
        c.add(`<rect width="${c.w}" height="${c.h}" fill="#181a38"/>`);
        c.add(`<path d="M90 ${c.h} L90 220 A95 95 0 0 1 280 220 L280 ${c.h} Z" fill="#3a3040" stroke="${INK}" stroke-width="5"/>`);
        c.glow(185, 360, 160, '#ffc85a', 0.35, 0.1);
        tobin(c, 185, 520, 1.55, { face: 'smile', dir: -1 });
      }),
    ],
  },
  '3/3': {
    rows: [
      [0.44, [1, 1]],
      [0.56, [1]],
    ],
    panels: [
      P(1, (c) => {
        lensRoom(c, 250, 190, 120, 'dark');
        tobin(c, 140, 520, 1.35, { pose: 'reach', hat: false, face: 'smile' });
      }),
      P(
        1,
        (c) => {
          lensRoom(c, c.w / 2, 200, 130, 'blaze');
        },
        { sfx: [{ fx: 0.5, fy: 0.86, rot: -6, size: 58 }] },
      ),
      P(2, (c) => {
        c.add(
          `<rect width="${c.w}" height="${c.h}" fill="${c.linear([
            [0, '#ffe39a'],
            [1, '#c7772e'],
          ])}"/>`,
        );
        for (let i = 0; i < 14; i++) {
          const a = (i / 14) * Math.PI * 2;
          c.add(
            `<path d="M${c.w / 2} 120 L${r1(c.w / 2 + Math.cos(a) * 900)} ${r1(120 + Math.sin(a) * 900)} L${r1(c.w / 2 + Math.cos(a + 0.12) * 900)} ${r1(120 + Math.sin(a + 0.12) * 900)} Z" fill="#fff7d6" fill-opacity="0.3"/>`,
          );
        }
        ada(c, 210, 640, 1.75, { face: 'surprised', lantern: 'lit', pose: 'hold' });
        tobin(c, 560, 650, 1.6, { pose: 'hatInHand', hat: false, face: 'sad', dir: -1 });
        flit(c, 380, 330, 0.7, { dir: 1 });
      }),
    ],
  },
  '3/4': {
    rows: [
      [0.5, [1, 1]],
      [0.5, [1]],
    ],
    panels: [
      P(1, (c) => {
        c.add(`<rect width="${c.w}" height="${c.h}" fill="#6e4a26"/>`);
        c.glow(150, 380, 240, '#ffe08a', 0.8, 0.3);
        c.add(`<g transform="translate(150 330) scale(3.4)">${handLantern(c, 'lit')}</g>`);
        c.add(arm([-20, 520], [150, 342], ADA_COAT, 15, SKIN));
        tobin(c, 300, 660, 2.1, { pose: 'touch', hat: false, face: 'smile', dir: -1 });
      }),
      P(1, (c) => {
        c.add(`<rect width="${c.w}" height="${c.h}" fill="#7a5230"/>`);
        c.glow(180, 360, 220, '#ffe08a', 0.7, 0.25);
        ada(c, 180, 560, 2.0, { pose: 'clutch', lantern: 'lit', face: 'sad' });
      }),
      P(1, (c) => {
        c.add(
          `<rect width="${c.w}" height="${c.h}" fill="${c.linear([
            [0, '#ffe7a8'],
            [1, '#b8642a'],
          ])}"/>`,
        );
        c.glow(c.w / 2, 300, 380, '#fff3c4', 0.7, 0.25);
        tobin(c, 320, 500, 1.7, { pose: 'hug', hat: false, face: 'smile', dir: 1 });
        ada(c, 420, 500, 1.6, { face: 'sad', pose: 'clutch', lantern: 'lit', dir: -1 });
        c.add(`<circle cx="440" cy="352" r="9" fill="${SKIN_OLD}" stroke="${INK}" stroke-width="2"/>`);
        flit(c, 580, 250, 0.7, { dir: -1 });
      }),
    ],
  },
  '3/5': {
    rows: [
      [0.38, [1, 1]],
      [0.62, [1]],
    ],
    panels: [
      P(1, (c) => {
        vaults(c, { seed: 131, waterY: 300, light: true });
        c.add(`<rect x="0" y="280" width="${c.w}" height="${c.h - 280}" fill="#3b5a55"/>`);
        motherSoot(c, 130, 330, 1.0, { armsUp: true, dir: 1 });
        child(c, 250, 330, 0.9, -1, true);
      }),
      P(
        2,
        (c) => {
          sky(c, '#151c52', '#5a4a8a');
          stars(c, 40, 132, c.h * 0.5);
          tower(c, c.w / 2, c.h + 40, 0.6, 'blaze');
          emberMoths(c, c.w / 2, c.h - 270, 160, 110, 26, 133);
          flit(c, 290, 300, 0.5, { dir: -1 });
          c.anchor('ADA', c.w + 30, c.h - 40);
        },
        { textTop: 10 },
      ),
      P(
        3,
        (c) => {
          sky(c, '#27306a', '#f2b66f', 0, 470);
          houses(c, { seed: 134, baseY: 470, minH: 80, maxH: 170, lit: 0.7, scale: 0.8 });
          canal(c, 470, 135, [150, 430, 610]);
          c.glow(c.w - 60, 40, 300, '#fff0b0', 0.9, 0.35);
          emberMoths(c, c.w - 120, 140, 140, 90, 12, 136);
          c.add(`<rect x="0" y="520" width="${c.w}" height="${c.h - 520}" fill="#5a4440" stroke="${INK}" stroke-width="4"/>`);
          for (let x = 10; x < c.w; x += 26) c.add(`<line x1="${x}" y1="470" x2="${x}" y2="520" stroke="${INK}" stroke-width="4"/>`);
          c.add(`<line x1="0" y1="470" x2="${c.w}" y2="470" stroke="${INK}" stroke-width="6"/>`);
          tobin(c, 240, 650, 1.65, { hat: false, face: 'smile', dir: 1 });
          ada(c, 450, 650, 1.55, { pose: 'wave', lantern: 'none', face: 'smile', dir: -1 });
          flit(c, 580, 400, 0.85, { dir: -1 });
        },
        { align: [0.3, 0.7, 0.8] },
      ),
    ],
  },
};

// ───────────────────────────── title strips, credits, covers, avatars ─────────────────────────────

function titleBackdrop(c: Ctx, ep: number): void {
  if (ep === 1) {
    sky(c, c.pal.skyTop, c.pal.skyBottom);
    stars(c, 30, 201, 120);
    houses(c, { seed: 202, baseY: c.h, minH: 60, maxH: 130, lit: 0.35, scale: 0.75 });
    lampPost(c, 70, c.h, 0.9, 'lit');
  } else if (ep === 2) {
    vaults(c, { seed: 203, waterY: c.h - 30, jars: 6 });
  } else {
    sky(c, c.pal.skyTop, c.pal.skyBottom);
    stars(c, 90, 204, c.h);
    houses(c, { seed: 205, baseY: c.h, minH: 50, maxH: 120, lit: 0, scale: 0.7 });
    tower(c, 720, c.h + 20, 0.42, 'out');
  }
}

function fitSize(text: string, maxW: number, size: number, bold: boolean): number {
  let s = size;
  while (s > 14 && textWidth(text, s, bold) > maxW) s -= 1;
  return s;
}

function renderTitleStrip(ep: number, lines: Line[]): string {
  const pal = PALETTES[ep];
  if (!pal) throw new Error(`no palette for episode ${ep}`);
  const c = new Ctx(PAGE_W, STRIP_H, pal, `t${ep}_`);
  titleBackdrop(c, ep);
  c.add(
    `<rect width="${PAGE_W}" height="${STRIP_H}" fill="${c.linear(
      [
        [0, '#000', 0.05],
        [1, '#000', 0.45],
      ],
      0,
      0,
      1,
      0,
    )}"/>`,
  );
  const series = lines[0]?.text ?? 'MOTH AND LANTERN';
  const full = lines[1]?.text ?? '';
  const m = /^(Episode \d+):\s*(.+)$/.exec(full);
  const epLabel = (m?.[1] ?? '').toUpperCase();
  const title = m?.[2] ?? full;
  const size = fitSize(title, 570, 44, true);
  c.add(
    `<text x="200" y="78" font-family="${FONT}" font-weight="bold" font-size="20" letter-spacing="6" fill="${pal.glow}" stroke="${INK}" stroke-width="3" paint-order="stroke">${esc(series)}</text>` +
      `<text x="200" y="116" font-family="${FONT}" font-size="17" letter-spacing="4" fill="#fdf3dc" stroke="${INK}" stroke-width="3" paint-order="stroke">${esc(epLabel)}</text>` +
      `<text x="200" y="176" font-family="${FONT}" font-weight="bold" font-size="${size}" fill="#fff6e0" stroke="${INK}" stroke-width="5" stroke-linejoin="round" paint-order="stroke">${esc(title)}</text>`,
  );
  flit(c, 150, 80, 0.62, { dir: -1, speaker: 'x' });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${PAGE_W}" height="${STRIP_H}"><defs>${c.defs.join('')}</defs>${c.parts.join('')}</svg>`;
}

function renderCredits(ep: number, text: string): string {
  const pal = PALETTES[ep];
  if (!pal) throw new Error(`no palette for episode ${ep}`);
  const c = new Ctx(PAGE_W, PAGE_H, pal, `c${ep}_`);
  sky(c, pal.titleA, pal.titleB);
  stars(c, 70, 300 + ep, PAGE_H * 0.6);
  c.glow(PAGE_W / 2, 330, 220, pal.glow, 0.7, 0.25);
  c.add(`<g transform="translate(${PAGE_W / 2} 250) scale(4)">${handLantern(c, 'lit')}</g>`);
  flit(c, PAGE_W / 2 + 150, 300, 0.9, { dir: -1 });
  const rows = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  let y = 560;
  const out: string[] = [];
  rows.forEach((row, i) => {
    const size = i === 0 ? 24 : 19;
    for (const w of wrap(row, 660, size, i === 0)) {
      out.push(
        `<text x="${PAGE_W / 2}" y="${y}" text-anchor="middle" font-family="${FONT}" font-size="${size}"${i === 0 ? ' font-weight="bold"' : ''} fill="#fdf3dc">${esc(w)}</text>`,
      );
      y += size + 14;
    }
    if (i === 0) y += 24;
  });
  c.add(out.join(''));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${PAGE_W}" height="${PAGE_H}"><defs>${c.defs.join('')}</defs>${c.parts.join('')}</svg>`;
}

function coverScene(c: Ctx, ep: number): void {
  if (ep === 1) {
    sky(c, c.pal.skyTop, c.pal.skyBottom, 0, 260);
    stars(c, 30, 401, 120);
    houses(c, { seed: 402, baseY: 260, minH: 110, maxH: 200, lit: 0.4, scale: 0.85 });
    quay(c, 260, 290, 403);
    canal(c, 290, 404, [420]);
    lampPost(c, 420, 280, 0.9, 'lit');
    lampPost(c, 130, 280, 0.9, 'dark');
    ada(c, 330, 282, 0.95, { pose: 'holdUp', lantern: 'lit', face: 'smile' });
    flit(c, 230, 170, 0.75, { dir: 1 });
  } else if (ep === 2) {
    vaults(c, { seed: 405, waterY: 300, jars: 14 });
    c.add(`<path d="M270 0 L270 250 M330 0 L330 250" stroke="#6b5a44" stroke-width="7"/>`);
    for (let y = 20; y < 250; y += 40) c.add(`<line x1="270" y1="${y}" x2="330" y2="${y}" stroke="#6b5a44" stroke-width="6"/>`);
    ada(c, 300, 250, 0.9, { pose: 'holdUp', lantern: 'lit', face: 'surprised' });
    flit(c, 390, 170, 0.6, { dir: -1 });
  } else {
    sky(c, c.pal.skyTop, c.pal.skyBottom);
    stars(c, 90, 406, 260);
    tower(c, 300, 330, 0.55, 'out');
    houses(c, { seed: 407, baseY: 330, minH: 60, maxH: 140, lit: 0, scale: 0.7, x0: -20, x1: 230 });
    houses(c, { seed: 408, baseY: 330, minH: 60, maxH: 140, lit: 0, scale: 0.7, x0: 370 });
    quay(c, 330, COVER_H, 409);
    for (const [dx, ds] of [
      [110, 0.5],
      [180, 0.55],
      [430, 0.55],
      [500, 0.5],
    ] as const)
      dimmer(c, dx, 340, ds, { jar: true, dir: dx < 300 ? 1 : -1, speaker: `D${dx}` });
    ada(c, 300, 350, 0.6, { pose: 'holdUp', lantern: 'lit', face: 'back' });
  }
}

function renderCover(ep: number, title: string): string {
  const pal = PALETTES[ep];
  if (!pal) throw new Error(`no palette for episode ${ep}`);
  const c = new Ctx(COVER_W, COVER_H, pal, `k${ep}_`);
  coverScene(c, ep);
  c.add(
    `<rect x="0" y="${COVER_H - 150}" width="${COVER_W}" height="150" fill="${c.linear([
      [0, '#000', 0],
      [1, '#000', 0.7],
    ])}"/>`,
  );
  c.add(
    `<rect x="0" y="0" width="${COVER_W}" height="70" fill="${c.linear([
      [0, '#000', 0.55],
      [1, '#000', 0],
    ])}"/>`,
  );
  const size = fitSize(title, 540, 40, true);
  c.add(
    `<text x="24" y="40" font-family="${FONT}" font-weight="bold" font-size="18" letter-spacing="5" fill="${pal.glow}" stroke="${INK}" stroke-width="3" paint-order="stroke">MOTH AND LANTERN</text>` +
      `<text x="24" y="${COVER_H - 70}" font-family="${FONT}" font-size="16" letter-spacing="4" fill="#fdf3dc">EPISODE ${ep}</text>` +
      `<text x="24" y="${COVER_H - 26}" font-family="${FONT}" font-weight="bold" font-size="${size}" fill="#fff6e0" stroke="${INK}" stroke-width="5" stroke-linejoin="round" paint-order="stroke">${esc(title)}</text>`,
  );
  c.add(`<rect x="0" y="0" width="${COVER_W}" height="${COVER_H}" fill="none" stroke="${INK}" stroke-width="6"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${COVER_W}" height="${COVER_H}"><defs>${c.defs.join('')}</defs>${c.parts.join('')}</svg>`;
}

const AVATARS: Record<string, { bg: [string, string]; draw: (c: Ctx) => void }> = {
  ada: { bg: ['#f0a57a', '#c8503a'], draw: (c) => ada(c, 116, 420, 2.4, { face: 'smile' }) },
  flit: { bg: ['#3a3d78', '#1d1f48'], draw: (c) => flit(c, 128, 150, 2.2, { dir: 1 }) },
  tobin: { bg: ['#d9b27a', '#7a5236'], draw: (c) => tobin(c, 118, 470, 2.2, { face: 'smile' }) },
};

function renderAvatar(slug: string): string {
  const a = AVATARS[slug];
  const pal = PALETTES[1];
  if (!a || !pal) throw new Error(`no avatar for ${slug}`);
  const c = new Ctx(AVATAR, AVATAR, pal, `a_${slug}_`);
  c.add(`<rect width="${AVATAR}" height="${AVATAR}" fill="${c.radial(a.bg[0], 1, 0.8)}"/>`);
  c.add(`<rect width="${AVATAR}" height="${AVATAR}" fill="${a.bg[1]}" fill-opacity="0.55"/>`);
  c.glow(AVATAR / 2, AVATAR / 2, AVATAR * 0.7, '#fff2c8', 0.6, 0.2);
  a.draw(c);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${AVATAR}" height="${AVATAR}"><defs>${c.defs.join('')}</defs>${c.parts.join('')}</svg>`;
}

// ───────────────────────────── main ─────────────────────────────

interface EpisodePage {
  number: number;
  kind: string;
  image: string | null;
  dialogue?: string;
  credits_text?: string;
}

interface Episode {
  number: number;
  title: string;
  cover_image: string;
  pages: EpisodePage[];
}

async function writeJpeg(svg: string, file: string, previewDir: string | null): Promise<number> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const img = sharp(Buffer.from(svg));
  const buf = await img.jpeg(JPEG_OPTS).toBuffer();
  fs.writeFileSync(file, buf);
  if (previewDir) {
    const rel = path
      .relative(SERIES_DIR, file)
      .replace(/[\\/]/g, '__')
      .replace(/\.jpg$/, '.png');
    await sharp(Buffer.from(svg)).png().toFile(path.join(previewDir, rel));
  }
  return buf.length;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const pi = args.indexOf('--preview-dir');
  const previewDir = pi >= 0 ? (args[pi + 1] ?? null) : null;
  if (previewDir) fs.mkdirSync(previewDir, { recursive: true });

  const epRoot = path.join(SERIES_DIR, 'episodes');
  const dirs = fs
    .readdirSync(epRoot)
    .filter((d) => fs.existsSync(path.join(epRoot, d, 'episode.yaml')))
    .sort();
  let total = 0;
  let largest = 0;
  const used = new Set<string>();
  for (const d of dirs) {
    const ep = parse(fs.readFileSync(path.join(epRoot, d, 'episode.yaml'), 'utf8')) as Episode;
    for (const page of ep.pages) {
      if (!page.image) continue;
      const file = path.join(epRoot, d, page.image);
      const lines = parseDialogue(page.dialogue ?? '');
      let svg: string;
      if (page.kind === 'title') svg = renderTitleStrip(ep.number, lines);
      else if (page.kind === 'credits') svg = renderCredits(ep.number, page.credits_text ?? '');
      else {
        const key = `${ep.number}/${page.number}`;
        const spec = PAGES[key];
        if (!spec) throw new Error(`no art spec for story page ${key}`);
        used.add(key);
        svg = renderStoryPage(ep.number, page.number, lines, spec);
      }
      const n = await writeJpeg(svg, file, previewDir);
      total += n;
      largest = Math.max(largest, n);
      console.log(`${path.relative(ROOT, file)}  ${(n / 1024).toFixed(1)} KB`);
    }
    const cover = path.join(epRoot, d, ep.cover_image);
    const n = await writeJpeg(renderCover(ep.number, ep.title), cover, previewDir);
    total += n;
    console.log(`${path.relative(ROOT, cover)}  ${(n / 1024).toFixed(1)} KB`);
  }
  const unused = Object.keys(PAGES).filter((k) => !used.has(k));
  if (unused.length) throw new Error(`art specs without a story page in episode.yaml: ${unused.join(', ')}`);

  const imgDir = path.join(SERIES_DIR, 'world', 'images');
  fs.mkdirSync(imgDir, { recursive: true });
  for (const slug of Object.keys(AVATARS)) {
    const svg = renderAvatar(slug);
    const file = path.join(imgDir, `${slug}.webp`);
    const buf = await sharp(Buffer.from(svg)).webp(WEBP_OPTS).toBuffer();
    fs.writeFileSync(file, buf);
    if (previewDir)
      await sharp(Buffer.from(svg))
        .png()
        .toFile(path.join(previewDir, `avatar__${slug}.png`));
    total += buf.length;
    console.log(`${path.relative(ROOT, file)}  ${(buf.length / 1024).toFixed(1)} KB`);
  }
  console.log(`total ${(total / 1024).toFixed(1)} KB, largest page ${(largest / 1024).toFixed(1)} KB`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * Offline OCR of comic pages: text-region detection (./regions.ts) finds the lettering blocks
 * (balloons, captions, signs), each block is cropped, upscaled and read by tesseract.js with a
 * block page-segmentation mode, words are filtered by confidence and plausibility, and the regions
 * come back in reading order (./reading-order.ts).
 *
 * Language data comes only from installed `@tesseract.js-data/<code>` packages; nothing is
 * downloaded and no cache is written.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import Tesseract from 'tesseract.js';
import { FolioError } from '../errors.js';
import { type Direction, orderBoxes, panels } from './reading-order.js';
import { type Block, detectBlocks, type Gray } from './regions.js';

export interface TextRegion {
  /** The region's text, lines joined by '\n' in reading order. */
  text: string;
  /** 0..1 */
  confidence: number;
  /** Source-image pixels. */
  box: { x: number; y: number; width: number; height: number };
  /** True for a sound effect (short all-caps onomatopoeia like SPLASH, PLOP, SHH); kept, but marked. */
  sound: boolean;
}

export interface OcrEngine {
  /** Engine + version + language data + algorithm version: the transcript cache key. */
  readonly id: string;
  readonly languages: readonly string[];
  /** Text regions of one page image (any format sharp reads), in reading order for the direction. */
  read(image: Buffer, opts: { direction: Direction; signal?: AbortSignal }): Promise<TextRegion[]>;
  close(): Promise<void>;
}

/** Bump when the output for the same image would change. */
const ALGORITHM = 'regions-v1';
/** The traineddata flavour read from the packages: LSTM only, integer (fast, small). */
const DATA_FLAVOUR = '4.0.0_best_int';
/** Width the page is scaled to for region detection (regions.ts is tuned for it). */
const DETECT_WIDTH = 800;
/** Height, in pixels, a glyph of a region is scaled to before reading. */
const TARGET_GLYPH = 36;
/** Words read with less confidence than this (0..100) are dropped. */
const MIN_WORD_CONFIDENCE = 55;

const require = createRequire(import.meta.url);

/** Series language (BCP 47: 'en', 'fr', 'pt-BR') → tesseract codes. Unknown languages fall back to English. */
const LANGS: Record<string, string> = {
  af: 'afr',
  ar: 'ara',
  bg: 'bul',
  ca: 'cat',
  cs: 'ces',
  da: 'dan',
  de: 'deu',
  el: 'ell',
  en: 'eng',
  es: 'spa',
  et: 'est',
  fi: 'fin',
  fr: 'fra',
  he: 'heb',
  hi: 'hin',
  hr: 'hrv',
  hu: 'hun',
  id: 'ind',
  it: 'ita',
  ja: 'jpn',
  ko: 'kor',
  lt: 'lit',
  lv: 'lav',
  nb: 'nor',
  nl: 'nld',
  nn: 'nor',
  no: 'nor',
  pl: 'pol',
  pt: 'por',
  ro: 'ron',
  ru: 'rus',
  sk: 'slk',
  sl: 'slv',
  sr: 'srp',
  sv: 'swe',
  th: 'tha',
  tr: 'tur',
  uk: 'ukr',
  vi: 'vie',
  zh: 'chi_sim',
};

export function ocrLanguagesFor(seriesLanguage: string): string[] {
  const tag = seriesLanguage.trim().toLowerCase().replace('_', '-');
  if (tag === 'zh-tw' || tag === 'zh-hant' || tag.startsWith('zh-hant-')) return ['chi_tra'];
  const primary = tag.split('-')[0] ?? '';
  return [LANGS[primary] ?? 'eng'];
}

/** One line per region line, in reading order (sound effects kept as plain lines). */
export function transcriptText(regions: TextRegion[]): string {
  return regions
    .flatMap((r) => r.text.split('\n'))
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .join('\n');
}

interface LangData {
  code: string;
  version: string;
  /** Directory holding `<code>.traineddata.gz`. */
  dir: string;
}

function loadLanguage(code: string): LangData {
  const pkg = `@tesseract.js-data/${code}`;
  let dir: string;
  let version: string;
  try {
    const pkgJson = require.resolve(`${pkg}/package.json`);
    dir = dirname(pkgJson);
    version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version?: string }).version ?? '0';
  } catch {
    throw new FolioError(
      'bad_request:config',
      `OCR language data for "${code}" is not installed: add the npm package ${pkg} (npm install ${pkg}), or choose other languages with FOLIO_OCR_LANGS.`,
    );
  }
  if (existsSync(join(dir, DATA_FLAVOUR, `${code}.traineddata.gz`))) return { code, version: `${version}/${DATA_FLAVOUR}`, dir: join(dir, DATA_FLAVOUR) };
  throw new FolioError(
    'bad_request:config',
    `OCR language data for "${code}" is incomplete: ${pkg} has no ${DATA_FLAVOUR}/${code}.traineddata.gz. Reinstall the npm package ${pkg}.`,
  );
}

const tesseractVersion = (): string => {
  try {
    return (JSON.parse(readFileSync(require.resolve('tesseract.js/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
};

const abortError = (signal: AbortSignal): Error => (signal.reason instanceof Error ? signal.reason : new DOMException('The OCR read was aborted', 'AbortError'));

export async function openOcrEngine(opts: { languages: string[]; workers?: number }): Promise<OcrEngine> {
  const languages = opts.languages.length ? [...opts.languages] : ['eng'];
  const data = languages.map(loadLanguage);
  const workers = Math.max(1, Math.min(opts.workers ?? 2, 4));
  const scheduler = Tesseract.createScheduler();
  // tesseract.js reads every language from one directory: one package's own, or for several
  // languages a temporary directory of links to the packages' files (removed on close).
  let linkDir: string | undefined;
  let langPath = data[0]!.dir;
  if (data.length > 1) {
    linkDir = mkdtempSync(join(tmpdir(), 'folio-ocr-'));
    for (const d of data) symlinkSync(join(d.dir, `${d.code}.traineddata.gz`), join(linkDir, `${d.code}.traineddata.gz`));
    langPath = linkDir;
  }
  const removeLinks = () => {
    if (linkDir) rmSync(linkDir, { recursive: true, force: true });
  };
  const made = await Promise.all(
    Array.from({ length: workers }, async () => {
      const w = await Tesseract.createWorker(data.map((d) => d.code).join('+'), Tesseract.OEM.LSTM_ONLY, {
        langPath,
        cacheMethod: 'none',
        gzip: true,
        legacyCore: false,
        legacyLang: false,
      });
      await w.setParameters({
        tessedit_pageseg_mode: Tesseract.PSM.SINGLE_BLOCK,
        user_defined_dpi: '300',
        preserve_interword_spaces: '0',
      });
      return w;
    }),
  );
  for (const w of made) scheduler.addWorker(w);
  const soundStop = new Set(['no', 'yes', 'ok', 'oh', 'hey', 'hi', 'what', 'stop', 'help', 'wow', 'ah', 'go', 'run', 'i', 'a', 'yeah', 'bye']);

  const id = `tesseract.js@${tesseractVersion()}+${data.map((d) => `${d.code}@${d.version}`).join('+')}/${ALGORITHM}`;
  let closed = false;

  async function read(image: Buffer, ropts: { direction: Direction; signal?: AbortSignal }): Promise<TextRegion[]> {
    if (closed) throw new Error('The OCR engine is closed');
    const { signal } = ropts;
    if (signal?.aborted) throw abortError(signal);
    const src = sharp(image, { failOn: 'none' }).rotate();
    const grey = await src.clone().greyscale().raw().toBuffer({ resolveWithObject: true });
    const full: Gray = { data: new Uint8Array(grey.data.buffer, grey.data.byteOffset, grey.data.length), width: grey.info.width, height: grey.info.height };
    const scale = full.width / DETECT_WIDTH;
    const small =
      Math.abs(scale - 1) < 0.01
        ? full
        : await sharp(grey.data, { raw: { width: full.width, height: full.height, channels: 1 } })
            .resize({ width: DETECT_WIDTH })
            .raw()
            .toBuffer({ resolveWithObject: true })
            .then(({ data: d, info }) => ({ data: new Uint8Array(d.buffer, d.byteOffset, d.length), width: info.width, height: info.height }));
    const blocks = detectBlocks(small);
    if (signal?.aborted) throw abortError(signal);

    const results = await Promise.all(blocks.map((b) => readBlock(full, b, small.width / full.width, signal)));
    const regions = results.filter((r): r is TextRegion => r !== null);
    const order = panels(small, ropts.direction).map((p) => ({ x0: p.x0 * scale, y0: p.y0 * scale, x1: p.x1 * scale, y1: p.y1 * scale }));
    if (signal?.aborted) throw abortError(signal);
    return orderBoxes(regions, order, ropts.direction);
  }

  async function readBlock(full: Gray, b: Block, k: number, signal?: AbortSignal): Promise<TextRegion | null> {
    // Block in source pixels, padded by about a glyph.
    const pad = Math.max(4, b.glyphHeight * 0.6) / k;
    const x0 = Math.max(0, Math.floor(b.x / k - pad));
    const y0 = Math.max(0, Math.floor(b.y / k - pad));
    const x1 = Math.min(full.width, Math.ceil((b.x + b.width) / k + pad));
    const y1 = Math.min(full.height, Math.ceil((b.y + b.height) / k + pad));
    const glyph = Math.max(4, b.glyphHeight / k);
    const up = Math.min(4, Math.max(1, TARGET_GLYPH / glyph));
    const png = await sharp(full.data, { raw: { width: full.width, height: full.height, channels: 1 } })
      .extract({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 })
      .resize({ width: Math.round((x1 - x0) * up), kernel: 'cubic' })
      .normalise()
      .png({ compressionLevel: 0 })
      .toBuffer();
    if (signal?.aborted) throw abortError(signal);
    const res = await scheduler.addJob('recognize', png, {}, { text: true, blocks: true });
    const lines: string[] = [];
    const confs: number[] = [];
    for (const block of res.data.blocks ?? []) {
      for (const para of block.paragraphs) {
        for (const line of para.lines) {
          const words = line.words.filter((w) => keepWord(w.text, w.confidence));
          if (!words.length) continue;
          const text = words.map((w) => w.text).join(' ');
          if (!plausibleLine(text)) continue;
          lines.push(text);
          for (const w of words) confs.push(w.confidence);
        }
      }
    }
    if (!lines.length) return null;
    const text = lines.join('\n');
    const confidence = confs.reduce((a, c) => a + c, 0) / confs.length / 100;
    return { text, confidence, box: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, sound: isSound(text) };
  }

  function isSound(text: string): boolean {
    const tokens = text.split(/\s+/).filter(Boolean);
    if (tokens.length === 0 || tokens.length > 3) return false;
    return tokens.every((t) => {
      const letters = t.replace(/[!?.,…'’-]+/g, '');
      return /^\p{Lu}{2,12}$/u.test(letters) && !soundStop.has(letters.toLowerCase());
    });
  }

  return {
    id,
    languages,
    read,
    async close() {
      if (closed) return;
      closed = true;
      await scheduler.terminate();
      removeLinks();
    },
  };
}

/** Keeps a word read with enough confidence that has a letter or digit, or is punctuation like "!!!" / "?!". */
function keepWord(text: string, conf: number): boolean {
  const t = text.trim();
  if (!t) return false;
  if (/^[!?.…]+$/.test(t)) return conf >= MIN_WORD_CONFIDENCE;
  if (!/[\p{L}\p{N}]/u.test(t)) return false;
  return conf >= MIN_WORD_CONFIDENCE;
}

/** A line of lettering, not art read as text: enough letters among its characters. */
function plausibleLine(text: string): boolean {
  const chars = text.replace(/\s+/g, '');
  if (!chars) return false;
  const letters = (chars.match(/[\p{L}\p{N}]/gu) ?? []).length;
  if (/^[!?.…]+$/.test(chars)) return true;
  return letters / chars.length >= 0.5;
}

/** The engine's id for these languages without opening it (the transcript cache key); throws like openOcrEngine when data is missing. */
export function ocrEngineId(languages: string[]): string {
  const data = (languages.length ? languages : ['eng']).map(loadLanguage);
  return `tesseract.js@${tesseractVersion()}+${data.map((d) => `${d.code}@${d.version}`).join('+')}/${ALGORITHM}`;
}

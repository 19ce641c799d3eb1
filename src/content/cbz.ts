/**
 * CBZ archives (a zip of page images, optionally with ComicInfo.xml) as a
 * content pack. A folder of .cbz files is one series, each file one episode;
 * a single .cbz is a series of one. The archives become the files of an
 * ordinary pack (series.yaml, episodes/<n>/episode.yaml, page images), so
 * validation, import and the spoiler rules are exactly those of packs.
 */
import { XMLParser } from 'fast-xml-parser';
import { stringify } from 'yaml';
import { z } from 'zod';
import { FolioError } from '../errors.js';
import type { PackSource } from './pack-source.js';
import { openZip, type ZipIndex } from './zip.js';

const IMAGE = /\.(jpe?g|png|webp|avif|gif)$/i;
const COMIC_INFO_MAX_BYTES = 1024 * 1024;

const optionalText = (max: number) =>
  z
    .union([z.string(), z.number()])
    .transform((v) => String(v).trim())
    .pipe(z.string().max(max))
    .optional()
    .catch(undefined);

/** The ComicInfo.xml fields Folio uses (Anansi schema v2); anything else is ignored. */
const comicInfoSchema = z.looseObject({
  Series: optionalText(200),
  Number: optionalText(20),
  Title: optionalText(300),
  Summary: optionalText(10_000),
  Year: optionalText(4),
  Month: optionalText(2),
  Writer: optionalText(500),
  Penciller: optionalText(500),
  Publisher: optionalText(200),
  LanguageISO: optionalText(20),
  Manga: optionalText(40),
  Web: optionalText(500),
  Pages: z
    .looseObject({
      Page: z
        .union([
          z.array(z.looseObject({ Image: z.coerce.number().int().min(0), Type: z.string().optional() })),
          z.looseObject({ Image: z.coerce.number().int().min(0), Type: z.string().optional() }),
        ])
        .transform((p) => (Array.isArray(p) ? p : [p])),
    })
    .optional()
    .catch(undefined),
});

export type ComicInfo = z.infer<typeof comicInfoSchema>;

/** Parse ComicInfo.xml. Entity declarations are refused outright (no "billion laughs"). */
export function parseComicInfo(xml: string, origin: string): ComicInfo {
  if (/<!(DOCTYPE|ENTITY)/i.test(xml)) throw new FolioError('bad_request:pack', `${origin}: ComicInfo.xml must not declare a DOCTYPE or entities`);
  let doc: unknown;
  try {
    doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, processEntities: true }).parse(xml);
  } catch (err) {
    throw new FolioError('bad_request:pack', `${origin}: ComicInfo.xml is not well-formed XML (${(err as Error).message})`);
  }
  const root = (doc as { ComicInfo?: unknown } | null)?.ComicInfo;
  const parsed = comicInfoSchema.safeParse(root ?? {});
  return parsed.success ? parsed.data : {};
}

/** Natural order, so page10 comes after page9. */
const natural = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export function slugify(text: string): string {
  const s = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return s || 'comic';
}

export interface CbzArchive {
  /** File name (for messages and for the fallback episode number). */
  name: string;
  bytes: Uint8Array;
}

interface Episode {
  number: number;
  title: string;
  summary: string | undefined;
  /** YYYY or YYYY-MM from <Year>/<Month>, kept as the pack field `published`. */
  published: string | undefined;
  images: string[];
  cover: string;
  /** Page images, read from the archive when the import reads them. */
  files: Map<string, () => Promise<Buffer>>;
}

/** The episode number: ComicInfo <Number>, else the last number in the file name, else its place in the folder. */
function episodeNumber(info: ComicInfo, name: string, index: number): number {
  const fromInfo = info.Number !== undefined && /^\d+$/.test(info.Number) ? Number(info.Number) : undefined;
  if (fromInfo !== undefined) return fromInfo;
  const digits = name.replace(/\.cbz$/i, '').match(/\d+/g);
  return digits ? Number(digits[digits.length - 1]) : index + 1;
}

function publishedOf(info: ComicInfo): string | undefined {
  if (!info.Year || !/^\d{4}$/.test(info.Year)) return undefined;
  const month = info.Month && /^\d{1,2}$/.test(info.Month) && Number(info.Month) >= 1 && Number(info.Month) <= 12 ? info.Month.padStart(2, '0') : undefined;
  return month ? `${info.Year}-${month}` : info.Year;
}

/** Turn CBZ archives (in folder order) into a pack. Every archive problem is reported at once. */
export async function cbzPack(archives: CbzArchive[], origin: string, opts: { seriesId?: string } = {}): Promise<PackSource> {
  if (archives.length === 0) throw new FolioError('bad_request:pack', `${origin}: no .cbz files`);
  const sorted = [...archives].sort((a, b) => natural.compare(a.name, b.name));
  const problems: string[] = [];
  const episodes: Episode[] = [];
  const infos: Array<{ number: number; info: ComicInfo }> = [];

  for (const [index, archive] of sorted.entries()) {
    let zip: ZipIndex;
    try {
      zip = await openZip(archive.bytes, archive.name);
    } catch (err) {
      problems.push((err as Error).message);
      continue;
    }
    let info: ComicInfo = {};
    const infoName = zip.names.find((n) => n.split('/').pop()!.toLowerCase() === 'comicinfo.xml');
    if (infoName) {
      if (zip.size(infoName) > COMIC_INFO_MAX_BYTES) problems.push(`${archive.name}: ComicInfo.xml is larger than 1 MB`);
      else {
        try {
          info = parseComicInfo((await zip.read(infoName)).toString('utf8'), archive.name);
        } catch (err) {
          problems.push((err as Error).message);
        }
      }
    }
    const images = zip.names.filter((n) => IMAGE.test(n)).sort(natural.compare);
    if (images.length === 0) {
      problems.push(`${archive.name}: no page images (.jpg, .png, .webp, .avif, .gif)`);
      continue;
    }
    const number = episodeNumber(info, archive.name, index);
    infos.push({ number, info });
    const coverIndex = info.Pages?.Page.find((p) => p.Type === 'FrontCover')?.Image ?? 0;
    const files = new Map<string, () => Promise<Buffer>>();
    const dir = `episodes/${String(number).padStart(4, '0')}`;
    images.forEach((img, i) => {
      files.set(`${dir}/pages/${String(i + 1).padStart(4, '0')}${img.slice(img.lastIndexOf('.')).toLowerCase()}`, () => zip.read(img));
    });
    const pagePaths = [...files.keys()].map((p) => p.slice(dir.length + 1));
    episodes.push({
      number,
      title: info.Title || `${info.Series ?? 'Episode'} ${number}`,
      summary: info.Summary,
      published: publishedOf(info),
      images: pagePaths,
      cover: pagePaths[Math.min(coverIndex, pagePaths.length - 1)]!,
      files,
    });
  }

  const seen = new Map<number, number>();
  for (const e of episodes) seen.set(e.number, (seen.get(e.number) ?? 0) + 1);
  for (const [n, count] of seen) if (count > 1) problems.push(`${origin}: ${count} archives are episode ${n} (set <Number> in ComicInfo.xml or number the file names)`);
  if (problems.length > 0) throw new FolioError('bad_request:pack', `${origin}: nothing was imported:\n  ${problems.join('\n  ')}`);

  // Series fields: the first value found, in episode order (the first issue may lack a credit a later one has).
  const first: ComicInfo = {};
  for (const { info } of infos.sort((a, b) => a.number - b.number)) {
    for (const [k, v] of Object.entries(info)) if (v !== undefined && (first as Record<string, unknown>)[k] === undefined) (first as Record<string, unknown>)[k] = v;
  }
  const title =
    first.Series ||
    origin
      .replace(/\/+$/, '')
      .split('/')
      .pop()!
      .replace(/\.cbz$/i, '');
  const credits = [first.Writer, first.Penciller].filter(Boolean).join(', ');
  const files = new Map<string, () => Promise<Buffer>>();
  const text = (s: string) => {
    const bytes = Buffer.from(s, 'utf8');
    return () => Promise.resolve(bytes);
  };
  files.set(
    'series.yaml',
    text(
      stringify({
        id: opts.seriesId ?? slugify(title),
        title,
        ...(first.LanguageISO && /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/.test(first.LanguageISO) ? { language: first.LanguageISO } : {}),
        reading_direction: first.Manga === 'YesAndRightToLeft' ? 'rtl' : 'ltr',
        attribution: [credits, first.Publisher].filter(Boolean).join(' · '),
        ...(first.Writer ? { author: first.Writer } : {}),
        ...(first.Web && /^https?:\/\//.test(first.Web) ? { homepage: first.Web } : {}),
      }),
    ),
  );
  for (const e of episodes) {
    const dir = `episodes/${String(e.number).padStart(4, '0')}`;
    files.set(
      `${dir}/episode.yaml`,
      text(
        stringify({
          number: e.number,
          title: e.title,
          ...(e.summary ? { summary: e.summary } : {}),
          ...(e.published ? { published: e.published } : {}),
          cover_image: e.cover,
          // No `dialogue`: the pages carry no authored text, so the importer transcribes them.
          pages: e.images.map((image, i) => ({ number: i + 1, kind: 'story', image })),
        }),
      ),
    );
    for (const [p, read] of e.files) files.set(p, read);
  }
  const names = [...files.keys()].sort();
  return {
    origin,
    files: () => names,
    has: (p) => files.has(p),
    read: async (p) => {
      const read = files.get(p);
      if (!read) throw new FolioError('not_found:pack_file', `${p} is not in the pack`);
      return read();
    },
  };
}

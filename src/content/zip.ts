/**
 * Zip archives read lazily (packs and .cbz comics, uploaded or on disk). Opening one reads only its central
 * directory: names and declared sizes, checked against the limits before anything is inflated. An entry is
 * inflated when it is read, by zlib on the libuv thread pool in chunks, never on the event loop: an upload of
 * a zip bomb cannot stall the server, and entries the pack never uses are never inflated. yauzl checks that
 * every entry inflates to exactly its declared size, so the checks on declared sizes hold.
 */
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { FolioError } from '../errors.js';

export const ZIP_LIMITS = {
  maxEntries: 20_000,
  maxEntryBytes: 200 * 1024 * 1024,
  maxTotalBytes: 2 * 1024 * 1024 * 1024,
  /**
   * Deflate can expand ~1,000×; real pack files do not come near it (images ~1×, YAML, markdown and SVG 3-20×).
   * An entry larger than a megabyte that expands more than this is a bomb, refused before it is inflated.
   */
  maxRatio: 100,
  ratioFromBytes: 1024 * 1024,
};

/** Files that editors and OSes leave behind: never part of a pack. */
export const JUNK = /(^|\/)(\.DS_Store|Thumbs\.db|desktop\.ini|__MACOSX|\.[^/]*)(\/|$)/;

export function isSafeEntryPath(p: string): boolean {
  if (p.length === 0 || p.length > 500) return false;
  if (p.startsWith('/') || p.includes('\\') || /^[a-zA-Z]:/.test(p) || p.includes('\0')) return false;
  return !p.split('/').some((seg) => seg === '..' || seg === '.');
}

export interface ZipIndex {
  /** Files (not directories, not OS junk), in archive order. */
  names: string[];
  /** The declared (and, once read, verified) size of a file. */
  size(name: string): number;
  /** Inflate one file. */
  read(name: string): Promise<Buffer>;
}

function openBuffer(bytes: Uint8Array): Promise<ZipFile> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return new Promise((resolve, reject) =>
    // decodeStrings off: names are checked here (isSafeEntryPath) and reported together, not as yauzl's first error.
    yauzl.fromBuffer(buffer, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true }, (err, zip) => (err ? reject(err) : resolve(zip))),
  );
}

/** An entry's name: UTF-8 when the archive says so (or it decodes cleanly), else code page 437's ASCII part. */
function entryName(entry: Entry): string {
  const raw = entry.fileName as unknown as Buffer;
  return raw.toString((entry.generalPurposeBitFlag & 0x800) !== 0 ? 'utf8' : 'latin1');
}

/** Read an archive's directory, with limits on entry count, sizes and expansion ratio, refusing unsafe paths. */
export async function openZip(bytes: Uint8Array, origin: string): Promise<ZipIndex> {
  let zip: ZipFile;
  try {
    zip = await openBuffer(bytes);
  } catch (err) {
    throw new FolioError('bad_request:pack', `${origin} is not a readable zip archive (${(err as Error).message})`);
  }
  const entries = new Map<string, Entry>();
  const unsafe: string[] = [];
  let count = 0;
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    const fail = (err: unknown) => {
      zip.close();
      reject(err instanceof FolioError ? err : new FolioError('bad_request:pack', `${origin} is not a readable zip archive (${(err as Error).message})`));
    };
    zip.on('error', fail);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: Entry) => {
      count++;
      total += entry.uncompressedSize;
      if (count > ZIP_LIMITS.maxEntries) return fail(new FolioError('bad_request:pack', `${origin}: more than ${ZIP_LIMITS.maxEntries} entries`));
      if (entry.uncompressedSize > ZIP_LIMITS.maxEntryBytes || total > ZIP_LIMITS.maxTotalBytes) {
        return fail(new FolioError('payload_too_large:pack', `${origin}: archive expands beyond the size limit`));
      }
      if (entry.uncompressedSize > ZIP_LIMITS.ratioFromBytes && entry.uncompressedSize > ZIP_LIMITS.maxRatio * Math.max(1, entry.compressedSize)) {
        return fail(
          new FolioError(
            'payload_too_large:pack',
            `${origin}: an entry expands ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))}× (${entry.uncompressedSize} bytes from ${entry.compressedSize}); more than ${ZIP_LIMITS.maxRatio}× is not a comic's file`,
          ),
        );
      }
      const name = entryName(entry);
      if (!name.endsWith('/')) {
        if (!isSafeEntryPath(name)) unsafe.push(name);
        else if (!JUNK.test(name)) entries.set(name, entry);
      }
      zip.readEntry();
    });
    zip.readEntry();
  });
  if (unsafe.length > 0) {
    throw new FolioError('bad_request:pack', `${origin}: unsafe entry paths (absolute or with ".."): ${unsafe.slice(0, 5).join(', ')}`);
  }
  return {
    names: [...entries.keys()],
    size: (name) => entries.get(name)?.uncompressedSize ?? 0,
    read: (name) => {
      const entry = entries.get(name);
      if (!entry) return Promise.reject(new FolioError('not_found:pack_file', `${name} is not in the pack`));
      return new Promise<Buffer>((resolve, reject) => {
        const failed = (err: Error) => reject(new FolioError('bad_request:pack', `${origin}: ${name} cannot be read (${err.message})`));
        zip.openReadStream(entry, (err, stream) => {
          if (err) return failed(err);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', failed);
          stream.on('end', () => resolve(Buffer.concat(chunks)));
        });
      });
    },
  };
}

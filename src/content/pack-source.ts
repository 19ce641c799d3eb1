/**
 * A content pack as a set of files, from a directory or a zip archive.
 * Paths are relative, forward-slashed, and never escape the pack.
 */
import type { Stats } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { unzipSync } from 'fflate';
import { FolioError } from '../errors.js';

export interface PackSource {
  /** Where it came from, for messages. */
  readonly origin: string;
  files(): string[];
  has(path: string): boolean;
  read(path: string): Promise<Buffer>;
}

/** Files that editors and OSes leave behind: never part of a pack. */
const JUNK = /(^|\/)(\.DS_Store|Thumbs\.db|desktop\.ini|__MACOSX|\.[^/]*)(\/|$)/;

export const ZIP_LIMITS = { maxEntries: 20_000, maxEntryBytes: 200 * 1024 * 1024, maxTotalBytes: 2 * 1024 * 1024 * 1024 };

export function isSafeEntryPath(p: string): boolean {
  if (p.length === 0 || p.length > 500) return false;
  if (p.startsWith('/') || p.includes('\\') || /^[a-zA-Z]:/.test(p) || p.includes('\0')) return false;
  return !p.split('/').some((seg) => seg === '..' || seg === '.');
}

export async function openPackDir(dir: string): Promise<PackSource> {
  const list: string[] = [];
  async function walk(d: string): Promise<void> {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      const rel = relative(dir, full).split(sep).join('/');
      if (JUNK.test(rel)) continue;
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) list.push(rel);
    }
  }
  await walk(dir);
  list.sort();
  const set = new Set(list);
  return {
    origin: dir,
    files: () => list,
    has: (p) => set.has(p),
    read: async (p) => {
      if (!set.has(p)) throw new FolioError('not_found:pack_file', `${p} is not in the pack`);
      return readFile(join(dir, p));
    },
  };
}

/**
 * Unzip with limits on entry count and expanded size (zip bombs), refusing
 * unsafe entry paths (absolute, "..", drive letters) and dropping OS junk.
 */
export function unzipSafely(bytes: Uint8Array, origin: string): Record<string, Uint8Array> {
  const problems: string[] = [];
  let count = 0;
  let total = 0;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter(file) {
        count++;
        total += file.originalSize;
        if (count > ZIP_LIMITS.maxEntries) throw new FolioError('bad_request:pack', `${origin}: more than ${ZIP_LIMITS.maxEntries} entries`);
        if (file.originalSize > ZIP_LIMITS.maxEntryBytes || total > ZIP_LIMITS.maxTotalBytes)
          throw new FolioError('payload_too_large:pack', `${origin}: archive expands beyond the size limit`);
        if (file.name.endsWith('/')) return false;
        if (!isSafeEntryPath(file.name)) {
          problems.push(file.name);
          return false;
        }
        return !JUNK.test(file.name);
      },
    });
  } catch (err) {
    if (err instanceof FolioError) throw err;
    throw new FolioError('bad_request:pack', `${origin} is not a readable zip archive (${(err as Error).message})`);
  }
  if (problems.length > 0) {
    throw new FolioError('bad_request:pack', `${origin}: unsafe entry paths (absolute or with ".."): ${problems.slice(0, 5).join(', ')}`);
  }
  return entries;
}

export function openPackZip(bytes: Uint8Array, origin: string): PackSource {
  let entries = unzipSafely(bytes, origin);
  // A zip of a folder has one top-level directory; the pack is inside it.
  let names = Object.keys(entries);
  if (!names.includes('series.yaml')) {
    const tops = new Set(names.map((n) => n.split('/')[0]));
    const [top] = [...tops];
    if (tops.size === 1 && top && names.includes(`${top}/series.yaml`)) {
      const stripped: Record<string, Uint8Array> = {};
      for (const n of names) stripped[n.slice(top.length + 1)] = entries[n]!;
      entries = stripped;
      names = Object.keys(entries);
    }
  }
  names.sort();
  return {
    origin,
    files: () => names,
    has: (p) => Object.hasOwn(entries, p),
    read: async (p) => {
      const b = entries[p];
      if (!b) throw new FolioError('not_found:pack_file', `${p} is not in the pack`);
      return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    },
  };
}

/** An uploaded archive: a pack .zip or a .cbz comic, told apart by its name. */
export async function openPackArchive(bytes: Uint8Array, name: string): Promise<PackSource> {
  if (/\.cbz$/i.test(name)) {
    const { cbzPack } = await import('./cbz.js');
    return cbzPack([{ name, bytes }], name);
  }
  return openPackZip(bytes, name);
}

export async function openPack(path: string): Promise<PackSource> {
  let s: Stats;
  try {
    s = await stat(path);
  } catch {
    throw new FolioError('not_found:pack', `No such file or directory: ${path}`);
  }
  if (s.isDirectory()) {
    // A folder of .cbz files (and no series.yaml) is a CBZ series.
    const names = await readdir(path);
    const cbz = names.filter((n) => /\.cbz$/i.test(n));
    if (cbz.length > 0 && !names.includes('series.yaml')) {
      const { cbzPack } = await import('./cbz.js');
      return cbzPack(await Promise.all(cbz.map(async (name) => ({ name, bytes: await readFile(join(path, name)) }))), path);
    }
    return openPackDir(path);
  }
  if (/\.(zip|cbz)$/i.test(path)) return openPackArchive(await readFile(path), path);
  throw new FolioError('bad_request:pack', `${path} is neither a directory, a .zip pack nor a .cbz archive`);
}

/**
 * A content pack as a set of files, from a directory or a zip archive.
 * Paths are relative, forward-slashed, and never escape the pack.
 */
import type { Stats } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { FolioError } from '../errors.js';
import { JUNK, openZip } from './zip.js';

export interface PackSource {
  /** Where it came from, for messages. */
  readonly origin: string;
  files(): string[];
  has(path: string): boolean;
  read(path: string): Promise<Buffer>;
}

export { isSafeEntryPath, ZIP_LIMITS } from './zip.js';

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

/** A pack in a zip archive: its directory read at once, each file inflated when the pack reads it (zip.ts). */
export async function openPackZip(bytes: Uint8Array, origin: string): Promise<PackSource> {
  const zip = await openZip(bytes, origin);
  // A zip of a folder has one top-level directory; the pack is inside it.
  let names = zip.names;
  let prefix = '';
  if (!names.includes('series.yaml')) {
    const tops = new Set(names.map((n) => n.split('/')[0]));
    const [top] = [...tops];
    if (tops.size === 1 && top && names.includes(`${top}/series.yaml`)) {
      prefix = `${top}/`;
      names = names.map((n) => n.slice(prefix.length));
    }
  }
  names.sort();
  const set = new Set(names);
  return {
    origin,
    files: () => names,
    has: (p) => set.has(p),
    read: async (p) => {
      if (!set.has(p)) throw new FolioError('not_found:pack_file', `${p} is not in the pack`);
      return zip.read(prefix + p);
    },
  };
}

/** An uploaded archive: a pack .zip or a .cbz comic, told apart by its name. */
export async function openPackArchive(bytes: Uint8Array, name: string): Promise<PackSource> {
  if (/\.cbz$/i.test(name)) {
    const { cbzPack } = await import('./cbz.js');
    return await cbzPack([{ name, bytes }], name);
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

/**
 * Copy locally stored images into another storage (moving an instance from
 * local files to R2/S3). Only content-addressed keys are copied, so editor and
 * OS junk (.DS_Store, Thumbs.db, temp files) never reaches the bucket, and
 * objects already there are skipped (same key = same bytes).
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { contentTypeOf, isValidKey, type Storage } from './storage.js';

export interface PushResult {
  copied: number;
  skipped: number;
  ignored: string[];
}

export async function pushLocalMedia(
  mediaDir: string,
  target: Storage,
  opts: { concurrency?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<PushResult> {
  const files: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile()) files.push(relative(mediaDir, full).split(sep).join('/'));
    }
  };
  await walk(mediaDir);
  const keys = files.filter(isValidKey).sort();
  const ignored = files.filter((f) => !isValidKey(f));
  let copied = 0;
  let skipped = 0;
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      if (await target.exists(key)) skipped++;
      else {
        await target.put(key, await readFile(join(mediaDir, key)), contentTypeOf(key));
        copied++;
      }
      opts.onProgress?.(++done, keys.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 8) }, worker));
  return { copied, skipped, ignored };
}

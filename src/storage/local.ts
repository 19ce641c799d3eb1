import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FolioError } from '../errors.js';
import { contentTypeOf, isValidKey, type Storage, type StoredObject } from './storage.js';

/** Files under `<root>/<key>`, served by the Folio server at `/media/<key>`. */
export class LocalStorage implements Storage {
  readonly kind = 'local' as const;
  constructor(
    private readonly root: string,
    private readonly urlPrefix = '/media',
  ) {}

  private path(key: string): string {
    if (!isValidKey(key)) throw new FolioError('bad_request:storage_key', `Invalid storage key: ${JSON.stringify(key)}`);
    return join(this.root, key);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const file = this.path(key);
    await mkdir(dirname(file), { recursive: true });
    // Write then rename: a crash never leaves a half-written object under its final key.
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.path(key))).isFile();
    } catch {
      return false;
    }
  }

  async get(key: string): Promise<StoredObject | null> {
    const file = this.path(key);
    try {
      const s = await stat(file);
      return { body: createReadStream(file), size: s.size, contentType: contentTypeOf(key) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  url(key: string): string {
    return `${this.urlPrefix}/${key}`;
  }
}

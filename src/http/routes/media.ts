import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { FolioError } from '../../errors.js';
import { isValidKey, keyHash } from '../../storage/storage.js';
import type { AppDeps, AppEnv } from '../context.js';

/**
 * Local image files. Keys are content hashes, so a response never changes:
 * cache forever, and the hash is a strong ETag.
 */
export function mediaRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get('/media/*', async (c) => {
    const key = c.req.path.slice('/media/'.length);
    if (deps.storage.kind !== 'local' || !isValidKey(key)) throw new FolioError('not_found:media', 'No such image.');
    const etag = `"${keyHash(key)}"`;
    const headers = {
      'Cache-Control': 'public, max-age=31536000, immutable',
      ETag: etag,
      'X-Content-Type-Options': 'nosniff',
    };
    const obj = await deps.storage.get(key);
    if (!obj) throw new FolioError('not_found:media', 'No such image.');
    const inm = c.req.header('if-none-match');
    if (inm?.split(',').some((t) => t.trim() === '*' || t.trim().replace(/^W\//, '') === etag)) {
      (obj.body as Readable).destroy();
      return c.body(null, 304, headers);
    }
    const body = Readable.toWeb(obj.body as Readable) as ReadableStream;
    return c.body(body, 200, { ...headers, 'Content-Type': obj.contentType, 'Content-Length': String(obj.size) });
  });
}

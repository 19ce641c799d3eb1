/**
 * Reader identity: `Authorization: Bearer <token>` for API clients, the
 * HttpOnly `folio_reader` cookie for the web app (`__Host-folio_reader` over https). A token that is sent but not
 * recognised is a 401 (so the client can register again), never "anonymous".
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { FolioError } from '../errors.js';
import { readerForToken } from '../readers/readers.js';
import { READER_COOKIE, SECURE_READER_COOKIE } from '../readers/tokens.js';
import type { AppDeps, AppEnv } from './context.js';
import { requireDatabase } from './database.js';

export function readerToken(c: Context): string | null {
  const auth = c.req.header('authorization');
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m) throw new FolioError('unauthorized:reader', 'Authorization must be "Bearer <reader token>".');
    return m[1]!;
  }
  return readerCookie(c);
}

/** The reader cookie: `__Host-folio_reader` (set over https), else `folio_reader` (over http, or set before the prefix). */
export function readerCookie(c: Context): string | null {
  const cookie = getCookie(c, SECURE_READER_COOKIE) ?? getCookie(c, READER_COOKIE);
  // A reader cookie that the parser drops (quotes, commas) is still a token that was sent: 401, not anonymous.
  if (cookie === undefined && new RegExp(`(?:^|;\\s*)(?:__Host-)?${READER_COOKIE}=`).test(c.req.header('cookie') ?? '')) {
    throw new FolioError('unauthorized:reader', 'Unknown reader token. Create a reader with POST /api/readers.');
  }
  return cookie ?? null;
}

export function readerAuth(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = readerToken(c);
    let readerId: string | null = null;
    if (token !== null) {
      readerId = await readerForToken(requireDatabase(deps).db, token);
      if (!readerId) throw new FolioError('unauthorized:reader', 'Unknown reader token. Create a reader with POST /api/readers.');
    }
    c.set('readerId', readerId);
    await next();
  };
}

export function requireReader(c: Context<AppEnv>): string {
  const id = c.get('readerId');
  if (!id) throw new FolioError('unauthorized:reader', 'This needs a reader: create one with POST /api/readers and send its token.');
  return id;
}

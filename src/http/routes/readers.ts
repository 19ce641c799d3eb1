import { type Context, Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { NewReader } from '../../contract/index.js';
import { FolioError } from '../../errors.js';
import type { RateBuckets } from '../../rate-limits/buckets.js';
import type { CredentialCache } from '../../readers/credential-cache.js';
import { deviceLabel } from '../../readers/devices.js';
import { createReader, readerForToken } from '../../readers/readers.js';
import { READER_COOKIE } from '../../readers/tokens.js';
import { clientIp } from '../client-ip.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';
import { foreignOrigin, requestOrigin } from '../origin.js';
import { readerCookie } from '../reader-auth.js';
import { deviceRoutes } from './devices.js';
import { readerTokenRoutes } from './reader-tokens.js';

/** The browser's reader cookie (a new reader, or a linked device's new token). */
export function setReaderCookie(c: Context<AppEnv>, deps: AppDeps, token: string): void {
  const secure = requestOrigin(c, deps.trustProxy).startsWith('https:');
  // A web reader built for a CDN (CORS_ORIGINS) may live on another site: its
  // credentialed fetches carry the cookie only with SameSite=None, which
  // browsers accept only with Secure. Partitioned (CHIPS) keys it to the
  // app's site, so it also works where third-party cookies are blocked.
  // Over plain http that is impossible: Lax, and the app must be same-site
  // (docs/web.md).
  const crossSite = deps.corsOrigins.length > 0 && secure;
  setCookie(c, READER_COOKIE, token, {
    httpOnly: true,
    sameSite: crossSite ? 'None' : 'Lax',
    secure,
    ...(crossSite ? { partitioned: true } : {}),
    path: '/',
    maxAge: 400 * 24 * 3600,
    // Over https the name is __Host-folio_reader (SECURE_READER_COOKIE).
    ...(secure ? { prefix: 'host' as const } : {}),
  });
}

/** This browser's reader cookie is gone (its device was signed out): both names, as either may be held. */
export function clearReaderCookie(c: Context<AppEnv>, deps: AppDeps): void {
  const secure = requestOrigin(c, deps.trustProxy).startsWith('https:');
  deleteCookie(c, READER_COOKIE, { path: '/', secure, ...(secure ? { prefix: 'host' as const } : {}) });
  if (secure) deleteCookie(c, READER_COOKIE, { path: '/' });
}

/** The reader cookie this browser holds, if readable (an unreadable one is replaced like an unknown one). */
export function heldCookie(c: Context): string | null {
  try {
    return readerCookie(c);
  } catch {
    return null;
  }
}

export function readerRoutes(deps: AppDeps, buckets: RateBuckets, credentials: CredentialCache) {
  // Identities cost nothing to make, and each brings its own per-reader chat limit: new readers are limited per address.
  const perMinute = deps.readerRatePerIp ?? 0;
  const routes = new Hono<AppEnv>().post('/api/readers', async (c) => {
    // Login CSRF: a form on another site could post here and give the visitor a reader of the attacker's
    // choosing (their progress and conversations out of sight). Only Folio's own pages may; a form cannot
    // send JSON, and a cross-site fetch of JSON needs CORS, which only CORS_ORIGINS get.
    const foreign = foreignOrigin(c, deps);
    if (foreign !== null) throw new FolioError('forbidden:origin', `Readers are created only by Folio's own pages, not by ${foreign}.`);
    const type = c.req.header('content-type');
    if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) {
      throw new FolioError('unsupported_media_type:readers', 'POST /api/readers takes no body, or a JSON one (Content-Type: application/json).');
    }
    const limited = await buckets.take(`readers:ip:${clientIp(c, deps)}`, perMinute);
    if (!limited.ok) {
      throw new FolioError('rate_limit:readers', `Too many new readers from this address for now. Try again in ${limited.retryAfterS} s.`, {
        retryAfter: limited.retryAfterS,
      });
    }
    const db = requireDatabase(deps).db;
    // A browser that already has a reader keeps it: replacing the cookie would lose its place for good.
    const existing = heldCookie(c);
    if (existing !== null && (await readerForToken(db, existing)) !== null) {
      throw new FolioError('conflict:reader', 'This browser already has a reader; its progress and conversations stay with it.');
    }
    const { token } = await createReader(db, deviceLabel(c.req.header('user-agent')));
    setReaderCookie(c, deps, token);
    // The token is a credential: no cache between here and the reader may keep it.
    c.header('Cache-Control', 'no-store');
    return c.json({ token } satisfies NewReader, 201);
  });
  // The reader's assistant tokens and devices live under /api/readers/me (reader-tokens.ts, devices.ts).
  return routes.route('/', readerTokenRoutes(deps)).route('/', deviceRoutes(deps, buckets, credentials));
}

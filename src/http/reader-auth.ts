/**
 * Reader identity: `Authorization: Bearer <token>` for API clients, the
 * HttpOnly `folio_reader` cookie for the web app (`__Host-folio_reader` over https). A token that is sent but not
 * recognised is a 401 (so the client can register again), never "anonymous".
 *
 * Scopes (ADR 0028): every route behind readerAuth is the reader REST API, so an assistant token without `api`
 * is refused here, on every route at once; routes that write or read conversations add their own `needScope`.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { LinkedDevice } from '../contract/index.js';
import { FolioError } from '../errors.js';
import { CredentialCache } from '../readers/credential-cache.js';
import { type Linked, requireDevice } from '../readers/devices.js';
import { authenticateReader, type ReaderCredential } from '../readers/readers.js';
import { requireScope, type TokenAction } from '../readers/scopes.js';
import { READER_COOKIE, SECURE_READER_COOKIE } from '../readers/tokens.js';
import type { AppDeps, AppEnv } from './context.js';
import { requireDatabase } from './database.js';
import { requestOrigin } from './origin.js';

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

// Setting and clearing the cookie: POST /api/readers and the device routes (routes/readers.ts, routes/devices.ts).

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

/**
 * The reader this device already is when it signs in to another one (a link code, a passkey): its own token, from
 * the Authorization header of an app or the browser's cookie. An unknown or unreadable cookie is no reader; an
 * assistant token is refused (403).
 */
export async function signingInDevice(c: Context<AppEnv>, deps: AppDeps): Promise<{ readerId: string; deviceId: string } | null> {
  const token = c.req.header('authorization') !== undefined ? readerToken(c) : heldCookie(c);
  const cred = token === null ? null : await authenticateReader(requireDatabase(deps).db, token);
  return cred ? requireDevice(cred) : null;
}

/** The answer to a sign-in: the new token as the cookie and in the body (for apps); the merged reader forgotten. */
export function signedIn(c: Context<AppEnv>, deps: AppDeps, credentials: CredentialCache, was: { readerId: string } | null, linked: Linked): Response {
  if (was) credentials.forgetReader(was.readerId);
  setReaderCookie(c, deps, linked.token);
  c.header('Cache-Control', 'no-store');
  return c.json({ token: linked.token, merged: linked.merged } satisfies LinkedDevice);
}

/** One per app: the routes it guards share the readers it has recognised (credential-cache.ts). */
export function readerAuth(deps: AppDeps, credentials = new CredentialCache()): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = readerToken(c);
    let cred: ReaderCredential | null = null;
    if (token !== null) {
      const database = requireDatabase(deps);
      credentials.follow(database);
      cred = await credentials.authenticate(database.db, token);
      if (!cred) throw new FolioError('unauthorized:reader', 'Unknown reader token. Create a reader with POST /api/readers.');
      // A token that was sent is never downgraded to anonymous: without `api` it is a 403, even on public routes.
      requireScope(cred, 'api');
    }
    c.set('readerId', cred?.readerId ?? null);
    c.set('credential', cred);
    await next();
  };
}

/**
 * The credential behind this request's token, looked up now and never from memory: for the routes that manage the
 * reader's own tokens and devices. 401 without a known token. Their answers are private and may hold secrets:
 * `Cache-Control: private, no-store`.
 */
export async function freshCredential(c: Context<AppEnv>, deps: AppDeps): Promise<ReaderCredential> {
  const token = readerToken(c);
  if (token === null)
    throw new FolioError('unauthorized:reader', 'This needs a reader: open the web reader, or send your reader token as "Authorization: Bearer <token>".');
  const cred = await authenticateReader(requireDatabase(deps).db, token);
  if (!cred) throw new FolioError('unauthorized:reader', 'Unknown reader token. Create a reader with POST /api/readers.');
  c.header('Cache-Control', 'private, no-store');
  return cred;
}

/** The request's credential may do `action` (403 `forbidden:scope` otherwise); anonymous requests are left to requireReader. */
export function checkScope(c: Context<AppEnv>, action: TokenAction): void {
  const cred = c.get('credential');
  if (cred) requireScope(cred, action);
}

/** checkScope as route middleware, to refuse before a body is read or a rate-limit token is spent. */
export function needScope(action: TokenAction): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    checkScope(c, action);
    await next();
  };
}

export function requireReader(c: Context<AppEnv>): string {
  const id = c.get('readerId');
  if (!id) throw new FolioError('unauthorized:reader', 'This needs a reader: create one with POST /api/readers and send its token.');
  return id;
}

/** Accounts (passkeys, the community login) are on unless FOLIO_ACCOUNTS=off: 403 `forbidden:accounts` then. */
export function requireAccounts(deps: AppDeps): void {
  if (deps.accounts === false) {
    throw new FolioError('forbidden:accounts', 'Accounts are off on this Folio (FOLIO_ACCOUNTS=off): link devices with a code instead.');
  }
}

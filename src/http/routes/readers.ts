import { Hono } from 'hono';
import type { NewReader } from '../../contract/index.js';
import { FolioError } from '../../errors.js';
import type { RateBuckets } from '../../rate-limits/buckets.js';
import type { CredentialCache } from '../../readers/credential-cache.js';
import { deviceLabel } from '../../readers/devices.js';
import { createReader, readerForToken } from '../../readers/readers.js';
import { clientIp } from '../client-ip.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';
import { foreignOrigin } from '../origin.js';
import { heldCookie, setReaderCookie } from '../reader-auth.js';
import { deviceRoutes } from './devices.js';
import { oidcRoutes } from './oidc.js';
import { passkeyRoutes } from './passkeys.js';
import { readerTokenRoutes } from './reader-tokens.js';

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
  // The reader's assistant tokens, devices, passkeys and logins live under /api/readers/me (reader-tokens.ts, devices.ts,
  // passkeys.ts, oidc.ts).
  return routes
    .route('/', readerTokenRoutes(deps))
    .route('/', deviceRoutes(deps, buckets, credentials))
    .route('/', passkeyRoutes(deps, buckets, credentials))
    .route('/', oidcRoutes(deps, buckets, credentials));
}

import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import type { NewReader } from '../../contract/index.js';
import { createReader } from '../../readers/readers.js';
import { READER_COOKIE } from '../../readers/tokens.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';
import { readerTokenRoutes } from './reader-tokens.js';

export function readerRoutes(deps: AppDeps) {
  const routes = new Hono<AppEnv>().post('/api/readers', async (c) => {
    const { token } = await createReader(requireDatabase(deps).db);
    const secure = new URL(c.req.url).protocol === 'https:' || (deps.trustProxy && c.req.header('x-forwarded-proto') === 'https');
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
    });
    return c.json({ token } satisfies NewReader, 201);
  });
  // The reader's assistant tokens live under /api/readers/me (routes/reader-tokens.ts).
  return routes.route('/', readerTokenRoutes(deps));
}

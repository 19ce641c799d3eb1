/**
 * Assistants that connect by URL (ADR 0044, docs/mcp.md): Folio's OAuth 2.1 endpoints for its `/mcp`.
 *
 * - `GET /.well-known/oauth-protected-resource[/mcp]` (RFC 9728), `GET /.well-known/oauth-authorization-server`
 *   (RFC 8414): what a client discovers from the 401 of `/mcp`;
 * - `POST /oauth/register` (RFC 7591), `GET /oauth/authorize` (→ the consent page), `POST /oauth/token`,
 *   `POST /oauth/revoke` (RFC 7009): the protocol, in its own error format (`{ error, error_description }`);
 * - `GET /api/oauth/requests/:id`, `POST …/approve`, `POST …/deny`: the consent page's API, for the reader's own
 *   token (an assistant cannot approve another), from Folio's own pages only (a form on another site could
 *   otherwise approve with the reader's cookie).
 *
 * The discovery and protocol endpoints use no cookie and answer any origin (`Access-Control-Allow-Origin: *`), as
 * browser-based MCP clients need.
 */
import { type Context, Hono } from 'hono';
import { cors } from 'hono/cors';
import { z } from 'zod';
import type { AuthorizationAnswer, AuthorizationRequest } from '../../contract/index.js';
import { FolioError } from '../../errors.js';
import {
  approve,
  authorizationServerMetadata,
  authorize,
  consentRequest,
  deny,
  OAuthError,
  protectedResourceMetadata,
  registerClient,
  revoke,
  token,
} from '../../oauth/oauth.js';
import type { RateBuckets } from '../../rate-limits/buckets.js';
import { requireDevice } from '../../readers/devices.js';
import { limitBody } from '../body-limit.js';
import { clientIp } from '../client-ip.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';
import { foreignOrigin, requestOrigin } from '../origin.js';
import { freshCredential } from '../reader-auth.js';
import { parseWith } from '../validate.js';

const idParam = z.object({ id: z.guid('must be the request id from the authorization link') });
/** Registrations per address and minute when FOLIO_READER_RATE_PER_IP is 0: a client registers once. */
const REGISTRATIONS_PER_MINUTE = 30;

export function oauthRoutes(deps: AppDeps, buckets: RateBuckets) {
  const db = () => requireDatabase(deps).db;
  /** The issuer and resource origin: FOLIO_PUBLIC_URL, else the origin this request came to. */
  const origin = (c: Context<AppEnv>) => deps.publicOrigin ?? requestOrigin(c, deps.trustProxy);
  /** Where the reader answers: the web app (on a CDN build, the first CORS origin). */
  const webOrigin = (c: Context<AppEnv>) => deps.corsOrigins[0] ?? origin(c);

  const form = async (c: Context<AppEnv>): Promise<Record<string, string | undefined>> => {
    if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(c.req.header('content-type') ?? '')) {
      throw new OAuthError('invalid_request', 'Send the parameters as application/x-www-form-urlencoded (RFC 6749).');
    }
    const body = await c.req.parseBody();
    return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]));
  };
  const ownDevice = async (c: Context<AppEnv>) => requireDevice(await freshCredential(c, deps));
  const fromFolio = (c: Context<AppEnv>) => {
    const foreign = foreignOrigin(c, deps);
    if (foreign !== null) throw new FolioError('forbidden:origin', `Assistants are allowed only from Folio's own pages, not from ${foreign}.`);
  };

  const open = cors({ origin: '*', allowHeaders: ['Content-Type', 'Authorization', 'MCP-Protocol-Version'], allowMethods: ['GET', 'POST', 'OPTIONS'], maxAge: 600 });
  const small = limitBody(16 * 1024, () => {
    throw new OAuthError('invalid_request', 'The request body is limited to 16 KB.');
  });

  return new Hono<AppEnv>()
    .use('/.well-known/*', open)
    .use('/oauth/*', open)
    .use('/oauth/*', async (c, next) => {
      c.header('Cache-Control', 'no-store');
      return small(c, next);
    })
    .get('/.well-known/oauth-protected-resource', (c) => c.json(protectedResourceMetadata(origin(c))))
    .get('/.well-known/oauth-protected-resource/mcp', (c) => c.json(protectedResourceMetadata(origin(c))))
    .get('/.well-known/oauth-authorization-server', (c) => c.json(authorizationServerMetadata(origin(c))))
    .post('/oauth/register', async (c) => {
      const taken = await buckets.take(`oauth-register:ip:${clientIp(c, deps)}`, deps.readerRatePerIp || REGISTRATIONS_PER_MINUTE);
      if (!taken.ok) {
        c.header('Retry-After', String(taken.retryAfterS));
        return c.json({ error: 'invalid_request', error_description: `Too many registrations from this address; try again in ${taken.retryAfterS} s.` }, 429);
      }
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        throw new OAuthError('invalid_client_metadata', 'The body must be the client metadata as JSON (RFC 7591).');
      }
      return c.json(await registerClient(db(), body), 201);
    })
    .get('/oauth/authorize', async (c) => {
      const result = await authorize(db(), c.req.query(), origin(c));
      return c.redirect('consent' in result ? `${webOrigin(c)}/authorize?request=${result.consent}` : result.redirect, 302);
    })
    .post('/oauth/token', async (c) => c.json(await token(db(), await form(c), origin(c))))
    .post('/oauth/revoke', async (c) => {
      await revoke(db(), await form(c));
      return c.body(null, 200);
    })
    .get('/api/oauth/requests/:id', async (c) => {
      await ownDevice(c);
      const { id } = parseWith(idParam, c.req.param(), 'oauth', 'request id');
      return c.json((await consentRequest(db(), id)) satisfies AuthorizationRequest);
    })
    .post('/api/oauth/requests/:id/approve', async (c) => {
      fromFolio(c);
      const own = await ownDevice(c);
      const { id } = parseWith(idParam, c.req.param(), 'oauth', 'request id');
      return c.json({ redirectTo: await approve(db(), id, own.readerId, origin(c)) } satisfies AuthorizationAnswer);
    })
    .post('/api/oauth/requests/:id/deny', async (c) => {
      fromFolio(c);
      await ownDevice(c);
      const { id } = parseWith(idParam, c.req.param(), 'oauth', 'request id');
      return c.json({ redirectTo: await deny(db(), id, origin(c)) } satisfies AuthorizationAnswer);
    });
}

/**
 * Signing in with the community's OpenID Connect login (ADR 0043, docs/accounts.md):
 *
 * - `GET /api/readers/oidc/start?return=/path`: a browser navigation; sets the flow cookie and 302s to the provider;
 * - `GET /api/readers/oidc/callback`: the provider sends the browser back here; 302 to the return path with the
 *   reader cookie set, or to `/link?signin_error=<code>` with nothing made;
 * - `GET /api/readers/me/identities`, `DELETE /api/readers/me/identities/:id`: the reader's logins (its own token).
 *
 * The flow cookie (HttpOnly, SameSite=Lax, 10 minutes) ties the callback to the browser that started the flow: a
 * code obtained in another browser and sent to this one (login CSRF) finds no flow, or a flow whose state differs.
 */
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { IdentityList } from '../../contract/index.js';
import { FolioError } from '../../errors.js';
import type { RateBuckets } from '../../rate-limits/buckets.js';
import type { CredentialCache } from '../../readers/credential-cache.js';
import { deviceLabel, requireDevice } from '../../readers/devices.js';
import { FLOW_TTL_S, OidcLogin, removeIdentity, returnPath } from '../../readers/oidc.js';
import { listIdentities } from '../../readers/queries.js';
import { clientIp } from '../client-ip.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';
import { requestOrigin } from '../origin.js';
import { freshCredential, requireAccounts, setReaderCookie, signingInDevice } from '../reader-auth.js';
import { parseWith } from '../validate.js';
import { LINK_ATTEMPTS_PER_MINUTE } from './devices.js';

/** The flow cookie: `__Host-folio_oidc` over https. Its value is the flow's id, nothing secret by itself. */
const FLOW_COOKIE = 'folio_oidc';

const idParam = z.object({ id: z.guid('must be an identity id as listed by GET /api/readers/me/identities') });

export function oidcRoutes(deps: AppDeps, buckets: RateBuckets, credentials: CredentialCache) {
  const db = () => requireDatabase(deps).db;
  const login = deps.oidc ? new OidcLogin(deps.oidc) : null;

  const accountsOn = () => requireAccounts(deps);
  const provider = (): OidcLogin => {
    accountsOn();
    if (!login) throw new FolioError('not_found:oidc', 'This Folio has no OpenID Connect sign-in (FOLIO_OIDC_ISSUER is not set).');
    return login;
  };
  const secure = (c: Context<AppEnv>) => requestOrigin(c, deps.trustProxy).startsWith('https:');
  /** The origin the provider sends the browser back to: FOLIO_PUBLIC_URL, else this request's own. */
  const publicOrigin = (c: Context<AppEnv>) => deps.publicOrigin ?? requestOrigin(c, deps.trustProxy);
  const flowCookie = (c: Context<AppEnv>) => (secure(c) ? getCookie(c, FLOW_COOKIE, 'host') : getCookie(c, FLOW_COOKIE)) ?? null;
  const clearFlowCookie = (c: Context<AppEnv>) => deleteCookie(c, FLOW_COOKIE, { path: '/', secure: secure(c), ...(secure(c) ? { prefix: 'host' as const } : {}) });
  /** A browser navigation gets a page, not JSON: the link page shows the message for the code. */
  const failed = (c: Context<AppEnv>, err: FolioError, step: string) => {
    // The reason only: never the query (the code), the flow id or a token.
    c.get('log').info({ code: err.code, reason: err.message, step }, 'OpenID Connect sign-in failed');
    c.header('Cache-Control', 'no-store');
    return c.redirect(`/link?signin_error=${encodeURIComponent(err.code)}`, 302);
  };

  return new Hono<AppEnv>()
    .get('/api/readers/oidc/start', async (c) => {
      const oidc = provider();
      const returnTo = returnPath(c.req.query('return'));
      if (returnTo === null) {
        throw new FolioError('bad_request:oidc', '"return" must be a path on this site, starting with a single "/" (like /series/moth-and-lantern).');
      }
      try {
        // Sign-ins started per address and minute, with the passkey prompts and link codes (FOLIO_LINK_RATE_PER_IP).
        const taken = await buckets.take(`oidc:ip:${clientIp(c, deps)}`, deps.linkRatePerIp ?? LINK_ATTEMPTS_PER_MINUTE);
        if (!taken.ok) {
          throw new FolioError('rate_limit:sign_in', `Too many sign-ins from this address. Try again in ${taken.retryAfterS} s.`, { retryAfter: taken.retryAfterS });
        }
        const { url, flowId } = await oidc.startSignIn(db(), publicOrigin(c), returnTo);
        setCookie(c, FLOW_COOKIE, flowId, {
          httpOnly: true,
          // Lax: sent on the provider's top-level redirect back to Folio, never on a cross-site subrequest.
          sameSite: 'Lax',
          secure: secure(c),
          path: '/',
          maxAge: FLOW_TTL_S,
          ...(secure(c) ? { prefix: 'host' as const } : {}),
        });
        c.header('Cache-Control', 'no-store');
        return c.redirect(url, 302);
      } catch (err) {
        if (err instanceof FolioError) return failed(c, err, 'start');
        throw err;
      }
    })
    .get('/api/readers/oidc/callback', async (c) => {
      const oidc = provider();
      const flowId = flowCookie(c);
      clearFlowCookie(c);
      try {
        const current = await signingInDevice(c, deps);
        const query = new URL(c.req.url).search;
        const done = await oidc.finishSignIn(db(), flowId, query, deviceLabel(c.req.header('user-agent')), current);
        // The reader this device was is merged away (or its token rotated): no replica may keep it in memory.
        if (current) credentials.forgetReader(current.readerId);
        setReaderCookie(c, deps, done.token);
        c.header('Cache-Control', 'no-store');
        return c.redirect(done.returnTo, 302);
      } catch (err) {
        if (err instanceof FolioError) return failed(c, err, 'callback');
        throw err;
      }
    })
    .get('/api/readers/me/identities', async (c) => {
      accountsOn();
      const own = requireDevice(await freshCredential(c, deps));
      return c.json({ identities: await listIdentities(db(), own.readerId) } satisfies IdentityList);
    })
    .delete('/api/readers/me/identities/:id', async (c) => {
      accountsOn();
      const own = requireDevice(await freshCredential(c, deps));
      const { id } = parseWith(idParam, c.req.param(), 'identities', 'identity id');
      await removeIdentity(db(), own.readerId, id);
      return c.body(null, 204);
    });
}

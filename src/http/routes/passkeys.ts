/**
 * Accounts with passkeys (ADR 0042, docs/accounts.md):
 *
 * - `GET /api/readers/sign-in-methods`: what this Folio offers (`FOLIO_ACCOUNTS=off`: nothing);
 * - `GET /api/readers/me/passkeys`, `DELETE /api/readers/me/passkeys/:id`: the reader's passkeys;
 * - `POST /api/readers/me/passkeys/options` then `POST /api/readers/me/passkeys`: add one (the first makes the
 *   reader an account);
 * - `POST /api/readers/passkeys/sign-in-options` then `POST /api/readers/passkeys/sign-in`: this device becomes the
 *   passkey's reader (cookie, and the token in the body for apps), its own reader merged in as for a link code.
 *
 * Every step but the listing comes from a page (WebAuthn has no relying party without one): Folio's own pages or
 * CORS_ORIGINS, never another site (login CSRF, as for POST /api/readers). The management routes need the reader's
 * own token, looked up now (an assistant token gets 403).
 */
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { Passkey, PasskeyAddOptions, PasskeyList, PasskeySignInOptions, SignInMethods } from '../../contract/index.js';
import { FolioError } from '../../errors.js';
import type { RateBuckets } from '../../rate-limits/buckets.js';
import type { CredentialCache } from '../../readers/credential-cache.js';
import { deviceLabel, requireDevice } from '../../readers/devices.js';
import { providerName } from '../../readers/oidc.js';
import { addBody, addOptionsBody, addPasskey, addPasskeyOptions, pageOf, removePasskey, signInBody, signInOptions, signInWithPasskey } from '../../readers/passkeys.js';
import { listPasskeys } from '../../readers/queries.js';
import { clientIp } from '../client-ip.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';
import { foreignOrigin } from '../origin.js';
import { freshCredential, requireAccounts, signedIn, signingInDevice } from '../reader-auth.js';
import { parseWith, readJson } from '../validate.js';
import { LINK_ATTEMPTS_PER_MINUTE } from './devices.js';

const idParam = z.object({ id: z.guid('must be a passkey id as listed by GET /api/readers/me/passkeys') });

export function passkeyRoutes(deps: AppDeps, buckets: RateBuckets, credentials: CredentialCache) {
  const db = () => requireDatabase(deps).db;
  const enabled = deps.accounts !== false;

  const accountsOn = () => requireAccounts(deps);
  /** The page this ceremony runs on: Folio's own or a CORS origin (403 otherwise). */
  const page = (c: Context<AppEnv>) => {
    accountsOn();
    const foreign = foreignOrigin(c, deps);
    if (foreign !== null) throw new FolioError('forbidden:origin', `Passkeys are used only on Folio's own pages, not on ${foreign}.`);
    return pageOf(c.req.header('origin'));
  };
  const limit = async (c: Context<AppEnv>) => {
    // Passkey prompts started per address and minute, as many as link codes tried (FOLIO_LINK_RATE_PER_IP): an
    // answer needs a challenge, so this bounds answers too, and the challenges kept.
    const taken = await buckets.take(`passkeys:ip:${clientIp(c, deps)}`, deps.linkRatePerIp ?? LINK_ATTEMPTS_PER_MINUTE);
    if (!taken.ok) {
      throw new FolioError('rate_limit:sign_in', `Too many passkey attempts from this address. Try again in ${taken.retryAfterS} s.`, { retryAfter: taken.retryAfterS });
    }
  };
  const ownDevice = async (c: Context<AppEnv>) => requireDevice(await freshCredential(c, deps));

  return new Hono<AppEnv>()
    .get('/api/readers/sign-in-methods', (c) =>
      c.json({ passkeys: enabled, oidc: enabled && deps.oidc ? { issuer: deps.oidc.issuer, name: providerName(deps.oidc.issuer) } : null } satisfies SignInMethods),
    )
    .get('/api/readers/me/passkeys', async (c) => {
      accountsOn();
      const own = await ownDevice(c);
      return c.json({ passkeys: await listPasskeys(db(), own.readerId) } satisfies PasskeyList);
    })
    .post('/api/readers/me/passkeys/options', async (c) => {
      const where = page(c);
      const own = await ownDevice(c);
      await limit(c);
      const { name } = await readJson(c, addOptionsBody, 'passkey');
      return c.json((await addPasskeyOptions(db(), own.readerId, where, name)) satisfies PasskeyAddOptions);
    })
    .post('/api/readers/me/passkeys', async (c) => {
      const where = page(c);
      const own = await ownDevice(c);
      const body = await readJson(c, addBody, 'passkey');
      const added = await addPasskey(db(), own.readerId, where, body, deviceLabel(c.req.header('user-agent')));
      return c.json(added satisfies Passkey, 201);
    })
    .delete('/api/readers/me/passkeys/:id', async (c) => {
      accountsOn();
      const own = await ownDevice(c);
      const { id } = parseWith(idParam, c.req.param(), 'passkeys', 'passkey id');
      await removePasskey(db(), own.readerId, id);
      return c.body(null, 204);
    })
    .post('/api/readers/passkeys/sign-in-options', async (c) => {
      const where = page(c);
      await limit(c);
      c.header('Cache-Control', 'no-store');
      return c.json((await signInOptions(db(), where)) satisfies PasskeySignInOptions);
    })
    .post('/api/readers/passkeys/sign-in', async (c) => {
      const where = page(c);
      const body = await readJson(c, signInBody, 'passkey');
      const current = await signingInDevice(c, deps);
      return signedIn(c, deps, credentials, current, await signInWithPasskey(db(), where, body, deviceLabel(c.req.header('user-agent')), current));
    });
}

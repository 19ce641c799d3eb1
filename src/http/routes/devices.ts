/**
 * A reader's devices and linking another one (ADR 0041, docs/accounts.md):
 *
 * - `GET /api/readers/me/devices`: the devices that hold the reader's own token, with their last use;
 * - `DELETE /api/readers/me/devices/:id`: sign one out (this one included; never the last);
 * - `DELETE /api/readers/me/devices`: sign out every device but this one (`?including=this`: all of them; an account
 *   only, whose passkey opens it again);
 * - `POST /api/readers/me/link-codes`: a one-time code (valid LINK_CODE_TTL_S) for another device;
 * - `POST /api/readers/link` `{ code }`: this device becomes the code's reader (cookie, and the token in the
 *   body for apps); if it already was another reader, that reader is merged into the code's.
 *
 * Device routes need the reader's own token, looked up every time (never the cache): an assistant token gets 403.
 * CSRF: the link is a sign-in, so like POST /api/readers only Folio's own pages may post it (login CSRF would put
 * the visitor in an attacker's reader); the others need JSON or are DELETEs, which no cross-site form can send.
 */
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { DeviceList, LinkCode, SignedOut } from '../../contract/index.js';
import { FolioError } from '../../errors.js';
import type { RateBuckets } from '../../rate-limits/buckets.js';
import type { CredentialCache } from '../../readers/credential-cache.js';
import {
  createLinkCode,
  deviceLabel,
  deviceList,
  LINK_CODE_TTL_S,
  linkBody,
  redeemLinkCode,
  requireDevice,
  signOutDevice,
  signOutDevices,
} from '../../readers/devices.js';
import { clientIp } from '../client-ip.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';
import { foreignOrigin } from '../origin.js';
import { clearReaderCookie, freshCredential, signedIn, signingInDevice } from '../reader-auth.js';
import { parseWith, readJson } from '../validate.js';

export const DEVICES_PATH = '/api/readers/me/devices';
/** `?including=this`: every device, this one too (an account only). */
const signOutQuery = z.strictObject({ including: z.literal('this', 'may only be "this" (sign this device out too)').optional() });
const idParam = z.object({ id: z.guid('must be a device id as listed by GET /api/readers/me/devices') });

/** Link attempts per address and minute: a typo or two, never a search through the codes. */
export const LINK_ATTEMPTS_PER_MINUTE = 10;
/** New codes per reader and minute: a few "show me another", not a flood of rows. */
const CODES_PER_MINUTE = 6;

export function deviceRoutes(deps: AppDeps, buckets: RateBuckets, credentials: CredentialCache) {
  const db = () => requireDatabase(deps).db;
  // What can open a reader again once its last device is gone, as this Folio is configured (queries.ts SignInWays).
  const ways = { passkeys: deps.accounts !== false, logins: deps.accounts !== false && Boolean(deps.oidc) };

  /** This request's device (401 without a known token, 403 for an assistant token). */
  const ownDevice = async (c: Context<AppEnv>) => requireDevice(await freshCredential(c, deps));

  const limit = async (key: string, perMinute: number, what: string) => {
    const taken = await buckets.take(key, perMinute);
    if (!taken.ok) {
      throw new FolioError('rate_limit:link_code', `Too many ${what} for now. Try again in ${taken.retryAfterS} s.`, { retryAfter: taken.retryAfterS });
    }
  };

  return new Hono<AppEnv>()
    .get(DEVICES_PATH, async (c) => {
      const own = await ownDevice(c);
      return c.json((await deviceList(db(), own, ways)) satisfies DeviceList);
    })
    .delete(`${DEVICES_PATH}/:id`, async (c) => {
      const own = await ownDevice(c);
      const { id } = parseWith(idParam, c.req.param(), 'devices', 'device id');
      await signOutDevice(db(), own.readerId, id, ways);
      credentials.forgetReader(own.readerId);
      if (id === own.deviceId) clearReaderCookie(c, deps);
      return c.body(null, 204);
    })
    .delete(DEVICES_PATH, async (c) => {
      const own = await ownDevice(c);
      const { including } = parseWith(signOutQuery, c.req.query(), 'devices', 'query');
      const signedOut = await signOutDevices(db(), own, including === 'this', ways);
      credentials.forgetReader(own.readerId);
      if (including === 'this') clearReaderCookie(c, deps);
      return c.json({ signedOut } satisfies SignedOut);
    })
    .post('/api/readers/me/link-codes', async (c) => {
      const own = await ownDevice(c);
      await limit(`link-codes:reader:${own.readerId}`, CODES_PER_MINUTE, 'new link codes');
      const { code, expiresAt } = await createLinkCode(db(), own.readerId);
      return c.json({ code, expiresAt, ttlSeconds: LINK_CODE_TTL_S } satisfies LinkCode, 201);
    })
    .post('/api/readers/link', async (c) => {
      const foreign = foreignOrigin(c, deps);
      if (foreign !== null) throw new FolioError('forbidden:origin', `Devices are linked only from Folio's own pages, not from ${foreign}.`);
      // Counted before the code is even read: every guess costs one.
      await limit(`link:ip:${clientIp(c, deps)}`, deps.linkRatePerIp ?? LINK_ATTEMPTS_PER_MINUTE, 'link attempts from this address');
      const { code } = await readJson(c, linkBody, 'link_code');
      const current = await signingInDevice(c, deps);
      return signedIn(c, deps, credentials, current, await redeemLinkCode(db(), code, deviceLabel(c.req.header('user-agent')), current));
    });
}

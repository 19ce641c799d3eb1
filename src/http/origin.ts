/**
 * Which web pages may act on this server with the reader's cookie. A browser says where a request comes from:
 * `Origin` on every cross-origin request and on every POST, `Sec-Fetch-Site` on all of them in current browsers.
 * A page of this server and the web app's configured origins (CORS_ORIGINS, a CDN build) may; any other site may
 * not (login CSRF: a form on another site posting to /api/readers; DNS rebinding on /mcp). A request without
 * either header is not from a browser page (curl, an assistant, a script): it passes.
 */
import type { Context } from 'hono';
import type { AppDeps } from './context.js';

/** The host this request was sent to (behind a trusted proxy, the forwarded one). */
function requestHost(c: Context, trustProxy: boolean): string {
  return (trustProxy && c.req.header('x-forwarded-host')) || c.req.header('host') || new URL(c.req.url).host;
}

/** The origin this request was sent to, scheme included (behind a trusted proxy, the forwarded ones). */
export function requestOrigin(c: Context, trustProxy: boolean): string {
  const proto = (trustProxy && c.req.header('x-forwarded-proto')) || new URL(c.req.url).protocol.replace(':', '');
  return `${proto}://${requestHost(c, trustProxy)}`;
}

/** The origins browsers use for this server (behind a trusted proxy, the forwarded host). */
export function selfOrigins(c: Context, trustProxy: boolean): string[] {
  const host = requestHost(c, trustProxy);
  return [`http://${host}`, `https://${host}`];
}

/** The origin of a web page this server does not trust, or null when the request may go on. */
export function foreignOrigin(c: Context, deps: Pick<AppDeps, 'corsOrigins' | 'trustProxy' | 'publicOrigin'>): string | null {
  const origin = c.req.header('origin');
  // FOLIO_PUBLIC_URL too: a proxy that rewrites Host (nginx's default) would make Folio's own pages look foreign.
  const allowed = (o: string) => deps.corsOrigins.includes(o) || o === deps.publicOrigin || selfOrigins(c, deps.trustProxy).includes(o);
  if (origin !== undefined && origin !== 'null') return allowed(origin) ? null : origin;
  // No usable Origin (an opaque "null" one: a sandboxed frame, a data: page): the fetch metadata decides.
  const site = c.req.header('sec-fetch-site');
  if (site === 'cross-site' || site === 'same-site' || origin === 'null') return origin ?? `a ${site} page`;
  return null;
}

const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/**
 * The browser origins that may call an endpoint a page could abuse through DNS rebinding (/mcp): the configured
 * ones (FOLIO_PUBLIC_URL, CORS_ORIGINS), never one taken from the request's Host, which the rebinding page
 * controls. Without FOLIO_PUBLIC_URL, a page of this server itself is trusted only on a loopback host (a laptop):
 * a rebound name is never a loopback one.
 */
export function trustedOrigins(c: Context, deps: Pick<AppDeps, 'corsOrigins' | 'publicOrigin'>): string[] {
  const origins = [...deps.corsOrigins];
  if (deps.publicOrigin) origins.push(deps.publicOrigin);
  else {
    const host = c.req.header('host') ?? '';
    if (LOOPBACK_HOST.test(host)) origins.push(`http://${host}`, `https://${host}`);
  }
  return origins;
}

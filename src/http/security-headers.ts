/**
 * Security headers on every response. Hono's secureHeaders gives nosniff,
 * Referrer-Policy, HSTS (browsers honour it only over HTTPS, i.e. behind the
 * TLS proxy Folio expects), COOP and friends. On top: no framing anywhere
 * (`X-Frame-Options: DENY` agrees with the web app's `frame-ancestors 'none'`),
 * and a deny-all Content-Security-Policy for every response that did not set
 * its own: JSON, media, SSE and assets are never documents that should run
 * anything, should one be opened directly. The web app's index.html sets the
 * strict app policy (routes/web.ts WEB_CSP).
 */
import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from './context.js';

export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export function securityHeaders(): MiddlewareHandler<AppEnv> {
  const base = secureHeaders({ crossOriginResourcePolicy: 'cross-origin', referrerPolicy: 'same-origin', xFrameOptions: 'DENY' });
  return async (c, next) =>
    base(c, async () => {
      await next();
      if (!c.res.headers.has('Content-Security-Policy')) c.res.headers.set('Content-Security-Policy', API_CSP);
    });
}

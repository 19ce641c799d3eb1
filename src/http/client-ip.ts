/**
 * The client's address, for per-address limits. Behind a proxy the socket's peer is the proxy, so with
 * FOLIO_TRUST_PROXY the address comes from what the proxies say, read the way they write it: each proxy
 * *appends* the address it received the request from to X-Forwarded-For (Fly, nginx, Cloudflare, HAProxy),
 * so only the entries the trusted proxies added are theirs; everything to the left of them is whatever the
 * client sent and can change on every request. With FOLIO_PROXY_HOPS trusted proxies, the client is the
 * hops-th entry from the right. A platform that sets its own header (Fly-Client-IP, CF-Connecting-IP)
 * can be named instead with FOLIO_CLIENT_IP_HEADER. When what the proxies say is missing or not an address,
 * the socket's peer is used: every such client then shares the proxy's bucket (too strict, never open).
 */
import { isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/** Which proxy headers to believe (AppDeps carries these). */
export interface ProxyTrust {
  trustProxy: boolean;
  /** Trusted proxies in front of Folio, each appending to X-Forwarded-For (FOLIO_PROXY_HOPS; default 1). */
  proxyHops?: number;
  /** A header the platform sets to the client's address (FOLIO_CLIENT_IP_HEADER), read instead of X-Forwarded-For. */
  clientIpHeader?: string | null;
}

/** An address as a proxy may write it (`1.2.3.4:5678`, `[2001:db8::1]:443`, `"[::1]"`), bare; null if it is not one. */
export function bareAddress(entry: string): string | null {
  let a = entry.trim().replace(/^"(.*)"$/, '$1');
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (v6) a = v6[1]!;
  else if (/^[\d.]+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':'));
  return isIP(a) ? a.toLowerCase() : null;
}

/** The client address in an X-Forwarded-For value with `hops` trusted proxies: the hops-th entry from the right. */
export function forwardedClient(header: string | undefined, hops: number): string | null {
  if (header === undefined || !Number.isInteger(hops) || hops < 1) return null;
  const entries = header.split(',').filter((e) => e.trim() !== '');
  const entry = entries[entries.length - hops];
  return entry === undefined ? null : bareAddress(entry);
}

/** The client's address for this request (the one function every per-address rule uses). */
export function clientIp(c: Context, trust: ProxyTrust): string {
  if (trust.trustProxy) {
    const said = trust.clientIpHeader ? bareAddress(c.req.header(trust.clientIpHeader) ?? '') : forwardedClient(c.req.header('x-forwarded-for'), trust.proxyHops ?? 1);
    if (said) return said;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

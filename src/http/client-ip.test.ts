/** The client address behind proxies (client-ip.ts), and the per-address limit it feeds, over real HTTP. */
import type { Server } from 'node:http';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { bareAddress, forwardedClient, type ProxyTrust } from './client-ip.js';
import type { AppEnv } from './context.js';
import { errorResponse, toFolioError } from './errors.js';
import { listen } from './listen.js';
import { AnswerRateLimits, rateLimit } from './rate-limit.js';

describe('forwardedClient', () => {
  it('takes the entry the trusted proxies added, never what the client wrote to its left', () => {
    expect(forwardedClient('203.0.113.7', 1)).toBe('203.0.113.7');
    expect(forwardedClient('6.6.6.6, 203.0.113.7', 1)).toBe('203.0.113.7');
    expect(forwardedClient('6.6.6.6,7.7.7.7,  203.0.113.7', 1)).toBe('203.0.113.7');
    // Cloudflare in front of Fly: the client is what Cloudflare saw, one left of Cloudflare's own address.
    expect(forwardedClient('6.6.6.6, 203.0.113.7, 198.51.100.2', 2)).toBe('203.0.113.7');
  });

  it('null when the proxies said nothing usable (fewer entries than hops, junk, empty)', () => {
    expect(forwardedClient(undefined, 1)).toBeNull();
    expect(forwardedClient('', 1)).toBeNull();
    expect(forwardedClient(' , ', 1)).toBeNull();
    expect(forwardedClient('203.0.113.7', 2)).toBeNull();
    expect(forwardedClient('6.6.6.6, not-an-address', 1)).toBeNull();
    expect(forwardedClient('203.0.113.7', 0)).toBeNull();
  });

  it('reads addresses the way proxies write them', () => {
    expect(bareAddress(' 203.0.113.7:51234 ')).toBe('203.0.113.7');
    expect(bareAddress('[2001:DB8::1]:443')).toBe('2001:db8::1');
    expect(bareAddress('"[2001:db8::1]"')).toBe('2001:db8::1');
    expect(bareAddress('2001:db8::1')).toBe('2001:db8::1');
    expect(bareAddress('unknown')).toBeNull();
    expect(bareAddress('203.0.113.999')).toBeNull();
  });
});

describe('the per-address limit behind a proxy (real HTTP)', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  /** The chat route's limit middleware (3 per address, none per reader) on a loopback server; each request is a new reader. */
  async function start(trust: ProxyTrust): Promise<(headers: Record<string, string>) => Promise<number>> {
    const app = new Hono<AppEnv>();
    let reader = 0;
    app.use(async (c, next) => {
      c.set('readerId', `reader-${++reader}`);
      await next();
    });
    app.post('/chat', rateLimit(new AnswerRateLimits({ ratePerReader: 0, ratePerIp: 3 }), 'chat', trust), (c) => c.text('ok'));
    app.onError((err, c) => errorResponse(c, toFolioError(err)));
    server = await listen(app, { port: 0, hostname: '127.0.0.1' });
    const { port } = server.address() as { port: number };
    return async (headers) => (await fetch(`http://127.0.0.1:${port}/chat`, { method: 'POST', headers })).status;
  }

  const spoofed = (i: number) => `10.${i}.${i}.${i}`;

  it('a new X-Forwarded-For per request does not make a new client (the proxy appended the real one)', async () => {
    const post = await start({ trustProxy: true, proxyHops: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push(await post({ 'x-forwarded-for': `${spoofed(i)}, 203.0.113.7` }));
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
    // Another client behind the same proxy has its own bucket.
    expect(await post({ 'x-forwarded-for': '198.51.100.9' })).toBe(200);
  });

  it("the platform's own header, when configured, is the address; a client's X-Forwarded-For is ignored", async () => {
    const post = await start({ trustProxy: true, clientIpHeader: 'cf-connecting-ip' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push(await post({ 'cf-connecting-ip': '203.0.113.7', 'x-forwarded-for': spoofed(i) }));
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(await post({ 'cf-connecting-ip': '203.0.113.8' })).toBe(200);
  });

  it('without FOLIO_TRUST_PROXY the socket address counts, whatever the headers say', async () => {
    const post = await start({ trustProxy: false });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await post({ 'x-forwarded-for': spoofed(i), 'cf-connecting-ip': spoofed(i) }));
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { describe, expect, it } from 'vitest';
import { MemoryBuckets } from '../rate-limits/buckets.js';
import type { AppEnv } from './context.js';
import { errorResponse, toFolioError } from './errors.js';
import { AnswerRateLimits, mcpRateLimit, rateLimit, rpcKey } from './rate-limit.js';

describe('AnswerRateLimits', () => {
  it('chat and recap share the buckets and say which was refused, with Retry-After', async () => {
    const limits = new AnswerRateLimits({ ratePerReader: 2, ratePerIp: 0 }, new MemoryBuckets(() => 0));
    expect(await limits.take('chat', 'r1', 'ip')).toBeNull();
    expect(await limits.take('recap', 'r1', 'ip')).toBeNull();
    const refused = (await limits.take('recap', 'r1', 'ip'))!;
    expect([refused.code, refused.status, refused.details?.retryAfter]).toEqual(['rate_limit:recap', 429, 30]);
    expect((await limits.take('chat', 'r1', 'ip'))?.code).toBe('rate_limit:chat');
    expect(await limits.take('chat', 'r2', 'ip')).toBeNull();
  });

  it('the address bucket spans readers', async () => {
    const limits = new AnswerRateLimits({ ratePerReader: 0, ratePerIp: 1 }, new MemoryBuckets(() => 0));
    expect(await limits.take('chat', 'r1', 'ip')).toBeNull();
    expect((await limits.take('chat', 'r2', 'ip'))?.message).toMatch(/from this address/);
    expect(await limits.take('chat', 'r2', 'other-ip')).toBeNull();
  });
});

/** A Hono app with a reader set the way reader auth sets it, the middleware under test, and the app's error mapping. */
function appWith(middleware: MiddlewareHandler<AppEnv>, handler: (c: Context<AppEnv>) => Response) {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set('readerId', c.req.header('x-reader') ?? null);
    await next();
  });
  app.post('/x', middleware, handler);
  app.onError((err, c) => errorResponse(c, toFolioError(err)));
  return app;
}

describe('rateLimit middleware', () => {
  it('429 with the code and Retry-After once the reader is over the limit; anonymous requests pass to the route', async () => {
    const app = appWith(rateLimit(new AnswerRateLimits({ ratePerReader: 1, ratePerIp: 0 }), 'recap', { trustProxy: false }), (c) => c.text('ok'));
    const post = (reader?: string) => app.request('/x', { method: 'POST', headers: reader ? { 'x-reader': reader } : {} });
    expect((await post('a')).status).toBe(200);
    const refused = await post('a');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limit:recap');
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(200);
  });

  it('no limits (no companion): everything passes', async () => {
    const app = appWith(rateLimit(null, 'chat', { trustProxy: false }), (c) => c.text('ok'));
    for (let i = 0; i < 3; i++) expect((await app.request('/x', { method: 'POST', headers: { 'x-reader': 'a' } })).status).toBe(200);
  });
});

describe('mcpRateLimit middleware', () => {
  const rpc = (id: number, method: string, name?: string) => ({ jsonrpc: '2.0', id, method, ...(name ? { params: { name, arguments: {} } } : {}) });

  it('counts only tools/call of ask and recap; a refusal is kept by JSON-RPC id for the tool to answer with, the body still there for the transport', async () => {
    const app = new Hono<AppEnv>();
    app.use(async (c, next) => {
      c.set('readerId', 'a');
      await next();
    });
    app.post('/x', mcpRateLimit(new AnswerRateLimits({ ratePerReader: 2, ratePerIp: 0 }), { trustProxy: false }, 1024), async (c) => {
      const refusals = c.get('mcpRefusals') ?? new Map();
      // The transport reads the request itself, after the middleware.
      const body = await c.req.raw.text();
      return c.json({ refused: [...refusals].map(([k, e]) => [k, e.code]), body });
    });
    const post = async (body: unknown) => {
      const sent = JSON.stringify(body);
      const res = await app.request('/x', { method: 'POST', headers: { 'content-type': 'application/json' }, body: sent });
      const got = (await res.json()) as { refused: Array<[string, string]>; body: string };
      expect(got.body).toBe(sent);
      return got;
    };
    expect((await post(rpc(1, 'initialize'))).refused).toEqual([]);
    expect((await post(rpc(2, 'tools/call', 'search'))).refused).toEqual([]);
    expect((await post(rpc(3, 'tools/call', 'ask'))).refused).toEqual([]);
    expect((await post([rpc(4, 'tools/call', 'recap'), rpc(5, 'tools/call', 'ask')])).refused).toEqual([[rpcKey(5), 'rate_limit:chat']]);
    expect((await post(rpc(6, 'tools/call', 'recap'))).refused).toEqual([[rpcKey(6), 'rate_limit:recap']]);
  });

  it('a body over the limit or not JSON is left to the transport to refuse', async () => {
    const app = appWith(mcpRateLimit(new AnswerRateLimits({ ratePerReader: 1, ratePerIp: 0 }), { trustProxy: false }, 64), (c) =>
      c.json({ refused: c.get('mcpRefusals')?.size ?? 0 }),
    );
    const big = JSON.stringify({ ...rpc(1, 'tools/call', 'ask'), pad: 'x'.repeat(100) });
    for (const body of [big, big, '{not json']) {
      const res = await app.request('/x', { method: 'POST', headers: { 'x-reader': 'a' }, body });
      expect(await res.json()).toEqual({ refused: 0 });
    }
  });
});

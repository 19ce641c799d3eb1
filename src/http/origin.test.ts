/** Which pages may act on this server (origin.ts). */
import { type Context, Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { foreignOrigin, trustedOrigins } from './origin.js';

/** Run `fn` on a request to `url` with `headers`, as a route would. */
async function on<T>(url: string, headers: Record<string, string>, fn: (c: Context) => T): Promise<T> {
  let out!: T;
  const app = new Hono();
  app.all('*', (c) => {
    out = fn(c);
    return c.text('');
  });
  await app.request(url, { headers });
  return out;
}

describe('trustedOrigins (/mcp, DNS rebinding)', () => {
  const deps = { corsOrigins: ['https://reader.example.net'], publicOrigin: null };

  it('the configured origins; the request host only when it is a loopback one', async () => {
    expect(await on('http://127.0.0.1:3000/mcp', { host: '127.0.0.1:3000' }, (c) => trustedOrigins(c, deps))).toEqual([
      'https://reader.example.net',
      'http://127.0.0.1:3000',
      'https://127.0.0.1:3000',
    ]);
    for (const host of ['localhost:3000', '[::1]:3000', '127.0.0.1']) {
      expect(await on(`http://${host}/mcp`, { host }, (c) => trustedOrigins(c, deps)), host).toContain(`http://${host}`);
    }
    // A rebound name is never loopback: only the configured origins.
    expect(await on('http://evil.example:3000/mcp', { host: 'evil.example:3000' }, (c) => trustedOrigins(c, deps))).toEqual(['https://reader.example.net']);
  });

  it('with FOLIO_PUBLIC_URL, that origin and no other, whatever the Host says', async () => {
    const configured = { corsOrigins: [], publicOrigin: 'https://folio.example.com' };
    expect(await on('http://127.0.0.1:3000/mcp', { host: '127.0.0.1:3000' }, (c) => trustedOrigins(c, configured))).toEqual(['https://folio.example.com']);
  });
});

describe('foreignOrigin (creating readers, login CSRF)', () => {
  const deps = { corsOrigins: ['https://reader.example.net'], trustProxy: false };
  const check = (headers: Record<string, string>) => on('https://folio.example/api/readers', { host: 'folio.example', ...headers }, (c) => foreignOrigin(c, deps));

  it('this server, a configured web app and non-browser clients pass', async () => {
    expect(await check({ origin: 'https://folio.example' })).toBeNull();
    expect(await check({ origin: 'https://reader.example.net', 'sec-fetch-site': 'cross-site' })).toBeNull();
    expect(await check({ 'sec-fetch-site': 'same-origin' })).toBeNull();
    expect(await check({ 'sec-fetch-site': 'none' })).toBeNull();
    expect(await check({})).toBeNull();
  });

  it("FOLIO_PUBLIC_URL is Folio's own page even behind a proxy that rewrites Host", async () => {
    const behind = (o: string) =>
      on('http://127.0.0.1:3000/api/readers', { host: '127.0.0.1:3000', origin: o }, (c) => foreignOrigin(c, { ...deps, publicOrigin: 'https://folio.example' }));
    expect(await behind('https://folio.example')).toBeNull();
    expect(await behind('https://evil.example')).toBe('https://evil.example');
  });

  it('another site, by Origin or by fetch metadata, is named', async () => {
    expect(await check({ origin: 'https://evil.example' })).toBe('https://evil.example');
    expect(await check({ 'sec-fetch-site': 'cross-site' })).toBe('a cross-site page');
    expect(await check({ origin: 'null' })).toBe('null');
  });
});

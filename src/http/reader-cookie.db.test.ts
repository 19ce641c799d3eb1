/**
 * The reader cookie for the two deployments: the web app on the API's origin
 * (SameSite=Lax), and a CDN build on another site calling the API with
 * credentials (CORS_ORIGINS set, https): SameSite=None; Secure; Partitioned,
 * because browsers send nothing else on cross-site fetches.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, createTestDatabase, type TestDatabase } from '../../test/db.js';
import { openDatabase } from '../db/client.js';
import { LocalStorage } from '../storage/local.js';
import { createApp } from './app.js';

let t: TestDatabase;
let media: string;

beforeAll(async () => {
  t = await createTestDatabase();
  media = await mkdtemp(join(tmpdir(), 'folio-cookie-'));
});
afterAll(async () => {
  await t?.close();
  await rm(media, { recursive: true, force: true });
});

const app = (corsOrigins: string[], trustProxy = false) =>
  createApp({ logger: pino({ level: 'silent' }), storage: new LocalStorage(media), runtime: { database: t.database }, corsOrigins, trustProxy });

async function cookieAttrs(res: Response): Promise<string[]> {
  expect(res.status).toBe(201);
  const [cookie, ...rest] = res.headers.getSetCookie();
  expect(rest).toEqual([]);
  const [pair, ...attrs] = cookie!.split(';').map((s) => s.trim());
  const { token } = (await res.json()) as { token: string };
  // Over https the name carries the __Host- prefix: only this host, Secure, whole site.
  expect(pair).toBe(`${attrs.includes('Secure') ? '__Host-' : ''}folio_reader=${token}`);
  expect(res.headers.get('cache-control')).toBe('no-store');
  return attrs.sort();
}

describe('the reader cookie', () => {
  it('same origin over http: HttpOnly, SameSite=Lax, no Secure', async () => {
    const attrs = await cookieAttrs(await app([]).request('http://folio.local/api/readers', { method: 'POST' }));
    expect(attrs).toEqual(['HttpOnly', 'Max-Age=34560000', 'Path=/', 'SameSite=Lax']);
  });

  it('same origin over https: Secure, still Lax', async () => {
    const attrs = await cookieAttrs(await app([]).request('https://folio.example/api/readers', { method: 'POST' }));
    expect(attrs).toEqual(['HttpOnly', 'Max-Age=34560000', 'Path=/', 'SameSite=Lax', 'Secure']);
  });

  it('CORS_ORIGINS set, https: SameSite=None; Secure; Partitioned, so a CDN build on another site gets it', async () => {
    const res = await app(['https://reader.example.net']).request('https://api.example.com/api/readers', {
      method: 'POST',
      headers: { origin: 'https://reader.example.net' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://reader.example.net');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(await cookieAttrs(res)).toEqual(['HttpOnly', 'Max-Age=34560000', 'Partitioned', 'Path=/', 'SameSite=None', 'Secure']);
  });

  it('CORS_ORIGINS set behind a TLS proxy (FOLIO_TRUST_PROXY, X-Forwarded-Proto: https): the same', async () => {
    const res = await app(['https://reader.example.net'], true).request('http://10.0.0.5:3000/api/readers', {
      method: 'POST',
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(await cookieAttrs(res)).toEqual(['HttpOnly', 'Max-Age=34560000', 'Partitioned', 'Path=/', 'SameSite=None', 'Secure']);
  });

  it('CORS_ORIGINS set over plain http: Lax (browsers reject SameSite=None without Secure; the app must be same-site)', async () => {
    const attrs = await cookieAttrs(await app(['http://localhost:5173']).request('http://localhost:3000/api/readers', { method: 'POST' }));
    expect(attrs).toEqual(['HttpOnly', 'Max-Age=34560000', 'Path=/', 'SameSite=Lax']);
  });

  it('the cookie from a cross-site CORS response identifies the reader on the next request', async () => {
    const a = app(['https://reader.example.net']);
    const res = await a.request('https://api.example.com/api/readers', { method: 'POST' });
    const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
    const progress = await a.request('https://api.example.com/api/series/none/progress', { headers: { cookie } });
    // Authenticated (the series does not exist): 404, not 401.
    expect(progress.status).toBe(404);
  });
});

describe("creating a reader is for Folio's own pages only (login CSRF)", () => {
  const post = (a: ReturnType<typeof app>, headers: Record<string, string>, body?: string) =>
    a.request('https://folio.example/api/readers', { method: 'POST', headers: { host: 'folio.example', ...headers }, ...(body !== undefined ? { body } : {}) });
  const code = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

  it('a form on another site (any content type, or none) gets 403 and no cookie', async () => {
    const a = app([]);
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain', undefined]) {
      const res = await post(a, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', ...(type ? { 'content-type': type } : {}) }, type ? 'a=1' : undefined);
      expect(res.status, type).toBe(403);
      expect(await code(res)).toBe('forbidden:origin');
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    // Fetch metadata alone (no Origin) says the same; so does an opaque origin.
    expect((await post(a, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post(a, { origin: 'null' })).status).toBe(403);
    expect((await post(a, { 'sec-fetch-site': 'same-site', origin: 'https://sub.folio.example' })).status).toBe(403);
  });

  it("a body that is not JSON is refused even from Folio's own page (a form cannot send JSON)", async () => {
    const res = await post(app([]), { origin: 'https://folio.example', 'content-type': 'text/plain' }, 'x');
    expect(res.status).toBe(415);
    expect(await code(res)).toBe('unsupported_media_type:readers');
  });

  it("Folio's own page, a configured web app origin, and clients that are not pages (no Origin) get a reader", async () => {
    const a = app(['https://reader.example.net']);
    expect((await post(a, { origin: 'https://folio.example', 'sec-fetch-site': 'same-origin' })).status).toBe(201);
    expect((await post(a, { origin: 'https://reader.example.net', 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, '{}')).status).toBe(201);
    expect((await post(a, {})).status).toBe(201);
    expect((await post(a, { 'content-type': 'application/json; charset=utf-8' }, '{}')).status).toBe(201);
  });

  it('never replaces a reader the browser already has; an unknown or unreadable cookie is replaced', async () => {
    const a = app([]);
    const first = await post(a, {});
    const cookie = first.headers.getSetCookie()[0]!.split(';')[0]!;
    expect(cookie).toMatch(/^__Host-folio_reader=/);
    const again = await post(a, { cookie });
    expect(again.status).toBe(409);
    expect(await code(again)).toBe('conflict:reader');
    expect(again.headers.getSetCookie()).toEqual([]);
    // The reader is still the same one.
    expect((await a.request('https://folio.example/api/series/none/progress', { headers: { cookie } })).status).toBe(404);
    // A cookie set over http before (no prefix) counts too.
    const legacy = `folio_reader=${((await first.clone().json()) as { token: string }).token}`;
    expect((await post(a, { cookie: legacy })).status).toBe(409);
    for (const unknown of [`__Host-folio_reader=${'A'.repeat(43)}`, `folio_reader="${'B'.repeat(43)}"`]) {
      expect((await post(a, { cookie: unknown })).status, unknown).toBe(201);
    }
  });
});

describe('new readers are limited per address (FOLIO_READER_RATE_PER_IP)', () => {
  it('past the limit 429 rate_limit:readers with Retry-After, and no cookie; another address is not affected', async () => {
    const a = createApp({
      logger: pino({ level: 'silent' }),
      storage: new LocalStorage(media),
      runtime: { database: t.database },
      corsOrigins: [],
      trustProxy: true,
      readerRatePerIp: 3,
    });
    const post = (client: string) => a.request('http://folio.local/api/readers', { method: 'POST', headers: { 'x-forwarded-for': client } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post('203.0.113.7')).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
    const refused = await post('203.0.113.7');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limit:readers');
    expect(refused.headers.getSetCookie()).toEqual([]);
    expect((await post('198.51.100.9')).status).toBe(201);
  });

  // Behind a load balancer each request may land on another replica: on PostgreSQL the buckets are the
  // database's, so three replicas still allow the limit once (the embedded database is one process).
  it.runIf(backend() === 'postgres')('two replicas on one PostgreSQL count together', async () => {
    const other = await openDatabase({ kind: 'postgres', app: t.connection!, direct: t.connection!, poolMax: 2 });
    try {
      const replica = (database: typeof t.database) =>
        createApp({ logger: pino({ level: 'silent' }), storage: new LocalStorage(media), runtime: { database }, corsOrigins: [], trustProxy: true, readerRatePerIp: 3 });
      const [a, b] = [replica(t.database), replica(other)];
      const post = (app: typeof a) => app.request('http://folio.local/api/readers', { method: 'POST', headers: { 'x-forwarded-for': '192.0.2.44' } });
      const statuses = [await post(a), await post(b), await post(a), await post(b)].map((r) => r.status);
      expect(statuses).toEqual([201, 201, 201, 429]);
    } finally {
      await other.close();
    }
  });
});

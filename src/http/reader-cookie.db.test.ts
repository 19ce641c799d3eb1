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
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
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
  expect(pair).toBe(`folio_reader=${token}`);
  return attrs.sort();
}

describe('the folio_reader cookie', () => {
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

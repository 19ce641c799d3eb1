/**
 * Malformed input on the world, wiki and search routes: every answer is a 4xx
 * with the JSON error shape `{error:{code,message}}`, never a 5xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { SAMPLE, startTestServer, type TestServer } from '../../test/server.js';
import { importPack } from '../content/importer.js';

const S = 'moth-and-lantern';
let t: TestDatabase;
let server: TestServer;
let token: string;

beforeAll(async () => {
  t = await createTestDatabase();
  server = await startTestServer(t.database);
  await importPack({ database: t.database, storage: server.storage }, SAMPLE);
  token = await server.newReader();
  await server.fetch(`/api/series/${S}/progress`, { method: 'POST', token, json: { episode: 2, page: 3, confirmSkip: true } });
}, 240_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
});

async function expectError(res: Response, status: number, code?: string): Promise<void> {
  const text = await res.text();
  const where = `${res.url} → ${res.status} ${text.slice(0, 300)}`;
  expect(res.status, where).toBe(status);
  expect(res.headers.get('content-type'), where).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  expect(Object.keys(body), where).toEqual(['error']);
  expect(body.error.code, where).toMatch(/^[a-z_]+:[a-z_]+$/);
  if (code) expect(body.error.code, where).toBe(code);
  expect(body.error.message.length, where).toBeGreaterThan(0);
}

const get = (path: string, headers: Record<string, string> = { authorization: `Bearer ${token}` }) => server.fetch(path, { headers });

describe('malformed input to the world, wiki and search routes', () => {
  it('a series id that is not an id is a 400', async () => {
    for (const bad of ['Moth-And-Lantern', 'moth_and_lantern', 'a'.repeat(64), '-moth', 'moth%20lantern', '%00', '%E2%80%8B']) {
      for (const [route, code] of [
        ['world', 'bad_request:world'],
        ['world/ada', 'bad_request:world'],
        ['wiki', 'bad_request:wiki'],
        ['wiki/ada', 'bad_request:wiki'],
        ['search?q=lamp', 'bad_request:search'],
      ] as const) {
        await expectError(await get(`/api/series/${bad}/${route}`), 400, code);
      }
    }
  });

  it('a slug that is not a slug is a 400; a well-formed unknown one a 404', async () => {
    for (const bad of ['Ada', 'ada%20quill', 'a'.repeat(101), '-ada', 'ada%00', '%C3%A1da', 'ada.md', '..%2F..%2Fetc']) {
      await expectError(await get(`/api/series/${S}/world/${bad}`), 400, 'bad_request:world');
      await expectError(await get(`/api/series/${S}/wiki/${bad}`), 400, 'bad_request:wiki');
    }
    await expectError(await get(`/api/series/${S}/world/nobody`), 404, 'not_found:world');
    await expectError(await get(`/api/series/${S}/wiki/nothing`), 404, 'not_found:wiki');
  });

  it('search: q is required, bounded and free of control characters; limit and offset are small whole numbers', async () => {
    const bad = [
      '',
      '?q=',
      '?q=%20%20%20',
      `?q=${'a'.repeat(201)}`,
      '?q=lamp%00',
      '?q=lamp%1B',
      '?q=lamp&limit=0',
      '?q=lamp&limit=51',
      '?q=lamp&limit=abc',
      '?q=lamp&limit=-1',
      '?q=lamp&limit=1.5',
      '?q=lamp&limit=',
      '?q=lamp&offset=-1',
      '?q=lamp&offset=101',
      '?q=lamp&offset=1e2',
      '?q=lamp&offset=99999',
    ];
    for (const qs of bad) await expectError(await get(`/api/series/${S}/search${qs}`), 400, 'bad_request:search');
    // At the limits: fine.
    for (const qs of [`?q=${'a'.repeat(200)}`, '?q=lamp&limit=50&offset=100', '?q=%20lamp%20', '?q=lamp&limit=1&offset=0']) {
      expect((await get(`/api/series/${S}/search${qs}`)).status, qs).toBe(200);
    }
  });

  it('a bad reader token is a 401, not an anonymous view', async () => {
    for (const path of [`/api/series/${S}/world`, `/api/series/${S}/wiki`, `/api/series/${S}/search?q=lamp`]) {
      await expectError(await get(path, { authorization: 'Bearer not-a-token' }), 401);
      await expectError(await get(path, { authorization: 'Basic abc' }), 401);
      await expectError(await get(path, { cookie: 'folio_reader=unknown' }), 401);
    }
  });

  it('other methods are not routes', async () => {
    for (const path of [`/api/series/${S}/world`, `/api/series/${S}/wiki/ada`, `/api/series/${S}/search?q=lamp`]) {
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        const res = await server.fetch(path, { method, token, json: { episode: 3, page: 5 } });
        expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${method} ${path}`).toBeLessThan(500);
      }
    }
    // …and none of that moved the reader.
    expect(await (await server.fetch(`/api/series/${S}/progress`, { token })).json()).toEqual({ episode: 2, page: 3 });
  });
});

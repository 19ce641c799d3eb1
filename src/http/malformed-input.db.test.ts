/**
 * Malformed input on every route of the reader HTTP surface: each answer is a
 * 4xx with the JSON error shape `{error:{code,message}}`, never a 5xx, and
 * nothing malformed changes a reader's stored progress.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { PEPPER_CARROT, startTestServer, type TestServer } from '../../test/server.js';
import { importPack } from '../content/importer.js';

const SERIES = 'pepper-carrot';
const LIMIT = 64 * 1024;
/** The reader's position while malformed bodies are thrown at it. */
const START = { episode: 3, page: 4 };

let t: TestDatabase;
let server: TestServer;
let token: string;
let coverUrl: string;

beforeAll(async () => {
  t = await createTestDatabase();
  server = await startTestServer(t.database);
  const result = await importPack({ database: t.database, storage: server.storage }, PEPPER_CARROT);
  expect(result.seriesId).toBe(SERIES);
  token = await server.newReader();
  const res = await server.fetch(`/api/series/${SERIES}/progress`, { method: 'POST', token, json: { ...START, confirmSkip: true } });
  expect(await res.json()).toEqual({ ...START, advanced: true });
  const list = (await (await server.fetch('/api/series')).json()) as { series: Array<{ cover: { url: string } }> };
  coverUrl = list.series[0]!.cover.url;
}, 240_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
});

// ---------------------------------------------------------------------------
// Helpers.

interface ErrorJson {
  error: { code: string; message: string } & Record<string, unknown>;
}

/** A 4xx with the given status (and code, when given) and the JSON error shape. */
async function expectError(res: Response, status: number, code?: string): Promise<ErrorJson> {
  const text = await res.text();
  const where = `${res.url} → ${res.status} ${text.slice(0, 300)}`;
  expect(res.status, where).toBe(status);
  expect(res.status, where).toBeGreaterThanOrEqual(400);
  expect(res.status, where).toBeLessThan(500);
  expect(res.headers.get('content-type'), where).toMatch(/^application\/json/);
  const body = JSON.parse(text) as ErrorJson;
  expect(Object.keys(body), where).toEqual(['error']);
  expect(body.error.code, where).toMatch(/^[a-z_]+:[a-z_]+$/);
  if (code) expect(body.error.code, where).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  return body;
}

/** The bearer token of the shared reader. */
const auth = () => ({ authorization: `Bearer ${token}` });

async function storedProgress(): Promise<unknown> {
  const res = await server.fetch(`/api/series/${SERIES}/progress`, { token });
  expect(res.status).toBe(200);
  return res.json();
}

/**
 * Put the shared reader back at START if a (failing) case moved it, so one
 * failure does not cascade into every later test of the file.
 */
async function restoreStart(): Promise<void> {
  const at = (await storedProgress()) as { episode: number; page: number };
  if (at.episode === START.episode && at.page === START.page) return;
  await server.fetch(`/api/series/${SERIES}/progress`, { method: 'POST', token, json: { ...START, confirmSkip: true } });
  await server.fetch(`/api/series/${SERIES}/progress/reset`, { method: 'POST', token, json: START });
  expect(await storedProgress()).toEqual(START);
}

/**
 * One raw HTTP/1.1 request with node:http, for what fetch would normalise or
 * refuse: `..` segments, raw bytes in the path, bodies without a content type.
 */
function rawRequest(opts: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}> {
  const { port, hostname } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method: opts.method, path: opts.path, headers: opts.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

function expectRawError(res: Awaited<ReturnType<typeof rawRequest>>, status: number, code?: string): void {
  const where = `${res.status} ${res.body.slice(0, 300)}`;
  expect(res.status, where).toBe(status);
  expect(res.headers['content-type'], where).toMatch(/^application\/json/);
  const body = JSON.parse(res.body) as ErrorJson;
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toMatch(/^[a-z_]+:[a-z_]+$/);
  if (code) expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
}

// ---------------------------------------------------------------------------
// Path parameters.

const BAD_SERIES_IDS: Array<[string, string]> = [
  ['uppercase', 'PEPPER-CARROT'],
  ['mixed case', 'Pepper-carrot'],
  ['NUL byte', 'pepper%00carrot'],
  ['trailing NUL', 'pepper-carrot%00'],
  ['too long (64)', 'a'.repeat(64)],
  ['very long (4000)', 'a'.repeat(4000)],
  ['leading dash', '-pepper'],
  ['underscore', 'pepper_carrot'],
  ['encoded slash', 'pepper%2Fcarrot'],
  ['encoded dot-dot', '..%2F..%2Fetc'],
  ['space', 'pepper%20carrot'],
  ['zero-width space', '%E2%80%8Bpepper-carrot'],
  ['non-ASCII', 'p%C3%A9pper'],
  ['broken percent', '%ZZ'],
  ['lone percent', 'pepper%'],
  ['SQL', "x'%20OR%20'1'='1"],
  ['quote', '%22pepper%22'],
  ['emoji', '%F0%9F%90%88'],
];

const BAD_EPISODES: Array<[string, string]> = [
  ['negative', '-1'],
  ['huge', '99999999999'],
  ['8 digits', '12345678'],
  ['non-numeric', 'one'],
  ['float', '1.5'],
  ['exponent', '1e3'],
  ['hex', '0x1'],
  ['plus sign', '%2B1'],
  ['space', '%201'],
  ['NUL', '1%00'],
  ['empty-looking', '%20'],
  ['Infinity', 'Infinity'],
  ['NaN', 'NaN'],
  ['very long', '9'.repeat(5000)],
];

describe('bad path parameters', () => {
  const seriesRoutes = (id: string) =>
    [
      ['GET /api/series/:id', 'GET', `/api/series/${id}`, 'bad_request:series'],
      ['GET /api/series/:id/episodes/1', 'GET', `/api/series/${id}/episodes/1`, 'bad_request:episode'],
      ['GET /api/series/:id/progress', 'GET', `/api/series/${id}/progress`, 'bad_request:progress'],
      ['POST /api/series/:id/progress', 'POST', `/api/series/${id}/progress`, 'bad_request:progress'],
      ['POST /api/series/:id/progress/reset', 'POST', `/api/series/${id}/progress/reset`, 'bad_request:progress_reset'],
    ] as const;

  for (const [what, id] of BAD_SERIES_IDS) {
    it(`series id: ${what} → 400 on every series route`, async () => {
      for (const [, method, path, code] of seriesRoutes(id)) {
        const init = method === 'POST' ? { method, token, json: { episode: 1, page: 0 } } : { method, token };
        await expectError(await server.fetch(path, init), 400, code);
      }
      // The path is validated before identity, so an anonymous caller gets the same 400.
      await expectError(await server.fetch(`/api/series/${id}`), 400, 'bad_request:series');
    });
  }

  it('series id with 63 characters is well-formed: 404 not_found:series', async () => {
    const id = 'a'.repeat(63);
    await expectError(await server.fetch(`/api/series/${id}`, { token }), 404, 'not_found:series');
    await expectError(await server.fetch(`/api/series/${id}/episodes/1`, { token }), 404, 'not_found:series');
    await expectError(await server.fetch(`/api/series/${id}/progress`, { token }), 404, 'not_found:series');
    await expectError(await server.fetch(`/api/series/${id}/progress`, { method: 'POST', token, json: { episode: 1, page: 0 } }), 404, 'not_found:series');
    await expectError(await server.fetch(`/api/series/${id}/progress/reset`, { method: 'POST', token, json: { episode: 1, page: 0 } }), 404, 'not_found:series');
  });

  for (const [what, n] of BAD_EPISODES) {
    it(`episode number: ${what} → 400 bad_request:episode`, async () => {
      await expectError(await server.fetch(`/api/series/${SERIES}/episodes/${n}`, { token }), 400, 'bad_request:episode');
      await expectError(await server.fetch(`/api/series/${SERIES}/episodes/${n}`), 400, 'bad_request:episode');
    });
  }

  it('well-formed episode numbers that do not exist → 404 not_found:episode', async () => {
    for (const n of ['0', '24', '9999999', '0000000']) {
      await expectError(await server.fetch(`/api/series/${SERIES}/episodes/${n}`, { token }), 404, 'not_found:episode');
    }
    // Leading zeros are still the number.
    expect((await server.fetch(`/api/series/${SERIES}/episodes/01`, { token })).status).toBe(200);
  });

  it('raw bytes and dot segments that fetch would normalise', async () => {
    expectRawError(await rawRequest({ method: 'GET', path: '/api/series/%ff%fe' }), 400, 'bad_request:series');
    expectRawError(await rawRequest({ method: 'GET', path: `/api/series/${SERIES}/episodes/%ff` }), 400, 'bad_request:episode');
    expectRawError(await rawRequest({ method: 'GET', path: '/api/series/pepper%25carrot' }), 400, 'bad_request:series');
  });
});

// ---------------------------------------------------------------------------
// Bodies of the two progress routes.

type BodyCase = [what: string, body: string | Uint8Array<ArrayBuffer>, contentType: string | null, status: number, code: string];

const jsonType = 'application/json';
const BAD_BODIES = (surface: string, confirmAllowed: boolean): BodyCase[] => [
  ['not JSON', '{episode: 1, page: 1}', jsonType, 400, `bad_request:${surface}`],
  ['truncated JSON', '{"episode": 1, "page": ', jsonType, 400, `bad_request:${surface}`],
  ['empty body', '', jsonType, 400, `bad_request:${surface}`],
  ['whitespace body', '   \n', jsonType, 400, `bad_request:${surface}`],
  ['trailing garbage', '{"episode":1,"page":1} x', jsonType, 400, `bad_request:${surface}`],
  ['two documents', '{"episode":1,"page":1}{"episode":1,"page":1}', jsonType, 400, `bad_request:${surface}`],
  ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), jsonType, 400, `bad_request:${surface}`],
  ['text/plain', '{"episode":1,"page":1}', 'text/plain', 415, `unsupported_media_type:${surface}`],
  ['form-urlencoded', 'episode=1&page=1', 'application/x-www-form-urlencoded', 415, `unsupported_media_type:${surface}`],
  ['multipart', '--x\r\n\r\n--x--', 'multipart/form-data; boundary=x', 415, `unsupported_media_type:${surface}`],
  ['application/jsonx', '{"episode":1,"page":1}', 'application/jsonx', 415, `unsupported_media_type:${surface}`],
  ['text/json', '{"episode":1,"page":1}', 'text/json', 415, `unsupported_media_type:${surface}`],
  ['application/xml', '<episode>1</episode>', 'application/xml', 415, `unsupported_media_type:${surface}`],
  ['no content type', new Uint8Array(Buffer.from('{"episode":1,"page":1}')), null, 415, `unsupported_media_type:${surface}`],
  ['JSON array', '[1, 1]', jsonType, 400, `bad_request:${surface}`],
  ['array of the object', '[{"episode":1,"page":1}]', jsonType, 400, `bad_request:${surface}`],
  ['null', 'null', jsonType, 400, `bad_request:${surface}`],
  ['true', 'true', jsonType, 400, `bad_request:${surface}`],
  ['a number', '11', jsonType, 400, `bad_request:${surface}`],
  ['a string', '"1/1"', jsonType, 400, `bad_request:${surface}`],
  ['empty object', '{}', jsonType, 400, `bad_request:${surface}`],
  ['missing page', '{"episode":1}', jsonType, 400, `bad_request:${surface}`],
  ['missing episode', '{"page":1}', jsonType, 400, `bad_request:${surface}`],
  ['strings for numbers', '{"episode":"1","page":"1"}', jsonType, 400, `bad_request:${surface}`],
  ['string episode', '{"episode":"one","page":0}', jsonType, 400, `bad_request:${surface}`],
  ['float episode', '{"episode":1.5,"page":0}', jsonType, 400, `bad_request:${surface}`],
  ['float page', '{"episode":1,"page":0.25}', jsonType, 400, `bad_request:${surface}`],
  ['negative episode', '{"episode":-1,"page":0}', jsonType, 400, `bad_request:${surface}`],
  ['negative page', '{"episode":1,"page":-3}', jsonType, 400, `bad_request:${surface}`],
  ['huge episode', '{"episode":1e300,"page":0}', jsonType, 400, `bad_request:${surface}`],
  ['overflowing episode', '{"episode":1e400,"page":0}', jsonType, 400, `bad_request:${surface}`],
  ['past int32', '{"episode":2147483648,"page":0}', jsonType, 400, `bad_request:${surface}`],
  ['past the page limit', '{"episode":1,"page":100001}', jsonType, 400, `bad_request:${surface}`],
  ['unsafe integer', '{"episode":9007199254740993,"page":0}', jsonType, 400, `bad_request:${surface}`],
  ['null fields', '{"episode":null,"page":null}', jsonType, 400, `bad_request:${surface}`],
  ['boolean fields', '{"episode":true,"page":false}', jsonType, 400, `bad_request:${surface}`],
  ['object fields', '{"episode":{"n":1},"page":[0]}', jsonType, 400, `bad_request:${surface}`],
  ['extra key', '{"episode":1,"page":1,"reader":"someone-else"}', jsonType, 400, `bad_request:${surface}`],
  ['extra key "seriesId"', '{"episode":1,"page":1,"seriesId":"pepper-carrot"}', jsonType, 400, `bad_request:${surface}`],
  ['__proto__ key', '{"episode":1,"page":1,"__proto__":{"confirmSkip":true}}', jsonType, 400, `bad_request:${surface}`],
  ['constructor key', '{"episode":1,"page":1,"constructor":{}}', jsonType, 400, `bad_request:${surface}`],
  ['wrong-case keys', '{"Episode":1,"Page":1}', jsonType, 400, `bad_request:${surface}`],
  ['confirmSkip: "yes"', '{"episode":5,"page":1,"confirmSkip":"yes"}', jsonType, 400, `bad_request:${surface}`],
  ['confirmSkip: 1', '{"episode":5,"page":1,"confirmSkip":1}', jsonType, 400, `bad_request:${surface}`],
  ['confirmSkip: null', '{"episode":5,"page":1,"confirmSkip":null}', jsonType, 400, `bad_request:${surface}`],
  ...(confirmAllowed ? [] : ([['confirmSkip on reset (strict)', '{"episode":1,"page":1,"confirmSkip":true}', jsonType, 400, `bad_request:${surface}`]] as BodyCase[])),
  ['deeply nested', '['.repeat(20_000) + ']'.repeat(20_000), jsonType, 400, `bad_request:${surface}`],
  ['over 64 KB', JSON.stringify({ episode: 1, page: 1, pad: 'x'.repeat(LIMIT) }), jsonType, 413, 'payload_too_large:body'],
  ['over 64 KB of whitespace', JSON.stringify({ episode: 23, page: 8 }) + ' '.repeat(LIMIT), jsonType, 413, 'payload_too_large:body'],
  ['over 64 KB, wrong type', 'x'.repeat(LIMIT + 1), 'text/plain', 413, 'payload_too_large:body'],
];

for (const [route, path, surface, confirmAllowed] of [
  ['POST /api/series/:id/progress', `/api/series/${SERIES}/progress`, 'progress', true],
  ['POST /api/series/:id/progress/reset', `/api/series/${SERIES}/progress/reset`, 'progress_reset', false],
] as const) {
  describe(`bad bodies: ${route}`, () => {
    afterEach(restoreStart);

    for (const [what, body, contentType, status, code] of BAD_BODIES(surface, confirmAllowed)) {
      it(`${what} → ${status} ${code}`, async () => {
        const headers: Record<string, string> = auth();
        if (contentType) headers['content-type'] = contentType;
        const res = await server.fetch(path, { method: 'POST', headers, body });
        if (contentType === null) expect(res.status).toBe(415);
        await expectError(res, status, code);
        expect(await storedProgress()).toEqual(START);
      });
    }

    it('JSON content types with parameters or a +json suffix are accepted (the body is the current position: a no-op)', async () => {
      for (const type of ['application/json; charset=utf-8', 'APPLICATION/JSON', 'application/merge-patch+json', 'application/json;charset=UTF-8']) {
        const res = await server.fetch(path, { method: 'POST', headers: { ...auth(), 'content-type': type }, body: JSON.stringify(START) });
        expect(res.status, type).toBe(200);
        expect(await res.json()).toMatchObject(START);
      }
      expect(await storedProgress()).toEqual(START);
    });

    it('a UTF-8 byte-order mark before the JSON is tolerated (the body is decoded as UTF-8)', async () => {
      const res = await server.fetch(path, { method: 'POST', headers: { ...auth(), 'content-type': jsonType }, body: `\uFEFF${JSON.stringify(START)}` });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject(START);
      expect(await storedProgress()).toEqual(START);
    });

    it('exactly 64 KB is accepted; one byte more is 413', async () => {
      const json = JSON.stringify(START);
      const atLimit = json + ' '.repeat(LIMIT - json.length);
      expect(Buffer.byteLength(atLimit)).toBe(LIMIT);
      const ok = await server.fetch(path, { method: 'POST', headers: { ...auth(), 'content-type': jsonType }, body: atLimit });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject(START);
      await expectError(
        await server.fetch(path, { method: 'POST', headers: { ...auth(), 'content-type': jsonType }, body: `${atLimit} ` }),
        413,
        'payload_too_large:body',
      );
    });

    it('over 64 KB streamed without Content-Length (chunked) → 413', async () => {
      const chunk = new TextEncoder().encode(' '.repeat(8 * 1024));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === 0) controller.enqueue(new TextEncoder().encode('{"episode":1,"page":1}'));
          if (sent >= 10) return controller.close();
          sent++;
          controller.enqueue(chunk);
        },
      });
      const res = await fetch(server.url + path, {
        method: 'POST',
        headers: { ...auth(), 'content-type': jsonType },
        body: stream,
        duplex: 'half',
      } as RequestInit & { duplex: 'half' });
      await expectError(res, 413, 'payload_too_large:body');
      expect(await storedProgress()).toEqual(START);
    });

    it('a small chunked body is read normally', async () => {
      const res = await rawRequest({
        method: 'POST',
        path,
        headers: { ...auth(), 'content-type': jsonType, 'transfer-encoding': 'chunked' },
        body: JSON.stringify(START),
      });
      expect(res.status, res.body).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject(START);
    });

    it('anonymous with a bad body → 401 (identity is checked before the body)', async () => {
      await expectError(await server.fetch(path, { method: 'POST', body: 'nope', headers: { 'content-type': jsonType } }), 401, 'unauthorized:reader');
    });
  });
}

// ---------------------------------------------------------------------------
// Identity headers.

const BAD_AUTHORIZATION: Array<[string, string]> = [
  ['Basic', 'Basic x'],
  ['Basic with credentials', `Basic ${Buffer.from('reader:secret').toString('base64')}`],
  ['Bearer without a token', 'Bearer'],
  ['Bearer and spaces', 'Bearer    '],
  ['empty header', ''],
  ['token only, no scheme', 'A'.repeat(43)],
  ['two tokens', `Bearer ${'A'.repeat(43)} ${'B'.repeat(43)}`],
  ['token of the wrong shape (short)', 'Bearer abc'],
  ['token of the wrong shape (44 chars)', `Bearer ${'A'.repeat(44)}`],
  ['token with padding', `Bearer ${'A'.repeat(42)}=`],
  ['token with base64 "+/"', `Bearer ${'A'.repeat(41)}+/`],
  ['very long token', `Bearer ${'A'.repeat(8000)}`],
  ['token with a quote', `Bearer "${'A'.repeat(43)}"`],
  ['Latin-1 token', `Bearer ${'\u00e9'.repeat(43)}`],
  ['unknown well-formed token', `Bearer ${'A'.repeat(43)}`],
  ['unknown well-formed token (base64url chars)', `Bearer ${'_-'.repeat(21)}Z`],
  ['other scheme', `Token ${'A'.repeat(43)}`],
];

const BAD_COOKIES: Array<[string, string]> = [
  ['garbage', 'folio_reader=garbage'],
  ['empty value', 'folio_reader='],
  ['unknown well-formed token', `folio_reader=${'B'.repeat(43)}`],
  ['broken percent-encoding', 'folio_reader=%ZZ%'],
  ['encoded NUL', `folio_reader=${'A'.repeat(21)}%00${'A'.repeat(21)}`],
  ['very long', `folio_reader=${'A'.repeat(6000)}`],
  ['quoted unknown token', `folio_reader="${'C'.repeat(43)}"`],
  ['with a space', `folio_reader=${'A'.repeat(20)} ${'A'.repeat(22)}`],
];

const AUTHED_ROUTES: Array<[string, string, string, unknown?]> = [
  ['GET /api/series', 'GET', '/api/series'],
  ['GET /api/series/:id', 'GET', `/api/series/${SERIES}`],
  ['GET /api/series/:id/episodes/:n', 'GET', `/api/series/${SERIES}/episodes/1`],
  ['GET /api/series/:id/progress', 'GET', `/api/series/${SERIES}/progress`],
  ['POST /api/series/:id/progress', 'POST', `/api/series/${SERIES}/progress`, { episode: 23, page: 8, confirmSkip: true }],
  ['POST /api/series/:id/progress/reset', 'POST', `/api/series/${SERIES}/progress/reset`, { episode: 1, page: 0 }],
  ['unknown route under /api/series', 'GET', `/api/series/${SERIES}/nothing`],
];

describe('malformed Authorization headers → 401 unauthorized:reader on every reader route', () => {
  afterEach(restoreStart);

  for (const [what, value] of BAD_AUTHORIZATION) {
    it(what, async () => {
      for (const [route, method, path, json] of AUTHED_ROUTES) {
        const res = await server.fetch(path, { method, json, headers: { authorization: value } });
        expect(res.status, `${route}`).toBe(401);
        await expectError(res, 401, 'unauthorized:reader');
      }
      expect(await storedProgress()).toEqual(START);
    });
  }

  it('a bad Authorization header wins over a valid cookie', async () => {
    const res = await server.fetch(`/api/series/${SERIES}/progress`, { headers: { authorization: 'Basic x', cookie: `folio_reader=${token}` } });
    await expectError(res, 401, 'unauthorized:reader');
  });

  it('the scheme is case-insensitive and surrounding whitespace is tolerated', async () => {
    for (const value of [`bearer ${token}`, `BEARER ${token}`, `Bearer   ${token}  `]) {
      const res = await server.fetch(`/api/series/${SERIES}/progress`, { headers: { authorization: value } });
      expect(res.status, JSON.stringify(value)).toBe(200);
      expect(await res.json()).toEqual(START);
    }
  });
});

describe('bad cookie values → 401 unauthorized:reader on every reader route', () => {
  afterEach(restoreStart);

  for (const [what, cookie] of BAD_COOKIES) {
    it(what, async () => {
      for (const [route, method, path, json] of AUTHED_ROUTES) {
        const res = await server.fetch(path, { method, json, headers: { cookie } });
        expect(res.status, `${route}`).toBe(401);
        await expectError(res, 401, 'unauthorized:reader');
      }
      expect(await storedProgress()).toEqual(START);
    });
  }

  it('a cookie value with characters a cookie may not hold is never a 5xx and never an identity', async () => {
    for (const cookie of ['folio_reader=a"b', 'folio_reader=a\\b', 'folio_reader=a,b', `folio_reader=${'A'.repeat(42)},`]) {
      // The cookie parser drops such values; a token was still sent, so it is a 401, never anonymous.
      await expectError(await server.fetch('/api/series', { headers: { cookie } }), 401, 'unauthorized:reader');
      await expectError(await server.fetch(`/api/series/${SERIES}/progress`, { headers: { cookie } }), 401, 'unauthorized:reader');
    }
  });

  it('other cookies next to a valid folio_reader do not matter', async () => {
    const res = await server.fetch(`/api/series/${SERIES}/progress`, { headers: { cookie: `a=1; folio_reader=${token}; b=%ZZ` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(START);
  });
});

// ---------------------------------------------------------------------------
// Routes without identity: readers, health, readiness, media, unknown routes.

describe('POST /api/readers', () => {
  it('a body over 64 KB → 413 payload_too_large:body', async () => {
    await expectError(
      await server.fetch('/api/readers', { method: 'POST', headers: { 'content-type': jsonType }, body: JSON.stringify({ pad: 'x'.repeat(LIMIT) }) }),
      413,
      'payload_too_large:body',
    );
    await expectError(await server.fetch('/api/readers', { method: 'POST', body: 'x'.repeat(LIMIT + 1) }), 413, 'payload_too_large:body');
  });

  it('other methods → 404 not_found:route', async () => {
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
      await expectError(await server.fetch('/api/readers', { method }), 404, 'not_found:route');
    }
  });

  it('stray input is ignored: a garbage body, a stale or malformed token still register a new reader', async () => {
    const inits: RequestInit[] = [
      { body: 'not json', headers: { 'content-type': jsonType } },
      { headers: { authorization: 'Basic x' } },
      { headers: { authorization: `Bearer ${'A'.repeat(43)}` } },
      { headers: { cookie: 'folio_reader=%ZZ' } },
    ];
    for (const init of inits) {
      const res = await server.fetch('/api/readers', { method: 'POST', ...init });
      expect(res.status, JSON.stringify(init)).toBe(201);
      const body = (await res.json()) as { token: string };
      expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
  });

  it('a body that is not JSON (what a form on another site sends) → 415 unsupported_media_type:readers', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=b', 'application/jsonp']) {
      await expectError(
        await server.fetch('/api/readers', { method: 'POST', body: '[1,2,3]', headers: { 'content-type': type } }),
        415,
        'unsupported_media_type:readers',
      );
    }
  });
});

describe('GET /health and GET /ready', () => {
  it('other methods → 404 not_found:route', async () => {
    for (const path of ['/health', '/ready']) {
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        await expectError(await server.fetch(path, { method, body: method === 'DELETE' ? undefined : '{}' }), 404, 'not_found:route');
      }
    }
  });

  it('junk query strings, identity headers and bodies do not matter', async () => {
    for (const path of ['/health', '/ready']) {
      for (const suffix of ['?', '?x=%ZZ', `?${'a'.repeat(4000)}=1`, '?%00=%00']) {
        const res = await server.fetch(path + suffix, { headers: { authorization: 'Basic x', cookie: 'folio_reader=garbage', 'x-request-id': 'x'.repeat(500) } });
        expect(res.status, path + suffix).toBe(200);
        // A caller's over-long request id is replaced, not echoed.
        expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
        await res.json();
      }
    }
  });

  it('near-miss paths → 404 not_found:route', async () => {
    for (const path of ['/health/', '/healthz', '/HEALTH', '/ready/x', '/health%00']) {
      await expectError(await server.fetch(path), 404, 'not_found:route');
    }
  });
});

describe('GET /media/*', () => {
  const hash = '0'.repeat(64);
  const BAD_MEDIA: string[] = [
    '/media/pages/zz/x.webp',
    '/media/..%2F..%2Fetc%2Fpasswd',
    '/media/',
    '/media/%00',
    `/media/pages/00/${hash}.webp%00`,
    `/media/pages/00/${hash}.webp%00.png`,
    `/media/pages/00/${hash.toUpperCase()}.webp`,
    `/media/covers/00/${hash}.gif`,
    `/media/secrets/00/${hash}.webp`,
    `/media/pages/00/${hash}`,
    `/media/pages/00/${hash}.webp/`,
    `/media/pages/00/${'0'.repeat(63)}.webp`,
    `/media/pages/00/${hash}.webp?x=1`,
    `/media/pages%2F00%2F${hash}.webp`,
    '/media/%ZZ',
    `/media/${'a/'.repeat(2000)}`,
    `/media/pages/00/${hash}.webp`, // well-formed, not stored
  ];

  it('bad or unknown keys → 404 not_found:media', async () => {
    for (const path of BAD_MEDIA) await expectError(await server.fetch(path), 404, 'not_found:media');
  });

  it('dot segments sent raw never escape the media directory', async () => {
    // The server resolves dot segments in the URL before routing, so these leave /media/ altogether.
    for (const path of ['/media/../../../../etc/passwd', '/media/pages/../../package.json', '/media/%2e%2e/%2e%2e/etc/passwd', '/media/./../etc/passwd']) {
      const res = await rawRequest({ method: 'GET', path });
      expectRawError(res, 404, 'not_found:route');
      expect(res.body).not.toContain('root:');
    }
  });

  it('a backslash in the raw path is refused with a 400 before it reaches the app (never a 5xx, never a file)', async () => {
    // @hono/node-server rejects it itself (RequestError "Backslash in request path"); listen() answers in our error shape.
    for (const path of ['/media/..\\..\\etc\\passwd', '/api/series/pepper-carrot\\progress']) {
      const res = await rawRequest({ method: 'GET', path });
      expectRawError(res, 400, 'bad_request:request');
    }
  });

  it('a valid key with other methods → 404 not_found:route', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      await expectError(await server.fetch(coverUrl, { method }), 404, 'not_found:route');
    }
  });

  it('junk conditional headers on a valid key are ignored (200, not 304 or 5xx)', async () => {
    for (const inm of ['*x', '"', ',,,', 'W/', 'x'.repeat(4000)]) {
      const res = await server.fetch(coverUrl, { headers: { 'if-none-match': inm, range: 'bytes=abc' } });
      expect(res.status, inm).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/webp');
      await res.arrayBuffer();
    }
  });
});

describe('unknown routes', () => {
  const UNKNOWN: Array<[string, string]> = [
    ['GET', '/api'],
    ['GET', '/api/'],
    ['GET', '/api/nothing'],
    ['GET', '/api/series/'],
    ['GET', `/api/series/${SERIES}/`],
    ['GET', `/api/series/${SERIES}/episodes`],
    ['GET', `/api/series/${SERIES}/episodes/`],
    ['GET', `/api/series/${SERIES}/episodes/1/2`],
    ['GET', `/api/series/${SERIES}/progress/reset`],
    ['POST', '/api/series'],
    ['POST', `/api/series/${SERIES}`],
    ['DELETE', `/api/series/${SERIES}`],
    ['PUT', `/api/series/${SERIES}/progress`],
    ['DELETE', `/api/series/${SERIES}/progress`],
    ['PATCH', `/api/series/${SERIES}/progress`],
    ['GET', '/API/SERIES'],
    ['GET', '/nothing'],
    ['GET', '/.env'],
    ['GET', '/%00'],
    ['GET', `/${'x'.repeat(6000)}`],
    ['OPTIONS', '/api/series'],
  ];

  for (const [method, path] of UNKNOWN) {
    it(`${method} ${path.length > 60 ? `${path.slice(0, 60)}…` : path} → 404 not_found:route`, async () => {
      await expectError(await server.fetch(path, { method, token }), 404, 'not_found:route');
      if (method !== 'GET') await expectError(await server.fetch(path, { method, token, json: { episode: 9, page: 0 } }), 404, 'not_found:route');
    });
  }

  it('the operator API is off without ADMIN_TOKEN: 403 forbidden:admin, whatever the body', async () => {
    for (const [method, path] of [
      ['POST', '/api/admin/imports'],
      ['GET', '/api/admin/jobs'],
      ['DELETE', `/api/admin/series/${SERIES}`],
    ] as const) {
      await expectError(await server.fetch(path, { method, token }), 403, 'forbidden:admin');
    }
  });

  it('HEAD on unknown routes has a 404 status and no 5xx', async () => {
    const res = await server.fetch('/api/nothing', { method: 'HEAD' });
    expect(res.status).toBe(404);
  });

  it('after all of the above the shared reader is still at the start position', async () => {
    expect(await storedProgress()).toEqual(START);
  });
});

// ---------------------------------------------------------------------------
// Generated bodies.

/** mulberry32: a small seeded PRNG, so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** An own, enumerable property even for "__proto__" (so JSON.stringify sends it). */
function setOwn(o: Record<string, unknown>, key: string, v: unknown): void {
  Object.defineProperty(o, key, { value: v, enumerable: true, writable: true, configurable: true });
}

type Generated = { raw: string } | { json: unknown };

function generator(seed: number): () => Generated {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const KEYS = ['episode', 'page', 'confirmSkip', 'Episode', 'pages', '__proto__', 'constructor', 'toString', '', ' ', '\u0000', 'é', 'seriesId', 'readerId', '0'];
  const STRINGS = ['', '1', '0', '-1', '1.5', 'true', 'null', 'yes', '\u0000', "' OR 1=1 --", '<script>', '\uD800', 'x'.repeat(300), '٣', '１'];
  const NUMBERS = [0, -0, 1, -1, 1.5, 0.1, 2 ** 31, -(2 ** 31), 2 ** 53, 2 ** 53 + 2, 1e21, -1e-7, Number.MAX_VALUE, Number.MIN_VALUE, 1_000_001, 100_001];

  const scalar = (): unknown => {
    switch (int(6)) {
      case 0:
        return null;
      case 1:
        return rnd() < 0.5;
      case 2:
        return pick(NUMBERS);
      case 3:
        return (rnd() - 0.5) * 10 ** int(12);
      case 4:
        return pick(STRINGS);
      default:
        return String.fromCharCode(...Array.from({ length: int(12) }, () => int(0x3000)));
    }
  };
  const value = (depth: number): unknown => {
    const r = rnd();
    if (depth <= 0 || r < 0.4) return scalar();
    if (r < 0.7) return Array.from({ length: int(5) }, () => value(depth - 1));
    const o: Record<string, unknown> = {};
    for (let i = int(5); i > 0; i--) setOwn(o, rnd() < 0.5 ? pick(KEYS) : String.fromCharCode(97 + int(26)).repeat(1 + int(3)), value(depth - 1));
    return o;
  };
  /** Almost a position: the right keys with at least one thing wrong. */
  const nearMiss = (): unknown => {
    const o: Record<string, unknown> = { episode: 1 + int(23), page: int(9) };
    switch (int(6)) {
      case 0:
        o.episode = rnd() < 0.5 ? scalar() : value(2);
        break;
      case 1:
        o.page = rnd() < 0.5 ? scalar() : value(2);
        break;
      case 2:
        delete o[pick(['episode', 'page'])];
        break;
      case 3:
        setOwn(o, pick(KEYS.filter((k) => k !== 'episode' && k !== 'page' && k !== 'confirmSkip')), scalar());
        break;
      case 4:
        o.confirmSkip = pick([null, 'true', 1, 0, [], {}, 'yes']);
        break;
      default:
        o.episode = pick([-1, 0.5, 1_000_001, '3', null, 2 ** 53]);
        o.page = pick([-1, 1.5, 100_001, '4', null, 2 ** 40]);
    }
    return o;
  };
  return (): Generated => {
    const r = rnd();
    if (r < 0.1) {
      // Raw text: usually not JSON at all.
      return { raw: Array.from({ length: int(40) }, () => pick(['{', '}', '[', ']', '"', ':', ',', '1', 'e', '-', '.', ' ', 'n', 'u', 'l', 't', '\\', 'é'])).join('') };
    }
    return { json: r < 0.55 ? nearMiss() : value(1 + int(4)) };
  };
}

/** Is this a body the progress route accepts? (The oracle mirrors the documented contract.) */
function isValidAdvance(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  if (Object.keys(o).some((k) => k !== 'episode' && k !== 'page' && k !== 'confirmSkip')) return false;
  const intIn = (x: unknown, max: number) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && x <= max;
  if (!intIn(o.episode, 1_000_000) || !intIn(o.page, 100_000)) return false;
  return o.confirmSkip === undefined || typeof o.confirmSkip === 'boolean';
}

describe('generated bodies', () => {
  const SEED = 0x5eed_f011;
  const COUNT = 360;

  /** `count` generated bodies as text, skipping the rare one that happens to be a valid position. */
  function invalidBodies(seed: number, count: number): string[] {
    const next = generator(seed);
    const out: string[] = [];
    while (out.length < count) {
      const c = next();
      const text = 'raw' in c ? c.raw : (JSON.stringify(c.json) ?? 'undefined');
      let valid = false;
      try {
        valid = isValidAdvance(JSON.parse(text));
      } catch {
        valid = false;
      }
      if (!valid) out.push(text);
    }
    return out;
  }

  it(`${COUNT} random bodies to the progress route: always 400, never 5xx, progress unchanged (seed ${SEED})`, async () => {
    const bodies = invalidBodies(SEED, COUNT);
    // The generator covers every JSON type at the top level, and raw non-JSON text.
    const kinds = new Set(
      bodies.map((text) => {
        try {
          const v: unknown = JSON.parse(text);
          return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
        } catch {
          return 'not-json';
        }
      }),
    );
    expect([...kinds].sort()).toEqual(['array', 'boolean', 'not-json', 'null', 'number', 'object', 'string']);

    const before = await storedProgress();
    expect(before).toEqual(START);
    const statuses = new Map<number, number>();
    // Ten at a time: some concurrency, bounded.
    for (let start = 0; start < bodies.length; start += 10) {
      await Promise.all(
        bodies.slice(start, start + 10).map(async (text, k) => {
          const res = await server.fetch(`/api/series/${SERIES}/progress`, { method: 'POST', token, headers: { 'content-type': jsonType }, body: text });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const where = `case ${start + k} (seed ${SEED}): ${text.slice(0, 200)}`;
          expect(res.status, where).toBeLessThan(500);
          const body = (await res.json()) as ErrorJson;
          expect(res.status, `${where} → ${JSON.stringify(body)}`).toBe(400);
          expect(body.error.code, where).toBe('bad_request:progress');
          expect(body.error.message.length).toBeGreaterThan(0);
        }),
      );
    }
    expect(statuses).toEqual(new Map([[400, COUNT]]));
    expect(await storedProgress()).toEqual(before);
  });

  it('random bodies to the reset route: 400, never 5xx, progress unchanged', async () => {
    const bodies = invalidBodies(SEED + 1, 120);
    for (const [n, text] of bodies.entries()) {
      const res = await server.fetch(`/api/series/${SERIES}/progress/reset`, { method: 'POST', token, headers: { 'content-type': jsonType }, body: text });
      const where = `reset case ${n}: ${text.slice(0, 200)}`;
      expect(res.status, where).toBeLessThan(500);
      expect(res.status, where).toBe(400);
      expect(((await res.json()) as ErrorJson).error.code).toBe('bad_request:progress_reset');
    }
    expect(await storedProgress()).toEqual(START);
  });

  it('random paths under /api/series never produce a 5xx', async () => {
    const rnd = prng(SEED + 2);
    const int = (n: number) => Math.floor(rnd() * n);
    const SEGMENTS = [SERIES, 'episodes', 'progress', 'reset', '1', '-1', '%00', '%ZZ', '..', '.', '%2F', 'PEPPER', 'é', '%F0%9F%90%88', '9'.repeat(12), ''];
    for (let n = 0; n < 150; n++) {
      const path = `/api/series/${Array.from({ length: 1 + int(4) }, () => SEGMENTS[int(SEGMENTS.length)]!).join('/')}`;
      const method = rnd() < 0.5 ? 'GET' : 'POST';
      // The body is the current position: a no-op for both the advance and the reset route.
      const res = await server.fetch(path, { method, token, ...(method === 'POST' ? { json: START } : {}) });
      const text = await res.text();
      expect(res.status, `${method} ${path} → ${text.slice(0, 200)}`).toBeLessThan(500);
      if (res.status >= 400) {
        const body = JSON.parse(text) as ErrorJson;
        expect(body.error.code).toMatch(/^[a-z_]+:[a-z_]+$/);
      }
    }
    expect(await storedProgress()).toEqual(START);
  });
});

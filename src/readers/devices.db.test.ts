/**
 * Devices and linking (ADR 0041) over real HTTP, on PGlite and PostgreSQL: a reader's first device, a one-time
 * code that makes another device the same reader (single use, expiry, replacement, typing slack, brute force),
 * the merge when the device already was a reader (furthest position per series, conversations with their
 * messages, assistant tokens, other devices), signing devices out (never the last; a signed-out token is refused
 * at once, also by a second app instance that had it in memory), assistant tokens refused, login CSRF, bad input
 * as typed 4xx, and no code or token in the logs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { capturedLogs } from '../../test/logs.js';
import { SAMPLE, startTestServer, type TestServer } from '../../test/server.js';
import { importPack } from '../content/importer.js';
import type { DeviceList, LinkCode, LinkedDevice } from '../contract/index.js';
import { queryRows } from '../db/client.js';
import { createApp } from '../http/app.js';
import { LINK_ATTEMPTS_PER_MINUTE } from '../http/routes/devices.js';
import { LocalStorage } from '../storage/local.js';
import { createAssistantToken } from './assistant-tokens.js';
import { normalizeLinkCode } from './devices.js';

const S = 'moth-and-lantern';
const FIREFOX_ANDROID = 'Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0';
const SAFARI_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

let t: TestDatabase;
let server: TestServer;
let other: TestServer;
let mediaDir: string;
/** Everything the app logged (debug level), to prove no token reaches the logs. */
const logs = capturedLogs();
const secrets: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  mediaDir = await mkdtemp(join(tmpdir(), 'folio-devices-'));
  const storage = new LocalStorage(mediaDir);
  await importPack({ database: t.database, storage }, SAMPLE);
  const logger = logs.logger;
  server = await startTestServer(t.database, { mediaDir, storage, logger, linkRatePerIp: 10_000 });
  // A second app on the same database: another replica, with its own credentials in memory.
  other = await startTestServer(t.database, { mediaDir, storage, linkRatePerIp: 10_000 });
}, 120_000);

afterAll(async () => {
  await other?.close();
  await server?.close();
  await t?.close();
  await rm(mediaDir, { recursive: true, force: true });
});

type Auth = { token?: string; cookie?: string; ua?: string; origin?: string };
async function call(method: string, path: string, auth: Auth = {}, init: { json?: unknown; body?: string; contentType?: string; on?: TestServer } = {}) {
  const headers: Record<string, string> = {};
  if (auth.token) headers.authorization = `Bearer ${auth.token}`;
  if (auth.cookie) headers.cookie = `folio_reader=${auth.cookie}`;
  if (auth.ua) headers['user-agent'] = auth.ua;
  if (auth.origin) headers.origin = auth.origin;
  if (init.json !== undefined || init.contentType) headers['content-type'] = init.contentType ?? 'application/json';
  const res = await fetch((init.on ?? server).url + path, { method, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown> & { error?: { code: string; message: string } }) : null };
}

async function newReader(ua = SAFARI_MAC): Promise<string> {
  const r = await call('POST', '/api/readers', { ua });
  expect(r.status).toBe(201);
  const token = (r.body as { token: string }).token;
  secrets.push(token);
  return token;
}

async function codeFor(token: string): Promise<string> {
  const r = await call('POST', '/api/readers/me/link-codes', { token });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const code = (r.body as unknown as LinkCode).code;
  secrets.push(code);
  return code;
}

async function link(code: string, auth: Auth = {}) {
  const r = await call('POST', '/api/readers/link', { ua: FIREFOX_ANDROID, ...auth }, { json: { code } });
  if (r.status === 200) secrets.push((r.body as unknown as LinkedDevice).token);
  return r;
}

const devices = async (token: string) => {
  const r = await call('GET', '/api/readers/me/devices', { token });
  expect(r.status).toBe(200);
  return (r.body as unknown as DeviceList).devices;
};
const position = async (token: string, on = server) => (await call('GET', `/api/series/${S}/progress`, { token }, { on })).body;
const moveTo = async (token: string, episode: number, page: number) => {
  const r = await call('POST', `/api/series/${S}/progress`, { token }, { json: { episode, page, confirmSkip: true } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
};
const readerOf = async (token: string) => {
  const rows = await queryRows<{ id: string }>(
    t.database.db,
    sql`SELECT reader_id AS id FROM reader_devices WHERE token_hash = encode(sha256(convert_to(${token}, 'UTF8')), 'hex')`,
  );
  return rows[0]?.id ?? null;
};

describe('devices', () => {
  it('a new reader is one device, named after its browser and system, and it is the one asking', async () => {
    const token = await newReader(FIREFOX_ANDROID);
    const list = await devices(token);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ label: 'Firefox on Android', current: true });
    expect(Date.parse(list[0]!.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(list[0]!.lastSeenAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('the last device cannot be signed out: nothing could open the reader again', async () => {
    const token = await newReader();
    const [only] = await devices(token);
    const r = await call('DELETE', `/api/readers/me/devices/${only!.id}`, { token });
    expect(r.status).toBe(409);
    expect(r.body?.error?.code).toBe('conflict:last_device');
    expect((await call('DELETE', '/api/readers/me/devices', { token })).body).toEqual({ signedOut: 0 });
    expect(await devices(token)).toHaveLength(1);
  });
});

describe('linking a device', () => {
  it('a code entered on a new device makes it the same reader: same position, both devices listed', async () => {
    const laptop = await newReader(SAFARI_MAC);
    await moveTo(laptop, 2, 1);
    const code = await codeFor(laptop);
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    const r = await link(code);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const phone = (r.body as unknown as LinkedDevice).token;
    expect((r.body as unknown as LinkedDevice).merged).toBeNull();
    // The browser gets it as its cookie, HttpOnly.
    expect(r.headers.get('set-cookie')).toMatch(new RegExp(`^folio_reader=${phone};.*HttpOnly`, 'i'));
    expect(r.headers.get('cache-control')).toContain('no-store');
    expect(await position(phone)).toEqual(await position(laptop));
    expect(await position(phone)).toMatchObject({ episode: 2, page: 1 });
    // A move on the phone is the laptop's too.
    await moveTo(phone, 2, 3);
    expect(await position(laptop)).toMatchObject({ episode: 2, page: 3 });
    const fromLaptop = await devices(laptop);
    expect(fromLaptop.map((d) => [d.label, d.current])).toEqual([
      ['Safari on Mac', true],
      ['Firefox on Android', false],
    ]);
    expect((await devices(phone)).map((d) => d.current)).toEqual([false, true]);
  });

  it('a code works once, for a few minutes, and a new code replaces the last one', async () => {
    const laptop = await newReader();
    const first = await codeFor(laptop);
    const second = await codeFor(laptop);
    expect((await link(first)).body?.error?.code).toBe('not_found:link_code');
    expect((await link(second)).status).toBe(200);
    const again = await link(second);
    expect(again.status).toBe(404);
    expect(again.body?.error).toMatchObject({ code: 'not_found:link_code', message: expect.stringContaining('Link a device') });
    const third = await codeFor(laptop);
    await t.database.db.execute(sql`UPDATE link_codes SET expires_at = now() - interval '1 second' WHERE reader_id = ${await readerOf(laptop)}`);
    expect((await link(third)).body?.error?.code).toBe('not_found:link_code');
    expect(await devices(laptop)).toHaveLength(2);
  });

  it('is typed the way people type: lower case, spaces, no dash, O for 0 and I or L for 1', async () => {
    expect(normalizeLinkCode(' k7qf 3m2x ')).toBe('K7QF3M2X');
    expect(normalizeLinkCode('oIl0-abcd')).toBe('0110ABCD');
    expect(normalizeLinkCode('K7QF-3M2')).toBeNull();
    expect(normalizeLinkCode('K7QF-3M2U')).toBeNull();
    const laptop = await newReader();
    const code = await codeFor(laptop);
    const typed = ` ${code.replace('-', ' ').toLowerCase().replaceAll('0', 'o').replaceAll('1', 'l')} `;
    expect((await link(typed)).status).toBe(200);
  });

  it('a device that already is a reader brings it along: furthest position, conversations, assistant tokens, its other devices', async () => {
    const laptop = await newReader();
    await moveTo(laptop, 1, 2);
    const phone = await newReader(FIREFOX_ANDROID);
    await moveTo(phone, 3, 1);
    const tablet = await link(await codeFor(phone), { ua: 'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Safari/604.1' });
    const tabletToken = (tablet.body as unknown as LinkedDevice).token;
    const [laptopId, phoneId] = [await readerOf(laptop), await readerOf(phone)];
    // Both readers have a conversation called "chat-1", with a message each; the phone's reader an assistant token.
    for (const [id, text] of [
      [laptopId, 'asked on the laptop'],
      [phoneId, 'asked on the phone'],
    ] as const) {
      await t.database.db.execute(sql`INSERT INTO conversations (reader_id, id, series_id) VALUES (${id}, 'chat-1', ${S})`);
      await t.database.db.execute(
        sql`INSERT INTO messages (reader_id, conversation_id, role, text, episode, page, status) VALUES (${id}, 'chat-1', 'user', ${text}, 1, 1, 'complete')`,
      );
    }
    const assistant = await createAssistantToken(t.database.db, phoneId!, 'Claude');
    secrets.push(assistant.token);

    const r = await link(await codeFor(laptop), { token: phone });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const linked = r.body as unknown as LinkedDevice;
    expect(linked.merged).toEqual({ positions: 1, conversations: 1, devices: 2, assistantTokens: 1, passkeys: 0, identities: 0 });
    // The phone's old token is spent; its new one, the tablet and the assistant are the laptop's reader now.
    expect((await call('GET', `/api/series/${S}/progress`, { token: phone })).status).toBe(401);
    for (const token of [linked.token, tabletToken, laptop]) {
      expect(await readerOf(token)).toBe(laptopId);
      expect(await position(token)).toMatchObject({ episode: 3, page: 1 });
    }
    expect((await call('GET', `/api/series/${S}/progress`, { token: assistant.token })).status).not.toBe(401);
    const messages = await queryRows<{ conversation: string; text: string }>(
      t.database.db,
      sql`SELECT conversation_id AS conversation, text FROM messages WHERE reader_id = ${laptopId} ORDER BY text`,
    );
    expect(messages).toEqual([
      { conversation: 'chat-1', text: 'asked on the laptop' },
      { conversation: `chat-1~${phoneId!.slice(0, 8)}`, text: 'asked on the phone' },
    ]);
    expect(await queryRows(t.database.db, sql`SELECT 1 FROM readers WHERE id = ${phoneId}`)).toEqual([]);
    expect((await devices(laptop)).map((d) => d.label)).toEqual(['Safari on Mac', 'Firefox on Android', 'Safari on iPad']);
  });

  it('the furthest position wins whichever side it is on', async () => {
    const ahead = await newReader();
    await moveTo(ahead, 3, 2);
    const behind = await newReader();
    await moveTo(behind, 1, 1);
    const r = await link(await codeFor(ahead), { token: behind });
    expect((r.body as unknown as LinkedDevice).merged?.positions).toBe(1);
    expect(await position((r.body as unknown as LinkedDevice).token)).toMatchObject({ episode: 3, page: 2 });
  });

  it('a code entered on a device that already is that reader is refused', async () => {
    const laptop = await newReader();
    const r = await link(await codeFor(laptop), { token: laptop });
    expect(r.status).toBe(409);
    expect(r.body?.error?.code).toBe('conflict:link_code');
    expect(await devices(laptop)).toHaveLength(1);
  });
});

describe('signing devices out', () => {
  it('a signed-out device is refused on its next request, also by a replica that knew its token', async () => {
    const laptop = await newReader();
    const phone = (await link(await codeFor(laptop))).body as unknown as LinkedDevice;
    // Both apps recognise the phone (and keep its credential in memory).
    for (const on of [server, other]) for (let i = 0; i < 2; i++) expect((await call('GET', `/api/series/${S}`, { token: phone.token }, { on })).status).toBe(200);
    const phoneId = (await devices(laptop)).find((d) => !d.current)!.id;
    expect((await call('DELETE', `/api/readers/me/devices/${phoneId}`, { token: laptop })).status).toBe(204);
    expect((await call('GET', `/api/series/${S}`, { token: phone.token })).status).toBe(401);
    // The other app hears of it on the database's change feed.
    await expect.poll(async () => (await call('GET', `/api/series/${S}`, { token: phone.token }, { on: other })).status, { timeout: 5_000, interval: 20 }).toBe(401);
    expect(await devices(laptop)).toHaveLength(1);
  });

  it('signing this device out clears its cookie; "every other device" leaves only this one', async () => {
    const laptop = await newReader();
    const phone = ((await link(await codeFor(laptop))).body as unknown as LinkedDevice).token;
    const tablet = ((await link(await codeFor(laptop))).body as unknown as LinkedDevice).token;
    const r = await call('DELETE', '/api/readers/me/devices', { cookie: tablet });
    expect(r.body).toEqual({ signedOut: 2 });
    for (const gone of [laptop, phone]) expect((await call('GET', '/api/readers/me/devices', { token: gone })).status).toBe(401);
    const again = ((await link(await codeFor(tablet))).body as unknown as LinkedDevice).token;
    const self = (await devices(again)).find((d) => d.current)!;
    const out = await call('DELETE', `/api/readers/me/devices/${self.id}`, { cookie: again });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^folio_reader=;.*Max-Age=0/i);
    expect((await call('GET', '/api/readers/me/devices', { token: again })).status).toBe(401);
  });

  it("another reader's device id is not found, and a malformed one is a 400", async () => {
    const mine = await newReader();
    const theirs = await newReader();
    const [theirDevice] = await devices(theirs);
    const r = await call('DELETE', `/api/readers/me/devices/${theirDevice!.id}`, { token: mine });
    expect(r.status).toBe(404);
    expect(r.body?.error?.code).toBe('not_found:device');
    expect(await devices(theirs)).toHaveLength(1);
    expect((await call('DELETE', '/api/readers/me/devices/not-an-id', { token: mine })).body?.error?.code).toBe('bad_request:devices');
  });
});

describe('refused', () => {
  it('assistant tokens cannot see, sign out or link devices', async () => {
    const laptop = await newReader();
    const assistant = await createAssistantToken(t.database.db, (await readerOf(laptop))!, 'Claude', ['mcp:read', 'api']);
    secrets.push(assistant.token);
    for (const [method, path] of [
      ['GET', '/api/readers/me/devices'],
      ['DELETE', '/api/readers/me/devices'],
      ['POST', '/api/readers/me/link-codes'],
    ] as const) {
      const r = await call(method, path, { token: assistant.token });
      expect(r.status, path).toBe(403);
      expect(r.body?.error?.code).toBe('forbidden:devices');
    }
    const r = await link(await codeFor(await newReader()), { token: assistant.token });
    expect(r.status).toBe(403);
  });

  it('without a reader: 401 on device routes; link without one is fine (that is the point)', async () => {
    expect((await call('GET', '/api/readers/me/devices')).body?.error?.code).toBe('unauthorized:reader');
    expect((await call('POST', '/api/readers/me/link-codes')).body?.error?.code).toBe('unauthorized:reader');
  });

  it("a link from another site's page is refused before the code is spent (login CSRF)", async () => {
    const laptop = await newReader();
    const code = await codeFor(laptop);
    const r = await link(code, { origin: 'https://evil.example' });
    expect(r.status).toBe(403);
    expect(r.body?.error?.code).toBe('forbidden:origin');
    expect((await link(code)).status).toBe(200);
  });

  it('bad bodies are typed 4xx and spend nothing', async () => {
    const laptop = await newReader();
    const code = await codeFor(laptop);
    const post = (init: Parameters<typeof call>[3]) => call('POST', '/api/readers/link', {}, init);
    expect((await post({ body: `{"code":"${code}"}`, contentType: 'text/plain' })).body?.error?.code).toBe('unsupported_media_type:link_code');
    expect((await post({ body: '{"code":', contentType: 'application/json' })).body?.error?.code).toBe('bad_request:link_code');
    expect((await post({ json: { code, extra: 1 } })).body?.error?.code).toBe('bad_request:link_code');
    expect((await post({ json: { code: 'x'.repeat(65) } })).body?.error?.code).toBe('bad_request:link_code');
    expect((await post({ json: { code: 12345678 } })).body?.error?.code).toBe('bad_request:link_code');
    expect((await post({ json: { code: 'NOT-A-CODE!' } })).body?.error?.code).toBe('bad_request:link_code');
    expect((await link(code)).status).toBe(200);
  });

  it('guessing is cut off: 10 attempts a minute from one address, then 429 with Retry-After; another address goes on', async () => {
    // Behind a proxy that says who the client is; the default limit.
    const app = createApp({
      logger: pino({ level: 'silent' }),
      storage: new LocalStorage(mediaDir),
      runtime: { database: t.database },
      corsOrigins: [],
      trustProxy: true,
    });
    const attempt = (client: string, i: number) =>
      app.request('http://folio.local/api/readers/link', {
        method: 'POST',
        headers: { 'x-forwarded-for': client, 'content-type': 'application/json' },
        body: JSON.stringify({ code: `ZZZZ-ZZ${String(i).padStart(2, '0')}` }),
      });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < LINK_ATTEMPTS_PER_MINUTE + 2; i++) {
      const r = await attempt('203.0.113.77', i);
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
    }
    expect(statuses.slice(0, LINK_ATTEMPTS_PER_MINUTE).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(LINK_ATTEMPTS_PER_MINUTE)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect((await attempt('198.51.100.77', 0)).status).toBe(404);
  });

  it('no code and no token ever reaches the logs', () => {
    expect(logs.text().length).toBeGreaterThan(0);
    for (const s of secrets) expect(logs.text()).not.toContain(s);
    for (const s of secrets.filter((x) => x.includes('-') && x.length === 9)) expect(logs.text()).not.toContain(s.replace('-', ''));
  });
});

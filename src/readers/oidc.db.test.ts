/**
 * Signing in with a community's OpenID Connect login (ADR 0043) over real HTTP, on PGlite and PostgreSQL, against a
 * real OpenID Provider process (the `oidc-provider` package, test/services/oidc-provider.ts) whose login the tests
 * walk through as a browser would, with cookie jars. A new browser gets a reader that is an account; the same login
 * in another browser that already is a reader merges it in; an anonymous reader's first sign-in keeps its reader.
 * Every failure (a wrong state, a replayed or foreign code, an expired flow, the provider down) makes nothing: the
 * readers, devices and identities are counted before and after. The client secret and the codes never reach a log.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { capturedLogs } from '../../test/logs.js';
import { SAMPLE, startTestServer, type TestServer } from '../../test/server.js';
import { freePort } from '../../test/services/free-port.js';
import { CookieJar, loginAtProvider, type OidcProvider, oidcProvider } from '../../test/services/oidc-provider.js';
import { importPack } from '../content/importer.js';
import type { DeviceList, IdentityList, SignInMethods } from '../contract/index.js';
import { queryRows } from '../db/client.js';
import { LocalStorage } from '../storage/local.js';
import { createAssistantToken } from './assistant-tokens.js';
import { returnPath } from './oidc.js';

const S = 'moth-and-lantern';
const FIREFOX_ANDROID = 'Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0';
const SECRET = `oidc-client-secret-${crypto.randomUUID()}`;

let t: TestDatabase;
let mediaDir: string;
let provider: OidcProvider;
let server: TestServer;
let off: TestServer;
let none: TestServer;
let down: TestServer;
let strict: TestServer;
const logs = capturedLogs();
/** Codes and tokens seen in the tests: none may be in the logs. */
const secrets: string[] = [SECRET];
/** The server's own time for each successful callback (its request log line). */

beforeAll(async () => {
  t = await createTestDatabase();
  mediaDir = await mkdtemp(join(tmpdir(), 'folio-oidc-'));
  const storage = new LocalStorage(mediaDir);
  await importPack({ database: t.database, storage }, SAMPLE);
  const port = await freePort();
  const oidc = { issuer: `http://127.0.0.1:${port}`, clientId: 'folio-test', clientSecret: SECRET };
  const common = { mediaDir, storage, linkRatePerIp: 10_000 };
  server = await startTestServer(t.database, { ...common, logger: logs.logger, oidc });
  off = await startTestServer(t.database, { ...common, oidc, accounts: false });
  none = await startTestServer(t.database, common);
  // A provider on a port nobody listens on: the issuer is down from the start.
  down = await startTestServer(t.database, { ...common, logger: logs.logger, oidc: { ...oidc, issuer: `http://127.0.0.1:${await freePort()}` } });
  strict = await startTestServer(t.database, { ...common, oidc, linkRatePerIp: 2 });
  provider = await oidcProvider({ port, clientSecret: SECRET, redirectUris: () => [server, strict].map((s) => `${s.url}/api/readers/oidc/callback`) });
}, 120_000);

afterAll(async () => {
  await provider?.stop();
  for (const s of [strict, down, none, off, server]) await s?.close();
  await t?.close();
  await rm(mediaDir, { recursive: true, force: true });
});

/** One browser: its cookies for Folio and for the provider (another site). */
class Browser {
  readonly folio = new CookieJar();
  readonly atProvider = new CookieJar();
  constructor(readonly ua = FIREFOX_ANDROID) {}

  get(path: string, on = server) {
    return this.folio.get(on.url + path, { 'user-agent': this.ua });
  }
  /** The reader token this browser holds as its cookie. */
  get token(): string | undefined {
    return this.folio.cookies.get('folio_reader');
  }
  get flowId(): string | undefined {
    return this.folio.cookies.get('folio_oidc');
  }
  /** Become a reader the way the web app's first visit does. */
  async becomeReader(): Promise<string> {
    const res = await fetch(`${server.url}/api/readers`, { method: 'POST', headers: { 'user-agent': this.ua } });
    expect(res.status).toBe(201);
    this.folio.take(res);
    secrets.push(this.token!);
    return this.token!;
  }
  /** Start a sign-in: the provider's authorization URL. */
  async start(returnTo = `/series/${S}`, on = server): Promise<string> {
    const res = await this.get(`/api/readers/oidc/start?return=${encodeURIComponent(returnTo)}`, on);
    expect(res.status, await res.clone().text()).toBe(302);
    expect(res.headers.get('location')).toMatch(new RegExp(`^${provider.issuer}/`));
    return res.headers.get('location')!;
  }
  /** Start, and log in at the provider: the callback URL the provider sends the browser back to. */
  async loginAs(subject: string, returnTo?: string, on = server): Promise<string> {
    const callback = await loginAtProvider(await this.start(returnTo, on), subject, this.atProvider);
    secrets.push(new URL(callback).searchParams.get('code')!);
    return callback;
  }
  /** Back at Folio's callback: where it sends the browser. */
  async callback(url: string): Promise<{ status: number; location: string | null }> {
    const res = await this.folio.get(url, { 'user-agent': this.ua });
    if (this.token) secrets.push(this.token);
    return { status: res.status, location: res.headers.get('location') };
  }
  async signIn(subject: string, returnTo?: string) {
    return this.callback(await this.loginAs(subject, returnTo));
  }
}

type Reply = { status: number; body: (Record<string, unknown> & { error?: { code: string; message: string } }) | null };
async function call(method: string, path: string, opts: { token?: string; json?: unknown; on?: TestServer } = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch((opts.on ?? server).url + path, { method, headers, body: opts.json !== undefined ? JSON.stringify(opts.json) : undefined });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
const code = (r: Reply) => r.body?.error?.code;

const readerOf = async (token: string | undefined) => {
  const rows = await queryRows<{ id: string }>(
    t.database.db,
    sql`SELECT reader_id AS id FROM reader_devices WHERE token_hash = encode(sha256(convert_to(${token ?? ''}, 'UTF8')), 'hex')`,
  );
  return rows[0]?.id ?? null;
};
const moveTo = async (token: string, episode: number, page: number) => {
  const r = await call('POST', `/api/series/${S}/progress`, { token, json: { episode, page, confirmSkip: true } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
};
const position = async (token: string) => (await call('GET', `/api/series/${S}/progress`, { token })).body;
async function counts() {
  const [row] = await queryRows<{ readers: number; devices: number; identities: number }>(
    t.database.db,
    sql`SELECT (SELECT count(*) FROM readers)::int AS readers, (SELECT count(*) FROM reader_devices)::int AS devices,
               (SELECT count(*) FROM reader_identities)::int AS identities`,
  );
  return row!;
}
const flowExists = async (id: string | undefined) => (await queryRows(t.database.db, sql`SELECT 1 FROM sign_in_challenges WHERE id::text = ${id ?? ''}`)).length > 0;
const identitiesOf = async (subject: string) =>
  queryRows<{ readerId: string; label: string }>(t.database.db, sql`SELECT reader_id AS "readerId", label FROM reader_identities WHERE subject = ${subject}`);
const subject = () => `reader-${crypto.randomUUID().slice(0, 8)}`;
const failedWith = (c: string) => ({ status: 302, location: `/link?signin_error=${encodeURIComponent(c)}` });

describe('signing in', () => {
  it('a new browser: a reader with this device and the identity, the cookie set, an account; back to the page it came from', async () => {
    const who = subject();
    const browser = new Browser();
    const before = await counts();
    const authorize = new URL(await browser.start(`/series/${S}?p=2`));
    // The authorization request: code flow, PKCE S256, state and nonce, Folio's callback as the redirect URI.
    expect(`${authorize.origin}`).toBe(provider.issuer);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'folio-test',
      redirect_uri: `${server.url}/api/readers/oidc/callback`,
      scope: 'openid email profile',
      code_challenge_method: 'S256',
    });
    for (const p of ['state', 'nonce', 'code_challenge']) expect(authorize.searchParams.get(p)?.length).toBeGreaterThanOrEqual(43);
    expect(authorize.searchParams.has('client_secret')).toBe(false);
    expect(await flowExists(browser.flowId)).toBe(true);

    const callback = await loginAtProvider(authorize.href, who, browser.atProvider);
    secrets.push(new URL(callback).searchParams.get('code')!);
    const back = await browser.callback(callback);
    expect(back).toEqual({ status: 302, location: `/series/${S}?p=2` });
    expect(browser.flowId).toBeUndefined();
    expect(await flowExists(authorize.searchParams.get('state') ?? undefined)).toBe(false);
    expect(await counts()).toEqual({ readers: before.readers + 1, devices: before.devices + 1, identities: before.identities + 1 });

    const readerId = await readerOf(browser.token);
    expect(readerId).not.toBeNull();
    expect(await identitiesOf(who)).toEqual([{ readerId, label: `${who}@login.example.org` }]);
    const devices = await call('GET', '/api/readers/me/devices', { token: browser.token });
    expect(devices.body as unknown as DeviceList).toMatchObject({ account: true, devices: [{ label: 'Firefox on Android', current: true }] });
    const listed = (await call('GET', '/api/readers/me/identities', { token: browser.token })).body as unknown as IdentityList;
    expect(listed.identities).toEqual([
      { id: expect.any(String), issuer: provider.issuer, label: `${who}@login.example.org`, createdAt: expect.any(String), lastUsedAt: expect.any(String) },
    ]);
  });

  it('says what it offers: the issuer and its host', async () => {
    expect((await call('GET', '/api/readers/sign-in-methods')).body as unknown as SignInMethods).toEqual({
      passkeys: true,
      oidc: { issuer: provider.issuer, name: new URL(provider.issuer).host },
    });
  });

  it('the same login in another browser that already is a reader with progress: merged into the first, the furthest place kept', async () => {
    const who = subject();
    const laptop = new Browser();
    expect((await laptop.signIn(who)).status).toBe(302);
    const accountId = await readerOf(laptop.token);
    await moveTo(laptop.token!, 1, 2);

    const phone = new Browser();
    const phoneToken = await phone.becomeReader();
    const phoneReader = await readerOf(phoneToken);
    await moveTo(phoneToken, 3, 1);
    const before = await counts();
    expect(await phone.signIn(who, '/')).toEqual({ status: 302, location: '/' });

    // The phone is the account's reader now, with a new token; its old reader is gone, nothing new was made.
    expect(phone.token).not.toBe(phoneToken);
    expect(await readerOf(phone.token)).toBe(accountId);
    expect(await readerOf(phoneToken)).toBeNull();
    expect(await queryRows(t.database.db, sql`SELECT 1 FROM readers WHERE id = ${phoneReader}`)).toEqual([]);
    expect(await counts()).toEqual({ readers: before.readers - 1, devices: before.devices, identities: before.identities });
    for (const token of [laptop.token!, phone.token!]) expect(await position(token)).toMatchObject({ episode: 3, page: 1 });
    expect((await call('GET', `/api/series/${S}/progress`, { token: phoneToken })).status).toBe(401);
    expect((await identitiesOf(who)).map((i) => i.readerId)).toEqual([accountId]);
    const devices = (await call('GET', '/api/readers/me/devices', { token: laptop.token })).body as unknown as DeviceList;
    expect(devices.devices).toHaveLength(2);
  });

  it("an anonymous reader's first sign-in: it keeps its reader, which becomes the account (nothing moves, a fresh token)", async () => {
    const who = subject();
    const browser = new Browser();
    const old = await browser.becomeReader();
    const readerId = await readerOf(old);
    await moveTo(old, 2, 1);
    const assistant = await createAssistantToken(t.database.db, readerId!, 'Claude');
    secrets.push(assistant.token);
    const before = await counts();
    expect((await browser.signIn(who)).status).toBe(302);
    expect(await counts()).toEqual({ ...before, identities: before.identities + 1 });
    expect(browser.token).not.toBe(old);
    expect(await readerOf(browser.token)).toBe(readerId);
    expect((await call('GET', `/api/series/${S}/progress`, { token: old })).status).toBe(401);
    expect(await position(browser.token!)).toMatchObject({ episode: 2, page: 1 });
    // The assistant token is the same reader's still (a 403 for want of a scope, not a 401 for an unknown token).
    expect((await call('GET', `/api/series/${S}/progress`, { token: assistant.token })).status).not.toBe(401);
    expect(((await call('GET', '/api/readers/me/devices', { token: browser.token })).body as unknown as DeviceList).account).toBe(true);

    // Signing in again on the same browser: the same reader, a new token, still one identity.
    const again = await browser.signIn(who);
    expect(again.status).toBe(302);
    expect(await readerOf(browser.token)).toBe(readerId);
    expect(await identitiesOf(who)).toHaveLength(1);
  });

  it('the same new person signing in on four browsers at once: one reader, one identity, every browser in it', async () => {
    const who = subject();
    const browsers = [new Browser(), new Browser(), new Browser(), new Browser()];
    const callbacks = await Promise.all(browsers.map((b) => b.loginAs(who)));
    const before = await counts();
    const backs = await Promise.all(browsers.map((b, i) => b.callback(callbacks[i]!)));
    expect(backs.map((r) => r.status)).toEqual([302, 302, 302, 302]);
    expect(await identitiesOf(who)).toHaveLength(1);
    expect(new Set(await Promise.all(browsers.map((b) => readerOf(b.token)))).size).toBe(1);
    expect(await counts()).toEqual({ readers: before.readers + 1, devices: before.devices + 4, identities: before.identities + 1 });
  });

  it('an account by its login may sign out everywhere: the login opens it again', async () => {
    const who = subject();
    const browser = new Browser();
    await browser.signIn(who);
    const readerId = await readerOf(browser.token);
    const out = await call('DELETE', '/api/readers/me/devices?including=this', { token: browser.token });
    expect(out.status, JSON.stringify(out.body)).toBe(200);
    const fresh = new Browser();
    expect((await fresh.signIn(who)).status).toBe(302);
    expect(await readerOf(fresh.token)).toBe(readerId);
  });
});

describe('what is refused, with nothing made', () => {
  it('a wrong state: the flow is spent, nothing is made', async () => {
    const browser = new Browser();
    const callback = new URL(await browser.loginAs(subject()));
    const flowId = browser.flowId;
    callback.searchParams.set('state', 'not-the-state-folio-sent-the-provider-with');
    const before = await counts();
    expect(await browser.callback(callback.href)).toEqual(failedWith('bad_request:oidc'));
    expect(browser.token).toBeUndefined();
    expect(await flowExists(flowId)).toBe(false);
    expect(await counts()).toEqual(before);
  });

  it('a replayed callback: the flow is used up; with a fresh flow, the provider refuses the used code', async () => {
    const who = subject();
    const browser = new Browser();
    const callback = await browser.loginAs(who);
    const flowId = browser.flowId!;
    expect((await browser.callback(callback)).status).toBe(302);
    const signedIn = browser.token;
    const before = await counts();
    // The same URL, the flow cookie put back as an attacker replaying it would: the flow was spent.
    browser.folio.cookies.set('folio_oidc', flowId);
    expect(await browser.callback(callback)).toEqual(failedWith('not_found:oidc_flow'));
    // A fresh flow whose state is pasted into the old callback: Folio's checks pass, the provider refuses the code.
    const stateOfNew = new URL(await browser.start()).searchParams.get('state')!;
    const replay = new URL(callback);
    replay.searchParams.set('state', stateOfNew);
    expect(await browser.callback(replay.href)).toEqual(failedWith('bad_request:oidc'));
    expect(await counts()).toEqual(before);
    // The browser stays who it was.
    expect(browser.token).toBe(signedIn);
    expect(logs.text()).toContain('invalid_grant');
  });

  it('an expired flow', async () => {
    const browser = new Browser();
    const callback = await browser.loginAs(subject());
    await t.database.db.execute(sql`UPDATE sign_in_challenges SET expires_at = now() - interval '1 minute' WHERE id = ${browser.flowId!}`);
    const before = await counts();
    expect(await browser.callback(callback)).toEqual(failedWith('not_found:oidc_flow'));
    expect(await counts()).toEqual(before);
  });

  it('a code from a flow started in another browser (login CSRF): no flow here, or a flow with another state', async () => {
    const who = subject();
    const attacker = new Browser();
    const callback = await attacker.loginAs(who);
    const before = await counts();
    // The victim never started a flow: no flow cookie.
    const victim = new Browser();
    await victim.becomeReader();
    const victimReader = await readerOf(victim.token);
    expect(await victim.callback(callback)).toEqual(failedWith('not_found:oidc_flow'));
    // The victim started one of its own (and did not finish it): the state is not its flow's.
    await victim.start();
    expect(await victim.callback(callback)).toEqual(failedWith('bad_request:oidc'));
    expect(await readerOf(victim.token)).toBe(victimReader);
    expect(await identitiesOf(who)).toEqual([]);
    expect(await counts()).toEqual({ ...before, readers: before.readers + 1, devices: before.devices + 1 });
    // The attacker's own browser could still use it: the flow was its, and is untouched by the victim's attempts.
    expect((await attacker.callback(callback)).status).toBe(302);
  });

  it('the person cancels at the provider', async () => {
    const browser = new Browser();
    const state = new URL(await browser.start()).searchParams.get('state')!;
    const before = await counts();
    const cancelled = `${server.url}/api/readers/oidc/callback?error=access_denied&state=${state}&iss=${encodeURIComponent(provider.issuer)}`;
    expect(await browser.callback(cancelled)).toEqual(failedWith('bad_request:oidc'));
    expect(await counts()).toEqual(before);
  });

  it('a return path that is not on this site: 400 before any flow', async () => {
    const [before] = await queryRows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM sign_in_challenges`);
    for (const bad of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'series/x', '/\t/evil.example', `/${'a'.repeat(1001)}`]) {
      const res = await fetch(`${server.url}/api/readers/oidc/start?return=${encodeURIComponent(bad)}`, { redirect: 'manual' });
      expect(res.status, bad).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('bad_request:oidc');
    }
    const [after] = await queryRows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM sign_in_challenges`);
    expect(after!.n).toBe(before!.n);
    expect(returnPath(undefined)).toBe('/');
    expect(returnPath('/series/x?p=2#top')).toBe('/series/x?p=2#top');
    expect(returnPath('/a/../b')).toBe('/b');
  });

  it('FOLIO_ACCOUNTS=off: 403; no provider configured: 404; sign-in-methods says so', async () => {
    const r = await fetch(`${off.url}/api/readers/oidc/start?return=/`, { redirect: 'manual' });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('forbidden:accounts');
    expect(code(await call('GET', '/api/readers/oidc/callback?code=x&state=y', { on: off }))).toBe('forbidden:accounts');
    expect(code(await call('GET', '/api/readers/me/identities', { on: off, token: await off.newReader() }))).toBe('forbidden:accounts');
    expect((await call('GET', '/api/readers/sign-in-methods', { on: off })).body).toEqual({ passkeys: false, oidc: null });
    expect(code(await call('GET', '/api/readers/oidc/start?return=/', { on: none }))).toBe('not_found:oidc');
    expect(code(await call('GET', '/api/readers/oidc/callback?code=x&state=y', { on: none }))).toBe('not_found:oidc');
    expect((await call('GET', '/api/readers/sign-in-methods', { on: none })).body).toEqual({ passkeys: true, oidc: null });
  });
});

describe('identities', () => {
  it("list and remove: the reader's own token only; removing the last makes it anonymous again", async () => {
    const browser = new Browser();
    await browser.signIn(subject());
    const token = browser.token!;
    const { identities } = (await call('GET', '/api/readers/me/identities', { token })).body as unknown as IdentityList;
    expect(identities).toHaveLength(1);
    const other = new Browser();
    await other.signIn(subject());
    expect(code(await call('DELETE', `/api/readers/me/identities/${identities[0]!.id}`, { token: other.token }))).toBe('not_found:identity');
    expect(code(await call('DELETE', '/api/readers/me/identities/nope', { token }))).toBe('bad_request:identities');
    const assistant = await createAssistantToken(t.database.db, (await readerOf(token))!, 'Claude');
    secrets.push(assistant.token);
    expect(code(await call('GET', '/api/readers/me/identities', { token: assistant.token }))).toBe('forbidden:devices');
    expect(code(await call('GET', '/api/readers/me/identities'))).toBe('unauthorized:reader');
    expect((await call('DELETE', `/api/readers/me/identities/${identities[0]!.id}`, { token })).status).toBe(204);
    expect(((await call('GET', '/api/readers/me/devices', { token })).body as unknown as DeviceList).account).toBe(false);
    expect(code(await call('DELETE', `/api/readers/me/identities/${identities[0]!.id}`, { token }))).toBe('not_found:identity');
  });
});

describe('the provider down', () => {
  it('unreachable from the start: a clear 503 code at once, no flow, and the next try asks again', async () => {
    const browser = new Browser();
    const started = performance.now();
    const res = await browser.get('/api/readers/oidc/start?return=/', down);
    expect({ status: res.status, location: res.headers.get('location') }).toEqual(failedWith('unavailable:oidc'));
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(browser.flowId).toBeUndefined();
    const again = await browser.get('/api/readers/oidc/start?return=/', down);
    expect(again.headers.get('location')).toBe(failedWith('unavailable:oidc').location);
    expect(logs.text()).toContain('"code":"unavailable:oidc"');
  });

  it('gone between the login and the callback: unavailable, nothing made; back up, sign-in works again', async () => {
    const browser = new Browser();
    await browser.becomeReader();
    const readerId = await readerOf(browser.token);
    const callback = await browser.loginAs(subject());
    await provider.stop();
    try {
      const before = await counts();
      expect(await browser.callback(callback)).toEqual(failedWith('unavailable:oidc'));
      expect(await counts()).toEqual(before);
      expect(await readerOf(browser.token)).toBe(readerId);
    } finally {
      await provider.start();
    }
    expect((await browser.signIn(subject())).status).toBe(302);
    expect(await readerOf(browser.token)).toBe(readerId);
  });
});

describe('logs', () => {
  it('hold the failures, never the client secret, a code or a token', () => {
    const text = logs.text();
    expect(text).toContain('OpenID Connect sign-in failed');
    expect(text).toContain('"path":"/api/readers/oidc/callback"');
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});

// Last: on PostgreSQL the address's bucket is in the database, shared with the other servers of this file.
describe('rate limit', () => {
  it('starting is limited per address (FOLIO_LINK_RATE_PER_IP)', async () => {
    const browser = new Browser();
    await browser.start('/', strict);
    await browser.start('/', strict);
    const res = await browser.get('/api/readers/oidc/start?return=/', strict);
    expect({ status: res.status, location: res.headers.get('location') }).toEqual(failedWith('rate_limit:sign_in'));
  });
});

/**
 * Accounts with passkeys (ADR 0042) over real HTTP, on PGlite and PostgreSQL: everything around the WebAuthn
 * signature, which test/browser/passkeys.browser.test.ts checks with Chromium's own authenticator. Here: the
 * options each ceremony gets (relying party = the page's host name, discoverable keys, no second key for the same
 * authenticator), challenges used once, only for their purpose, reader and page, and only for a few minutes; pages
 * of other sites and pages without a host name; an account's last device may sign out, everywhere included; a merge
 * brings passkeys along; FOLIO_ACCOUNTS=off; assistant tokens refused; bad input as typed 4xx; rate limits.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { startTestServer, type TestServer } from '../../test/server.js';
import type { DeviceList, LinkCode, LinkedDevice, PasskeyAddOptions, PasskeyList, PasskeySignInOptions, SignInMethods } from '../contract/index.js';
import { queryRows } from '../db/client.js';
import { createAssistantToken } from './assistant-tokens.js';
import { hashReaderToken } from './tokens.js';

/** A web app on another origin that Folio trusts (CORS_ORIGINS): a host name, as WebAuthn needs. */
const PAGE = 'http://localhost:5173';

let t: TestDatabase;
let server: TestServer;
let off: TestServer;
let strict: TestServer;

beforeAll(async () => {
  t = await createTestDatabase();
  server = await startTestServer(t.database, { corsOrigins: [PAGE], linkRatePerIp: 10_000 });
  off = await startTestServer(t.database, { corsOrigins: [PAGE], accounts: false });
  strict = await startTestServer(t.database, { corsOrigins: [PAGE], linkRatePerIp: 3 });
}, 120_000);

afterAll(async () => {
  await strict?.close();
  await off?.close();
  await server?.close();
  await t?.close();
});

type Reply = { status: number; body: (Record<string, unknown> & { error?: { code: string; message: string } }) | null };
async function call(method: string, path: string, opts: { token?: string; origin?: string | null; json?: unknown; body?: string; on?: TestServer } = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const origin = opts.origin === undefined ? PAGE : opts.origin;
  if (origin !== null) headers.origin = origin;
  if (opts.json !== undefined || opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch((opts.on ?? server).url + path, { method, headers, body: opts.json !== undefined ? JSON.stringify(opts.json) : opts.body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
const as = <T>(r: Reply) => r.body as unknown as T;
const code = (r: Reply) => r.body?.error?.code;

const newReader = () => server.newReader();

/** Make a reader an account the way a registered passkey does, for the tests that are about what follows. */
async function givePasskey(readerId: string, credentialId = `cred-${crypto.randomUUID()}`): Promise<string> {
  const [row] = await queryRows<{ id: string }>(
    t.database.db,
    sql`INSERT INTO reader_passkeys (reader_id, credential_id, public_key, label) VALUES (${readerId}, ${credentialId}, 'pQECAyYgASFYIA', 'Chrome on Linux') RETURNING id`,
  );
  return row!.id;
}
async function readerOf(token: string): Promise<string> {
  const [row] = await queryRows<{ id: string }>(t.database.db, sql`SELECT reader_id AS id FROM reader_devices WHERE token_hash = ${hashReaderToken(token)}`);
  return row!.id;
}

/** base64url of a JSON client data, as a browser would make it. */
const clientData = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('the options each ceremony gets', () => {
  it('adding: relying party = the page host, the reader as user, a discoverable key, no second one for an authenticator already registered', async () => {
    const token = await newReader();
    const r = await call('POST', '/api/readers/me/passkeys/options', { token, json: { name: 'Ada' } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const { challengeId, options } = as<PasskeyAddOptions>(r);
    expect(challengeId).toMatch(/^[0-9a-f-]{36}$/);
    expect(options).toMatchObject({ rp: { id: 'localhost', name: 'Folio' }, user: { name: 'Ada', displayName: 'Ada' }, attestation: 'none' });
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required' });
    expect(options.excludeCredentials).toEqual([]);
    expect(options.challenge.length).toBeGreaterThanOrEqual(43);
    // A second request gets a fresh challenge; an authenticator already registered is excluded.
    await givePasskey(await readerOf(token), 'already-here');
    const again = as<PasskeyAddOptions>(await call('POST', '/api/readers/me/passkeys/options', { token, json: {} }));
    expect(again.options.challenge).not.toBe(options.challenge);
    expect(again.options.user.name).toBe('Folio reader');
    expect(again.options.excludeCredentials?.map((c) => c.id)).toEqual(['already-here']);
  });

  it('signing in: anyone may ask, no user is named (the passkey knows whose it is)', async () => {
    const r = await call('POST', '/api/readers/passkeys/sign-in-options');
    expect(r.status).toBe(200);
    const { options } = as<PasskeySignInOptions>(r);
    expect(options).toMatchObject({ rpId: 'localhost' });
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(as<SignInMethods>(await call('GET', '/api/readers/sign-in-methods'))).toEqual({ passkeys: true, oidc: null });
  });

  it("only on Folio's own pages: another site 403, no Origin 400, an address instead of a host name 400", async () => {
    const token = await newReader();
    expect(code(await call('POST', '/api/readers/passkeys/sign-in-options', { origin: 'https://evil.example' }))).toBe('forbidden:origin');
    expect(code(await call('POST', '/api/readers/me/passkeys/options', { token, json: {}, origin: 'https://evil.example' }))).toBe('forbidden:origin');
    const none = await call('POST', '/api/readers/passkeys/sign-in-options', { origin: null });
    expect(none.status).toBe(400);
    expect(none.body?.error?.message).toContain('Origin');
    // Folio's own page, by address: a real page of this server, but WebAuthn has no relying party for it.
    const byAddress = await call('POST', '/api/readers/passkeys/sign-in-options', { origin: server.url });
    expect(byAddress.status).toBe(400);
    expect(byAddress.body?.error?.message).toContain('host name');
  });
});

describe('challenges', () => {
  it('a wrong answer is a 400 that spends the challenge; the same challenge again finds nothing', async () => {
    const { challengeId, options } = as<PasskeySignInOptions>(await call('POST', '/api/readers/passkeys/sign-in-options'));
    const credentialId = `cred-${crypto.randomUUID()}`;
    await givePasskey(await readerOf(await newReader()), credentialId);
    const answer = {
      challengeId,
      response: {
        id: credentialId,
        rawId: credentialId,
        type: 'public-key',
        clientExtensionResults: {},
        response: {
          clientDataJSON: clientData({ type: 'webauthn.get', challenge: options.challenge, origin: PAGE }),
          authenticatorData: Buffer.alloc(37).toString('base64url'),
          signature: Buffer.alloc(64, 1).toString('base64url'),
        },
      },
    };
    const r = await call('POST', '/api/readers/passkeys/sign-in', { json: answer });
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body?.error).toMatchObject({ code: 'bad_request:passkey', message: expect.stringContaining('could not be verified') });
    const again = await call('POST', '/api/readers/passkeys/sign-in', { json: answer });
    expect(again.status).toBe(404);
    expect(code(again)).toBe('not_found:passkey_challenge');
    expect(again.body?.error?.message).toContain('Start again');
  });

  it('an unknown passkey is a 404 that says so; the challenge is spent all the same', async () => {
    const { challengeId } = as<PasskeySignInOptions>(await call('POST', '/api/readers/passkeys/sign-in-options'));
    const answer = { challengeId, response: fakeAssertion('nobody-has-this') };
    const r = await call('POST', '/api/readers/passkeys/sign-in', { json: answer });
    expect(code(r)).toBe('not_found:passkey');
    expect(code(await call('POST', '/api/readers/passkeys/sign-in', { json: answer }))).toBe('not_found:passkey_challenge');
  });

  it('only for its purpose, its reader, its page and its few minutes', async () => {
    const token = await newReader();
    const adding = as<PasskeyAddOptions>(await call('POST', '/api/readers/me/passkeys/options', { token, json: {} }));
    // An adding challenge cannot sign in.
    expect(code(await call('POST', '/api/readers/passkeys/sign-in', { json: { challengeId: adding.challengeId, response: fakeAssertion('x') } }))).toBe(
      'not_found:passkey_challenge',
    );
    // Another reader's adding challenge is not this reader's.
    const mine = as<PasskeyAddOptions>(await call('POST', '/api/readers/me/passkeys/options', { token, json: {} }));
    const intruder = await newReader();
    expect(code(await call('POST', '/api/readers/me/passkeys', { token: intruder, json: { challengeId: mine.challengeId, response: fakeAttestation() } }))).toBe(
      'not_found:passkey_challenge',
    );
    // Asked on one page, answered on another that Folio also trusts: refused (and spent).
    const other = await startTestServer(t.database, { corsOrigins: [PAGE, 'http://folio.localhost:8080'], linkRatePerIp: 10_000 });
    try {
      const asked = as<PasskeySignInOptions>(await call('POST', '/api/readers/passkeys/sign-in-options', { on: other }));
      const r = await call('POST', '/api/readers/passkeys/sign-in', {
        on: other,
        origin: 'http://folio.localhost:8080',
        json: { challengeId: asked.challengeId, response: fakeAssertion('x') },
      });
      expect(r.status).toBe(400);
      expect(r.body?.error?.message).toContain(`started on ${PAGE}`);
    } finally {
      await other.close();
    }
    // Expired: five minutes later it is gone, whatever the answer.
    const late = as<PasskeySignInOptions>(await call('POST', '/api/readers/passkeys/sign-in-options'));
    await t.database.db.execute(sql`UPDATE sign_in_challenges SET expires_at = now() - interval '1 second' WHERE id = ${late.challengeId}`);
    expect(code(await call('POST', '/api/readers/passkeys/sign-in', { json: { challengeId: late.challengeId, response: fakeAssertion('x') } }))).toBe(
      'not_found:passkey_challenge',
    );
    // Expired challenges do not pile up: the next one asked for clears them.
    await call('POST', '/api/readers/passkeys/sign-in-options');
    const [left] = await queryRows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM sign_in_challenges WHERE expires_at < now()`);
    expect(left!.n).toBe(0);
  });
});

describe('an account and its devices', () => {
  it("an anonymous reader's last device cannot sign out; an account's can, and can sign out everywhere", async () => {
    const token = await newReader();
    const list = as<DeviceList>(await call('GET', '/api/readers/me/devices', { token }));
    expect(list.account).toBe(false);
    expect(code(await call('DELETE', '/api/readers/me/devices?including=this', { token }))).toBe('conflict:last_device');
    expect(code(await call('DELETE', `/api/readers/me/devices/${list.devices[0]!.id}`, { token }))).toBe('conflict:last_device');
    expect(code(await call('DELETE', '/api/readers/me/devices?including=that', { token }))).toBe('bad_request:devices');
    expect(code(await call('DELETE', '/api/readers/me/devices?everything=1', { token }))).toBe('bad_request:devices');

    const readerId = await readerOf(token);
    await givePasskey(readerId);
    expect(as<DeviceList>(await call('GET', '/api/readers/me/devices', { token })).account).toBe(true);
    // A second device, then everywhere: both gone, the reader stays (its passkey opens it).
    const { code: linkCode } = as<LinkCode>(await call('POST', '/api/readers/me/link-codes', { token }));
    const second = as<LinkedDevice>(await call('POST', '/api/readers/link', { json: { code: linkCode } })).token;
    const res = await fetch(`${server.url}/api/readers/me/devices?including=this`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ signedOut: 2 });
    expect(res.headers.get('set-cookie')).toMatch(/folio_reader=;/);
    expect((await call('GET', '/api/readers/me/devices', { token })).status).toBe(401);
    expect((await call('GET', '/api/readers/me/devices', { token: second })).status).toBe(401);
    const [kept] = await queryRows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM readers WHERE id = ${readerId}`);
    expect(kept!.n).toBe(1);
  });

  it('a merge brings the merged reader’s passkeys along: the account it was opens the merged reader', async () => {
    const into = await newReader();
    const from = await newReader();
    const passkey = await givePasskey(await readerOf(from));
    const { code: linkCode } = as<LinkCode>(await call('POST', '/api/readers/me/link-codes', { token: into }));
    const linked = as<LinkedDevice>(await call('POST', '/api/readers/link', { token: from, json: { code: linkCode } }));
    expect(linked.merged).toMatchObject({ passkeys: 1, devices: 1 });
    const list = as<PasskeyList>(await call('GET', '/api/readers/me/passkeys', { token: into }));
    expect(list.passkeys.map((p) => p.id)).toEqual([passkey]);
  });

  it("passkeys are listed and removed by their reader only; another's is not found; a malformed id is a 400", async () => {
    const token = await newReader();
    const id = await givePasskey(await readerOf(token));
    const list = as<PasskeyList>(await call('GET', '/api/readers/me/passkeys', { token }));
    expect(list.passkeys).toEqual([{ id, label: 'Chrome on Linux', createdAt: expect.any(String), lastUsedAt: null }]);
    const stranger = await newReader();
    expect(code(await call('DELETE', `/api/readers/me/passkeys/${id}`, { token: stranger }))).toBe('not_found:passkey');
    expect(code(await call('DELETE', '/api/readers/me/passkeys/not-an-id', { token }))).toBe('bad_request:passkeys');
    expect((await call('DELETE', `/api/readers/me/passkeys/${id}`, { token })).status).toBe(204);
    expect(as<PasskeyList>(await call('GET', '/api/readers/me/passkeys', { token })).passkeys).toEqual([]);
    expect(as<DeviceList>(await call('GET', '/api/readers/me/devices', { token })).account).toBe(false);
  });
});

describe('refused', () => {
  it('FOLIO_ACCOUNTS=off: no methods offered, every passkey route 403, devices and link codes as before', async () => {
    const token = await off.newReader();
    expect(as<SignInMethods>(await call('GET', '/api/readers/sign-in-methods', { on: off }))).toEqual({ passkeys: false, oidc: null });
    for (const [method, path] of [
      ['GET', '/api/readers/me/passkeys'],
      ['POST', '/api/readers/me/passkeys/options'],
      ['POST', '/api/readers/me/passkeys'],
      ['DELETE', `/api/readers/me/passkeys/${crypto.randomUUID()}`],
      ['POST', '/api/readers/passkeys/sign-in-options'],
      ['POST', '/api/readers/passkeys/sign-in'],
    ] as const) {
      const r = await call(method, path, { on: off, token, json: method === 'POST' ? {} : undefined });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(code(r)).toBe('forbidden:accounts');
      expect(r.body?.error?.message).toContain('FOLIO_ACCOUNTS=off');
    }
    expect((await call('POST', '/api/readers/me/link-codes', { on: off, token })).status).toBe(201);
    // A passkey kept from before accounts were turned off opens nothing now: the last device stays.
    await givePasskey(await readerOf(token));
    expect(as<DeviceList>(await call('GET', '/api/readers/me/devices', { on: off, token })).account).toBe(false);
    expect(code(await call('DELETE', '/api/readers/me/devices?including=this', { on: off, token }))).toBe('conflict:last_device');
    expect(as<DeviceList>(await call('GET', '/api/readers/me/devices', { token })).account).toBe(true);
  });

  it('assistant tokens cannot see, add or remove passkeys', async () => {
    const token = await newReader();
    const { token: assistant } = await createAssistantToken(t.database.db, await readerOf(token), 'Claude', ['mcp:read', 'api']);
    for (const [method, path] of [
      ['GET', '/api/readers/me/passkeys'],
      ['POST', '/api/readers/me/passkeys/options'],
      ['DELETE', `/api/readers/me/passkeys/${crypto.randomUUID()}`],
    ] as const) {
      expect(code(await call(method, path, { token: assistant, json: method === 'POST' ? {} : undefined })), `${method} ${path}`).toBe('forbidden:devices');
    }
    expect((await call('GET', '/api/readers/me/passkeys')).status).toBe(401);
  });

  it('bad bodies are typed 4xx and spend no challenge', async () => {
    const token = await newReader();
    const { challengeId } = as<PasskeyAddOptions>(await call('POST', '/api/readers/me/passkeys/options', { token, json: {} }));
    const cases: Array<[string, { body?: string; json?: unknown }, string]> = [
      ['not JSON', { body: '{"challengeId":' }, 'bad_request:passkey'],
      ['no answer', { json: { challengeId } }, 'bad_request:passkey'],
      ['an extra field', { json: { challengeId, response: fakeAttestation(), admin: true } }, 'bad_request:passkey'],
      ['not a challenge id', { json: { challengeId: '1; DROP TABLE readers', response: fakeAttestation() } }, 'bad_request:passkey'],
      ['not base64url', { json: { challengeId, response: { ...fakeAttestation(), id: 'a b' } } }, 'bad_request:passkey'],
      [
        'a huge attestation',
        { json: { challengeId, response: { ...fakeAttestation(), response: { clientDataJSON: 'a'.repeat(5000), attestationObject: 'a' } } } },
        'bad_request:passkey',
      ],
      ['not a public key', { json: { challengeId, response: { ...fakeAttestation(), type: 'password' } } }, 'bad_request:passkey'],
    ];
    for (const [what, init, expected] of cases) expect(code(await call('POST', '/api/readers/me/passkeys', { token, ...init })), what).toBe(expected);
    const plain = await fetch(`${server.url}/api/readers/me/passkeys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, origin: PAGE, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(plain.status).toBe(415);
    expect(code(await call('POST', '/api/readers/me/passkeys/options', { token, json: { name: 'x'.repeat(61) } }))).toBe('bad_request:passkey');
    // None of it spent the challenge: a proper (if unverifiable) answer still reaches the check.
    const r = await call('POST', '/api/readers/me/passkeys', { token, json: { challengeId, response: fakeAttestation() } });
    expect(code(r)).toBe('bad_request:passkey');
    expect(r.body?.error?.message).toContain('could not be verified');
  });

  it('starting passkey prompts is limited per address (FOLIO_LINK_RATE_PER_IP), with Retry-After', async () => {
    for (let i = 0; i < 3; i++) expect((await call('POST', '/api/readers/passkeys/sign-in-options', { on: strict })).status).toBe(200);
    const res = await fetch(`${strict.url}/api/readers/passkeys/sign-in-options`, { method: 'POST', headers: { origin: PAGE } });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('rate_limit:sign_in');
  });
});

/** Well-formed answers that no authenticator made: they pass validation and fail the WebAuthn check. */
function fakeAssertion(id: string) {
  return {
    id,
    rawId: id,
    type: 'public-key',
    clientExtensionResults: {},
    response: {
      clientDataJSON: clientData({ type: 'webauthn.get', challenge: 'x', origin: PAGE }),
      authenticatorData: Buffer.alloc(37).toString('base64url'),
      signature: Buffer.alloc(64, 1).toString('base64url'),
    },
  };
}
function fakeAttestation() {
  return {
    id: 'new-cred',
    rawId: 'new-cred',
    type: 'public-key',
    clientExtensionResults: {},
    response: { clientDataJSON: clientData({ type: 'webauthn.create', challenge: 'x', origin: PAGE }), attestationObject: Buffer.alloc(40).toString('base64url') },
  };
}

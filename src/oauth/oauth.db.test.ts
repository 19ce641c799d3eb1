/**
 * Folio as the OAuth authorization server of /mcp (ADR 0044) over real HTTP, on PGlite and PostgreSQL: discovery
 * from the 401, registration and its refusals, the authorize step's checks (what is shown and what goes back to the
 * client), the consent API (only the reader's own token, only from Folio's pages), codes (single use, PKCE S256,
 * exact redirect URI, one client's code is not another's), tokens that reach /mcp, expire, refresh (rotating) and
 * are revoked, one token per reader and client. PKCE values are computed here with node:crypto, not by Folio.
 * test/browser/oauth.browser.test.ts drives the whole flow with the MCP SDK's own OAuth client and Chromium.
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { capturedLogs } from '../../test/logs.js';
import { SAMPLE, startTestServer, type TestServer } from '../../test/server.js';
import { importPack } from '../content/importer.js';
import type { AuthorizationAnswer, AuthorizationRequest, TokenList } from '../contract/index.js';
import { queryRows } from '../db/client.js';
import { createAssistantToken } from '../readers/assistant-tokens.js';
import { hashReaderToken } from '../readers/tokens.js';

const S = 'moth-and-lantern';
const REDIRECT = 'http://127.0.0.1:33418/callback';
let t: TestDatabase;
let server: TestServer;
const logs = capturedLogs();
const secrets: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  server = await startTestServer(t.database, { logger: logs.logger });
  await importPack({ database: t.database, storage: server.storage }, SAMPLE);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
});

const url = (path: string) => server.url + path;
const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');
const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

async function register(metadata: Record<string, unknown> = {}): Promise<string> {
  const res = await fetch(url('/oauth/register'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'Claude', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', ...metadata }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { client_id: string }).client_id;
}

/** GET /oauth/authorize without following the redirect: where it sends the browser. */
async function authorizeUrl(params: Record<string, string>): Promise<{ status: number; location: string | null; body: string }> {
  const res = await fetch(url(`/oauth/authorize?${new URLSearchParams(params)}`), { redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), body: await res.text() };
}

async function consent(token: string, requestId: string, verdict: 'approve' | 'deny', origin = server.url) {
  const res = await fetch(url(`/api/oauth/requests/${requestId}/${verdict}`), { method: 'POST', headers: { authorization: `Bearer ${token}`, origin } });
  return { status: res.status, body: (await res.json()) as AuthorizationAnswer & { error?: { code: string } } };
}

interface Flow {
  clientId: string;
  verifier: string;
  code: string;
}

/** Register (unless given), authorize, approve as `reader`: the code the client's redirect URI receives. */
async function flow(reader: string, clientId?: string): Promise<Flow> {
  const id = clientId ?? (await register());
  const verifier = randomBytes(32).toString('base64url');
  const a = await authorizeUrl({
    response_type: 'code',
    client_id: id,
    redirect_uri: REDIRECT,
    code_challenge: s256(verifier),
    code_challenge_method: 'S256',
    state: 'st-1',
    resource: url('/mcp'),
    scope: 'mcp:read',
  });
  expect(a.status).toBe(302);
  const requestId = new URL(a.location!).searchParams.get('request')!;
  const answer = await consent(reader, requestId, 'approve');
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  const back = new URL(answer.body.redirectTo);
  expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
  expect(back.searchParams.get('state')).toBe('st-1');
  expect(back.searchParams.get('iss')).toBe(server.url);
  const code = back.searchParams.get('code')!;
  secrets.push(code);
  return { clientId: id, verifier, code };
}

async function exchange(f: Flow, overrides: Record<string, string> = {}) {
  const res = await fetch(
    url('/oauth/token'),
    form({ grant_type: 'authorization_code', client_id: f.clientId, code: f.code, code_verifier: f.verifier, redirect_uri: REDIRECT, ...overrides }),
  );
  const body = (await res.json()) as { access_token: string; refresh_token: string; expires_in: number; token_type: string; scope: string; error?: string };
  if (res.ok) secrets.push(body.access_token, body.refresh_token);
  return { status: res.status, body, cache: res.headers.get('cache-control') };
}

/** A JSON-RPC call to /mcp with a bearer token. */
async function mcp(token: string | null, method = 'tools/list', params: unknown = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url('/mcp'), { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return {
    status: res.status,
    challenge: res.headers.get('www-authenticate'),
    body: (await res.json()) as { result?: { tools?: unknown[]; content?: Array<{ text: string }> } },
  };
}

describe('discovery', () => {
  it('the 401 of /mcp names the protected-resource metadata, which names Folio as the authorization server', async () => {
    const r = await mcp(null);
    expect(r.status).toBe(401);
    expect(r.challenge).toContain(`resource_metadata="${url('/.well-known/oauth-protected-resource/mcp')}"`);
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const res = await fetch(url(path), { headers: { origin: 'https://claude.ai' } });
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(await res.json()).toEqual({
        resource: url('/mcp'),
        authorization_servers: [server.url],
        scopes_supported: ['mcp:read'],
        bearer_methods_supported: ['header'],
        resource_name: 'Folio',
      });
    }
    const as = (await (await fetch(url('/.well-known/oauth-authorization-server'))).json()) as Record<string, unknown>;
    expect(as).toMatchObject({
      issuer: server.url,
      authorization_endpoint: url('/oauth/authorize'),
      token_endpoint: url('/oauth/token'),
      registration_endpoint: url('/oauth/register'),
      revocation_endpoint: url('/oauth/revoke'),
      code_challenge_methods_supported: ['S256'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['none'],
    });
  });
});

describe('registration', () => {
  it('registers a public client with its exact redirect URIs', async () => {
    const res = await fetch(url('/oauth/register'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Cursor', redirect_uris: ['cursor://anysphere.cursor-retrieval/oauth/callback', REDIRECT], logo_uri: 'https://x/y.png' }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      client_name: 'Cursor',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['cursor://anysphere.cursor-retrieval/oauth/callback', REDIRECT],
    });
    expect(body.client_id).toMatch(/^fc_[A-Za-z0-9_-]{22}$/);
    expect(body).not.toHaveProperty('client_secret');
  });

  it.each([
    ['no redirect URI', { redirect_uris: [] }, 'invalid_client_metadata'],
    ['http to a public host', { redirect_uris: ['http://evil.example/cb'] }, 'invalid_redirect_uri'],
    ['javascript:', { redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri'],
    ['a fragment', { redirect_uris: ['https://app.example/cb#x'] }, 'invalid_redirect_uri'],
    ['not a URL', { redirect_uris: ['/relative'] }, 'invalid_redirect_uri'],
    ['a client secret method', { token_endpoint_auth_method: 'client_secret_basic' }, 'invalid_client_metadata'],
    ['the implicit grant', { grant_types: ['implicit'] }, 'invalid_client_metadata'],
    ['a control character in the name', { client_name: 'Cla\u0007ude' }, 'invalid_client_metadata'],
  ])('refuses %s', async (_what, metadata, error) => {
    const res = await fetch(url('/oauth/register'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'X', redirect_uris: [REDIRECT], ...metadata }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe(error);
  });

  it('a body that is not JSON is the protocol error, and large bodies are refused', async () => {
    const res = await fetch(url('/oauth/register'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client_metadata');
    const big = await fetch(url('/oauth/register'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ x: 'a'.repeat(20_000) }) });
    expect(big.status).toBe(400);
    expect(((await big.json()) as { error: string }).error).toBe('invalid_request');
  });
});

describe('authorize', () => {
  it('an unknown client or an unregistered redirect URI is shown, never redirected to', async () => {
    const unknown = await authorizeUrl({
      response_type: 'code',
      client_id: 'fc_nobody',
      redirect_uri: 'https://evil.example/cb',
      code_challenge: s256('x'.repeat(43)),
      code_challenge_method: 'S256',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.location).toBeNull();
    expect(unknown.body).toContain('not registered');
    const id = await register();
    const other = await authorizeUrl({
      response_type: 'code',
      client_id: id,
      redirect_uri: 'http://127.0.0.1:33418/callback/other',
      code_challenge: s256('x'.repeat(43)),
      code_challenge_method: 'S256',
    });
    expect(other.status).toBe(400);
    expect(other.location).toBeNull();
  });

  it.each([
    ['no PKCE', { code_challenge: '' }, 'invalid_request'],
    ['plain PKCE', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['a token response', { response_type: 'token' }, 'unsupported_response_type'],
    ['another scope', { scope: 'mcp:read api' }, 'invalid_scope'],
    ['another resource', { resource: 'https://other.example/mcp' }, 'invalid_target'],
  ])('%s goes back to the client as an OAuth error, with its state', async (_what, override, error) => {
    const id = await register();
    const a = await authorizeUrl({
      response_type: 'code',
      client_id: id,
      redirect_uri: REDIRECT,
      code_challenge: s256('v'.repeat(43)),
      code_challenge_method: 'S256',
      state: 'keep-me',
      ...override,
    });
    expect(a.status).toBe(302);
    const back = new URL(a.location!);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('error')).toBe(error);
    expect(back.searchParams.get('state')).toBe('keep-me');
  });
});

describe('consent', () => {
  it('shows who asks and where the answer goes; only the reader’s own token answers, only from Folio’s pages', async () => {
    const reader = await server.newReader();
    const id = await register({ client_name: 'Claude' });
    const a = await authorizeUrl({ response_type: 'code', client_id: id, redirect_uri: REDIRECT, code_challenge: s256('w'.repeat(43)), code_challenge_method: 'S256' });
    const requestId = new URL(a.location!).searchParams.get('request')!;
    expect(new URL(a.location!).pathname).toBe('/authorize');
    const shown = await fetch(url(`/api/oauth/requests/${requestId}`), { headers: { authorization: `Bearer ${reader}` } });
    expect((await shown.json()) as AuthorizationRequest).toMatchObject({ id: requestId, clientName: 'Claude', redirectHost: '127.0.0.1:33418' });
    // An assistant token cannot approve a connector for its reader.
    const [row] = await queryRows<{ id: string }>(t.database.db, sql`SELECT reader_id AS id FROM reader_devices WHERE token_hash = ${hashReaderToken(reader)}`);
    const { token: assistant } = await createAssistantToken(t.database.db, row!.id, 'Other', ['mcp:read', 'api']);
    expect((await consent(assistant, requestId, 'approve')).body.error?.code).toBe('forbidden:devices');
    // A form on another site, with the reader's cookie, cannot approve.
    const forged = await fetch(url(`/api/oauth/requests/${requestId}/approve`), {
      method: 'POST',
      headers: { cookie: `folio_reader=${reader}`, origin: 'https://evil.example' },
    });
    expect(forged.status).toBe(403);
    // Deny: back to the client with access_denied, and the request is spent.
    const denied = await consent(reader, requestId, 'deny');
    expect(new URL(denied.body.redirectTo).searchParams.get('error')).toBe('access_denied');
    expect((await consent(reader, requestId, 'approve')).body.error?.code).toBe('not_found:oauth_request');
    expect((await consent(reader, 'not-an-id', 'approve')).status).toBe(400);
  });
});

describe('tokens', () => {
  it('a code gives a read-only MCP token for the reader who approved: it sees that reader’s place', async () => {
    const reader = await server.newReader();
    const progress = await server.fetch(`/api/series/${S}/progress`, { method: 'POST', token: reader, json: { episode: 1, page: 3, confirmSkip: true } });
    expect(progress.status).toBe(200);
    const f = await flow(reader);
    const r = await exchange(f);
    expect(r.status).toBe(200);
    expect(r.cache).toBe('no-store');
    expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'mcp:read' });
    const where = await mcp(r.body.access_token, 'tools/call', { name: 'where_am_i', arguments: { series_id: S } });
    expect(where.status).toBe(200);
    expect(JSON.stringify(where.body.result)).toMatch(/episode 1[^0-9]*page 3|"episode":1,"page":3/i);
    // Read-only: not the REST API.
    expect((await server.fetch(`/api/series/${S}/progress`, { token: r.body.access_token })).status).toBe(403);
    // Listed on the Connect page as connected by URL.
    const list = (await (await server.fetch('/api/readers/me/tokens', { token: reader })).json()) as TokenList;
    expect(list.tokens).toEqual([expect.objectContaining({ label: 'Claude', connector: true, scopes: ['mcp:read'] })]);
  });

  it('a code works once, with its verifier, its redirect URI and its client only; a failed try spends it', async () => {
    const reader = await server.newReader();
    const f = await flow(reader);
    expect((await exchange(f, { code_verifier: randomBytes(32).toString('base64url') })).body.error).toBe('invalid_grant');
    expect((await exchange(f)).body.error).toBe('invalid_grant');
    const g = await flow(reader);
    expect((await exchange(g, { redirect_uri: 'http://127.0.0.1:33418/other' })).body.error).toBe('invalid_grant');
    const h = await flow(reader);
    const stranger = await register();
    expect((await exchange(h, { client_id: stranger })).body.error).toBe('invalid_grant');
    const i = await flow(reader);
    expect((await exchange(i)).status).toBe(200);
    expect((await exchange(i)).body.error).toBe('invalid_grant');
    // An expired code: one minute, then gone.
    const j = await flow(reader);
    await t.database.db.execute(sql`UPDATE oauth_codes SET expires_at = now() - interval '1 second' WHERE code_hash = ${hashReaderToken(j.code)}`);
    expect((await exchange(j)).body.error).toBe('invalid_grant');
    expect((await exchange(j, { client_id: 'fc_unknown' })).status).toBe(401);
    const bad = await fetch(url('/oauth/token'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(((await bad.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('an access token expires; the refresh token rotates (the old one then fails); revoking ends both', async () => {
    const reader = await server.newReader();
    const first = (await exchange(await flow(reader))).body;
    await t.database.db.execute(sql`UPDATE reader_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = ${hashReaderToken(first.access_token)}`);
    const expired = await mcp(first.access_token);
    expect(expired.status).toBe(401);
    expect(expired.challenge).toContain('error="invalid_token"');
    const clientId = (
      await queryRows<{ id: string }>(t.database.db, sql`SELECT client_id AS id FROM reader_tokens WHERE token_hash = ${hashReaderToken(first.access_token)}`)
    )[0]!.id;
    const refresh = async (token: string) => {
      const res = await fetch(url('/oauth/token'), form({ grant_type: 'refresh_token', client_id: clientId, refresh_token: token }));
      return (await res.json()) as { access_token: string; refresh_token: string; error?: string };
    };
    const second = await refresh(first.refresh_token);
    secrets.push(second.access_token, second.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect((await mcp(second.access_token)).status).toBe(200);
    expect((await refresh(first.refresh_token)).error).toBe('invalid_grant');
    // Revocation (RFC 7009) by the refresh token ends the access token too; an unknown token is still a 200.
    const revoked = await fetch(url('/oauth/revoke'), form({ token: second.refresh_token, client_id: clientId }));
    expect(revoked.status).toBe(200);
    expect((await mcp(second.access_token)).status).toBe(401);
    expect((await fetch(url('/oauth/revoke'), form({ token: 'nothing', client_id: clientId }))).status).toBe(200);
  });

  it('connecting the same assistant again replaces its token; hand-made tokens keep working next to it', async () => {
    const reader = await server.newReader();
    const clientId = await register();
    const a = (await exchange(await flow(reader, clientId))).body;
    const b = (await exchange(await flow(reader, clientId))).body;
    expect((await mcp(a.access_token)).status).toBe(401);
    expect((await mcp(b.access_token)).status).toBe(200);
    const made = (await (await server.fetch('/api/readers/me/tokens', { method: 'POST', token: reader, json: { label: 'By hand' } })).json()) as { token: string };
    expect((await mcp(made.token)).status).toBe(200);
    const list = (await (await server.fetch('/api/readers/me/tokens', { token: reader })).json()) as TokenList;
    expect(list.tokens.map((x) => [x.label, x.connector])).toEqual([
      ['Claude', true],
      ['By hand', false],
    ]);
  });

  it('no code, access or refresh token ever reaches the logs', () => {
    const text = logs.text();
    expect(secrets.length).toBeGreaterThan(10);
    for (const s of secrets) expect(text).not.toContain(s);
  });
});

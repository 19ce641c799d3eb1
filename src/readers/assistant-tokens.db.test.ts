/**
 * Assistant tokens (ADR 0015) over real HTTP, on PGlite and PostgreSQL: create
 * / list / revoke with the reader's own token (bearer or browser cookie), the
 * per-reader limit (also under concurrent creates), bad input as clear 4xx,
 * an assistant token on /mcp through the official SDK client at the browser
 * session's position, revocation on the next request, no token management
 * with an assistant token, other readers' ids as 404, CSRF and CORS rules,
 * and the token never stored or logged in clear. Scopes (ADR 0028): a token
 * without grants is read-only MCP (403 forbidden:scope on every REST route,
 * progress writes, conversations and the REST chat), grants open exactly what
 * they name, PATCH changes them on the next request, and the reader's own
 * token is unaffected.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { capturedLogs } from '../../test/logs.js';
import { SAMPLE, startTestServer } from '../../test/server.js';
import type { Companion } from '../chat/companion.js';
import { createCompanion } from '../chat/create.js';
import { loadConfig } from '../config/env.js';
import { importPack } from '../content/importer.js';
import { queryRows } from '../db/client.js';
import { LocalStorage } from '../storage/local.js';
import { MAX_ASSISTANT_TOKENS } from './assistant-tokens.js';
import { READER_TOKEN_PATTERN } from './tokens.js';

const S = 'moth-and-lantern';
const PATH = '/api/readers/me/tokens';
const ALLOWED_ORIGIN = 'https://reader.example.com';

let t: TestDatabase;
let url: string;
let close: () => Promise<void>;
let companion: Companion;
let mediaDir: string;
/** Everything the app logged (debug level), to prove no token reaches the logs. */
const logs = capturedLogs();
const clients: Client[] = [];
/** Every token handed out in this file. */
const secrets: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  mediaDir = await mkdtemp(join(tmpdir(), 'folio-tokens-'));
  const storage = new LocalStorage(mediaDir);
  await importPack({ database: t.database, storage }, SAMPLE);
  const logger = logs.logger;
  const config = loadConfig({ FOLIO_MODEL: 'none', FOLIO_EMBED_MODEL: 'none', FOLIO_CHAT_RATE_PER_READER: '0', FOLIO_CHAT_RATE_PER_IP: '0' }, { cwd: mediaDir });
  companion = createCompanion(config, logger);
  const server = await startTestServer(t.database, { mediaDir, storage, corsOrigins: [ALLOWED_ORIGIN], companion, logger });
  url = server.url;
  close = server.close;
}, 120_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await close?.();
  await companion?.close();
  await t?.close();
  await rm(mediaDir, { recursive: true, force: true });
});

type Auth = { token?: string; cookie?: string };
async function call(method: string, path: string, auth: Auth = {}, init: { json?: unknown; body?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (auth.token) headers.authorization = `Bearer ${auth.token}`;
  if (auth.cookie) headers.cookie = `folio_reader=${auth.cookie}`;
  if (init.json !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(url + path, { method, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown> & { error?: { code: string; message: string } }) : null };
}

async function newReader(): Promise<string> {
  const r = await call('POST', '/api/readers');
  const token = (r.body as { token: string }).token;
  secrets.push(token);
  return token;
}

interface Created {
  id: string;
  label: string;
  token: string;
  createdAt: string;
  scopes: string[];
}
async function create(auth: Auth, label: string, scopes?: string[]): Promise<Created> {
  const r = await call('POST', PATH, auth, { json: scopes ? { label, scopes } : { label } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const c = r.body as unknown as Created;
  secrets.push(c.token);
  return c;
}

interface Listed {
  id: string;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
  scopes: string[];
}
async function list(auth: Auth): Promise<Listed[]> {
  const r = await call('GET', PATH, auth);
  expect(r.status).toBe(200);
  return (r.body as { tokens: Listed[] }).tokens;
}

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'folio-token-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  clients.push(client);
  return client;
}
const whereAmI = async (client: Client) =>
  ((await client.callTool({ name: 'where_am_i', arguments: { series_id: S } })) as CallToolResult).structuredContent as { position?: { episode: number; page: number } };

const moveAs = async (auth: Auth, at: { episode: number; page: number }) => {
  const r = await call('POST', `/api/series/${S}/progress`, auth, { json: { ...at, confirmSkip: true } });
  expect(r.status).toBe(200);
};

describe('creating, listing and revoking', () => {
  it('creates with the reader token: 201 {id, label, token, createdAt}, a new 256-bit token, no-store; the list never shows tokens', async () => {
    const own = await newReader();
    const r = await call('POST', PATH, { token: own }, { json: { label: '  Claude on my laptop  ' } });
    expect(r.status).toBe(201);
    expect(Object.keys(r.body!).sort()).toEqual(['createdAt', 'id', 'label', 'scopes', 'token']);
    const c = r.body as unknown as Created;
    secrets.push(c.token);
    expect(c.label).toBe('Claude on my laptop');
    // No scopes asked for: read-only MCP.
    expect(c.scopes).toEqual(['mcp:read']);
    expect(c.token).toMatch(READER_TOKEN_PATTERN);
    expect(c.token).not.toBe(own);
    expect(c.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Math.abs(Date.parse(c.createdAt) - Date.now())).toBeLessThan(60_000);
    expect(r.headers.get('cache-control')).toContain('no-store');

    const second = await create({ token: own }, 'Phone');
    const listed = await call('GET', PATH, { token: own });
    expect(listed.headers.get('cache-control')).toContain('no-store');
    expect(listed.body).toEqual({
      limit: MAX_ASSISTANT_TOKENS,
      tokens: [
        { id: c.id, label: 'Claude on my laptop', createdAt: c.createdAt, lastUsedAt: null, scopes: ['mcp:read'], connector: false },
        { id: second.id, label: 'Phone', createdAt: second.createdAt, lastUsedAt: null, scopes: ['mcp:read'], connector: false },
      ],
    });
    expect(JSON.stringify(listed.body)).not.toContain(c.token);

    const del = await call('DELETE', `${PATH}/${c.id}`, { token: own });
    expect(del.status).toBe(204);
    expect(del.body).toBeNull();
    expect((await list({ token: own })).map((x) => x.id)).toEqual([second.id]);
    expect((await call('DELETE', `${PATH}/${c.id}`, { token: own })).body?.error?.code).toBe('not_found:reader_token');
  });

  it('works with the browser cookie too (the web reader never sees its token)', async () => {
    const own = await newReader();
    const c = await create({ cookie: own }, 'From the browser');
    expect((await list({ cookie: own })).map((x) => x.id)).toEqual([c.id]);
    expect((await list({ token: own })).map((x) => x.id)).toEqual([c.id]);
    expect((await call('DELETE', `${PATH}/${c.id}`, { cookie: own })).status).toBe(204);
  });

  it('stores only the SHA-256 of a token, never the token', async () => {
    const own = await newReader();
    const c = await create({ token: own }, 'Hashed');
    const rows = await queryRows<{ row: string; token_hash: string }>(
      t.database.db,
      sql`SELECT row_to_json(r)::text AS row, token_hash FROM reader_tokens r WHERE id = ${c.id}`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toBe(createHash('sha256').update(c.token).digest('hex'));
    expect(rows[0]!.row).not.toContain(c.token);
  });
});

describe('an assistant token acts as its reader', () => {
  it('on /mcp (official SDK client): where_am_i is the browser session position, follows it, and marks the token used', async () => {
    const browser = await newReader();
    await moveAs({ cookie: browser }, { episode: 1, page: 3 });
    const assistant = await create({ cookie: browser }, 'Claude Desktop');
    const client = await connect(assistant.token);
    expect((await whereAmI(client)).position).toEqual({ episode: 1, page: 3 });
    // The browser reads on: the assistant sees the new place on its next call.
    await moveAs({ cookie: browser }, { episode: 2, page: 1 });
    expect((await whereAmI(client)).position).toEqual({ episode: 2, page: 1 });
    const [listed] = await list({ cookie: browser });
    expect(listed!.lastUsedAt).not.toBeNull();
    expect(Math.abs(Date.parse(listed!.lastUsedAt!) - Date.now())).toBeLessThan(60_000);
  });

  it('on the API as a bearer, when granted: the same progress row (its moves are the reader’s moves)', async () => {
    const own = await newReader();
    const assistant = await create({ token: own }, 'Script', ['api', 'progress:write']);
    await moveAs({ token: assistant.token }, { episode: 1, page: 2 });
    const r = await call('GET', `/api/series/${S}/progress`, { token: own });
    expect(r.body).toEqual({ episode: 1, page: 2 });
    expect((await call('GET', `/api/series/${S}/progress`, { token: assistant.token })).body).toEqual({ episode: 1, page: 2 });
  });

  it('a revoked token stops working at once: the connected MCP client, a new connection and the API all get 401', async () => {
    const own = await newReader();
    await moveAs({ token: own }, { episode: 1, page: 1 });
    const assistant = await create({ token: own }, 'Soon revoked');
    const client = await connect(assistant.token);
    expect((await whereAmI(client)).position).toEqual({ episode: 1, page: 1 });
    expect((await call('DELETE', `${PATH}/${assistant.id}`, { token: own })).status).toBe(204);
    await expect(whereAmI(client)).rejects.toThrow(/401|nauthorized/);
    await expect(connect(assistant.token)).rejects.toThrow(/401|nauthorized/);
    const api = await call('GET', `/api/series/${S}/progress`, { token: assistant.token });
    expect(api.status).toBe(401);
    expect(api.body?.error?.code).toBe('unauthorized:reader');
    // The reader's own token is untouched.
    expect((await call('GET', `/api/series/${S}/progress`, { token: own })).body).toEqual({ episode: 1, page: 1 });
  });

  it('cannot manage tokens: create, list and revoke are 403 and change nothing', async () => {
    const own = await newReader();
    const a = await create({ token: own }, 'Assistant A');
    const b = await create({ token: own }, 'Assistant B');
    const attempts = [
      await call('POST', PATH, { token: a.token }, { json: { label: 'Escalation' } }),
      await call('GET', PATH, { token: a.token }),
      await call('DELETE', `${PATH}/${b.id}`, { token: a.token }),
      await call('DELETE', `${PATH}/${a.id}`, { token: a.token }),
      // Not even its own scopes: a token cannot widen itself.
      await call('PATCH', `${PATH}/${a.id}`, { token: a.token }, { json: { scopes: ['api', 'progress:write', 'conversations'] } }),
    ];
    for (const r of attempts) {
      expect(r.status).toBe(403);
      expect(r.body?.error?.code).toBe('forbidden:reader_tokens');
      expect(r.body?.error?.message).toMatch(/assistant token cannot manage tokens/i);
    }
    expect((await list({ token: own })).map((x) => [x.label, x.scopes])).toEqual([
      ['Assistant A', ['mcp:read']],
      ['Assistant B', ['mcp:read']],
    ]);
  });

  it("another reader's token ids are 404, exactly like unknown ones, and stay working", async () => {
    const alice = await newReader();
    const bob = await newReader();
    const alices = await create({ token: alice }, 'Alice’s assistant');
    const r = await call('DELETE', `${PATH}/${alices.id}`, { token: bob });
    expect(r.status).toBe(404);
    const unknown = await call('DELETE', `${PATH}/8f14e45f-ceea-467a-9f3e-6a1b2c3d4e5f`, { token: bob });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual(r.body);
    expect(await list({ token: bob })).toEqual([]);
    // Nor can Bob change its scopes.
    const patched = await call('PATCH', `${PATH}/${alices.id}`, { token: bob }, { json: { scopes: ['api'] } });
    expect(patched.status).toBe(404);
    expect(patched.body).toEqual(r.body);
    expect((await list({ token: alice })).map((x) => [x.id, x.scopes])).toEqual([[alices.id, ['mcp:read']]]);
    expect((await whereAmI(await connect(alices.token))).position).toBeNull();
  });
});

describe('scopes (ADR 0028): an assistant token is read-only MCP unless the reader grants more', () => {
  /** A request whose body is not JSON (a chat stream): the status, the code of a JSON error, the text. */
  async function raw(method: string, path: string, auth: Auth, json?: unknown) {
    const headers: Record<string, string> = {};
    if (auth.token) headers.authorization = `Bearer ${auth.token}`;
    if (auth.cookie) headers.cookie = `folio_reader=${auth.cookie}`;
    if (json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url + path, { method, headers, body: json !== undefined ? JSON.stringify(json) : undefined });
    const text = await res.text();
    let error: { code: string; message: string; scope?: string } | undefined;
    try {
      error = (JSON.parse(text) as { error?: typeof error }).error;
    } catch {
      /* a stream */
    }
    return { status: res.status, error, text };
  }
  const chatBody = (id: string) => ({ id, messages: [{ id: `${id}-q`, role: 'user', parts: [{ type: 'text', text: 'Who carries the lantern?' }] }] });

  /** Every reader REST route, each with what it would do. */
  const restRoutes = (conversationId: string): Array<[string, string, unknown?]> => [
    ['GET', '/api/series'],
    ['GET', `/api/series/${S}`],
    ['GET', `/api/series/${S}/episodes/1`],
    ['GET', `/api/series/${S}/progress`],
    ['POST', `/api/series/${S}/progress`, { episode: 3, page: 1, confirmSkip: true }],
    // Back to where the conversation was asked, so it stays visible to the reader's own token.
    ['POST', `/api/series/${S}/progress/reset`, { episode: 1, page: 3 }],
    ['GET', `/api/series/${S}/world`],
    ['GET', `/api/series/${S}/wiki`],
    ['GET', `/api/series/${S}/search?q=lantern`],
    ['POST', `/api/series/${S}/recap`, { scope: 'series' }],
    ['POST', `/api/series/${S}/chat`, chatBody('rest-chat-1')],
    ['POST', `/api/series/${S}/chat/warmup`],
    ['GET', `/api/series/${S}/conversations`],
    ['GET', `/api/conversations/${encodeURIComponent(conversationId)}`],
  ];

  /** A reader at 1/3 who asked one question through MCP (so there is a conversation to protect). */
  async function readerWithConversation() {
    const own = await newReader();
    await moveAs({ token: own }, { episode: 1, page: 3 });
    const asker = await create({ token: own }, 'Asker');
    const asked = (await (await connect(asker.token)).callTool({ name: 'ask', arguments: { series_id: S, question: 'Who carries the lantern?' } })) as CallToolResult;
    expect(asked.isError, JSON.stringify(asked.content)).toBeFalsy();
    const convs = await call('GET', `/api/series/${S}/conversations`, { token: own });
    const conversationId = (convs.body as { conversations: Array<{ id: string }> }).conversations[0]!.id;
    return { own, conversationId };
  }
  const positionOf = async (own: string) => (await call('GET', `/api/series/${S}/progress`, { token: own })).body;

  it('without grants: every REST route is 403 forbidden:scope naming "api" and the Connect page; nothing moves', async () => {
    const { own, conversationId } = await readerWithConversation();
    const ro = await create({ token: own }, 'Read-only');
    expect(ro.scopes).toEqual(['mcp:read']);
    for (const [method, path, json] of restRoutes(conversationId)) {
      const r = await raw(method, path, { token: ro.token }, json);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.error?.code, `${method} ${path}`).toBe('forbidden:scope');
      expect(r.error?.scope).toBe('api');
      expect(r.error?.message).toMatch(/lacks the "api" scope.*Connect an assistant/);
    }
    expect(await positionOf(own)).toEqual({ episode: 1, page: 3 });
    // Exactly the one conversation the MCP ask made: the REST chat wrote nothing.
    expect((await call('GET', `/api/series/${S}/conversations`, { token: own })).body).toMatchObject({ conversations: [{ id: conversationId }] });
  });

  it('without grants: the MCP read tools still work (where_am_i, search, who_is, ask, recap), and the instructions say read-only', async () => {
    const { own } = await readerWithConversation();
    const ro = await create({ token: own }, 'Read-only MCP');
    const client = await connect(ro.token);
    expect(client.getInstructions()).toMatch(/read-only and MCP-only: it cannot move the reader's position/);
    expect((await whereAmI(client)).position).toEqual({ episode: 1, page: 3 });
    for (const [name, args] of [
      ['list_series', {}],
      ['search', { series_id: S, query: 'lantern' }],
      ['who_is', { series_id: S, name: 'Nobody' }],
      ['ask', { series_id: S, question: 'What happened so far?' }],
      ['recap', { series_id: S, scope: 'series' }],
    ] as const) {
      const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
      expect(r.isError, `${name}: ${JSON.stringify(r.content)}`).toBeFalsy();
    }
  });

  it('"api" alone reads the REST API, but cannot move the position (confirmSkip included), read conversations or chat over REST', async () => {
    const { own, conversationId } = await readerWithConversation();
    const reader = await create({ token: own }, 'REST reader', ['api']);
    expect(reader.scopes).toEqual(['mcp:read', 'api']);
    const refused: Record<string, string> = {
      [`POST /api/series/${S}/progress`]: 'progress:write',
      [`POST /api/series/${S}/progress/reset`]: 'progress:write',
      [`POST /api/series/${S}/chat`]: 'conversations',
      [`GET /api/series/${S}/conversations`]: 'conversations',
      [`GET /api/conversations/${encodeURIComponent(conversationId)}`]: 'conversations',
    };
    for (const [method, path, json] of restRoutes(conversationId)) {
      const r = await raw(method, path, { token: reader.token }, json);
      const scope = refused[`${method} ${path}`];
      if (scope) {
        expect(r.status, `${method} ${path}`).toBe(403);
        expect(r.error).toMatchObject({ code: 'forbidden:scope', scope });
        expect(r.error?.message).toContain(`"${scope}"`);
      } else {
        expect(r.status, `${method} ${path}: ${r.text.slice(0, 200)}`).toBeLessThan(300);
      }
    }
    expect(await positionOf(own)).toEqual({ episode: 1, page: 3 });
    expect((await connect(reader.token)).getInstructions()).toMatch(/REST API.*It cannot move the reader's position or read the reader's other conversations/);
  });

  it('"progress:write" moves the position (skip-ahead with confirmSkip, and reset); "conversations" lists, reads and chats', async () => {
    const { own, conversationId } = await readerWithConversation();
    const mover = await create({ token: own }, 'Mover', ['api', 'progress:write']);
    const skip = await call('POST', `/api/series/${S}/progress`, { token: mover.token }, { json: { episode: 3, page: 1, confirmSkip: true } });
    expect(skip.status).toBe(200);
    expect(await positionOf(own)).toEqual({ episode: 3, page: 1 });
    expect((await call('POST', `/api/series/${S}/progress/reset`, { token: mover.token }, { json: { episode: 1, page: 3 } })).status).toBe(200);
    expect(await positionOf(own)).toEqual({ episode: 1, page: 3 });
    expect((await call('GET', `/api/series/${S}/conversations`, { token: mover.token })).status).toBe(403);

    const talker = await create({ token: own }, 'Talker', ['api', 'conversations']);
    const listed = await call('GET', `/api/series/${S}/conversations`, { token: talker.token });
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ conversations: [{ id: conversationId }] });
    expect((await call('GET', `/api/conversations/${encodeURIComponent(conversationId)}`, { token: talker.token })).status).toBe(200);
    const chat = await raw('POST', `/api/series/${S}/chat`, { token: talker.token }, chatBody('rest-chat-2'));
    expect(chat.status, chat.text.slice(0, 200)).toBe(200);
    expect(chat.text).toContain('data:');
    expect((await call('POST', `/api/series/${S}/progress`, { token: talker.token }, { json: { episode: 3, page: 1, confirmSkip: true } })).status).toBe(403);
    expect(await positionOf(own)).toEqual({ episode: 1, page: 3 });
  });

  it("the reader's own token (bearer and cookie) is unaffected: every route works", async () => {
    const { own, conversationId } = await readerWithConversation();
    for (const auth of [{ token: own }, { cookie: own }]) {
      for (const [method, path, json] of restRoutes(conversationId)) {
        const r = await raw(method, path, auth, json);
        expect(r.status, `${method} ${path}: ${r.text.slice(0, 200)}`).toBeLessThan(300);
      }
    }
    const client = await connect(own);
    expect(client.getInstructions()).not.toMatch(/read-only/);
  });

  it('PATCH replaces the scopes, listed as stored; the change applies on the next request, on the API and on /mcp', async () => {
    const own = await newReader();
    await moveAs({ token: own }, { episode: 1, page: 2 });
    const a = await create({ token: own }, 'Changing', ['api']);
    const other = await create({ token: own }, 'Untouched', ['api', 'conversations']);
    expect((await call('GET', `/api/series/${S}/progress`, { token: a.token })).status).toBe(200);

    // Grant the write (mcp:read is implied, duplicates and order do not matter).
    const granted = await call('PATCH', `${PATH}/${a.id}`, { token: own }, { json: { scopes: ['progress:write', 'api', 'api'] } });
    expect(granted.status).toBe(200);
    expect(granted.headers.get('cache-control')).toContain('no-store');
    expect(granted.body).toEqual({
      id: a.id,
      label: 'Changing',
      createdAt: a.createdAt,
      lastUsedAt: expect.any(String),
      scopes: ['mcp:read', 'api', 'progress:write'],
      connector: false,
    });
    expect((await call('POST', `/api/series/${S}/progress`, { token: a.token }, { json: { episode: 1, page: 4 } })).status).toBe(200);

    // Take everything back: the next API request is 403, the MCP tools keep working.
    const client = await connect(a.token);
    expect((await call('PATCH', `${PATH}/${a.id}`, { cookie: own }, { json: { scopes: [] } })).body).toMatchObject({ scopes: ['mcp:read'] });
    const after = await call('POST', `/api/series/${S}/progress`, { token: a.token }, { json: { episode: 2, page: 1, confirmSkip: true } });
    expect(after.status).toBe(403);
    expect(after.body?.error?.code).toBe('forbidden:scope');
    expect((await whereAmI(client)).position).toEqual({ episode: 1, page: 4 });

    expect((await list({ token: own })).map((x) => [x.label, x.scopes])).toEqual([
      ['Changing', ['mcp:read']],
      ['Untouched', ['mcp:read', 'api', 'conversations']],
    ]);
    expect(other.scopes).toEqual(['mcp:read', 'api', 'conversations']);
  });

  it.each<[string, { body?: string; json?: unknown; headers?: Record<string, string> }, number, string, RegExp?]>([
    ['no body', {}, 415, 'unsupported_media_type:reader_tokens'],
    ['a form', { body: 'scopes=api', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'unsupported_media_type:reader_tokens'],
    ['broken JSON', { body: '{"scopes":', headers: { 'content-type': 'application/json' } }, 400, 'bad_request:reader_tokens'],
    ['no scopes', { json: {} }, 400, 'bad_request:reader_tokens'],
    ['scopes as a string', { json: { scopes: 'api' } }, 400, 'bad_request:reader_tokens'],
    ['an unknown scope', { json: { scopes: ['api', 'admin'] } }, 400, 'bad_request:reader_tokens', /must be one of "mcp:read", "api"/],
    ['a scope in the wrong case', { json: { scopes: ['API'] } }, 400, 'bad_request:reader_tokens'],
    ['progress:write without api', { json: { scopes: ['progress:write'] } }, 400, 'bad_request:reader_tokens', /grant "api" with them/],
    ['conversations without api', { json: { scopes: ['conversations'] } }, 400, 'bad_request:reader_tokens', /grant "api" with them/],
    ['a label (only scopes change here)', { json: { scopes: ['api'], label: 'Renamed' } }, 400, 'bad_request:reader_tokens'],
    ['a huge list', { json: { scopes: Array(1000).fill('api') } }, 400, 'bad_request:reader_tokens'],
  ])('PATCH with %s: a 4xx and nothing changes', async (_name, init, status, code, message) => {
    const own = await newReader();
    const a = await create({ token: own }, 'Target', ['api']);
    const r = await call('PATCH', `${PATH}/${a.id}`, { token: own }, init);
    expect(r.status).toBe(status);
    expect(r.body?.error?.code).toBe(code);
    if (message) expect(r.body?.error?.message).toMatch(message);
    expect((await list({ token: own })).map((x) => x.scopes)).toEqual([['mcp:read', 'api']]);
  });

  it('PATCH a bad id is 400, an unknown one 404; without a reader 401', async () => {
    const own = await newReader();
    expect((await call('PATCH', `${PATH}/not-a-uuid`, { token: own }, { json: { scopes: [] } })).status).toBe(400);
    const unknown = await call('PATCH', `${PATH}/8f14e45f-ceea-467a-9f3e-6a1b2c3d4e5f`, { token: own }, { json: { scopes: [] } });
    expect(unknown.status).toBe(404);
    expect(unknown.body?.error?.code).toBe('not_found:reader_token');
    expect((await call('PATCH', `${PATH}/8f14e45f-ceea-467a-9f3e-6a1b2c3d4e5f`, {}, { json: { scopes: [] } })).status).toBe(401);
  });

  it('creating with scopes: validated the same way; unknown or inconsistent ones create nothing', async () => {
    const own = await newReader();
    for (const scopes of [['admin'], ['progress:write'], 'api', [7]]) {
      const r = await call('POST', PATH, { token: own }, { json: { label: 'x', scopes } });
      expect(r.status, JSON.stringify(scopes)).toBe(400);
      expect(r.body?.error?.code).toBe('bad_request:reader_tokens');
    }
    expect(await list({ token: own })).toEqual([]);
    expect((await create({ token: own }, 'All', ['conversations', 'progress:write', 'api', 'mcp:read'])).scopes).toEqual([
      'mcp:read',
      'api',
      'progress:write',
      'conversations',
    ]);
  });

  it('in the database: a token stored without scopes is read-only MCP (what migration 0011 gives existing tokens); the CHECK refuses unknown or inconsistent sets', async () => {
    const own = await newReader();
    const a = await create({ token: own }, 'Legacy', ['api', 'progress:write']);
    // What a row from before 0011 looks like once migrated: the column default.
    await t.database.db.execute(sql`UPDATE reader_tokens SET scopes = DEFAULT WHERE id = ${a.id}`);
    expect((await list({ token: own }))[0]!.scopes).toEqual(['mcp:read']);
    const r = await call('POST', `/api/series/${S}/progress`, { token: a.token }, { json: { episode: 1, page: 1 } });
    expect(r.body?.error?.code).toBe('forbidden:scope');
    for (const bad of [`{mcp:read,admin}`, `{api}`, `{mcp:read,progress:write}`, `{mcp:read,NULL}`, `{}`]) {
      const err = await t.database.db.execute(sql`UPDATE reader_tokens SET scopes = ${bad}::text[] WHERE id = ${a.id}`).then(
        () => null,
        (e: Error) => e,
      );
      expect(String((err?.cause as Error | undefined)?.message ?? err?.message), bad).toMatch(/reader_tokens_scopes_known/);
    }
  });
});

describe('limits', () => {
  it(`at most ${MAX_ASSISTANT_TOKENS} per reader (409 with the limit); revoking one makes room`, async () => {
    const own = await newReader();
    const made: Created[] = [];
    for (let i = 0; i < MAX_ASSISTANT_TOKENS; i++) made.push(await create({ token: own }, `Token ${i + 1}`));
    const over = await call('POST', PATH, { token: own }, { json: { label: 'One too many' } });
    expect(over.status).toBe(409);
    expect(over.body?.error).toMatchObject({ code: 'conflict:reader_tokens', limit: MAX_ASSISTANT_TOKENS });
    expect(over.body?.error?.message).toMatch(/Revoke one/);
    expect((await call('DELETE', `${PATH}/${made[0]!.id}`, { token: own })).status).toBe(204);
    await create({ token: own }, 'Room again');
    expect(await list({ token: own })).toHaveLength(MAX_ASSISTANT_TOKENS);
  });

  it('holds under concurrent creates (the reader row is locked while counting)', async () => {
    const own = await newReader();
    const results = await Promise.all(Array.from({ length: MAX_ASSISTANT_TOKENS + 5 }, (_, i) => call('POST', PATH, { token: own }, { json: { label: `Race ${i}` } })));
    for (const r of results) if (r.status === 201) secrets.push((r.body as unknown as Created).token);
    expect(results.map((r) => r.status).sort()).toEqual([...Array(MAX_ASSISTANT_TOKENS).fill(201), ...Array(5).fill(409)]);
    expect(await list({ token: own })).toHaveLength(MAX_ASSISTANT_TOKENS);
  });

  it('a label of exactly 60 characters (and any script) is fine; 61 is not', async () => {
    const own = await newReader();
    expect((await create({ token: own }, 'x'.repeat(60))).label).toHaveLength(60);
    expect((await create({ token: own }, 'Claude 🤖 на ноутбуке')).label).toBe('Claude 🤖 на ноутбуке');
    const long = await call('POST', PATH, { token: own }, { json: { label: 'x'.repeat(61) } });
    expect(long.status).toBe(400);
    expect(long.body?.error?.message).toMatch(/label: must be at most 60 characters/);
  });
});

describe('bad input is a clear 4xx, never a 500', () => {
  it.each<[string, { body?: string; json?: unknown; headers?: Record<string, string> }, number, string]>([
    ['no body', {}, 415, 'unsupported_media_type:reader_tokens'],
    [
      'a form (what a cross-site page can send)',
      { body: 'label=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      415,
      'unsupported_media_type:reader_tokens',
    ],
    [
      'text/plain JSON (a "simple" cross-site request)',
      { body: '{"label":"x"}', headers: { 'content-type': 'text/plain' } },
      415,
      'unsupported_media_type:reader_tokens',
    ],
    ['multipart', { body: '--b\r\n\r\n--b--', headers: { 'content-type': 'multipart/form-data; boundary=b' } }, 415, 'unsupported_media_type:reader_tokens'],
    ['broken JSON', { body: '{"label":', headers: { 'content-type': 'application/json' } }, 400, 'bad_request:reader_tokens'],
    ['JSON null', { json: null }, 400, 'bad_request:reader_tokens'],
    ['an array', { json: [{ label: 'x' }] }, 400, 'bad_request:reader_tokens'],
    ['no label', { json: {} }, 400, 'bad_request:reader_tokens'],
    ['a number label', { json: { label: 7 } }, 400, 'bad_request:reader_tokens'],
    ['an empty label', { json: { label: '' } }, 400, 'bad_request:reader_tokens'],
    ['a blank label', { json: { label: ' \t ' } }, 400, 'bad_request:reader_tokens'],
    ['a control character', { json: { label: 'bad\u0000label' } }, 400, 'bad_request:reader_tokens'],
    ['a newline', { json: { label: 'two\nlines' } }, 400, 'bad_request:reader_tokens'],
    ['an unknown field', { json: { label: 'x', readerId: 'someone-else' } }, 400, 'bad_request:reader_tokens'],
    ['a huge label', { json: { label: 'x'.repeat(10_000) } }, 400, 'bad_request:reader_tokens'],
    ['a body over the API limit', { json: { label: 'x'.repeat(70 * 1024) } }, 413, 'payload_too_large:body'],
  ])('POST with %s → %i', async (_name, init, status, code) => {
    const own = await newReader();
    const r = await call('POST', PATH, { token: own }, init);
    expect(r.status).toBe(status);
    expect(r.body?.error?.code).toBe(code);
    expect(r.body?.error?.message.length).toBeGreaterThan(10);
    // And nothing was created.
    expect(await list({ token: own })).toEqual([]);
  });

  it.each([
    ['not-a-uuid', 400],
    ['1', 400],
    ["'; DROP TABLE reader_tokens; --", 400],
    ['00000000-0000-0000-0000-000000000000', 404],
    ['FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', 404],
  ])('DELETE %s → %i', async (id, status) => {
    const own = await newReader();
    const r = await call('DELETE', `${PATH}/${encodeURIComponent(id)}`, { token: own });
    expect(r.status).toBe(status);
    expect(r.body?.error?.code).toBe(status === 400 ? 'bad_request:reader_tokens' : 'not_found:reader_token');
  });

  it.each([
    ['no identity', {}, 401, 'unauthorized:reader'],
    ['an unknown token', { authorization: `Bearer ${'A'.repeat(43)}` }, 401, 'unauthorized:reader'],
    ['a malformed token', { authorization: 'Bearer short' }, 401, 'unauthorized:reader'],
    ['a malformed Authorization header', { authorization: 'Basic dXNlcjpwYXNz' }, 401, 'unauthorized:reader'],
    ['an unknown cookie', { cookie: `folio_reader=${'B'.repeat(43)}` }, 401, 'unauthorized:reader'],
  ])('%s → %i on every method', async (_name, headers, status, code) => {
    for (const [method, path, json] of [
      ['POST', PATH, { label: 'x' }],
      ['GET', PATH, undefined],
      ['DELETE', `${PATH}/8f14e45f-ceea-467a-9f3e-6a1b2c3d4e5f`, undefined],
    ] as const) {
      const r = await call(method, path, {}, { headers, json });
      expect(r.status, `${method} ${path}`).toBe(status);
      expect(r.body?.error?.code).toBe(code);
    }
  });

  it('other methods are the JSON 404 of unknown routes', async () => {
    const own = await newReader();
    for (const [method, path] of [
      ['PUT', PATH],
      ['PATCH', PATH],
      ['GET', `${PATH}/8f14e45f-ceea-467a-9f3e-6a1b2c3d4e5f`],
      ['DELETE', PATH],
    ] as const) {
      const r = await call(method, path, { token: own });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body?.error?.code).toBe('not_found:route');
    }
  });
});

describe('CSRF and CORS', () => {
  it('a cookie-carrying form post creates nothing (415 before any change)', async () => {
    const own = await newReader();
    const r = await call(
      'POST',
      PATH,
      { cookie: own },
      { body: 'label=pwned', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' } },
    );
    expect(r.status).toBe(415);
    expect(await list({ cookie: own })).toEqual([]);
  });

  it('a preflight from a foreign origin is not allowed; from CORS_ORIGINS it may POST and DELETE with JSON', async () => {
    const preflight = (origin: string, method: string) =>
      fetch(`${url}${PATH}/8f14e45f-ceea-467a-9f3e-6a1b2c3d4e5f`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type' },
      });
    const evil = await preflight('https://evil.example', 'DELETE');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const ok = await preflight(ALLOWED_ORIGIN, 'DELETE');
    expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(ok.headers.get('access-control-allow-methods')).toContain('DELETE');
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
  });
});

describe('secrets', () => {
  it('no token handed out in this file reached the logs (debug level, every request above)', () => {
    expect(secrets.length).toBeGreaterThan(20);
    expect(logs.text()).toContain('"path":"/api/readers/me/tokens"');
    for (const s of secrets) expect(logs.text()).not.toContain(s);
  });
});

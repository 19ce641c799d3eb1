/**
 * The MCP endpoint with the official SDK client over real HTTP, on PGlite and
 * PostgreSQL, against the Pepper&Carrot pack: every tool at an early and a
 * late position, the spoiler matrix through the tools (a model that spoils in
 * every disguise, test/fakes/spoiler-model.ts, against the independent leak
 * oracle), injected position arguments, and the
 * protocol-level rejections the spec names.
 */
import { request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { type CompanionServer, startCompanionServer } from '../../test/fakes/folio.js';
import type { FakeModelServer } from '../../test/fakes/model-server.js';
import { startFakeOllama } from '../../test/fakes/ollama.js';
import { type SpoilingModel, startSpoilingModel } from '../../test/fakes/spoiler-model.js';
import { PEPPER_CARROT } from '../../test/server.js';
import { fullWidth, lookAlike, spelledOut } from '../../test/spoilers/disguises.js';
import { findLeaks, leaksIn, unreachedNames } from '../../test/spoilers/leaks.js';
import { formatTally, MATRIX_POSITIONS, newTally, reachedCore, tallyDisguises, where } from '../../test/spoilers/matrix.js';
import { buildOracle, type Oracle, stringsOf } from '../../test/spoilers/oracle.js';
import { ADVERSARIAL_QUESTIONS } from '../../test/spoilers/questions.js';
import { importPack } from '../content/importer.js';
import { comparePositions, type Position } from '../spoilers/position.js';

const SERIES = 'pepper-carrot';
/** A question about the reader's own page: it must still be answered. */
const CONTROL = 'What is happening on this page?';
let t: TestDatabase;
let spoiling: SpoilingModel;
let spoilingServer: CompanionServer;
let quote: CompanionServer;
let limited: CompanionServer;
let oracle: Oracle;
/** A plain fake model, for the disconnect tests. */
let ollama: FakeModelServer;
let model: CompanionServer;
const clients: Client[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  oracle = await buildOracle(PEPPER_CARROT);
  spoiling = await startSpoilingModel('ollama', oracle);
  spoilingServer = await startCompanionServer(t.database, {
    FOLIO_MODEL: 'ollama',
    FOLIO_MODEL_BASE_URL: spoiling.server.url,
    FOLIO_CHAT_MODEL: 'llama3.2:3b',
    FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS: '3000',
  });
  ollama = await startFakeOllama();
  model = await startCompanionServer(t.database, {
    FOLIO_MODEL: 'ollama',
    FOLIO_MODEL_BASE_URL: ollama.url,
    FOLIO_CHAT_MODEL: 'llama3.2:3b',
    FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS: '3000',
  });
  quote = await startCompanionServer(t.database, { FOLIO_MODEL: 'none' });
  limited = await startCompanionServer(t.database, { FOLIO_MODEL: 'none', FOLIO_CHAT_RATE_PER_READER: '1' });
  await importPack({ database: t.database, storage: quote.storage }, PEPPER_CARROT);
}, 300_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await Promise.all([quote?.close(), limited?.close(), spoilingServer?.close(), model?.close()]);
  await Promise.all([spoiling?.close(), ollama?.close()]);
  await t?.close();
});

async function connect(server: CompanionServer, token: string): Promise<Client> {
  const client = new Client({ name: 'folio-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  clients.push(client);
  return client;
}

async function readerAt(server: CompanionServer, at: Position | null): Promise<string> {
  const token = await server.newReader();
  if (at) await server.moveTo(token, SERIES, at);
  return token;
}

const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult;

describe('MCP: tools over the official SDK client', () => {
  it('initializes and lists the six tools, each described for an assistant', async () => {
    const client = await connect(quote, await readerAt(quote, null));
    expect(client.getServerVersion()).toMatchObject({ name: 'folio' });
    const { tools } = await client.listTools();
    expect(tools.map((x) => x.name).sort()).toEqual(['ask', 'list_series', 'recap', 'search', 'where_am_i', 'who_is']);
    for (const tool of tools) {
      expect(tool.description!.length).toBeGreaterThan(40);
      // No tool lets the caller name a position or a reader.
      expect(Object.keys((tool.inputSchema as { properties?: object }).properties ?? {})).not.toEqual(expect.arrayContaining(['episode']));
      for (const key of Object.keys((tool.inputSchema as { properties?: object }).properties ?? {})) expect(key).toMatch(/^(series_id|question|query|name|scope)$/);
    }
  });

  it('list_series and where_am_i follow the reader (not started → early → late)', async () => {
    const token = await readerAt(quote, null);
    const client = await connect(quote, token);
    expect(textOf(await call(client, 'list_series'))).toContain('not started');
    expect(textOf(await call(client, 'where_am_i', { series_id: SERIES }))).toContain('not started');
    await quote.moveTo(token, SERIES, { episode: 1, page: 2 });
    const early = await call(client, 'where_am_i', { series_id: SERIES });
    expect(early.structuredContent).toMatchObject({ position: { episode: 1, page: 2 }, link: `${quote.url}/read/${SERIES}/1/2` });
    await quote.moveTo(token, SERIES, { episode: 22, page: 3 });
    expect((await call(client, 'where_am_i', { series_id: SERIES })).structuredContent).toMatchObject({ position: { episode: 22, page: 3 } });
  });

  it('ask answers from the pages (quote mode here), with links into the reader; early and late', async () => {
    const early = await connect(quote, await readerAt(quote, { episode: 1, page: 2 }));
    const r = await call(early, 'ask', { series_id: SERIES, question: 'Who is Carrot?' });
    expect(r.isError).toBeFalsy();
    expect(textOf(r)).toContain("Carrot is Pepper's familiar");
    expect(textOf(r)).toContain('quotes from the pages');
    expect(textOf(r)).toMatch(new RegExp(`${quote.url}/(read/${SERIES}/1/[0-2]|series/${SERIES}/wiki/carrot)`));
    const late = await connect(quote, await readerAt(quote, { episode: 23, page: 8 }));
    expect(textOf(await call(late, 'ask', { series_id: SERIES, question: 'Who is Coriander?' }))).toMatch(/Coriander/);
  });

  it('who_is: a reached name has its unlocked description; an unreached and an unknown name get the same answer', async () => {
    const client = await connect(quote, await readerAt(quote, { episode: 1, page: 2 }));
    const carrot = await call(client, 'who_is', { series_id: SERIES, name: 'carrot' });
    expect(carrot.structuredContent).toMatchObject({ found: true, name: 'Carrot' });
    const unreached = textOf(await call(client, 'who_is', { series_id: SERIES, name: 'Coriander' }));
    const unknown = textOf(await call(client, 'who_is', { series_id: SERIES, name: 'Zzyzx' }));
    expect(unreached).toContain('Not yet in your reading');
    expect(unreached).toBe(unknown);
    const late = await connect(quote, await readerAt(quote, { episode: 6, page: 4 }));
    expect((await call(late, 'who_is', { series_id: SERIES, name: 'Coriander' })).structuredContent).toMatchObject({ found: true });
  });

  it('search and recap stay within what was read', async () => {
    const client = await connect(quote, await readerAt(quote, { episode: 2, page: 3 }));
    const s = await call(client, 'search', { series_id: SERIES, query: 'potion' });
    const results = (s.structuredContent as { results: Array<{ where: string; link: string }> }).results;
    expect(results.length).toBeGreaterThan(0);
    for (const x of results) {
      const [e, p] = x.where.split('/').map(Number);
      expect(comparePositions({ episode: e!, page: p! }, { episode: 2, page: 3 })).toBeLessThanOrEqual(0);
      expect(x.link.startsWith(quote.url)).toBe(true);
    }
    const recap = await call(client, 'recap', { series_id: SERIES, scope: 'series' });
    expect(recap.isError).toBeFalsy();
    expect(textOf(recap)).toContain('Episode 1');
    expect(leaksIn(oracle, textOf(recap), { episode: 2, page: 3 })).toEqual([]);
  });

  it('an injected position or reader id in the arguments has no effect', async () => {
    const token = await readerAt(quote, { episode: 1, page: 2 });
    const client = await connect(quote, token);
    const injected = { series_id: SERIES, episode: 23, page: 8, position: { episode: 23, page: 8 }, reader_id: 'someone-else', confirmSkip: true };
    const where = await call(client, 'where_am_i', injected);
    expect(where.structuredContent).toMatchObject({ position: { episode: 1, page: 2 } });
    const ask = await call(client, 'ask', { ...injected, question: 'Who is Coriander?' });
    expect((ask.structuredContent as { position: Position }).position).toEqual({ episode: 1, page: 2 });
    expect(leaksIn(oracle, textOf(ask), { episode: 1, page: 2 })).toEqual([]);
    expect(textOf(await call(client, 'who_is', { ...injected, name: 'Coriander' }))).toContain('Not yet in your reading');
    // And nothing moved the reader's progress.
    expect(await (await quote.fetch(`/api/series/${SERIES}/progress`, { token })).json()).toEqual({ episode: 1, page: 2 });
  });

  it('errors are tool errors: unknown series, not started, rate limit', async () => {
    const client = await connect(quote, await readerAt(quote, null));
    const unknown = await call(client, 'ask', { series_id: 'no-such-series', question: 'hi' });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toContain('not_found:series');
    const notStarted = await call(client, 'ask', { series_id: SERIES, question: 'hi' });
    expect(textOf(notStarted)).toContain('conflict:not_started');
    const bad = await call(client, 'where_am_i', { series_id: 'Not Valid!' });
    expect(bad.isError).toBe(true);
    const rl = await connect(limited, await readerAt(limited, { episode: 1, page: 1 }));
    expect((await call(rl, 'ask', { series_id: SERIES, question: 'Who is Pepper?' })).isError).toBeFalsy();
    const second = await call(rl, 'ask', { series_id: SERIES, question: 'Who is Carrot?' });
    expect(second.isError).toBe(true);
    expect(textOf(second)).toMatch(/rate_limit:chat.*Try again in \d+ s/);
  });
});

describe('MCP spoiler matrix: a model that spoils in every disguise, through the tools', () => {
  it('ask, recap, search and who_is at positions across episodes 1–23: zero leaks, and the page is still answered', async () => {
    const failures: string[] = [];
    const tally = newTally();
    for (const [i, at] of MATRIX_POSITIONS.entries()) {
      const client = await connect(spoilingServer, await readerAt(spoilingServer, at));
      const script = spoiling.at(at, { tokenChars: 5 });
      const check = (what: string, r: CallToolResult, question?: string) => {
        const received = `${textOf(r)}\n${stringsOf(r.structuredContent ?? {}).join('\n')}`;
        const leaks = findLeaks(oracle, received, at, { question });
        if (what.startsWith('ask') || what.startsWith('recap')) tallyDisguises(tally, script, received, leaks);
        for (const l of leaks) failures.push(`${where(at)} ${what}: ${l.kind} ${JSON.stringify(l.matched)}`);
        return received;
      };
      // The control question: the model was asked and what the reader may know still arrives, with the notice.
      const control = await call(client, 'ask', { series_id: SERIES, question: CONTROL });
      const text = check(`ask "${CONTROL}"`, control, CONTROL);
      for (const r of script.reached) if (!text.includes(reachedCore(r))) failures.push(`${where(at)} ask: reached sentence withheld or lost: ${JSON.stringify(r)}`);
      if (!/I left out (one sentence|\d+ sentences) about/.test(text)) failures.push(`${where(at)} ask: no notice of what was withheld`);
      for (const question of [ADVERSARIAL_QUESTIONS[i % ADVERSARIAL_QUESTIONS.length]!, ADVERSARIAL_QUESTIONS[(i + 5) % ADVERSARIAL_QUESTIONS.length]!]) {
        check(`ask "${question}"`, await call(client, 'ask', { series_id: SERIES, question }), question);
      }
      for (const scope of ['series', 'episode'] as const) check(`recap ${scope}`, await call(client, 'recap', { series_id: SERIES, scope }));
      // Names as the reader might type them, plain and disguised: whatever comes back names nothing unreached.
      const names = unreachedNames(oracle, at).slice(0, 3);
      for (const name of [...names, ...names.slice(0, 1).flatMap((n) => [spelledOut(n, '-'), lookAlike(n), fullWidth(n)])]) {
        check(`who_is ${name}`, await call(client, 'who_is', { series_id: SERIES, name }), name);
        check(`search ${name}`, await call(client, 'search', { series_id: SERIES, query: name }), name);
      }
      for (const query of ['episode 36', 'ép. 22', 'coronation', 'the sixth episode'])
        check(`search ${query}`, await call(client, 'search', { series_id: SERIES, query }), query);
    }
    if (failures.length > 0) throw new Error(`${failures.length} failures (${formatTally(tally)}):\n${failures.join('\n')}`);
  }, 300_000);
});

describe('MCP: a client that goes away stops the answer', () => {
  const callTool = (token: string, name: string, args: Record<string, unknown>, signal: AbortSignal) =>
    fetch(`${model.url}/mcp`, {
      method: 'POST',
      signal,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${token}`,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: args } }),
    });

  it.each([
    ['ask', { series_id: SERIES, question: 'What is Pepper doing?' }],
    ['recap', { series_id: SERIES, scope: 'series' }],
  ] as const)('%s: closing the connection mid-answer aborts the model request upstream', async (name, args) => {
    ollama.reset();
    // A slow answer: the connection closes long before it could finish.
    ollama.set({ persona: 'fixed', text: 'Pepper stirs the cauldron while Carrot watches. '.repeat(20), tokensPerSecond: 10 });
    const token = await readerAt(model, { episode: 2, page: 3 });
    const ctrl = new AbortController();
    const res = callTool(token, name, args, ctrl.signal).catch((e: unknown) => e);
    await expect.poll(() => ollama.chatRequests().length, { timeout: 5000 }).toBe(1);
    expect(ollama.chatRequests()[0]!.aborted).toBe(false);
    ctrl.abort();
    expect(await res).toBeInstanceOf(Error);
    await expect.poll(() => ollama.chatRequests()[0]!.aborted, { timeout: 3000 }).toBe(true);
    // The server is fine and answers the next call.
    ollama.set({ persona: 'honest', tokensPerSecond: 0 });
    const client = await connect(model, token);
    expect((await call(client, 'ask', { series_id: SERIES, question: 'Who is Carrot?' })).isError).toBeFalsy();
  });
});

describe('MCP: the transport rules', () => {
  const post = (server: CompanionServer, body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/mcp`, { method: 'POST', body, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } });
  /** A POST with headers fetch will not send (Host). */
  const rawPost = (url: string, body: string, headers: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        `${url}/mcp`,
        { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const init = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });

  it('401 without a token or with an unknown one, with a clear message', async () => {
    const none = await post(quote, init);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(((await none.json()) as { error: { message: string } }).error.message).toContain('Authorization: Bearer');
    expect((await post(quote, init, { authorization: 'Bearer not-a-token' })).status).toBe(401);
  });

  it('negotiates 2025-06-18 and 2025-03-26; refuses an unsupported MCP-Protocol-Version header', async () => {
    const token = await readerAt(quote, null);
    for (const version of ['2025-06-18', '2025-03-26']) {
      const res = await post(quote, init.replace('2025-06-18', version), { authorization: `Bearer ${token}` });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { result: { protocolVersion: string } }).result.protocolVersion).toBe(version);
    }
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect((await post(quote, list, { authorization: `Bearer ${token}`, 'mcp-protocol-version': '2025-06-18' })).status).toBe(200);
    expect((await post(quote, list, { authorization: `Bearer ${token}`, 'mcp-protocol-version': '1999-01-01' })).status).toBe(400);
  });

  it('bad JSON-RPC is a 400 parse/invalid-request error; a notification is 202; GET is 405', async () => {
    const token = await readerAt(quote, null);
    const auth = { authorization: `Bearer ${token}` };
    const parse = await post(quote, '{not json', auth);
    expect(parse.status).toBe(400);
    expect(((await parse.json()) as { error: { code: number } }).error.code).toBe(-32700);
    expect((await post(quote, JSON.stringify({ hello: 'world' }), auth)).status).toBe(400);
    const note = await post(quote, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), { ...auth, 'mcp-protocol-version': '2025-06-18' });
    expect(note.status).toBe(202);
    const get = await fetch(`${quote.url}/mcp`, { headers: { ...auth, accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect((await post(quote, init, { ...auth, accept: 'text/html' })).status).toBe(406);
  });

  it("a foreign Origin is refused (DNS rebinding); this server's own origin is fine", async () => {
    const token = await readerAt(quote, null);
    const evil = await post(quote, init, { authorization: `Bearer ${token}`, origin: 'http://evil.example' });
    expect(evil.status).toBe(403);
    const self = await post(quote, init, { authorization: `Bearer ${token}`, origin: quote.url });
    expect(self.status).toBe(200);
    // DNS rebinding: the attacker's name resolves to this server, so the page's Origin and the Host header
    // agree with each other; neither is this server's configured or loopback origin.
    const { port } = new URL(quote.url);
    const rebound = await rawPost(quote.url, init, { host: `evil.example:${port}`, origin: `http://evil.example:${port}`, authorization: `Bearer ${token}` });
    expect(rebound).toBe(403);
    // No Origin (an assistant, a script): not a page, so no rebinding to fear.
    expect(await rawPost(quote.url, init, { host: `evil.example:${port}`, authorization: `Bearer ${token}` })).toBe(200);
  });
});

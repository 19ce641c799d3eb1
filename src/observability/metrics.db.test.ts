/**
 * `GET /metrics` through the real app (Hono on a loopback port, PGlite and
 * PostgreSQL), with chats answered by a fake OpenAI-compatible server, and
 * the logs of those chats at the default level.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { parseChatResponse } from '../../test/fakes/folio.js';
import { type FakeModelServer, promptText } from '../../test/fakes/model-server.js';
import { startFakeOpenAI } from '../../test/fakes/openai.js';
import { writeTinyPack } from '../../test/packs.js';
import { startTestServer, type TestServer } from '../../test/server.js';
import type { Companion } from '../chat/companion.js';
import { createCompanion } from '../chat/create.js';
import { loadConfig } from '../config/env.js';
import { importPack } from '../content/importer.js';
import { createLogger } from '../logger.js';
import { LocalStorage } from '../storage/local.js';

const ADMIN = 'metrics-admin-token-0123456789abcdef';
const API_KEY = 'sk-metrics-test-KEY-5f4e3d2c1b';
const MODAL_SECRET = 'ws-metrics-modal-SECRET-99';
const SERIES = 'metrics';

let t: TestDatabase;
let openai: FakeModelServer;
let media: string;
let logs = '';
const apps: Array<{ server: TestServer; companion: Companion }> = [];

async function start(opts: { adminToken?: string; env?: Record<string, string> } = {}) {
  const config = loadConfig(
    {
      FOLIO_MODEL: 'openai',
      FOLIO_MODEL_BASE_URL: `${openai.url}/v1`,
      FOLIO_MODEL_API_KEY: API_KEY,
      FOLIO_CHAT_MODEL: 'fake-chat',
      FOLIO_EMBED_MODEL: 'none',
      MODAL_PROXY_TOKEN_ID: 'wk-metrics-id',
      MODAL_PROXY_TOKEN_SECRET: MODAL_SECRET,
      FOLIO_CHAT_RATE_PER_READER: '0',
      FOLIO_CHAT_RATE_PER_IP: '0',
      FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS: '700',
      FOLIO_MODEL_TOTAL_TIMEOUT_MS: '5000',
      ...opts.env,
    },
    { cwd: media },
  );
  // The process logger exactly as `folio serve` makes it (default level), writing to a buffer.
  const logger = createLogger({
    level: config.logLevel,
    format: 'json',
    destination: new Writable({
      write: (c, _e, cb) => {
        logs += String(c);
        cb();
      },
    }),
  });
  const companion = createCompanion(config, logger);
  const server = await startTestServer(t.database, { mediaDir: media, adminToken: opts.adminToken, companion, logger });
  apps.push({ server, companion });
  const url = server.url;
  const call = (path: string, init: RequestInit & { token?: string; json?: unknown } = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    if (init.json !== undefined) headers.set('content-type', 'application/json');
    return fetch(url + path, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
  };
  const reader = async () => {
    const { token } = (await (await call('/api/readers', { method: 'POST' })).json()) as { token: string };
    expect((await call(`/api/series/${SERIES}/progress`, { method: 'POST', token, json: { episode: 1, page: 2 } })).status).toBe(200);
    return token;
  };
  const ask = async (token: string, question: string) =>
    parseChatResponse(
      await call(`/api/series/${SERIES}/chat`, {
        method: 'POST',
        token,
        json: { id: `c-${Math.random().toString(36).slice(2)}`, messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: question }] }] },
      }),
    );
  const metrics = async () => {
    const res = await call('/metrics', { token: ADMIN });
    expect(res.status).toBe(200);
    return res.text();
  };
  return { call, reader, ask, metrics };
}

/** The value of one sample line (`name{labels} value`), or 0 when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

beforeAll(async () => {
  t = await createTestDatabase();
  openai = await startFakeOpenAI();
  media = await mkdtemp(join(tmpdir(), 'folio-metrics-'));
  await importPack(
    { database: t.database, storage: new LocalStorage(media) },
    await writeTinyPack({ id: SERIES, dialogue: (e, p) => `Brass lantern number ${e}${p} hums over the quay\n` }),
  );
}, 120_000);

afterAll(async () => {
  for (const a of apps) {
    await a.server.close();
    await a.companion.close();
  }
  await openai?.close();
  await t?.close();
  await rm(media, { recursive: true, force: true });
});

describe('GET /metrics', () => {
  it('is operator only: off without ADMIN_TOKEN (403), 401 without or with a wrong token', async () => {
    const off = await start();
    expect((await off.call('/metrics', { token: ADMIN })).status).toBe(403);
    const on = await start({ adminToken: ADMIN });
    const none = await on.call('/metrics');
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('unauthorized:admin');
    expect((await on.call('/metrics', { token: 'x'.repeat(40) })).status).toBe(401);
    const ok = await on.call('/metrics', { token: ADMIN });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await ok.text();
    // Default Node process metrics.
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('counts requests by route pattern and status, never by raw path', async () => {
    const app = await start({ adminToken: ADMIN });
    const before = await app.metrics();
    const token = await app.reader();
    for (let i = 0; i < 3; i++) expect((await app.call(`/api/series/${SERIES}`, { token })).status).toBe(200);
    expect((await app.call('/api/series/no-such-series', { token })).status).toBe(404);
    for (let i = 0; i < 5; i++) expect((await app.call(`/random-${i}/path-${Date.now()}`)).status).toBe(404);
    const after = await app.metrics();
    const delta = (labels: Record<string, string>) => sample(after, 'folio_http_requests_total', labels) - sample(before, 'folio_http_requests_total', labels);
    expect(delta({ method: 'GET', route: '/api/series/:seriesId', status: '200' })).toBe(3);
    expect(delta({ method: 'GET', route: '/api/series/:seriesId', status: '404' })).toBe(1);
    expect(delta({ method: 'GET', route: '(unmatched)', status: '404' })).toBe(5);
    expect(delta({ method: 'POST', route: '/api/series/:seriesId/progress', status: '200' })).toBe(1);
    expect(after).not.toMatch(/route="[^"]*(random-|no-such-series)/);
    // The series reads started this app's change feed (ADR 0036).
    await expect.poll(async () => sample(await app.metrics(), 'folio_boundary_feed_live'), { timeout: 5_000, interval: 20 }).toBe(1);
    expect(sample(after, 'folio_http_request_duration_seconds_count', { method: 'GET', route: '/api/series/:seriesId', status: '200' })).toBeGreaterThanOrEqual(3);
  });

  it('chat: time to first token, output tokens, retrieval latency; model errors by code', async () => {
    const app = await start({ adminToken: ADMIN });
    const before = await app.metrics();
    const token = await app.reader();
    const text = 'The lantern hums over the quay [1/2].';
    openai.set({ persona: 'fixed', text, tokenChars: 4, fault: 'none', apiKey: API_KEY });
    const answers = [await app.ask(token, 'What hums?'), await app.ask(token, 'Where is the quay?')];
    for (const a of answers) {
      expect(a.errors).toEqual([]);
      expect(a.metadata).toMatchObject({ mode: 'model' });
    }
    openai.set({ fault: 'refuse' });
    const failed = await app.ask(token, 'And now?');
    expect(failed.errors.map((e) => e.code)).toEqual(['unavailable:model']);
    openai.set({ fault: 'none' });
    const after = await app.metrics();
    const d = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);
    expect(d('folio_chat_ttft_seconds_count', { mode: 'model' })).toBe(2);
    expect(d('folio_chat_answers_total', { mode: 'model' })).toBe(2);
    expect(d('folio_chat_answers_total', { mode: 'error' })).toBe(1);
    // The fake reports one completion token per streamed token (4 characters each).
    const perAnswer = Math.ceil(text.length / 4);
    const reported = answers.map((a) => (a.metadata as { usage: { outputTokens: number } }).usage.outputTokens);
    expect(reported).toEqual([perAnswer, perAnswer]);
    expect(d('folio_chat_output_tokens_total', { model: 'openai:fake-chat' })).toBe(2 * perAnswer);
    expect(d('folio_model_errors_total', { code: 'unavailable:model' })).toBe(1);
    expect(d('folio_retrieval_duration_seconds_count', { stage: 'search' })).toBe(3);
    expect(sample(after, 'folio_open_streams')).toBe(0);
  });

  it('job queue depth by state and kind, and import progress, read from the jobs table at scrape time', async () => {
    const app = await start({ adminToken: ADMIN });
    await t.database.db.execute(sql`DELETE FROM jobs`);
    await t.database.db.execute(sql`INSERT INTO jobs (kind, state, payload) VALUES ('import', 'queued', '{}'), ('import', 'queued', '{}'), ('embed', 'failed', '{}')`);
    await t.database.db.execute(
      sql`INSERT INTO jobs (kind, state, payload, progress, locked_by, locked_until) VALUES ('import', 'running', '{"seriesId":"pepper-carrot"}', '{"phase":"images","done":57,"total":215}', 'w', now() + interval '1 minute')`,
    );
    let text = await app.metrics();
    expect(sample(text, 'folio_jobs', { state: 'queued', kind: 'import' })).toBe(2);
    expect(sample(text, 'folio_jobs', { state: 'running', kind: 'import' })).toBe(1);
    expect(sample(text, 'folio_jobs', { state: 'failed', kind: 'embed' })).toBe(1);
    expect(text).toContain('folio_jobs{state="succeeded",kind="import"} 0');
    expect(sample(text, 'folio_import_progress_done', { series: 'pepper-carrot', phase: 'images' })).toBe(57);
    expect(sample(text, 'folio_import_progress_total', { series: 'pepper-carrot', phase: 'images' })).toBe(215);
    expect(sample(text, 'folio_jobs_scrape_success')).toBe(1);
    // Finished: the progress series is gone at the next scrape, not left stale.
    await t.database.db.execute(sql`UPDATE jobs SET state = 'succeeded', locked_by = NULL, locked_until = NULL WHERE state = 'running'`);
    text = await app.metrics();
    expect(text).not.toContain('folio_import_progress_done{');
    expect(sample(text, 'folio_jobs', { state: 'succeeded', kind: 'import' })).toBe(1);
    await t.database.db.execute(sql`DELETE FROM jobs`);
  });
});

describe('logs at the default level', () => {
  it('carry request ids, and no question, prompt, answer, reader token, API key or proxy secret', async () => {
    logs = '';
    const app = await start({ adminToken: ADMIN });
    const token = await app.reader();
    openai.set({ persona: 'fixed', text: 'Quietly the SECRET-ANSWER-TEXT glows [1/1].', fault: 'none', apiKey: API_KEY });
    openai.requests.length = 0;
    const question = 'What does the zanzibar-question-7731 lantern mean?';
    const answer = await app.ask(token, question);
    expect(answer.errors).toEqual([]);
    expect((await app.call('/metrics', { token: ADMIN })).status).toBe(200);
    // A failing answer logs too (warn): still nothing of the question or the keys.
    openai.set({ fault: 'unauthorized' });
    expect((await app.ask(token, question)).errors.length).toBe(1);
    openai.set({ fault: 'none', apiKey: null });
    const prompt = promptText(openai.chatRequests()[0]!.body);
    expect(prompt).toContain('Brass lantern number');

    const lines = logs
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: number; msg: string; reqId?: string });
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(5);
    for (const r of requests) expect(r.reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.some((l) => l.level === 40)).toBe(true); // the failed answer's warning is there
    for (const secret of ['zanzibar', question, 'Brass lantern number', 'SECRET-ANSWER-TEXT', token, API_KEY, MODAL_SECRET, ADMIN]) {
      expect(logs, secret).not.toContain(secret);
    }
  });
});

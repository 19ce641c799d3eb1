/**
 * Shared by bench/load.ts and bench/soak.ts (and the soak test): the fake model
 * server process, `folio serve` on PGlite or PostgreSQL, and a chat-stream
 * client over node:http that times the first token and counts what arrived.
 *
 * The client uses its own http.Agent (keep-alive, no socket limit) so the bench
 * can close every connection at the end (`closeClients()`) before counting the
 * server's open file descriptors.
 */
import { readdirSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type PostgresServer, startPostgres } from '../test/services/postgres.js';
import { type Fold, foldFolio, foldNdjson, freePort, makeTempDir, onCleanup, spawnTracked, stopProcess, type Tracked, waitFor200 } from './lib.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const NODE = process.execPath;
export const SERIES = 'moth-and-lantern';

/** An answer the output guard lets through (no unreached name, no later episode). */
export const ANSWER_TEXT = 'Ada walks along the canal with Flit while the lamps of Tallow Street flicker one by one. ';
/** Folio releases an answer a sentence at a time (each judged whole): its first text cannot come before this many characters exist. */
export const FIRST_SENTENCE_CHARS = ANSWER_TEXT.indexOf('.') + 1;
export const TOKEN_CHARS = 4;

// ---------------------------------------------------------------------------
// HTTP client

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, keepAliveMsecs: 1000 });

/** Close every client connection (idle keep-alive sockets included). */
export function closeClients(): void {
  agent.destroy();
}

export interface StreamResult {
  ok: boolean;
  status: number;
  /** ms from sending the request to the first piece of answer text (NaN when none came). */
  ttft: number;
  /** ms from sending to the text that completes the answer's first sentence (FIRST_SENTENCE_CHARS; NaN when none came). */
  firstSentence: number;
  /** ms from sending to the end of the response. */
  total: number;
  chars: number;
  error?: string;
}

interface PostOptions {
  headers?: Record<string, string>;
  timeoutMs?: number;
  fold: Fold;
}

function postStream(url: string, body: unknown, opts: PostOptions): Promise<StreamResult> {
  const data = Buffer.from(JSON.stringify(body));
  const t0 = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: StreamResult) => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(data.length), ...opts.headers } },
      (res) => {
        const status = res.statusCode ?? 0;
        let first = NaN;
        let sentence = NaN;
        let chars = 0;
        const onText = (n: number) => {
          if (Number.isNaN(first)) first = performance.now() - t0;
          chars += n;
          if (Number.isNaN(sentence) && chars >= FIRST_SENTENCE_CHARS) sentence = performance.now() - t0;
        };
        const body = Readable.toWeb(res) as ReadableStream<Uint8Array>;
        const end = (error: string | undefined) =>
          done({ ok: !error && chars > 0, status, ttft: first, firstSentence: sentence, total: performance.now() - t0, chars, ...(error ? { error } : {}) });
        if (status !== 200) {
          void body.cancel();
          end(`HTTP ${status}`);
          return;
        }
        opts.fold(body, onText).then(end, (err: unknown) => end(String(err)));
      },
    );
    req.setTimeout(opts.timeoutMs ?? 120_000, () => req.destroy(new Error('client timeout')));
    req.on('error', (err) => done({ ok: false, status: 0, ttft: NaN, firstSentence: NaN, total: performance.now() - t0, chars: 0, error: String(err) }));
    req.end(data);
  });
}

/** One answer straight from the fake Ollama (the baseline: no Folio in the path). */
export function directStream(fakeUrl: string): Promise<StreamResult> {
  return postStream(`${fakeUrl}/api/chat`, { model: 'llama3.2:3b', stream: true, messages: [{ role: 'user', content: 'Where is Ada?' }] }, { fold: foldNdjson });
}

let conversation = 0;
/** One chat turn through Folio (a new conversation each time), read as the AI SDK UI-message stream. */
export function relayStream(folioUrl: string, token: string, question = 'Where is Ada?'): Promise<StreamResult> {
  return postStream(
    `${folioUrl}/api/series/${SERIES}/chat`,
    { id: `bench-${process.pid}-${++conversation}`, messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: question }] }] },
    { headers: { authorization: `Bearer ${token}` }, fold: foldFolio },
  );
}

/** A plain JSON request with the bench's agent. */
export function requestJson(method: string, url: string, opts: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: unknown; ms: number }> {
  const data = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: {
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - t0 });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(data);
  });
}

/** A new reader placed at 3/6 of the sample (skip-ahead confirmed). */
export async function newReader(folioUrl: string): Promise<string> {
  const created = await requestJson('POST', `${folioUrl}/api/readers`);
  const token = (created.body as { token?: string }).token;
  if (created.status !== 201 || !token) throw new Error(`POST /api/readers: ${created.status}`);
  const moved = await requestJson('POST', `${folioUrl}/api/series/${SERIES}/progress`, { token, body: { episode: 3, page: 6, confirmSkip: true } });
  if (moved.status !== 200) throw new Error(`progress: ${moved.status} ${JSON.stringify(moved.body)}`);
  return token;
}

// ---------------------------------------------------------------------------
// Processes

/** The fake Ollama as its own process (test/fakes/cli.ts); resolves its URL. */
export async function startFake(): Promise<{ url: string; proc: Tracked }> {
  const proc = spawnTracked(NODE, ['--import', 'tsx', join(ROOT, 'test', 'fakes', 'cli.ts'), 'ollama'], { cwd: ROOT });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const m = /\{"url":"([^"]+)"\}/.exec(proc.stdout());
    if (m) return { url: m[1]!, proc };
    if (proc.child.exitCode !== null) throw new Error(`fake model server exited\n${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`fake model server did not start\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function setFake(url: string, behaviour: Record<string, unknown>): Promise<void> {
  const r = await requestJson('POST', `${url}/__fake/behaviour`, { body: behaviour });
  if (r.status !== 200) throw new Error(`fake behaviour: ${r.status}`);
}

let pgServer: PostgresServer | undefined;
let dbCounter = 0;

/** An empty database on a throwaway PostgreSQL server (started once, stopped by cleanup()). */
export async function freshPostgresDatabase(label: string): Promise<string> {
  if (!pgServer) {
    pgServer = await startPostgres();
    const s = pgServer;
    onCleanup(() => s.stop());
  }
  const name = `folio_${label}_${process.pid}_${++dbCounter}`;
  const admin = new pg.Client({ connectionString: pgServer.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(pgServer.url);
  url.pathname = `/${name}`;
  return url.toString();
}

export type Backend = 'pglite' | 'postgres';

export interface FolioProcess {
  url: string;
  proc: Tracked;
  pid: number;
  stop(): Promise<void>;
}

/** The parent's environment without anything that configures Folio, PostgreSQL clients or tsx. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(PORT|HOST|DATABASE_URL|DATABASE_DIRECT_URL|ADMIN_TOKEN|CORS_ORIGINS)$/.test(k)) continue;
    if (/^(FOLIO_|LOG_|S3_|MODAL_|PG)/.test(k)) continue;
    if (k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return env;
}

/**
 * `folio serve` (first run: migrations and the sample import) talking to the fake model, on a fresh
 * PGlite data dir or a fresh PostgreSQL database. `source: true` runs src/cli/main.ts through tsx
 * instead of the build in dist/ (the soak test does, as CI does not build).
 */
export async function startFolio(opts: {
  backend: Backend;
  fakeUrl: string;
  source?: boolean;
  env?: Record<string, string>;
  /** Node options in front of the script (e.g. bench/soak.ts's `--expose-gc --import` of its probe). */
  nodeArgs?: string[];
}): Promise<FolioProcess> {
  const dataDir = await makeTempDir('folio-bench-');
  const databaseUrl = opts.backend === 'postgres' ? await freshPostgresDatabase('load') : undefined;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const cli = opts.source ? ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts')] : [join(ROOT, 'bin', 'folio.js')];
  const proc = spawnTracked(NODE, [...(opts.nodeArgs ?? []), ...cli, 'serve'], {
    cwd: ROOT,
    env: {
      ...cleanEnv(),
      PORT: String(port),
      HOST: '127.0.0.1',
      FOLIO_DATA_DIR: dataDir,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      LOG_LEVEL: 'warn',
      FOLIO_MODEL: 'ollama',
      FOLIO_MODEL_BASE_URL: opts.fakeUrl,
      FOLIO_CHAT_MODEL: 'llama3.2:3b',
      // The relay only: no question embedding in the path (bench/retrieval.ts measures that).
      FOLIO_EMBED_MODEL: 'none',
      FOLIO_CHAT_RATE_PER_READER: '0',
      FOLIO_CHAT_RATE_PER_IP: '0',
      FOLIO_READER_RATE_PER_IP: '0',
      FOLIO_MODEL_IDLE_TIMEOUT_MS: '60000',
      FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS: '60000',
      FOLIO_MODEL_TOTAL_TIMEOUT_MS: '600000',
      ...opts.env,
    },
  });
  await waitFor200(proc, `${url}/ready`, { timeoutMs: 240_000, intervalMs: 50 });
  return { url, proc, pid: proc.child.pid!, stop: () => stopProcess(proc.child, 15_000) };
}

/** Open file descriptors of a process (Linux: entries of /proc/<pid>/fd). */
export function countFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

const BARE_HONO = `
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
const app = new Hono();
app.get('/hello', (c) => c.json({ hello: 'world' }));
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
`;

/** `fn` against a bare Hono JSON route (`url` is its /hello) in its own process: the baseline the reader API is compared to. */
export async function withBareHono<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const port = await freePort();
  const proc = spawnTracked(NODE, ['--input-type=module', '-e', BARE_HONO], { cwd: ROOT, env: { ...cleanEnv(), PORT: String(port) } });
  try {
    await waitFor200(proc, `http://127.0.0.1:${port}/hello`, { timeoutMs: 30_000 });
    return await fn(`http://127.0.0.1:${port}/hello`);
  } finally {
    await stopProcess(proc.child, 5_000);
  }
}

/**
 * The HTTP fuzz harness: Folio's real app (companion in quote mode, operator
 * API on, a web build stand-in, CORS origins) on a loopback port over the
 * database of the vitest project, with the sample series imported once; a raw
 * node:http client (paths are sent exactly as generated, not normalised); the
 * state fingerprint; and the checks every generated request must pass:
 *
 *  - never a 5xx, and the server keeps answering (no crash);
 *  - a 4xx outside /mcp is the JSON error shape `{"error":{"code","message"}}`;
 *  - a rejected request (any 4xx, or at /mcp a JSON-RPC error or a tool error)
 *    changes nothing: the fingerprint of every table (progress, series,
 *    episodes, pages, jobs, conversations, messages, readers, tokens, …) is the
 *    same after it as before it.
 *
 * Requests are sent one at a time so that a change can be pinned on the
 * request that made it. After an accepted request the fingerprint is re-read
 * until it is stable (a chat answer is stored as its stream ends).
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { sql } from 'drizzle-orm';
import { zipSync } from 'fflate';
import pino from 'pino';
import { expect } from 'vitest';
import type { Companion } from '../../src/chat/companion.js';
import { createCompanion } from '../../src/chat/create.js';
import { loadConfig } from '../../src/config/env.js';
import { importPack } from '../../src/content/importer.js';
import { type Database, queryRows } from '../../src/db/client.js';
import { createApp } from '../../src/http/app.js';
import { listen } from '../../src/http/listen.js';
import { LocalStorage } from '../../src/storage/local.js';
import { createTestDatabase, type TestDatabase } from '../db.js';
import { SAMPLE } from '../server.js';

export const SERIES = 'moth-and-lantern';
export const ADMIN_TOKEN = 'fuzz-admin-token-0123456789abcdef0123';
export const ALLOWED_ORIGIN = 'https://app.folio.example';
/** Upload limit of the fuzz server: small, so 413 is cheap to reach. */
export const MAX_UPLOAD_BYTES = 3 * 1024 * 1024;

/**
 * How many generated requests each fuzz file sends (and asserts it sent), per
 * database backend. Together at least 10,000 per backend (20,000 per `npm test`,
 * which runs every *.db.test.ts on PGlite and on PostgreSQL).
 */
export const FUZZ_FULL_QUOTA = { reader: 3_000, companion: 1_500, world: 1_500, web: 1_000, operator: 1_500, mcp: 1_500 } as const;
/** FOLIO_FUZZ_SCALE=0.1 for a quick local look (never set in CI; the 10,000 check then skips). */
export const FUZZ_SCALE = Number(process.env.FOLIO_FUZZ_SCALE ?? '1');
export const FUZZ_QUOTA = Object.fromEntries(Object.entries(FUZZ_FULL_QUOTA).map(([k, v]) => [k, Math.max(1, Math.round(v * FUZZ_SCALE))])) as Record<
  keyof typeof FUZZ_FULL_QUOTA,
  number
>;

export interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface Received {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface FuzzServer {
  url: string;
  database: Database;
  companion: Companion;
  /** A reader at 2/3 of the sample, with a conversation. */
  token: string;
  /** A second reader, not started. */
  otherToken: string;
  conversationId: string;
  /** The display URL path of a real image (/media/…). */
  mediaPath: string;
  /** The sample pack as a zip (a valid upload). */
  packZip: Uint8Array;
  packFiles: Record<string, Uint8Array>;
  /** Requests sent so far. */
  sent: number;
  /** Answers so far by status class ('2xx', '4xx', …) and for rejected ones by error code. */
  stats: Map<string, number>;
  send(req: Sent): Promise<Received>;
  /** One text that changes when any stored state changes. */
  fingerprint(): Promise<string>;
  /** Send, then check every invariant; returns the response. */
  check(req: Sent, opts?: { rejected?: (res: Received) => boolean }): Promise<Received>;
  close(): Promise<void>;
}

async function packFiles(dir: string): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  async function walk(d: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile()) out[relative(dir, full).split(sep).join('/')] = new Uint8Array(await readFile(full));
    }
  }
  await walk(dir);
  return out;
}

/** Columns that change on a read (last seen / last used): not state a request is answerable for. */
const VOLATILE = ['last_seen_at', 'last_used_at'];

async function fingerprintSql(database: Database): Promise<string> {
  const tables = await queryRows<{ name: string }>(
    database.db,
    sql`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`,
  );
  const parts = tables
    .map((t) => t.name)
    .filter((n) => !/^(__|drizzle|schema_migrations|folio_migrations)/.test(n))
    .map((n) => {
      // Archives waiting for their job: name and size (hashing megabytes per request would dominate the run).
      const row =
        n === 'job_uploads' ? `jsonb_build_object('job', job_id, 'name', name, 'bytes', length(bytes))` : `to_jsonb(t) ${VOLATILE.map((c) => `- '${c}'`).join(' ')}`;
      return `'${n}:' || (select count(*) from "${n}") || ':' || (select coalesce(md5(string_agg((${row})::text, ',' order by (${row})::text)), '') from "${n}" t)`;
    });
  return `select ${parts.join(" || ' ' || ")} as f`;
}

export async function startFuzzServer(): Promise<{ t: TestDatabase; server: FuzzServer }> {
  const t = await createTestDatabase();
  const mediaDir = await mkdtemp(join(tmpdir(), 'folio-fuzz-media-'));
  const webDir = await mkdtemp(join(tmpdir(), 'folio-fuzz-web-'));
  await mkdir(join(webDir, 'assets'));
  await writeFile(join(webDir, 'index.html'), '<!doctype html><title>Folio</title><script type="module" src="/assets/index-abc123.js"></script>');
  await writeFile(join(webDir, 'assets', 'index-abc123.js'), 'export {};');
  await writeFile(join(webDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  const storage = new LocalStorage(mediaDir);
  const logger = pino({ level: process.env.FOLIO_TEST_LOG ?? 'silent' });
  const config = loadConfig(
    { FOLIO_MODEL: 'none', FOLIO_EMBED_MODEL: 'none', FOLIO_CHAT_RATE_PER_READER: '0', FOLIO_CHAT_RATE_PER_IP: '0', ADMIN_TOKEN, CORS_ORIGINS: ALLOWED_ORIGIN },
    { cwd: mediaDir },
  );
  const companion = createCompanion(config, logger);
  const app = createApp({
    logger,
    storage,
    runtime: { database: t.database },
    corsOrigins: [ALLOWED_ORIGIN],
    trustProxy: false,
    adminToken: ADMIN_TOKEN,
    // No worker: an accepted upload stays queued (what matters here is what rejected ones leave behind).
    jobs: { wake() {}, maxUploadBytes: MAX_UPLOAD_BYTES },
    webDir,
    companion,
  });
  await importPack({ database: t.database, storage }, SAMPLE);
  const srv = await listen(app, { port: 0, hostname: '127.0.0.1' });
  const addr = srv.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const url = `http://127.0.0.1:${port}`;
  // A fresh connection per request: an answer before the body was read (413) closes its connection,
  // and a reused keep-alive socket would then blame the next request for the hang-up.
  const agent = false as const;
  const fpSql = await fingerprintSql(t.database);

  const send = (req: Sent): Promise<Received> =>
    new Promise((resolve, reject) => {
      const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body) : Buffer.from(req.body);
      const r = http.request(
        { host: '127.0.0.1', port, method: req.method, path: req.path, agent, headers: { ...req.headers, ...(body ? { 'content-length': String(body.length) } : {}) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      r.setTimeout(30_000, () => r.destroy(new Error(`no answer within 30 s: ${req.method} ${req.path}`)));
      r.on('error', reject);
      r.end(body);
    });

  const fingerprint = async () => (await queryRows<{ f: string }>(t.database.db, sql.raw(fpSql)))[0]!.f;

  const token = ((await (await send({ method: 'POST', path: '/api/readers', headers: {} })).body.toString()) as string | undefined) ?? '';
  const readerToken = (JSON.parse(token) as { token: string }).token;
  const other = (JSON.parse((await send({ method: 'POST', path: '/api/readers', headers: {} })).body.toString()) as { token: string }).token;
  const auth = { authorization: `Bearer ${readerToken}`, 'content-type': 'application/json' };
  const moved = await send({ method: 'POST', path: `/api/series/${SERIES}/progress`, headers: auth, body: JSON.stringify({ episode: 2, page: 3, confirmSkip: true }) });
  if (moved.status !== 200) throw new Error(`progress: ${moved.status} ${moved.body.toString()}`);
  const conversationId = 'fuzz-conversation';
  const chat = await send({
    method: 'POST',
    path: `/api/series/${SERIES}/chat`,
    headers: auth,
    body: JSON.stringify({ id: conversationId, messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Who is Ada?' }] }] }),
  });
  if (chat.status !== 200) throw new Error(`chat: ${chat.status} ${chat.body.toString()}`);
  const detail = JSON.parse((await send({ method: 'GET', path: `/api/series/${SERIES}/episodes/1`, headers: auth })).body.toString()) as {
    pages: Array<{ image: { url: string } | null }>;
  };
  const mediaPath = detail.pages.find((p) => p.image)?.image?.url ?? '/media/none';
  const files = await packFiles(SAMPLE);
  const packZip = zipSync(files, { level: 0 });

  let last = await fingerprint();
  const stable = async (): Promise<string> => {
    // A chat answer is stored as its stream ends: wait until two reads agree.
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, i === 0 ? 0 : 10));
      const again = await fingerprint();
      if (again === last) return again;
      last = again;
    }
    return last;
  };

  const server: FuzzServer = {
    url,
    database: t.database,
    companion,
    token: readerToken,
    otherToken: other,
    conversationId,
    mediaPath,
    packZip,
    packFiles: files,
    sent: 0,
    stats: new Map(),
    send,
    fingerprint,
    async check(req, opts = {}) {
      const before = last;
      server.sent++;
      let res: Received;
      try {
        res = await send(req);
      } catch (err) {
        throw new Error(`${req.method} ${req.path}: no HTTP answer (${(err as Error).message})`);
      }
      const where = `${req.method} ${req.path} ${JSON.stringify(req.headers)} body=${String(typeof req.body === 'string' ? req.body.slice(0, 300) : req.body ? `<${req.body.length} bytes>` : '')} → ${res.status} ${res.body.toString('utf8', 0, 400)}`;
      expect(res.status, where).toBeGreaterThanOrEqual(100);
      expect(res.status, where).toBeLessThan(500);
      // MCP answers in JSON-RPC's own error shape; judge the path as the server's URL parser sees it (`/%2e%2e/mcp` is `/mcp`).
      // The path appended to an origin: a path starting "//" is not a protocol-relative URL here, as on the wire.
      const isMcp = URL.canParse(`http://fuzz.invalid${req.path}`) && new URL(`http://fuzz.invalid${req.path}`).pathname === '/mcp';
      if (res.status >= 400 && req.method !== 'HEAD' && !isMcp) {
        expect(res.headers['content-type'], where).toMatch(/^application\/json/);
        const parsed = JSON.parse(res.body.toString('utf8')) as { error?: { code?: unknown; message?: unknown } };
        expect(typeof parsed.error?.code, where).toBe('string');
        expect(parsed.error!.code as string, where).toMatch(/^[a-z_]+:[a-z_]+$/);
        expect(typeof parsed.error?.message, where).toBe('string');
      }
      const rejected = res.status >= 400 || (opts.rejected?.(res) ?? false);
      const bump = (k: string) => server.stats.set(k, (server.stats.get(k) ?? 0) + 1);
      bump(`${Math.floor(res.status / 100)}xx`);
      bump(rejected ? 'rejected' : 'accepted');
      if (rejected) {
        const after = await fingerprint();
        expect(after, `state changed after a rejected request: ${where}`).toBe(before);
      } else await stable();
      return res;
    },
    async close() {
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
      await companion.close();
      await rm(mediaDir, { recursive: true, force: true });
      await rm(webDir, { recursive: true, force: true });
    },
  };
  return { t, server };
}

/** The server still answers after a fuzz run (nothing crashed, nothing hangs). */
export async function expectAlive(server: FuzzServer): Promise<void> {
  const health = await server.send({ method: 'GET', path: '/health', headers: {} });
  expect(health.status).toBe(200);
  const ready = await server.send({ method: 'GET', path: '/ready', headers: {} });
  expect(ready.status).toBe(200);
  const series = await server.send({ method: 'GET', path: `/api/series/${SERIES}`, headers: { authorization: `Bearer ${server.token}` } });
  expect(series.status).toBe(200);
}

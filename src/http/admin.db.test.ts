/** The operator API over real HTTP, with a real in-process worker: uploads, jobs, series changes, auth. */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join, relative } from 'node:path';
import { zipSync } from 'fflate';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comicInfo, makeCbz } from '../../test/cbz.js';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import type { FakeModelServer } from '../../test/fakes/model-server.js';
import { startFakeOllama } from '../../test/fakes/ollama.js';
import { writeTinyPack } from '../../test/packs.js';
import { SAMPLE, startTestServer, type TestServer } from '../../test/server.js';
import { modelRegistryFor } from '../chat/create.js';
import { loadConfig } from '../config/env.js';
import { jobHandlers } from '../jobs/handlers.js';
import type { JobOut } from '../jobs/jobs.js';
import { Worker } from '../jobs/worker.js';

const ADMIN = 'op-token-0123456789abcdef0123456789';
let t: TestDatabase;
let server: TestServer;
let off: TestServer;
let worker: Worker;
let ollama: FakeModelServer;

async function zipDir(dir: string): Promise<Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  const walk = async (d: string): Promise<void> => {
    for (const f of await readdir(d, { withFileTypes: true })) {
      const full = join(d, f.name);
      if (f.isDirectory()) await walk(full);
      else if (f.isFile()) files[relative(dir, full)] = new Uint8Array(await readFile(full));
    }
  };
  await walk(dir);
  return zipSync(files);
}

beforeAll(async () => {
  t = await createTestDatabase();
  let wake = () => {};
  server = await startTestServer(t.database, { adminToken: ADMIN, jobs: { wake: () => wake(), maxUploadBytes: 5 * 1024 * 1024 } });
  off = await startTestServer(t.database);
  ollama = await startFakeOllama();
  const models = modelRegistryFor(
    loadConfig({ FOLIO_MODEL: 'ollama', FOLIO_MODEL_BASE_URL: ollama.url, FOLIO_CHAT_MODEL: 'llama3.2:3b', FOLIO_EMBED_MODEL: 'nomic-embed-text:latest' }),
    pino({ level: 'silent' }),
  );
  worker = new Worker({
    db: t.database.db,
    handlers: jobHandlers({ database: t.database, storage: server.storage, importConcurrency: 2, embedder: () => models.embedder() }),
    logger: pino({ level: 'silent' }),
    concurrency: 1,
    pollMs: 50,
  });
  wake = () => worker.wake();
  worker.start();
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await ollama?.close();
  await server?.close();
  await off?.close();
  await t?.close();
});

const admin = (path: string, init: RequestInit = {}) =>
  server.fetch(path, { ...init, headers: { authorization: `Bearer ${ADMIN}`, ...(init.headers as Record<string, string>) } });

async function upload(bytes: Uint8Array, type = 'application/zip', query = ''): Promise<Response> {
  return admin(`/api/admin/imports${query}`, { method: 'POST', body: Buffer.from(bytes), headers: { 'content-type': type } });
}

/** POST `size` bytes and return the response even if the server stops reading the body early. */
function rawPost(path: string, size: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}${path}`,
      { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/zip', 'content-length': String(size) } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    const early = (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err));
    req.on('error', early);
    req.on('socket', (socket) => socket.on('error', early));
    req.end(Buffer.alloc(size, 0x50));
  });
}

async function waitForJob(id: string, ms = 60_000): Promise<JobOut> {
  const end = Date.now() + ms;
  for (;;) {
    const { job } = (await (await admin(`/api/admin/jobs/${id}`)).json()) as { job: JobOut };
    if (job.state !== 'queued' && job.state !== 'running') return job;
    if (Date.now() > end) throw new Error(`job ${id} still ${job.state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('operator API: auth', () => {
  it('is off without ADMIN_TOKEN (403 on every route)', async () => {
    for (const [method, path] of [
      ['GET', '/api/admin/jobs'],
      ['POST', '/api/admin/imports'],
      ['DELETE', '/api/admin/series/x'],
    ] as const) {
      const res = await off.fetch(path, { method, headers: { authorization: `Bearer ${ADMIN}` } });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden:admin');
    }
  });

  it('needs the exact bearer token (401 with WWW-Authenticate otherwise); a reader token is not enough', async () => {
    const reader = await server.newReader();
    for (const auth of [undefined, `Bearer ${ADMIN}x`, `Bearer ${reader}`, ADMIN, `Basic ${ADMIN}`]) {
      const res = await server.fetch('/api/admin/jobs', auth ? { headers: { authorization: auth } } : {});
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
    }
    expect((await admin('/api/admin/jobs')).status).toBe(200);
  });
});

describe('operator API: imports', () => {
  it('imports an uploaded pack (larger than the 64 KB API body limit) as a job with progress; readers then see it', async () => {
    const bytes = await zipDir(SAMPLE);
    expect(bytes.length).toBeGreaterThan(64 * 1024);
    const res = await upload(bytes, 'application/zip', '?filename=moth.zip');
    expect(res.status).toBe(202);
    const { job } = (await res.json()) as { job: JobOut };
    expect(res.headers.get('location')).toBe(`/api/admin/jobs/${job.id}`);
    expect(job).toMatchObject({ kind: 'import', state: 'queued' });
    const done = await waitForJob(job.id);
    expect(done).toMatchObject({ state: 'succeeded', result: { seriesId: 'moth-and-lantern', episodes: 3 } });
    expect(done.progress).toMatchObject({ phase: 'publish' });
    const reader = await server.newReader();
    const lib = (await (await server.fetch('/api/series', { token: reader })).json()) as { series: Array<{ id: string }> };
    expect(lib.series.map((s) => s.id)).toContain('moth-and-lantern');
    const list = (await (await admin('/api/admin/jobs?state=succeeded')).json()) as { jobs: JobOut[] };
    expect(list.jobs.map((j) => j.id)).toContain(job.id);
  });

  it('a zip bomb is refused (413) from its directory, and the server answers others meanwhile', async () => {
    // ~150 KB that would inflate to 150 MB of zeros: refused before any of it is inflated.
    const bomb = zipSync(
      { 'series.yaml': new TextEncoder().encode('id: bomb\ntitle: Bomb\n'), 'episodes/e/pages/001.png': new Uint8Array(150 * 1024 * 1024) },
      { level: 9 },
    );
    expect(bomb.length).toBeLessThan(1024 * 1024);
    // Zipping took seconds on this thread, past the server's keep-alive timeout: let both ends close the idle
    // connection before asking, or the request may go out on a socket the server is closing (ECONNRESET).
    await new Promise((r) => setTimeout(r, 100));
    const [res, health] = await Promise.all([upload(bomb, 'application/zip', '?filename=bomb.zip'), server.fetch('/health')]);
    expect(health.status).toBe(200);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'payload_too_large:pack',
      message: expect.stringMatching(/bomb\.zip: an entry expands/),
    });
  });

  it('an import queues an embed job that gives every chunk a vector from the configured embedder (fake Ollama /api/embed)', async () => {
    const res = await upload(await zipDir(await writeTinyPack({ id: 'embed-me' })));
    const { job } = (await res.json()) as { job: JobOut };
    await waitForJob(job.id);
    const embeds = ((await (await admin('/api/admin/jobs?limit=200')).json()) as { jobs: JobOut[] }).jobs.filter((j) => j.kind === 'embed');
    expect(embeds.length).toBeGreaterThan(0);
    const done = await waitForJob(embeds[0]!.id);
    expect(done).toMatchObject({ state: 'succeeded', result: { model: expect.stringContaining('nomic-embed-text') } });
    expect(ollama.requests.some((r) => r.path === '/api/embed')).toBe(true);
    // Triggered by hand too; nothing left to embed the second time.
    const again = await admin('/api/admin/embeddings', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(again.status).toBe(202);
    expect(await waitForJob(((await again.json()) as { job: JobOut }).job.id)).toMatchObject({ state: 'succeeded', result: { embedded: 0 } });
    expect((await admin('/api/admin/embeddings', { method: 'POST', body: '{"replace":"yes"}', headers: { 'content-type': 'application/json' } })).status).toBe(400);
  });

  it('imports an uploaded .cbz', async () => {
    const res = await upload(
      await makeCbz({ pages: 2, comicInfo: comicInfo({ Series: 'Upload Tales', Number: 1 }) }),
      'application/vnd.comicbook+zip',
      '?filename=tales-1.cbz',
    );
    expect(res.status).toBe(202);
    const { job } = (await res.json()) as { job: JobOut };
    expect(await waitForJob(job.id)).toMatchObject({ state: 'succeeded', result: { seriesId: 'upload-tales', pages: 2 } });
  });

  it('refuses bad uploads with a clear 4xx and queues nothing', async () => {
    const before = ((await (await admin('/api/admin/jobs?limit=200')).json()) as { jobs: JobOut[] }).jobs.length;
    const pack = await writeTinyPack({ id: 'bad-upload' });
    await writeFile(join(pack, 'series.yaml'), 'id: NOT VALID\ntitle: ""\n');
    const broken = await upload(await zipDir(pack));
    expect(broken.status).toBe(400);
    const body = (await broken.json()) as { error: { code: string; problems: Array<{ file: string; field?: string }> } };
    expect(body.error.code).toBe('bad_request:pack');
    expect(body.error.problems.map((p) => `${p.file} ${p.field}`)).toEqual(expect.arrayContaining(['series.yaml id', 'series.yaml title']));

    expect((await upload(new TextEncoder().encode('hello'), 'text/plain')).status).toBe(415);
    expect((await upload(new TextEncoder().encode('not a zip at all'))).status).toBe(400);
    expect((await upload(new Uint8Array(0))).status).toBe(400);
    expect((await upload(await zipDir(SAMPLE), 'application/zip', '?filename=../../etc/passwd.zip')).status).toBe(400);
    expect((await upload(await zipDir(SAMPLE), 'application/zip', '?filename=pack.exe')).status).toBe(400);
    // The server answers 413 from Content-Length without reading the body (node:http, as the client may see EPIPE).
    const tooBig = await rawPost('/api/admin/imports', 6 * 1024 * 1024);
    expect(tooBig.status).toBe(413);
    expect(JSON.parse(tooBig.body).error.code).toBe('payload_too_large:upload');

    const after = ((await (await admin('/api/admin/jobs?limit=200')).json()) as { jobs: JobOut[] }).jobs.length;
    expect(after).toBe(before);
  });

  it('job routes validate their input', async () => {
    expect((await admin('/api/admin/jobs/not-a-uuid')).status).toBe(400);
    expect((await admin('/api/admin/jobs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await admin('/api/admin/jobs?state=exploded')).status).toBe(400);
    expect((await admin('/api/admin/jobs?limit=100000')).status).toBe(400);
    expect((await admin('/api/admin/jobs/00000000-0000-4000-8000-000000000000', { method: 'DELETE' })).status).toBe(404);
  });
});

describe('operator API: series', () => {
  it('PATCH shows unread covers to readers; DELETE removes the series', async () => {
    const { job } = (await (await upload(await zipDir(await writeTinyPack({ id: 'patchable', episodes: 3 })))).json()) as { job: JobOut };
    await waitForJob(job.id);
    const reader = await server.newReader();
    const covers = async () =>
      ((await (await server.fetch('/api/series/patchable', { token: reader })).json()) as { episodes: Array<{ title: string | null }> }).episodes.map((e) => e.title);
    expect((await covers())[2]).toBeNull();
    const patch = await admin('/api/admin/series/patchable', {
      method: 'PATCH',
      body: JSON.stringify({ showUnreadCovers: true }),
      headers: { 'content-type': 'application/json' },
    });
    expect(patch.status).toBe(200);
    expect((await covers())[2]).toBe('Episode title 3');

    for (const body of ['{}', '{"showUnreadCovers":"yes"}', '{"showUnreadCovers":true,"title":"x"}', 'nope']) {
      const res = await admin('/api/admin/series/patchable', { method: 'PATCH', body, headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(400);
    }
    expect((await admin('/api/admin/series/nope', { method: 'PATCH', body: '{"showUnreadCovers":true}', headers: { 'content-type': 'application/json' } })).status).toBe(
      404,
    );

    expect((await admin('/api/admin/series/patchable', { method: 'DELETE' })).status).toBe(204);
    expect((await server.fetch('/api/series/patchable', { token: reader })).status).toBe(404);
    expect((await admin('/api/admin/series/patchable', { method: 'DELETE' })).status).toBe(404);
    expect((await admin('/api/admin/series/Bad_Id', { method: 'DELETE' })).status).toBe(400);
  });

  it('DELETE removes the images only this series used; images shared with another series stay', async () => {
    const files = async () => (await readdir(server.mediaDir, { recursive: true })).filter((f) => f.endsWith('.webp')).length;
    const before = await files();
    // Two packs with identical pages share every stored image (content-addressed keys).
    for (const id of ['share-a', 'share-b']) {
      const { job } = (await (await upload(await zipDir(await writeTinyPack({ id, pagesPerEpisode: 2, episodes: 1, seed: 5 })))).json()) as { job: JobOut };
      expect((await waitForJob(job.id)).state).toBe('succeeded');
    }
    const withBoth = await files();
    expect(withBoth).toBeGreaterThan(before);
    expect((await admin('/api/admin/series/share-a', { method: 'DELETE' })).status).toBe(204);
    expect(await files()).toBe(withBoth);
    expect((await admin('/api/admin/series/share-b', { method: 'DELETE' })).status).toBe(204);
    expect(await files()).toBe(before);
    // A re-import after the delete makes the images again instead of trusting a stale cache.
    const { job } = (await (await upload(await zipDir(await writeTinyPack({ id: 'share-a', pagesPerEpisode: 2, episodes: 1, seed: 5 })))).json()) as { job: JobOut };
    expect(await waitForJob(job.id)).toMatchObject({ state: 'succeeded', result: { imagesReused: 0 } });
    expect(await files()).toBe(withBoth);
  });
});

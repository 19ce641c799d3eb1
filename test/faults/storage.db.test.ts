/**
 * Storage faults during an import, end to end: the pack is uploaded to the
 * operator API, the in-process worker imports it into a real S3-API server
 * (s3rver, its own process), and the storage misbehaves:
 *
 *  - 500s on every write: the S3 client retries each request, the job retries
 *    with backoff, then fails cleanly (state `failed`, the error recorded, no
 *    series visible to readers, the API still answering); once storage is back,
 *    the same upload imports;
 *  - timeouts (writes that never get an answer) for a while: the requests time
 *    out, the job's attempt fails and the retry completes once storage answers
 *    again, reusing the images the earlier attempt already stored;
 *  - s3rver killed mid-import and restarted: the same.
 *
 * The faults come from a small loopback HTTP proxy in front of s3rver that
 * injects them (a fault injector, not a fake: every request that passes goes
 * to the real server). PostgreSQL only: the job queue and S3 are what is under
 * test, and PostgreSQL is what runs next to S3 in production (the job queue's
 * own tests run on both backends).
 */

import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, sep } from 'node:path';
import { zipSync } from 'fflate';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHandlers } from '../../src/jobs/handlers.js';
import { Worker } from '../../src/jobs/worker.js';
import { S3Storage } from '../../src/storage/s3.js';
import { backend, createTestDatabase, type TestDatabase } from '../db.js';
import { SAMPLE, startTestServer, type TestServer } from '../server.js';
import { type S3Server, startS3Server } from '../services/s3.js';

const onPostgres = backend() === 'postgres';
const ADMIN = 'storage-faults-admin-token-0123456789';

type Mode = 'pass' | 'error500' | 'hang';

interface Injector {
  endpoint: string;
  mode: Mode;
  /** Requests answered with an injected fault, by mode. */
  injected: Record<Exclude<Mode, 'pass'>, number>;
  /** Object writes that reached s3rver. */
  writesPassed: number;
  close(): Promise<void>;
}

/** A loopback proxy in front of s3rver: passes requests through, or answers object writes with 500s, or never answers them. */
async function startInjector(target: string): Promise<Injector> {
  const t = new URL(target);
  const hung = new Set<http.ServerResponse>();
  const inj: Injector = {
    endpoint: '',
    mode: 'pass',
    injected: { error500: 0, hang: 0 },
    writesPassed: 0,
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const isWrite = req.method === 'PUT';
    if (isWrite && inj.mode !== 'pass') {
      req.resume();
      if (inj.mode === 'error500') {
        inj.injected.error500++;
        res.writeHead(500, { 'content-type': 'application/xml' }).end('<?xml version="1.0"?><Error><Code>InternalError</Code><Message>injected</Message></Error>');
      } else {
        inj.injected.hang++;
        hung.add(res);
        res.on('close', () => hung.delete(res));
      }
      return;
    }
    if (isWrite) inj.writesPassed++;
    const up = http.request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    // s3rver down: drop the client's connection, as a dead server would.
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  inj.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  inj.close = async () => {
    for (const r of hung) r.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return inj;
}

let t: TestDatabase;
let s3: S3Server;
let injector: Injector;
let worker: Worker;
let server: TestServer;
let packZip: Uint8Array;

async function zipDir(dir: string): Promise<Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  async function walk(d: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else files[relative(dir, full).split(sep).join('/')] = new Uint8Array(await readFile(full));
    }
  }
  await walk(dir);
  return zipSync(files, { level: 0 });
}

beforeAll(async () => {
  if (!onPostgres) return;
  t = await createTestDatabase();
  s3 = await startS3Server();
  injector = await startInjector(s3.endpoint);
  const storage = new S3Storage({
    endpoint: injector.endpoint,
    region: 'auto',
    bucket: s3.bucket,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    publicUrlPrefix: `${s3.endpoint}/${s3.bucket}`,
    // A write that gets no answer for 1 s is a timeout (the SDK then retries it, 3 attempts in all).
    requestTimeoutMs: 1_000,
  });
  worker = new Worker({
    db: t.database.db,
    handlers: jobHandlers({ database: t.database, storage, importConcurrency: 2 }),
    logger: pino({ level: 'silent' }),
    concurrency: 1,
    pollMs: 50,
    retryBaseMs: 300,
  });
  worker.start();
  server = await startTestServer(t.database, { storage, adminToken: ADMIN, jobs: { wake: () => worker.wake(), maxUploadBytes: 50 * 1024 * 1024 } });
  packZip = await zipDir(SAMPLE);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await server?.close();
  await injector?.close();
  await s3?.stop();
  await t?.close();
});

interface Job {
  id: string;
  state: string;
  attempts: number;
  maxAttempts: number;
  error: string | null;
  result: { imagesMade: number; imagesReused: number; pages: number } | null;
}

const admin = { authorization: `Bearer ${ADMIN}` };

async function upload(): Promise<string> {
  const res = await server.fetch('/api/admin/imports?filename=moth.zip', {
    method: 'POST',
    headers: { ...admin, 'content-type': 'application/zip' },
    body: Buffer.from(packZip),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { job: Job }).job.id;
}

async function job(id: string): Promise<Job> {
  const res = await server.fetch(`/api/admin/jobs/${id}`, { headers: admin });
  expect(res.status).toBe(200);
  return ((await res.json()) as { job: Job }).job;
}

async function until(id: string, ok: (j: Job) => boolean, ms = 120_000): Promise<Job> {
  const end = Date.now() + ms;
  for (;;) {
    const j = await job(id);
    if (ok(j)) return j;
    if (Date.now() > end) throw new Error(`job ${id} did not get there: ${JSON.stringify(j)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What readers see: the series ids in the library. */
async function visibleSeries(): Promise<string[]> {
  const res = await server.fetch('/api/series');
  expect(res.status).toBe(200);
  return ((await res.json()) as { series: Array<{ id: string }> }).series.map((s) => s.id);
}

const deleteSeries = async () => {
  const res = await server.fetch('/api/admin/series/moth-and-lantern', { method: 'DELETE', headers: admin });
  expect([204, 404]).toContain(res.status);
};

describe.skipIf(!onPostgres)('storage faults during an import (S3 behind a fault-injecting proxy; PostgreSQL)', () => {
  it('500s on every write: the client and the job retry, then the job fails cleanly; the same upload imports once storage is back', async () => {
    injector.mode = 'error500';
    const id = await upload();
    const failed = await until(id, (j) => j.state === 'failed' || j.state === 'succeeded');
    expect(failed.state).toBe('failed');
    expect(failed.attempts).toBe(failed.maxAttempts);
    expect(failed.error).toBeTruthy();
    // Each attempt's first write was tried 3 times by the S3 client.
    expect(injector.injected.error500).toBeGreaterThanOrEqual(3 * failed.maxAttempts);
    // Readers never saw a half-imported series; the API kept answering.
    expect(await visibleSeries()).not.toContain('moth-and-lantern');
    expect((await server.fetch('/ready')).status).toBe(200);

    injector.mode = 'pass';
    const again = await until(await upload(), (j) => j.state === 'succeeded' || j.state === 'failed');
    expect(again.state).toBe('succeeded');
    expect(await visibleSeries()).toContain('moth-and-lantern');
    await deleteSeries();
  }, 180_000);

  it('timeouts (writes that never get an answer): the attempt fails, the retry completes once storage answers, reusing what was stored', async () => {
    // Let a few images through, then stop answering writes.
    injector.mode = 'pass';
    const passedBefore = injector.writesPassed;
    const id = await upload();
    const deadline = Date.now() + 60_000;
    while (injector.writesPassed - passedBefore < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    injector.mode = 'hang';
    await until(id, (j) => j.attempts >= 2 || j.state === 'failed');
    injector.mode = 'pass';
    const done = await until(id, (j) => j.state === 'succeeded' || j.state === 'failed');
    expect(done.state, JSON.stringify(done)).toBe('succeeded');
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(injector.injected.hang).toBeGreaterThan(0);
    expect(done.result!.imagesReused).toBeGreaterThan(0);
    expect(await visibleSeries()).toContain('moth-and-lantern');
    await deleteSeries();
  }, 180_000);

  it('s3rver killed mid-import and restarted: the job retries and completes', async () => {
    injector.mode = 'pass';
    const passedBefore = injector.writesPassed;
    const id = await upload();
    const deadline = Date.now() + 60_000;
    while (injector.writesPassed - passedBefore < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await s3.kill();
    await until(id, (j) => j.attempts >= 2 || j.state === 'failed');
    expect(await visibleSeries()).not.toContain('moth-and-lantern');
    await s3.restart();
    const done = await until(id, (j) => j.state === 'succeeded' || j.state === 'failed');
    expect(done.state, JSON.stringify(done)).toBe('succeeded');
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(await visibleSeries()).toContain('moth-and-lantern');
  }, 180_000);
});

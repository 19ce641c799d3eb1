/**
 * `folio doctor` as an operator runs it (a real process, from source): an
 * embedded database in a temp dir, a fake Ollama, a real S3-API server
 * (s3rver). Each test injects one fault and checks that the doctor names
 * that layer first, with its fix. And `--url` against a real running Folio
 * and against a dead port.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFolio } from '../../test/cli.js';
import { startFakeAnthropic } from '../../test/fakes/anthropic.js';
import { type CompanionServer, startCompanionServer } from '../../test/fakes/folio.js';
import type { FakeModelServer } from '../../test/fakes/model-server.js';
import { startFakeOllama } from '../../test/fakes/ollama.js';
import { startFakeOpenAI } from '../../test/fakes/openai.js';
import { writeTinyPack } from '../../test/packs.js';
import { freePort } from '../../test/services/free-port.js';
import { type S3Server, startS3Server } from '../../test/services/s3.js';
import { importPack } from '../content/importer.js';
import { type Database, openDatabase } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import type { CheckResult } from './types.js';

interface Report {
  ok: boolean;
  firstFailure: CheckResult | null;
  checks: CheckResult[];
}

let data: string;
let ollama: FakeModelServer;
let s3: S3Server;
const dirs: string[] = [];

/** Everything healthy: embedded database (migrated), local images, no model, no embeddings. */
const base = (): Record<string, string> => ({ FOLIO_DATA_DIR: data, FOLIO_MODEL: 'none', FOLIO_EMBED_MODEL: 'none' });
const withOllama = (): Record<string, string> => ({ FOLIO_MODEL: 'ollama', FOLIO_MODEL_BASE_URL: ollama.url, FOLIO_CHAT_MODEL: 'llama3.2:3b' });

async function doctor(env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; report: Report; stderr: string }> {
  const r = await runFolio(['doctor', '--json', ...args], env);
  let report: Report;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch {
    throw new Error(`doctor printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, report, stderr: r.stderr };
}

const layer = (report: Report, name: string) => report.checks.find((c) => c.layer === name)!;

beforeAll(async () => {
  data = await mkdtemp(join(tmpdir(), 'folio-doctor-'));
  [ollama, s3] = await Promise.all([startFakeOllama(), startS3Server('folio-doctor')]);
  const migrated = await runFolio(['migrate'], { FOLIO_DATA_DIR: data });
  expect(migrated.code, migrated.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await ollama?.close();
  await s3?.stop();
  for (const d of [data, ...dirs]) if (d) await rm(d, { recursive: true, force: true });
});

describe('folio doctor (this instance)', () => {
  it('every layer in order; all good exits 0; the model check sends the Modal proxy headers', async () => {
    ollama.requests.length = 0;
    const { code, report } = await doctor({ ...base(), ...withOllama(), MODAL_PROXY_TOKEN_ID: 'wk-doctor-id', MODAL_PROXY_TOKEN_SECRET: 'ws-doctor-secret' });
    expect(report.checks.map((c) => c.layer)).toEqual([
      'config',
      'database',
      'pgvector',
      'storage',
      'storage.public',
      'model',
      'embeddings',
      'ocr',
      'retention',
      'accounts',
      'backup',
      'cors',
      'web',
    ]);
    expect(layer(report, 'accounts')).toMatchObject({ status: 'pass', summary: expect.stringMatching(/^passkeys on; no community login/) });
    expect(layer(report, 'retention').summary).toMatch(/^off \(FOLIO_RETENTION_DAYS=0\): \d+ readers/);
    // The offline OCR engine and the language of the imported sample series.
    expect(layer(report, 'ocr')).toMatchObject({ status: 'pass', summary: expect.stringMatching(/^auto .*en: tesseract\.js@7[^;]*\+eng@/) });
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.firstFailure).toBeNull();
    expect(layer(report, 'database').summary).toMatch(/embedded PGlite .*migrated/);
    expect(layer(report, 'storage')).toMatchObject({ status: 'pass' });
    expect(layer(report, 'model')).toMatchObject({ status: 'pass' });
    expect(layer(report, 'model').summary).toContain('llama3.2:3b');
    expect(layer(report, 'pgvector').status).toBe('skip');
    const tags = ollama.requests.find((r) => r.path === '/api/tags')!;
    expect(tags.headers['modal-key']).toBe('wk-doctor-id');
    expect(tags.headers['modal-secret']).toBe('ws-doctor-secret');
  });

  it('a readable table: marks, the fix under the broken layer, and the first broken layer named', async () => {
    const r = await runFolio(['doctor'], { ...base(), ...withOllama(), FOLIO_CHAT_MODEL: 'qwen-not-pulled:7b' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ ✓ config /m);
    expect(r.stdout).toMatch(/^ ✗ model /m);
    expect(r.stdout).toMatch(/^ – storage\.public +skipped: /m);
    expect(r.stdout).toMatch(/fix: `ollama pull qwen-not-pulled:7b`/);
    expect(r.stdout).toMatch(/The model layer is broken\. Fix: /);
  });

  it('configuration: one of the Modal pair → the config layer fails naming the missing one; nothing else is tried', async () => {
    const { code, report } = await doctor({ ...base(), ...withOllama(), MODAL_PROXY_TOKEN_ID: 'wk-only-the-id' });
    expect(code).toBe(1);
    expect(report.firstFailure).toMatchObject({ layer: 'config', status: 'fail' });
    expect(report.firstFailure!.summary).toContain('MODAL_PROXY_TOKEN_SECRET: is required because MODAL_PROXY_TOKEN_ID is set');
    expect(report.firstFailure!.fix).toContain('set MODAL_PROXY_TOKEN_SECRET too');
    expect(report.checks.slice(1).every((c) => c.status === 'skip')).toBe(true);
  });

  it('model down (the fake server closed) → the model layer fails with the fix', async () => {
    const gone = await startFakeOllama();
    await gone.close();
    const { code, report } = await doctor({ ...base(), ...withOllama(), FOLIO_MODEL_BASE_URL: gone.url });
    expect(code).toBe(1);
    expect(report.firstFailure).toMatchObject({ layer: 'model' });
    expect(report.firstFailure!.summary).toContain(`the model server at ${gone.url} is not reachable`);
    expect(report.firstFailure!.fix).toContain('FOLIO_MODEL_BASE_URL');
  });

  it('a chat model that is not pulled → the model layer says which and how to pull it', async () => {
    const { report } = await doctor({ ...base(), ...withOllama(), FOLIO_CHAT_MODEL: 'mistral:7b' });
    expect(report.firstFailure!.layer).toBe('model');
    expect(report.firstFailure!.summary).toContain('FOLIO_CHAT_MODEL=mistral:7b is not pulled');
    expect(report.firstFailure!.summary).toContain('llama3.2:3b');
    expect(report.firstFailure!.fix).toContain('ollama pull mistral:7b');
  });

  it('Anthropic: an authenticated Models API call; a refused key or an unknown model fails the model layer', async () => {
    const anthropic = await startFakeAnthropic();
    try {
      anthropic.set({ apiKey: 'sk-ant-doctor' });
      const env = {
        ...base(),
        FOLIO_MODEL: 'anthropic',
        FOLIO_MODEL_BASE_URL: `${anthropic.url}/v1`,
        FOLIO_MODEL_API_KEY: 'sk-ant-doctor',
        FOLIO_CHAT_MODEL: 'claude-sonnet-4-5',
      };
      const good = await doctor(env);
      expect(layer(good.report, 'model')).toMatchObject({ status: 'pass', summary: 'Anthropic accepts the key and has claude-sonnet-4-5' });
      expect(anthropic.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models/claude-sonnet-4-5' });
      const badKey = await doctor({ ...env, FOLIO_MODEL_API_KEY: 'sk-ant-wrong' });
      expect(badKey.report.firstFailure).toMatchObject({ layer: 'model' });
      expect(badKey.report.firstFailure!.fix).toContain('FOLIO_MODEL_API_KEY');
      expect(JSON.stringify(badKey.report)).not.toContain('sk-ant-wrong');
      const unknown = await doctor({ ...env, FOLIO_CHAT_MODEL: 'gpt-4o' });
      expect(unknown.report.firstFailure!.summary).toContain('does not know the model "gpt-4o"');
    } finally {
      await anthropic.close();
    }
  });

  it('OpenAI-compatible: GET /models with the key; a model it does not serve fails', async () => {
    const openai = await startFakeOpenAI();
    try {
      const env = { ...base(), FOLIO_MODEL: 'openai', FOLIO_MODEL_BASE_URL: `${openai.url}/v1`, FOLIO_MODEL_API_KEY: 'sk-doctor', FOLIO_CHAT_MODEL: 'fake-chat' };
      expect(layer((await doctor(env)).report, 'model')).toMatchObject({ status: 'pass' });
      expect(openai.requests.at(-1)!.headers.authorization).toBe('Bearer sk-doctor');
      const missing = await doctor({ ...env, FOLIO_CHAT_MODEL: 'gpt-5' });
      expect(missing.report.firstFailure!.summary).toContain('FOLIO_CHAT_MODEL=gpt-5 is not among the models');
      expect(missing.report.firstFailure!.summary).toContain('fake-chat');
    } finally {
      await openai.close();
    }
  });

  describe('S3 storage', () => {
    const s3env = (bucket: string, prefix?: string) => ({
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: 'us-east-1',
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_PUBLIC_URL_PREFIX: prefix ?? `${s3.endpoint}/${bucket}`,
    });

    it('a working bucket: put/head/delete of a probe object, and the probe fetched through the public URL', async () => {
      const client = new S3Client({
        endpoint: s3.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      });
      const probes = async () => ((await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'doctor/' }))).Contents ?? []).map((o) => o.Key);
      // An object already under the prefix (a probe left by a killed run) shows the listing works.
      const leftover = `doctor/00/${'0'.repeat(64)}.png`;
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: leftover, Body: 'x' }));
      expect(await probes()).toEqual([leftover]);
      const { code, report } = await doctor({ ...base(), ...s3env(s3.bucket) });
      expect(layer(report, 'storage')).toMatchObject({ status: 'pass' });
      expect(layer(report, 'storage.public')).toMatchObject({ status: 'pass' });
      expect(code).toBe(0);
      // The doctor's own probe was deleted again.
      expect(await probes()).toEqual([leftover]);
      client.destroy();
    });

    it('a missing bucket → the storage layer fails naming it; the public URL is skipped', async () => {
      const { code, report } = await doctor({ ...base(), ...s3env('no-such-bucket') });
      expect(code).toBe(1);
      expect(report.firstFailure).toMatchObject({ layer: 'storage' });
      expect(report.firstFailure!.summary).toContain('the bucket "no-such-bucket" does not exist');
      expect(report.firstFailure!.fix).toContain('S3_BUCKET');
      expect(layer(report, 'storage.public').status).toBe('skip');
    });

    it('a public URL prefix that does not serve the bucket → storage passes, storage.public fails', async () => {
      const { report } = await doctor({ ...base(), ...s3env(s3.bucket, `${s3.endpoint}/another-bucket`) });
      expect(layer(report, 'storage').status).toBe('pass');
      expect(report.firstFailure).toMatchObject({ layer: 'storage.public' });
      expect(report.firstFailure!.summary).toMatch(/answered 404 for an object that exists/);
      expect(report.firstFailure!.fix).toContain('S3_PUBLIC_URL_PREFIX');
    });
  });

  it('the embedded database held by a running process → a warning that names it, and the database checks skipped', async () => {
    // This test process holds the data dir like a running `folio serve` would.
    const held: Database = await openDatabase({ kind: 'pglite', dataDir: join(data, 'pglite') });
    try {
      const { code, report } = await doctor(base());
      expect(layer(report, 'database')).toMatchObject({ status: 'warn' });
      expect(layer(report, 'database').summary).toContain(`(pid ${process.pid})`);
      expect(layer(report, 'database').fix).toContain('folio doctor --url');
      expect(code).toBe(0);
    } finally {
      await held.close();
    }
  });

  it('an empty data dir → the database layer says to migrate', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'folio-doctor-empty-'));
    dirs.push(empty);
    const { report } = await doctor({ ...base(), FOLIO_DATA_DIR: empty });
    expect(report.firstFailure).toMatchObject({ layer: 'database' });
    expect(report.firstFailure!.fix).toContain('folio migrate');
  });

  it('CORS: a plain-http origin of another host is a warning (cross-site cookies need HTTPS)', async () => {
    const { code, report } = await doctor({ ...base(), CORS_ORIGINS: 'http://reader.example.com,https://app.example.com' });
    expect(layer(report, 'cors')).toMatchObject({ status: 'warn' });
    expect(layer(report, 'cors').summary).toContain('http://reader.example.com');
    expect(code).toBe(0);
  });
});

describe('folio doctor --url (a deployment from outside)', () => {
  let server: CompanionServer;
  let database: Database;

  beforeAll(async () => {
    database = await openDatabase({ kind: 'pglite', dataDir: undefined });
    await migrate(database);
    server = await startCompanionServer(database, {
      ...withOllama(),
      FOLIO_EMBED_MODEL: 'none',
      FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS: '1000',
      FOLIO_MODEL_TOTAL_TIMEOUT_MS: '5000',
    });
    await importPack({ database, storage: server.storage }, await writeTinyPack({ id: 'doctor-remote' }));
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await database?.close();
  });

  it('a running Folio: health, ready, reader API and a chat round trip on the first page all pass', async () => {
    ollama.set({ persona: 'fixed', text: 'Line of episode 1 page 1 [1/1].', fault: 'none' });
    const { code, report } = await doctor({}, ['--url', server.url]);
    expect(report.checks.map((c) => [c.layer, c.status])).toEqual([
      ['health', 'pass'],
      ['ready', 'pass'],
      ['reader-api', 'pass'],
      ['chat', 'pass'],
    ]);
    expect(layer(report, 'chat').summary).toContain('model answer from ollama:llama3.2:3b');
    expect(layer(report, 'chat').summary).toContain('doctor-remote 1/1');
    expect(code).toBe(0);
  });

  it('the model unreachable from the server → the chat step fails with the code and points at the model layer', async () => {
    ollama.set({ fault: 'refuse' });
    try {
      const { code, report } = await doctor({}, ['--url', server.url]);
      expect(code).toBe(1);
      expect(report.firstFailure).toMatchObject({ layer: 'chat' });
      expect(report.firstFailure!.summary).toContain('unavailable:model');
      expect(report.firstFailure!.fix).toContain('model layer');
    } finally {
      ollama.set({ fault: 'none' });
    }
  });

  it('a dead port → fails at health, the rest skipped', async () => {
    const port = await freePort();
    const { code, report } = await doctor({}, ['--url', `http://127.0.0.1:${port}`]);
    expect(code).toBe(1);
    expect(report.checks.map((c) => [c.layer, c.status])).toEqual([
      ['health', 'fail'],
      ['ready', 'skip'],
      ['reader-api', 'skip'],
      ['chat', 'skip'],
    ]);
    expect(report.firstFailure!.summary).toContain('cannot reach');
  });
});

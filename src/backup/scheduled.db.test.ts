/**
 * Backups to a bucket for the cloud shape, against a real S3-API server (s3rver) on PGlite and PostgreSQL:
 * the scheduled `backup` job writes an archive and queues its next run, old ones are pruned, and a fresh
 * `folio serve` with FOLIO_RESTORE_ON_EMPTY comes up with the newest backup's library and readers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, createPostgresDatabase, createTestDatabase, type TestDatabase } from '../../test/db.js';
import { freePort } from '../../test/services/free-port.js';
import { type S3Server, startS3Server } from '../../test/services/s3.js';
import { type Config, loadConfig } from '../config/env.js';
import { queryRows } from '../db/client.js';
import { checkBackup } from '../doctor/backup.js';
import { jobHandlers } from '../jobs/handlers.js';
import { renderMetrics } from '../observability/metrics.js';
import { createReader } from '../readers/readers.js';
import { startServer } from '../server/serve.js';
import { LocalStorage } from '../storage/local.js';
import { BackupBucket, type BucketSettings, backupName } from './bucket.js';
import { BACKUP_JOB } from './last-run.js';
import { restoreNewestIfEmpty } from './scheduled.js';

const logger = pino({ level: 'silent' });
let s3: S3Server;
let t: TestDatabase;
let settings: BucketSettings;
let token: string;
const dirs: string[] = [];

beforeAll(async () => {
  s3 = await startS3Server();
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'auto',
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  await client.send(new CreateBucketCommand({ Bucket: 'folio-backups' }));
  client.destroy();
  settings = { endpoint: s3.endpoint, region: 'auto', bucket: 'folio-backups', accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
  t = await createTestDatabase();
  await t.database.db.execute(sql`INSERT INTO series (id, title, content_hash) VALUES ('s', 'Backed up', 'h')`);
  ({ token } = await createReader(t.database.db));
}, 120_000);
afterAll(async () => {
  await t?.close();
  await s3?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('the scheduled backup job', () => {
  it('writes the database to the private bucket and queues its next run', async () => {
    const deps = { database: t.database, storage: new LocalStorage('/nonexistent'), importConcurrency: 1, backup: { settings, everyMs: 3_600_000, keep: 3 } };
    const config = { backup: { bucket: 'folio-backups', everyMs: 3_600_000, keep: 3, restoreOnEmpty: false } } as Config;
    expect(await checkBackup(config, t.database)).toMatchObject({ status: 'warn', summary: expect.stringMatching(/none has finished yet/) });
    const result = await jobHandlers(deps)[BACKUP_JOB]!({ job: {} as never, signal: new AbortController().signal, progress: () => {}, log: logger });
    expect(result).toMatchObject({ name: expect.stringMatching(/^folio-\d{8}T\d{6}Z\.tar\.gz$/), pruned: 0 });
    expect(result.bytes).toBeGreaterThan(100);
    expect(result.rows).toBeGreaterThanOrEqual(2);
    const bucket = new BackupBucket(settings);
    expect(await bucket.list()).toEqual([result.name]);
    bucket.close();
    const [next] = await queryRows<{ in_s: number }>(
      t.database.db,
      sql`SELECT extract(epoch FROM run_after - now())::float8 AS in_s FROM jobs WHERE kind = ${BACKUP_JOB} AND state = 'queued'`,
    );
    expect(next!.in_s).toBeGreaterThan(3500);
    // The doctor and /metrics read the run from the jobs table (a separate worker has no endpoint).
    await t.database.db.execute(sql`INSERT INTO jobs (kind, state, finished_at, result) VALUES (${BACKUP_JOB}, 'succeeded', now(), ${JSON.stringify(result)}::jsonb)`);
    expect(await checkBackup(config, t.database)).toMatchObject({ status: 'pass', summary: expect.stringContaining(`the last, ${result.name}`) });
    expect((await renderMetrics(t.database.db)).body).toMatch(/^folio_backup_last_success_timestamp_seconds \d+/m);
  });

  it('keeps only the newest N, and leaves objects that are not backups alone', async () => {
    const bucket = new BackupBucket({ ...settings, bucket: s3.bucket });
    try {
      for (const day of [1, 2, 3, 4]) await bucket.upload(backupName(new Date(Date.UTC(2026, 0, day))), join(process.cwd(), 'package.json'));
      expect(await bucket.prune(2)).toEqual([backupName(new Date(Date.UTC(2026, 0, 1))), backupName(new Date(Date.UTC(2026, 0, 2)))]);
      expect(await bucket.list()).toEqual([backupName(new Date(Date.UTC(2026, 0, 3))), backupName(new Date(Date.UTC(2026, 0, 4)))]);
    } finally {
      bucket.close();
    }
  });
});

describe('restore on an empty database', () => {
  it('a non-empty database is left alone; an empty bucket starts empty', async () => {
    expect(await restoreNewestIfEmpty(t.database, new LocalStorage('/nonexistent'), settings)).toEqual({ restored: null, why: 'not_empty' });
    const fresh = await createTestDatabase();
    try {
      const empty = { ...settings, bucket: s3.bucket };
      const bucket = new BackupBucket(empty);
      for (const name of await bucket.list()) await bucket.prune(0).then(() => name);
      bucket.close();
      expect(await restoreNewestIfEmpty(fresh.database, new LocalStorage('/nonexistent'), empty)).toEqual({ restored: null, why: 'no_backup' });
    } finally {
      await fresh.close();
    }
  });

  it('`folio serve` with FOLIO_RESTORE_ON_EMPTY comes up with the newest backup: the library, and readers who keep their token', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'folio-restore-serve-'));
    dirs.push(dataDir);
    const pg = backend() === 'postgres' ? await createPostgresDatabase() : null;
    const env: Record<string, string> = {
      PORT: String(await freePort()),
      FOLIO_DATA_DIR: dataDir,
      FOLIO_SAMPLE: 'false',
      FOLIO_MODEL: 'none',
      FOLIO_EMBED_MODEL: 'none',
      FOLIO_WORKER: 'off',
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: 'auto',
      S3_BUCKET: s3.bucket,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_PUBLIC_URL_PREFIX: `${s3.endpoint}/${s3.bucket}`,
      FOLIO_BACKUP_BUCKET: 'folio-backups',
      FOLIO_RESTORE_ON_EMPTY: 'true',
      ...(pg ? { DATABASE_URL: pg.url } : {}),
    };
    const server = await startServer(loadConfig(env), logger);
    try {
      await server.ready;
      const series = (await (await fetch(`${server.url}/api/series`)).json()) as { series: Array<{ id: string; title: string }> };
      expect(series.series.map((s) => s.title)).toEqual(['Backed up']);
      const me = await fetch(`${server.url}/api/series/s/progress`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
    } finally {
      await server.close({ graceMs: 0 });
      await pg?.drop();
    }
  });
});

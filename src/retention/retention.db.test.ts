/**
 * Retention on PGlite and PostgreSQL: which readers count as inactive (every trace of activity, not only
 * last_seen_at), that everything of theirs goes with them, old finished jobs, batches, and the scheduled
 * job as a worker runs it (one queued run however many workers ensure it, the next queued by each run).
 */
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { type Config, loadConfig } from '../config/env.js';
import { queryRows } from '../db/client.js';
import { checkRetention } from '../doctor/retention.js';
import { jobHandlers, scheduleJobs } from '../jobs/handlers.js';
import { Worker } from '../jobs/worker.js';
import { renderMetrics } from '../observability/metrics.js';
import { authenticateReader, createReader } from '../readers/readers.js';
import { startJobWorker } from '../server/job-worker.js';
import { LocalStorage } from '../storage/local.js';
import { RETENTION_EVERY_MS, RETENTION_JOB, runRetention } from './retention.js';

let t: TestDatabase;
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  t = await createTestDatabase();
  await t.database.db.execute(sql`INSERT INTO series (id, title, content_hash) VALUES ('s', 'S', 'h')`);
}, 120_000);
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.database.db.execute(sql`DELETE FROM readers`);
  await t.database.db.execute(sql`DELETE FROM jobs`);
});

const db = () => t.database.db;
const ago = (days: number) => sql`now() - make_interval(days => ${days}::int)`;
const count = async (table: string, where = sql`true`) =>
  (await queryRows<{ n: number }>(db(), sql`SELECT count(*)::int AS n FROM ${sql.raw(table)} WHERE ${where}`))[0]!.n;

/** A reader last seen `seenDaysAgo` days ago, with progress, a conversation of two messages and an assistant token. */
async function reader(seenDaysAgo: number, traces: { progress?: number; conversation?: number; token?: number } = {}): Promise<string> {
  const { id } = await createReader(db());
  await db().execute(sql`UPDATE readers SET last_seen_at = ${ago(seenDaysAgo)}, created_at = ${ago(seenDaysAgo)} WHERE id = ${id}`);
  await db().execute(sql`INSERT INTO progress (reader_id, series_id, episode, page, updated_at) VALUES (${id}, 's', 1, 1, ${ago(traces.progress ?? seenDaysAgo)})`);
  await db().execute(
    sql`INSERT INTO conversations (reader_id, id, series_id, created_at, updated_at) VALUES (${id}, 'c1', 's', ${ago(seenDaysAgo)}, ${ago(traces.conversation ?? seenDaysAgo)})`,
  );
  for (const role of ['user', 'assistant']) {
    await db().execute(sql`INSERT INTO messages (reader_id, conversation_id, role, text, episode, page, status) VALUES (${id}, 'c1', ${role}, 'hi', 1, 1, 'complete')`);
  }
  await db().execute(
    sql`INSERT INTO reader_tokens (reader_id, token_hash, label, last_used_at) VALUES (${id}, ${`h-${id}`}, 'assistant', ${ago(traces.token ?? seenDaysAgo)})`,
  );
  return id;
}

async function finishedJob(state: string, daysAgo: number | null): Promise<void> {
  await db().execute(sql`INSERT INTO jobs (kind, state, finished_at) VALUES ('import', ${state}, ${daysAgo === null ? null : ago(daysAgo)})`);
}

describe('runRetention', () => {
  it('deletes readers with no trace of activity in the period, with their progress, conversations, messages and tokens', async () => {
    const gone = await reader(200);
    const keep = {
      recent: await reader(3),
      progress: await reader(200, { progress: 10 }),
      conversation: await reader(200, { conversation: 10 }),
      token: await reader(200, { token: 10 }),
    };
    const r = await runRetention(db(), 180);
    expect(r).toEqual({ days: 180, readers: 1, jobs: 0 });
    const left = (await queryRows<{ id: string }>(db(), sql`SELECT id FROM readers`)).map((x) => x.id).sort();
    expect(left).toEqual(Object.values(keep).sort());
    for (const table of ['progress', 'conversations', 'messages', 'reader_tokens']) expect(await count(table, sql`reader_id = ${gone}`), table).toBe(0);
    expect(await count('messages')).toBe(8);
  });

  it('deletes jobs finished before the period, never queued or running ones', async () => {
    await finishedJob('succeeded', 200);
    await finishedJob('failed', 200);
    await finishedJob('cancelled', 181);
    await finishedJob('succeeded', 10);
    await finishedJob('queued', null);
    await db().execute(sql`UPDATE jobs SET created_at = ${ago(400)}`);
    expect(await runRetention(db(), 180)).toEqual({ days: 180, readers: 0, jobs: 3 });
    expect((await queryRows<{ state: string }>(db(), sql`SELECT state FROM jobs ORDER BY state`)).map((j) => j.state)).toEqual(['queued', 'succeeded']);
  });

  it('works through more than one batch, and reports progress', async () => {
    await db().execute(sql`INSERT INTO readers (last_seen_at) SELECT now() - interval '400 days' FROM generate_series(1, 1203) g`);
    const seen: number[] = [];
    const r = await runRetention(db(), 30, { onProgress: (p) => seen.push(p.readers) });
    expect(r.readers).toBe(1203);
    expect(seen.slice(0, 3)).toEqual([500, 1000, 1203]);
    expect(await count('readers')).toBe(0);
  });

  it('0 days keeps everything', async () => {
    await reader(5000);
    await finishedJob('succeeded', 5000);
    expect(await runRetention(db(), 0)).toEqual({ days: 0, readers: 0, jobs: 0 });
    expect([await count('readers'), await count('jobs')]).toEqual([1, 1]);
  });
});

describe('a reader stays active by using Folio', () => {
  it('its own token refreshes last_seen_at once it is an hour old (not on every request)', async () => {
    const { id, token } = await createReader(db());
    await db().execute(sql`UPDATE readers SET last_seen_at = now() - interval '30 minutes' WHERE id = ${id}`);
    await authenticateReader(db(), token);
    expect(await count('readers', sql`last_seen_at < now() - interval '29 minutes'`)).toBe(1);
    await db().execute(sql`UPDATE readers SET last_seen_at = now() - interval '200 days' WHERE id = ${id}`);
    await authenticateReader(db(), token);
    expect(await count('readers', sql`last_seen_at > now() - interval '1 minute'`)).toBe(1);
    expect((await runRetention(db(), 180)).readers).toBe(0);
  });
});

describe('the retention job', () => {
  const config = (retentionDays: number) => ({ retentionDays }) as Config;

  it('is queued once however many workers ensure it; a run deletes, queues the next, and is what /metrics and the doctor report', async () => {
    const deps = { database: t.database, storage: new LocalStorage('/nonexistent'), importConcurrency: 1, retentionDays: 180 };
    await Promise.all([scheduleJobs(deps, 0), scheduleJobs(deps, 0), scheduleJobs(deps, 0)]);
    expect(await count('jobs', sql`kind = ${RETENTION_JOB} AND state = 'queued'`)).toBe(1);
    await reader(200);
    await reader(1);
    await finishedJob('failed', 365);

    const w = new Worker({ db: db(), handlers: jobHandlers(deps), logger, concurrency: 1, pollMs: 20 });
    w.start();
    try {
      const end = Date.now() + 15_000;
      while ((await count('jobs', sql`kind = ${RETENTION_JOB} AND state = 'succeeded'`)) === 0) {
        if (Date.now() > end) throw new Error('the retention job did not finish');
        await new Promise((r) => setTimeout(r, 25));
      }
    } finally {
      await w.stop(5_000);
    }
    const [done] = await queryRows<{ result: Record<string, number> }>(db(), sql`SELECT result FROM jobs WHERE kind = ${RETENTION_JOB} AND state = 'succeeded'`);
    expect(done!.result).toEqual({ days: 180, readers: 1, jobs: 1 });
    const [next] = await queryRows<{ in_s: number }>(
      db(),
      sql`SELECT extract(epoch FROM run_after - now())::float8 AS in_s FROM jobs WHERE kind = ${RETENTION_JOB} AND state = 'queued'`,
    );
    expect(next!.in_s).toBeGreaterThan(RETENTION_EVERY_MS / 1000 - 60);
    expect(next!.in_s).toBeLessThanOrEqual(RETENTION_EVERY_MS / 1000);

    const metrics = (await renderMetrics(db(), undefined, { retentionDays: 180 })).body;
    expect(metrics).toMatch(/^folio_retention_days 180$/m);
    expect(metrics).toMatch(/^folio_retention_last_run_deleted\{what="readers"\} 1$/m);
    expect(metrics).toMatch(/^folio_retention_last_run_timestamp_seconds \d+/m);
    const check = await checkRetention(config(180), t.database);
    expect(check.status).toBe('pass');
    expect(check.summary).toMatch(/last run 0 h ago deleted 1 readers and 1 jobs; 0 readers are due/);
  });

  it('turned off: nothing is scheduled, a run left queued deletes nothing and queues no next one', async () => {
    const deps = { database: t.database, storage: new LocalStorage('/nonexistent'), importConcurrency: 1, retentionDays: 0 };
    await scheduleJobs(deps, 0);
    expect(await count('jobs')).toBe(0);
    await reader(900);
    const r = await jobHandlers(deps)[RETENTION_JOB]!({
      job: {} as never,
      signal: new AbortController().signal,
      progress: () => {},
      log: logger,
    });
    expect(r).toEqual({ days: 0, readers: 0, jobs: 0 });
    expect([await count('readers'), await count('jobs')]).toEqual([1, 0]);
    expect((await checkRetention(config(0), t.database)).summary).toMatch(/^off \(FOLIO_RETENTION_DAYS=0\): 1 readers/);
  });

  it('a worker as `folio serve` and `folio worker` start it queues the first run a minute later', async () => {
    const config = loadConfig({ FOLIO_RETENTION_DAYS: '90', FOLIO_MODEL: 'none', FOLIO_EMBED_MODEL: 'none' });
    const w = startJobWorker(config, { database: t.database, storage: new LocalStorage('/nonexistent'), logger, embedder: () => null });
    try {
      const end = Date.now() + 10_000;
      while ((await count('jobs', sql`kind = ${RETENTION_JOB} AND state = 'queued'`)) === 0) {
        if (Date.now() > end) throw new Error('no retention run was queued');
        await new Promise((r) => setTimeout(r, 25));
      }
    } finally {
      await w.stop(5_000);
    }
    const [job] = await queryRows<{ in_s: number }>(db(), sql`SELECT extract(epoch FROM run_after - now())::float8 AS in_s FROM jobs WHERE kind = ${RETENTION_JOB}`);
    expect(job!.in_s).toBeGreaterThan(45);
    expect(job!.in_s).toBeLessThanOrEqual(60);
  });

  it('the doctor warns when retention is on but no run has finished', async () => {
    const check = await checkRetention(config(30), t.database);
    expect(check).toMatchObject({ status: 'warn' });
    expect(check.fix).toMatch(/job worker/);
  });
});

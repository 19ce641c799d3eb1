/** The job queue and worker on PGlite and PostgreSQL: claims, leases, retries, cancellation, takeover. */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backend, createTestDatabase, type TestDatabase } from '../../test/db.js';
import { type Database, openDatabase } from '../db/client.js';
import { FolioError } from '../errors.js';
import { JobQueue } from './jobs.js';
import * as q from './queries.js';
import { type JobHandler, soleSleepMs, Worker } from './worker.js';

let t: TestDatabase;
let queue: JobQueue;
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  t = await createTestDatabase();
  queue = new JobQueue(t.database.db);
}, 120_000);

afterAll(async () => {
  await t?.close();
});

beforeEach(async () => {
  await t.database.db.execute(sql`DELETE FROM jobs`);
});

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function worker(handlers: Record<string, JobHandler>, opts: Partial<ConstructorParameters<typeof Worker>[0]> = {}): Worker {
  return new Worker({ db: t.database.db, handlers, logger, concurrency: 1, pollMs: 20, leaseMs: 600, retryBaseMs: 50, ...opts });
}

describe('job queue', () => {
  it('claims the oldest due job once, and only kinds it can run', async () => {
    const a = await queue.enqueue('a', { n: 1 });
    await queue.enqueue('b', { n: 2 });
    const first = await q.claimJob(t.database.db, 'w1', 10_000, ['a']);
    expect(first).toMatchObject({ id: a.id, state: 'running', attempts: 1, locked_by: 'w1' });
    expect(await q.claimJob(t.database.db, 'w2', 10_000, ['a'])).toBeNull();
    expect((await q.claimJob(t.database.db, 'w2', 10_000, ['b']))?.kind).toBe('b');
  });

  it('a job whose lease lapsed (its worker died) is claimed again, counting the attempt', async () => {
    const j = await queue.enqueue('a', {});
    await q.claimJob(t.database.db, 'dead', 50, ['a']);
    expect(await q.claimJob(t.database.db, 'w2', 10_000, ['a'])).toBeNull();
    await new Promise((r) => setTimeout(r, 120));
    const again = await q.claimJob(t.database.db, 'w2', 10_000, ['a']);
    expect(again).toMatchObject({ id: j.id, attempts: 2, locked_by: 'w2' });
    // The dead worker can no longer finish or renew it.
    expect(await q.heartbeat(t.database.db, j.id, 'dead', 10_000, null)).toBeNull();
    expect(await q.finishJob(t.database.db, j.id, 'dead', { state: 'succeeded', result: {} })).toBe(false);
  });

  it.skipIf(backend() !== 'postgres')('concurrent workers on separate connections never take the same job (SKIP LOCKED)', async () => {
    for (let i = 0; i < 20; i++) await queue.enqueue('a', { i });
    const others: Database[] = [];
    for (let i = 0; i < 4; i++) others.push(await openDatabase({ kind: 'postgres', app: t.connection!, direct: t.connection!, poolMax: 2 }));
    try {
      const claimed = await Promise.all(others.flatMap((d, w) => Array.from({ length: 5 }, () => q.claimJob(d.db, `w${w}`, 10_000, ['a']))));
      const ids = claimed.map((c) => c?.id);
      expect(ids.every(Boolean)).toBe(true);
      expect(new Set(ids).size).toBe(20);
    } finally {
      for (const d of others) await d.close();
    }
  });

  it('says how long until the next job is due: none, now, a retry later, a lease that lapses', async () => {
    const db = t.database.db;
    expect(await q.msUntilNextDue(db, ['a'])).toBeNull();
    const j = await queue.enqueue('a', {});
    await queue.enqueue('b', {});
    expect(await q.msUntilNextDue(db, ['a'])).toBe(0);
    await q.claimJob(db, 'w1', 5_000, ['a', 'b']);
    await q.claimJob(db, 'w1', 60_000, ['a', 'b']);
    // `a` is held for 5 s (its lease), `b` for a minute: `a` first, and only the kinds asked about count.
    expect(await q.msUntilNextDue(db, ['a', 'b'])).toBeGreaterThan(4_000);
    expect(await q.msUntilNextDue(db, ['a', 'b'])).toBeLessThanOrEqual(5_000);
    expect(await q.msUntilNextDue(db, ['b'])).toBeGreaterThan(50_000);
    await q.requeueJob(db, j.id, 'w1', 2_000, 'try again');
    const retry = (await q.msUntilNextDue(db, ['a']))!;
    expect(retry).toBeGreaterThan(1_000);
    expect(retry).toBeLessThanOrEqual(2_000);
    expect(await q.msUntilNextDue(db, [])).toBeNull();
  });

  it('cancelling a queued job cancels it at once; an unknown job is not_found:job', async () => {
    const j = await queue.enqueue('a', {});
    expect((await queue.cancel(j.id)).state).toBe('cancelled');
    expect(await q.claimJob(t.database.db, 'w', 10_000, ['a'])).toBeNull();
    await expect(queue.get('00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({ code: 'not_found:job' });
  });

  it('keeps an uploaded archive with its job and deletes it when the job ends', async () => {
    const j = await queue.enqueue('a', {}, { upload: { name: 'x.zip', bytes: new Uint8Array([1, 2, 3]) } });
    expect((await q.getUpload(t.database.db, j.id))?.bytes).toEqual(Buffer.from([1, 2, 3]));
    await q.claimJob(t.database.db, 'w', 10_000, ['a']);
    await q.finishJob(t.database.db, j.id, 'w', { state: 'succeeded', result: {} });
    expect(await q.getUpload(t.database.db, j.id)).toBeNull();
  });

  it('reads an upload larger than one slice back byte for byte (slices of 1 MiB, a short last one)', async () => {
    const bytes = randomBytes(2 * 1024 * 1024 + 12_345);
    const j = await queue.enqueue('a', {}, { upload: { name: 'big.zip', bytes } });
    const back = await q.getUpload(t.database.db, j.id);
    expect(back?.name).toBe('big.zip');
    expect(back?.bytes.length).toBe(bytes.length);
    expect(back?.bytes.equals(bytes)).toBe(true);
    const empty = await queue.enqueue('a', {}, { upload: { name: 'empty.zip', bytes: new Uint8Array(0) } });
    expect((await q.getUpload(t.database.db, empty.id))?.bytes.length).toBe(0);
  });
});

describe('worker', () => {
  it('runs a job, records its progress while it runs and its result', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const w = worker({
      a: async ({ progress }) => {
        progress({ done: 1, total: 2 });
        await gate;
        return { ok: true };
      },
    });
    const j = await queue.enqueue('a', {});
    w.start();
    try {
      await until(
        () => queue.get(j.id),
        (x) => x.progress?.done === 1,
      );
      release();
      const done = await until(
        () => queue.get(j.id),
        (x) => x.state === 'succeeded',
      );
      expect(done).toMatchObject({ result: { ok: true }, attempts: 1, error: null });
      expect(done.finishedAt).not.toBeNull();
    } finally {
      await w.stop();
    }
  });

  it('retries a transient failure with backoff, then succeeds', async () => {
    let calls = 0;
    const w = worker({
      a: async () => {
        if (++calls < 3) throw new Error('S3 said 500');
        return { calls };
      },
    });
    const j = await queue.enqueue('a', {}, { maxAttempts: 3 });
    w.start();
    try {
      const done = await until(
        () => queue.get(j.id),
        (x) => x.state === 'succeeded',
      );
      expect(done).toMatchObject({ attempts: 3, result: { calls: 3 } });
    } finally {
      await w.stop();
    }
  });

  it('gives up after max attempts with the last error, and never retries bad input', async () => {
    const w = worker({
      flaky: async () => {
        throw new Error('still down');
      },
      bad: async () => {
        throw new FolioError('bad_request:pack', 'series.yaml (id): must be lowercase');
      },
    });
    const flaky = await queue.enqueue('flaky', {}, { maxAttempts: 2 });
    const bad = await queue.enqueue('bad', {}, { maxAttempts: 5 });
    w.start();
    try {
      expect(
        await until(
          () => queue.get(flaky.id),
          (x) => x.state === 'failed',
        ),
      ).toMatchObject({ attempts: 2, error: 'Internal error: still down' });
      expect(
        await until(
          () => queue.get(bad.id),
          (x) => x.state === 'failed',
        ),
      ).toMatchObject({ attempts: 1, error: 'series.yaml (id): must be lowercase' });
    } finally {
      await w.stop();
    }
  });

  it('stops a running job when it is cancelled (the handler sees its signal abort)', async () => {
    let sawAbort = false;
    const w = worker({
      a: ({ signal }) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            sawAbort = true;
            reject(new Error('aborted'));
          });
        }),
    });
    const j = await queue.enqueue('a', {});
    w.start();
    try {
      await until(
        () => queue.get(j.id),
        (x) => x.state === 'running',
      );
      expect((await queue.cancel(j.id)).cancelRequested).toBe(true);
      const done = await until(
        () => queue.get(j.id),
        (x) => x.state === 'cancelled',
      );
      expect(done.error).toBe('Cancelled by the operator.');
      expect(sawAbort).toBe(true);
    } finally {
      await w.stop();
    }
  });

  it('runs up to `concurrency` jobs at once', async () => {
    let inFlight = 0;
    let peak = 0;
    const w = worker(
      {
        a: async () => {
          peak = Math.max(peak, ++inFlight);
          await new Promise((r) => setTimeout(r, 150));
          inFlight--;
          return {};
        },
      },
      { concurrency: 2 },
    );
    const ids = await Promise.all([1, 2, 3, 4, 5].map((i) => queue.enqueue('a', { i }).then((j) => j.id)));
    w.start();
    try {
      for (const id of ids)
        await until(
          () => queue.get(id),
          (x) => x.state === 'succeeded',
        );
      expect(peak).toBe(2);
    } finally {
      await w.stop();
    }
  });

  it('a job abandoned by a dead worker is taken over by another and completes', async () => {
    const j = await queue.enqueue('a', {});
    // "Worker 1" claims it with a short lease and dies without a word.
    await q.claimJob(t.database.db, 'worker-1', 200, ['a']);
    const w = worker({ a: async ({ job }) => ({ attempt: job.attempts }) });
    w.start();
    try {
      const done = await until(
        () => queue.get(j.id),
        (x) => x.state === 'succeeded',
      );
      expect(done.result).toEqual({ attempt: 2 });
    } finally {
      await w.stop();
    }
  });

  it('a job that keeps killing its workers is failed instead of retried forever', async () => {
    const j = await queue.enqueue('a', {}, { maxAttempts: 2 });
    for (const dead of ['w1', 'w2']) {
      await until(
        () => q.claimJob(t.database.db, dead, 50, ['a']),
        (x) => x !== null,
        5_000,
      );
      await new Promise((r) => setTimeout(r, 80));
    }
    const w = worker({ a: async () => ({}) });
    w.start();
    try {
      const done = await until(
        () => queue.get(j.id),
        (x) => x.state === 'failed',
      );
      expect(done.error).toMatch(/interrupted 2 times/);
    } finally {
      await w.stop();
    }
  });

  it('a sole worker (embedded database) does not poll: it runs what wakes it and sleeps until the next retry is due', async () => {
    let calls = 0;
    // A poll interval far beyond the test: only a wake or the due time can start anything.
    const w = worker(
      {
        a: async () => {
          if (++calls < 2) throw new Error('S3 said 500');
          return { calls };
        },
      },
      { sole: true, pollMs: 3_600_000, retryBaseMs: 300 },
    );
    const polling = worker({ a: async () => ({ by: 'poller' }) }, { pollMs: 20 });
    const woken = new JobQueue(t.database.db, () => w.wake());
    w.start();
    try {
      // Enqueued through the queue (which wakes it): run at once; its retry ~300 ms later, with no wake.
      const j = await woken.enqueue('a', {}, { maxAttempts: 3 });
      const done = await until(
        () => queue.get(j.id),
        (x) => x.state === 'succeeded',
        5_000,
      );
      expect(done).toMatchObject({ attempts: 2, result: { calls: 2 } });
      // The finished job makes the worker look for work once more: a row inserted before that look would be found.
      await until(
        async () => w.idle,
        (idle) => idle,
        5_000,
      );
      // A row that appears without a wake is not found by the sole worker (no polling)…
      const silent = await q.insertJob(t.database.db, { kind: 'a', payload: {}, maxAttempts: 1 });
      await new Promise((r) => setTimeout(r, 400));
      expect((await queue.get(silent.id)).state).toBe('queued');
      // …while a polling worker finds it.
      polling.start();
      const found = await until(
        () => queue.get(silent.id),
        (x) => x.state === 'succeeded',
        5_000,
      );
      expect(found.result).toEqual({ by: 'poller' });
    } finally {
      await w.stop();
      await polling.stop();
    }
  });

  it('a sole worker sleeps until a little after the next due time, never longer than a minute', () => {
    expect(soleSleepMs(null)).toBe(60_000);
    expect(soleSleepMs(0)).toBe(5);
    expect(soleSleepMs(299.2)).toBe(305);
    expect(soleSleepMs(3_600_000)).toBe(60_000);
  });

  it('on shutdown, hands a job that does not finish in time back to the queue', async () => {
    const w = worker({ a: ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('stop')))) });
    const j = await queue.enqueue('a', {});
    w.start();
    await until(
      () => queue.get(j.id),
      (x) => x.state === 'running',
    );
    await w.stop(100);
    const back = await queue.get(j.id);
    expect(back.state).toBe('queued');
    expect(new Date(back.runAfter).getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  });
});

/**
 * Several replicas (docs/deployment.md "Several replicas", deploy/replicas/): three `folio serve` processes and
 * two `folio worker` processes on one PostgreSQL database through PgBouncer, images in an S3-API server,
 * behind HAProxy (Debian's, running the shipped deploy/replicas/haproxy.cfg, round robin). The API keeps no
 * state of its own, so:
 *
 *   * progress written through one replica is read through another at once;
 *   * the per-reader chat limit holds across replicas (it lives in the database, not in a process);
 *   * an uploaded pack is imported exactly once, whichever replica took the upload and however many workers run;
 *   * a rolling restart (SIGTERM one replica at a time, started again and back in rotation before the next)
 *     under 50 concurrent readers loses no request and no answer.
 *
 * PostgreSQL only: replicas share one database server, which the embedded database cannot be.
 */
import { writeFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { zipSync } from 'fflate';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, createPostgresDatabase } from './db.js';
import { writeTinyPack } from './packs.js';
import { chatOnce, createReader, percentile, startReaderLoad } from './services/reader-load.js';
import { type Cluster, startCluster } from './services/replicas.js';

const SERIES = 'moth-and-lantern';
const CHAT_RATE_PER_READER = 3;

async function zipDir(dir: string): Promise<Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  const walk = async (d: string): Promise<void> => {
    for (const f of await readdir(d, { withFileTypes: true })) {
      const full = join(d, f.name);
      if (f.isDirectory()) await walk(full);
      else files[relative(dir, full)] = new Uint8Array(await readFile(full));
    }
  };
  await walk(dir);
  return zipSync(files, { level: 0 });
}

describe.skipIf(backend() !== 'postgres')('several replicas behind HAProxy (PostgreSQL only: the replicas share one database server)', () => {
  let cluster: Cluster;
  let db: pg.Client;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const created = await createPostgresDatabase();
    drop = created.drop;
    cluster = await startCluster({
      databaseUrl: created.url,
      env: {
        FOLIO_CHAT_RATE_PER_READER: String(CHAT_RATE_PER_READER),
        FOLIO_CHAT_RATE_PER_IP: '0',
        FOLIO_READER_RATE_PER_IP: '0',
        FOLIO_JOB_LEASE_S: '10',
      },
    });
    db = new pg.Client({ connectionString: created.url });
    await db.connect();
  }, 240_000);

  afterAll(async () => {
    await db?.end();
    await cluster?.stop();
    await drop?.();
  }, 120_000);

  /** Every process's log in one file (named in the failure message), for a failure's post-mortem. */
  const dump = () => {
    const file = join(tmpdir(), `folio-replicas-${process.pid}.log`);
    writeFileSync(file, [`[haproxy] ${cluster.lb.output()}`, ...cluster.replicas.map((r) => r.output()), ...cluster.workers.map((w) => w.output())].join('\n'));
    return `logs of every process: ${file}`;
  };

  it('spreads requests over the three replicas, round robin', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${cluster.url}/api/series`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      seen.add(res.headers.get('x-folio-replica') ?? '?');
    }
    expect([...seen].sort()).toEqual(['api1', 'api2', 'api3']);
  });

  it('reads progress written through one replica through another at once', async () => {
    const token = await createReader(cluster.url);
    const [a, b, c] = cluster.replicas.map((r) => r.url) as [string, string, string];
    const auth = { authorization: `Bearer ${token}` };
    for (const [writer, readers, page] of [
      [a, [b, c], 2],
      [b, [c, a], 3],
      [c, [a, b], 5],
    ] as const) {
      const wrote = await fetch(`${writer}/api/series/${SERIES}/progress`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ episode: 1, page, confirmSkip: true }),
      });
      expect(wrote.status, await wrote.clone().text()).toBe(200);
      await wrote.arrayBuffer();
      for (const reader of readers) {
        const read = await fetch(`${reader}/api/series/${SERIES}/progress`, { headers: auth });
        expect(await read.json()).toEqual({ episode: 1, page });
      }
    }
    // Through the balancer: each write and the read right after it land on different replicas.
    for (let page = 1; page <= 3; page++) {
      const wrote = await fetch(`${cluster.url}/api/series/${SERIES}/progress`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ episode: 2, page, confirmSkip: true }),
      });
      expect(wrote.status).toBe(200);
      await wrote.arrayBuffer();
      const read = await fetch(`${cluster.url}/api/series/${SERIES}/progress`, { headers: auth });
      expect(read.headers.get('x-folio-replica')).not.toBe(wrote.headers.get('x-folio-replica'));
      expect(await read.json()).toEqual({ episode: 2, page });
    }
  });

  // Each replica keeps boundary keys in memory while its change feed is live (ADR 0036): a write through one
  // replica reaches the others' cached views by notification, within moments, forward and back.
  it('serves cached views through every replica that follow a write made through another', async () => {
    const token = await createReader(cluster.url);
    const auth = { authorization: `Bearer ${token}` };
    const [a, b, c] = cluster.replicas.map((r) => r.url) as [string, string, string];
    const view = async (url: string) => ((await (await fetch(`${url}/api/series/${SERIES}/episodes/1`, { headers: auth })).json()) as { progress: unknown }).progress;
    const write = async (url: string, path: string, body: object) => {
      const res = await fetch(`${url}/api/series/${SERIES}/${path}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status, await res.clone().text()).toBe(200);
      await res.arrayBuffer();
    };
    const delays: number[] = [];
    for (const [writer, readers, path, at] of [
      [a, [b, c], 'progress', { episode: 1, page: 2 }],
      [b, [a, c], 'progress', { episode: 1, page: 4 }],
      [c, [a, b], 'progress/reset', { episode: 1, page: 1 }],
    ] as const) {
      // Warm every replica's cache at the old position first.
      for (const r of [a, b, c]) await view(r);
      await write(writer, path, { ...at, ...(path === 'progress' ? { confirmSkip: true } : {}) });
      // The writer itself: at once.
      expect(await view(writer)).toEqual(at);
      for (const r of readers) {
        const started = performance.now();
        await expect.poll(() => view(r), { timeout: 1_000, interval: 2 }).toEqual(at);
        delays.push(performance.now() - started);
      }
    }
    expect(Math.max(...delays)).toBeLessThan(1_000);
  });

  // Needs the chat limit in the database (issue 19 item 3): with limits in process memory each replica
  // would allow FOLIO_CHAT_RATE_PER_READER questions of its own.
  it('holds the per-reader chat limit across replicas', async () => {
    cluster.model.set({ tokensPerSecond: 0 });
    const token = await createReader(cluster.url);
    const placed = await fetch(`${cluster.url}/api/series/${SERIES}/progress`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ episode: 1, page: 3, confirmSkip: true }),
    });
    expect(placed.status).toBe(200);
    await placed.arrayBuffer();
    const served: string[] = [];
    for (let i = 1; i <= CHAT_RATE_PER_READER; i++) {
      const r = await chatOnce(cluster.url, token, SERIES, 'Where is Ada?', `limit-${i}`);
      expect(r.error, `question ${i}`).toBeNull();
      served.push(r.replica ?? '?');
    }
    // Round robin: the questions were answered by more than one replica.
    expect(new Set(served).size).toBeGreaterThan(1);
    const over = await chatOnce(cluster.url, token, SERIES, 'Where is Ada?', 'limit-over');
    expect(over.status, `the question over the limit, on ${over.replica}`).toBe(429);
    expect(over.error).toContain('rate_limit:chat');
    // And on every replica, asked directly.
    for (const r of cluster.replicas) {
      const direct = await chatOnce(r.url, token, SERIES, 'Where is Ada?', `limit-${r.name}`);
      expect(direct.status, r.name).toBe(429);
      expect(direct.error).toContain('rate_limit:chat');
    }
  });

  it('imports an uploaded pack exactly once, with two workers', async () => {
    const ids = ['replicas-a', 'replicas-b', 'replicas-c', 'replicas-d'];
    const zips = await Promise.all(
      ids.map(async (id, i) => {
        const dir = await writeTinyPack({ id, title: id, episodes: 2, pagesPerEpisode: 3, seed: 11 + i });
        try {
          return await zipDir(dir);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }),
    );
    const admin = { authorization: `Bearer ${cluster.adminToken}` };
    // All four at once, through the balancer: each replica takes one or two of them.
    const jobs = await Promise.all(
      zips.map(async (zip, i) => {
        const res = await fetch(`${cluster.url}/api/admin/imports?filename=${ids[i]}.zip`, {
          method: 'POST',
          headers: { ...admin, 'content-type': 'application/zip' },
          body: Buffer.from(zip),
        });
        const body = (await res.json()) as { job: { id: string } };
        expect(res.status, JSON.stringify(body)).toBe(202);
        return body.job.id;
      }),
    );
    const deadline = Date.now() + 90_000;
    for (;;) {
      const res = await fetch(`${cluster.url}/api/admin/jobs?limit=50`, { headers: admin });
      const { jobs: listed } = (await res.json()) as { jobs: Array<{ id: string; state: string; attempts: number }> };
      const ours = listed.filter((j) => jobs.includes(j.id));
      expect(ours).toHaveLength(ids.length);
      if (ours.every((j) => j.state === 'succeeded')) {
        expect(ours.map((j) => j.attempts)).toEqual(ids.map(() => 1));
        break;
      }
      if (ours.some((j) => j.state === 'failed' || j.state === 'cancelled') || Date.now() > deadline) throw new Error(`jobs: ${JSON.stringify(ours)}\n${dump()}`);
      await sleep(250);
    }
    // One job per upload, each run once, by one worker; each series published once with its two episodes.
    const rows = await db.query<{ kind: string; state: string; attempts: number }>(`SELECT kind, state, attempts FROM jobs WHERE id = ANY($1::uuid[])`, [jobs]);
    expect(rows.rows).toEqual(ids.map(() => ({ kind: 'import', state: 'succeeded', attempts: 1 })));
    expect((await db.query(`SELECT count(*)::int AS n FROM jobs WHERE kind = 'import'`)).rows[0].n).toBe(ids.length);
    const episodes = await db.query<{ series_id: string; n: number }>(
      `SELECT series_id, count(*)::int AS n FROM episodes WHERE series_id LIKE 'replicas-%' GROUP BY series_id ORDER BY series_id`,
    );
    expect(episodes.rows).toEqual(ids.map((id) => ({ series_id: id, n: 2 })));
    const workerLogs = cluster.workers.map((w) => w.output());
    for (const id of jobs) {
      const started = workerLogs.flatMap((log) => log.split('\n').filter((l) => l.includes(`"job":"${id}"`) && l.includes('"msg":"job started"')));
      expect(started, `job ${id} started once`).toHaveLength(1);
    }
  }, 120_000);

  it('loses no request and no answer in a rolling restart under 50 readers', async () => {
    // Answers stream for a moment (~0.5 s), so some are open while a replica stops.
    cluster.model.set({ tokensPerSecond: 60, tokenChars: 4 });
    const load = await startReaderLoad({ url: cluster.url, seriesId: SERIES, readers: 50, chatEveryMs: 30_000, thinkMs: 200 });
    const restarted: Array<{ name: string; exit: number | null; downMs: number }> = [];
    try {
      await sleep(2_000);
      for (const r of cluster.replicas) {
        const pid = r.pid();
        const t0 = performance.now();
        const exit = await r.stop('SIGTERM');
        await r.start();
        await cluster.lb.waitFor(r.name, 'UP');
        restarted.push({ name: r.name, exit, downMs: Math.round(performance.now() - t0) });
        expect(r.pid()).not.toBe(pid);
        // Some traffic on the full set before the next one stops.
        await sleep(1_000);
      }
      await sleep(1_000);
    } finally {
      await load.stop();
    }
    const s = load.stats;
    const figures = {
      sent: s.sent,
      failed: s.failed,
      chatsSent: s.chatsSent,
      chatsCompleted: s.chatsCompleted,
      p50: Math.round(percentile(s.latencies, 50)),
      p99: Math.round(percentile(s.latencies, 99)),
      byReplica: s.byReplica,
      restarted,
    };
    process.stderr.write(`replicas: rolling restart ${JSON.stringify(figures)}\n`);
    expect(restarted.map((r) => r.exit)).toEqual([0, 0, 0]);
    expect(s.failures, dump()).toEqual([]);
    expect(s.failed).toBe(0);
    expect(s.chatsCompleted).toBe(s.chatsSent);
    expect(s.chatsSent).toBeGreaterThanOrEqual(50);
    expect(s.sent).toBeGreaterThan(500);
    for (const name of ['api1', 'api2', 'api3']) expect(s.byReplica[name] ?? 0).toBeGreaterThan(0);
  }, 180_000);
});

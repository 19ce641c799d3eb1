/**
 * `kill -9` of a worker process in the middle of importing the Pepper&Carrot
 * pack: a second `folio worker` process takes the job over when the lease
 * lapses and completes it, reusing the image variants already made; readers
 * polling the API meanwhile never see a half-imported series.
 * PostgreSQL only (several processes on one database).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, createPostgresDatabase } from '../../test/db.js';
import { PEPPER_CARROT, startTestServer, type TestServer } from '../../test/server.js';
import { type Database, openDatabase } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { LocalStorage } from '../storage/local.js';
import { type JobOut, JobQueue } from './jobs.js';

const onPostgres = backend() === 'postgres';
const CLI = join(process.cwd(), 'src', 'cli', 'main.ts');
let url: string;
let drop: () => Promise<void>;
let database: Database;
let dataDir: string;
let server: TestServer;
const children: ChildProcess[] = [];

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
  return zipSync(files, { level: 0 });
}

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'worker'], {
    env: { ...process.env, DATABASE_URL: url, FOLIO_DATA_DIR: dataDir, FOLIO_JOB_LEASE_S: '3', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  return child;
}

beforeAll(async () => {
  if (!onPostgres) return;
  const created = await createPostgresDatabase();
  url = created.url;
  drop = created.drop;
  database = await openDatabase({ kind: 'postgres', app: created.connection, direct: created.connection, poolMax: 4 });
  await migrate(database);
  dataDir = await mkdtemp(join(tmpdir(), 'folio-kill-'));
  server = await startTestServer(database, { storage: new LocalStorage(join(dataDir, 'media')) });
}, 120_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await server?.close();
  await database?.close();
  await drop?.();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe.skipIf(!onPostgres)('worker killed mid-import', () => {
  it('is resumed by another worker; readers never see a half-imported series', async () => {
    const queue = new JobQueue(database.db);
    const job = await queue.enqueue('import', { filename: 'pepper-carrot.zip' }, { upload: { name: 'pepper-carrot.zip', bytes: await zipDir(PEPPER_CARROT) } });
    const token = await server.newReader();

    // A reader keeps asking for the library and the series the whole time.
    const seen = new Set<string>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const lib = (await (await server.fetch('/api/series', { token })).json()) as { series: Array<{ id: string; episodeCount: number }> };
        const pc = lib.series.find((s) => s.id === 'pepper-carrot');
        seen.add(pc ? `episodes:${pc.episodeCount}` : 'absent');
        const detail = await server.fetch('/api/series/pepper-carrot', { token });
        if (detail.status === 200) seen.add(`detail:${((await detail.json()) as { episodes: unknown[] }).episodes.length}`);
        else seen.add(`detail:${detail.status}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const first = startWorker();
    let progress: JobOut | undefined;
    // Generous: under a loaded CI machine the 192-page import is slow; the assertions are about outcomes, not speed.
    const until = Date.now() + 240_000;
    for (;;) {
      progress = await queue.get(job.id);
      const p = progress.progress as { phase?: string; done?: number; total?: number } | null;
      if (p?.phase === 'images' && (p.done ?? 0) >= 30) break;
      if (progress.state !== 'queued' && progress.state !== 'running') throw new Error(`job ended early: ${JSON.stringify(progress)}`);
      if (Date.now() > until) throw new Error(`no progress: ${JSON.stringify(progress)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const killed = new Promise((r) => first.once('exit', r));
    first.kill('SIGKILL');
    await killed;
    expect((await queue.get(job.id)).state).toBe('running'); // still claimed by the dead worker

    startWorker();
    let done: JobOut;
    for (;;) {
      done = await queue.get(job.id);
      if (done.state !== 'queued' && done.state !== 'running') break;
      if (Date.now() > until + 240_000) throw new Error(`not finished: ${JSON.stringify(done)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // The watcher may be mid-iteration from before publishing: give it a few rounds after the job finished.
    const settle = Date.now() + 10_000;
    while (!seen.has('episodes:23') && Date.now() < settle) await new Promise((r) => setTimeout(r, 100));
    watching = false;
    await watcher;

    expect(done.state).toBe('succeeded');
    expect(done.attempts).toBe(2);
    const result = done.result as { episodes: number; pages: number; imagesReused: number; imagesMade: number };
    expect(result).toMatchObject({ episodes: 23, pages: 192 });
    // The second worker reused what the first had made before it died.
    expect(result.imagesReused).toBeGreaterThanOrEqual(30);
    // All or nothing: before publishing the series did not exist; afterwards it had all 23 episodes.
    for (const s of seen) expect(['absent', 'detail:404', 'episodes:23', 'detail:23']).toContain(s);
    expect(seen).toContain('absent');
    expect(seen).toContain('episodes:23');
  }, 600_000);
});

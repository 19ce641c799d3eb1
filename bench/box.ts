/**
 * Pieces shared by the deployment-shape benches, bench/operate.ts (the 1 GB Raspberry Pi: server, worker and
 * PostgreSQL) and bench/fly.ts (the 512 MB Fly machine: one server with the inline worker): per-phase RSS peaks,
 * the throwaway PostgreSQL database, the fake model server in its own process, the operator API (pack upload,
 * jobs), readers and chat streams folded as the web app folds them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import pg from 'pg';
import { answerParts, readFolioStream } from '../src/contract/read-stream.js';
import { type PostgresServer, startPostgres } from '../test/services/postgres.js';
import { onCleanup, spawnTracked } from './lib.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Peak of each reading per phase, sampled every `intervalMs`. */
export class Sampler {
  readonly peaks = new Map<string, number>();
  /** When each peak was sampled (ms since the epoch). */
  readonly peakAt = new Map<string, number>();
  private phase = 'start';
  private readonly timer: NodeJS.Timeout;
  constructor(
    private readonly read: Record<string, () => number>,
    intervalMs = 200,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
  }
  sample(): void {
    for (const [name, f] of Object.entries(this.read)) {
      try {
        const v = f();
        const key = `${name}:${this.phase}`;
        if (v > (this.peaks.get(key) ?? 0)) {
          this.peaks.set(key, v);
          this.peakAt.set(key, Date.now());
        }
      } catch {
        /* process gone */
      }
    }
  }
  enter(phase: string): void {
    this.sample();
    this.phase = phase;
    this.sample();
  }
  peak(name: string, ...phases: string[]): number {
    const vs = phases.map((p) => this.peaks.get(`${name}:${p}`)).filter((v) => v !== undefined);
    return vs.length ? Math.max(...vs) : NaN;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

/** A throwaway PostgreSQL 15 (test/services/postgres.ts) with one fresh database; stopped by `cleanup()`. */
export async function throwawayPostgres(database: string): Promise<{ server: PostgresServer; url: string; postmaster: number }> {
  const server = await startPostgres();
  onCleanup(() => server.stop());
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const postmaster = Number(readFileSync(join(server.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return { server, url: server.url.replace(/\/postgres$/, `/${database}`), postmaster };
}

/** The fake Ollama (test/fakes/cli.ts) in its own process; resolves its URL. */
export async function startFakeOllama(): Promise<string> {
  const fake = spawnTracked(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'fakes', 'cli.ts'), 'ollama'], { cwd: ROOT });
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fake model server did not start\n${fake.output()}`)), 30_000);
    const poll = setInterval(() => {
      const m = /\{"url":"([^"]+)"\}/.exec(fake.stdout());
      if (m) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(m[1]!);
      }
    }, 20);
  });
}

export async function setFake(url: string, behaviour: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${url}/__fake/behaviour`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(behaviour) });
  if (!res.ok) throw new Error(`fake behaviour: ${res.status}`);
  await res.body?.cancel();
}

export async function api(base: string, path: string, init: RequestInit & { token?: string; json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  if (init.json !== undefined) headers.set('content-type', 'application/json');
  return fetch(base + path, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
}

/** A new reader whose progress in `series` is at `at` (a reached position). */
export async function newReader(base: string, series: string, at: { episode: number; page: number }): Promise<string> {
  const { token } = (await (await api(base, '/api/readers', { method: 'POST' })).json()) as { token: string };
  const moved = await api(base, `/api/series/${series}/progress`, { method: 'POST', token, json: { ...at, confirmSkip: true } });
  if (moved.status !== 200) throw new Error(`progress: ${moved.status} ${await moved.text()}`);
  return token;
}

export interface Stream {
  id: string;
  text: string;
  finished: boolean;
  errors: string[];
  firstText: Promise<void>;
  done: Promise<void>;
}

/** One question in a new conversation `id`, folded by the AI SDK (readUIMessageStream) as the web app folds it. */
export function chat(base: string, series: string, token: string, id: string, question = 'What is Pepper brewing?'): Stream {
  let got!: () => void;
  const s: Stream = { id, text: '', finished: false, errors: [], firstText: new Promise((r) => (got = r)), done: Promise.resolve() };
  s.done = (async () => {
    try {
      const res = await api(base, `/api/series/${series}/chat`, {
        method: 'POST',
        token,
        json: { id, messages: [{ id: `${id}-q`, role: 'user', parts: [{ type: 'text', text: question }] }] },
      });
      if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
      const { message, chunks } = await readFolioStream(res.body!, (m) => {
        s.text = answerParts(m).text;
        if (s.text) got();
      });
      const error = answerParts(message).error;
      if (error) s.errors.push(error.code);
      s.finished = chunks.some((c) => c.type === 'finish');
    } catch (err) {
      // undici's "fetch failed" says why in its cause (a reset socket, a timeout).
      const cause = (err as { cause?: unknown }).cause;
      s.errors.push(cause ? `${String(err)} (${String(cause)})` : String(err));
    } finally {
      got();
    }
  })();
  return s;
}

/** A pack directory as a zip in memory (stored, not deflated: images are compressed already). */
export function zipPack(dir: string): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  const walk = (d: string) => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, f.name);
      if (f.isDirectory()) walk(full);
      else files[relative(dir, full)] = new Uint8Array(readFileSync(full));
    }
  };
  walk(dir);
  return zipSync(files, { level: 0 });
}

export interface Job {
  id: string;
  kind: string;
  state: string;
  error: string | null;
  result: Record<string, unknown> | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  runAfter: string;
}

export async function listJobs(base: string, adminToken: string): Promise<Job[]> {
  return ((await (await api(base, '/api/admin/jobs?limit=50', { token: adminToken })).json()) as { jobs: Job[] }).jobs;
}

/** Upload a pack zip through the operator API; resolves the import job's id. */
export async function uploadPack(base: string, adminToken: string, zip: Uint8Array, filename: string): Promise<string> {
  const up = await api(base, `/api/admin/imports?filename=${encodeURIComponent(filename)}`, {
    method: 'POST',
    token: adminToken,
    headers: { 'content-type': 'application/zip' },
    body: Buffer.from(zip),
  });
  if (up.status !== 202) throw new Error(`upload: ${up.status} ${await up.text()}`);
  return ((await up.json()) as { job: Job }).job.id;
}

/** Wait until the jobs `pick` chooses have all finished (throws if one failed); resolves them. */
export async function waitForJobs(base: string, adminToken: string, timeoutMs: number, pick: (jobs: Job[]) => Job[] = (jobs) => jobs): Promise<Job[]> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; ) {
    const jobs = pick(await listJobs(base, adminToken));
    const failed = jobs.filter((j) => j.state === 'failed' || j.state === 'cancelled');
    if (failed.length) throw new Error(`jobs failed: ${JSON.stringify(failed.map((j) => ({ kind: j.kind, state: j.state, error: j.error })))}`);
    if (jobs.length > 0 && jobs.every((j) => j.state === 'succeeded')) return jobs;
    await sleep(250);
  }
  throw new Error(`jobs did not finish within ${timeoutMs / 1000} s`);
}

/**
 * Folio as several processes, the production shape of docs/deployment.md "Several replicas": `folio serve`
 * replicas with FOLIO_WORKER=off and `folio worker` processes, all on one PostgreSQL database reached through
 * PgBouncer (transaction mode; migrations on the direct URL), images in a real S3-API server (s3rver), a fake
 * OpenAI-compatible model (the only fake), and HAProxy in front of the replicas running the shipped
 * deploy/replicas/haproxy.cfg. Everything on free loopback ports; each replica keeps its port across restarts
 * (HAProxy's configuration names it).
 *
 * Used by test/replicas.db.test.ts (from source, through tsx) and bench/replicas.ts (the build in dist/).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FakeModelServer } from '../fakes/model-server.js';
import { startFakeOpenAI } from '../fakes/openai.js';
import { freePort } from './free-port.js';
import { type Haproxy, startHaproxy } from './haproxy.js';
import { type PgBouncer, startPgBouncer } from './pgbouncer.js';
import { type S3Server, startS3Server } from './s3.js';

const ROOT = process.cwd();
export const CLUSTER_ADMIN_TOKEN = 'replicas-admin-token-0123456789abcdef';

export interface ClusterOptions {
  /** Direct URL of an empty database on a PostgreSQL server with pgvector (the cluster migrates it). */
  databaseUrl: string;
  replicas?: number;
  workers?: number;
  /** Extra environment for every Folio process. */
  env?: Record<string, string>;
  /** `source`: src/cli/main.ts through tsx (tests; CI does not build). `dist`: bin/folio.js (benches). */
  cli?: 'source' | 'dist';
  /** PgBouncer's server connections per database (default 10). */
  poolSize?: number;
  /** HAProxy configuration (default: the shipped deploy/replicas/haproxy.cfg). */
  haproxyConfig?: string;
}

export interface FolioProcess {
  name: string;
  pid(): number;
  output(): string;
  /** Exit code of the last stop (null: killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  running(): boolean;
}

export interface Replica extends FolioProcess {
  port: number;
  /** This replica directly, bypassing the balancer. */
  url: string;
  /** Start again on the same port; resolves once /ready answers 200. */
  start(): Promise<void>;
}

export interface Cluster {
  /** The balancer. */
  url: string;
  lb: Haproxy;
  replicas: Replica[];
  workers: FolioProcess[];
  model: FakeModelServer;
  s3: S3Server;
  bouncer: PgBouncer;
  adminToken: string;
  stop(): Promise<void>;
}

/** The parent's environment without anything that configures Folio, PostgreSQL clients, S3 or tsx. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(PORT|HOST|DATABASE_URL|DATABASE_DIRECT_URL|ADMIN_TOKEN|CORS_ORIGINS|NODE_OPTIONS)$/.test(k)) continue;
    if (/^(FOLIO_|LOG_|S3_|MODAL_|PG|VITEST)/.test(k)) continue;
    env[k] = v;
  }
  return env;
}

function spawnFolio(name: string, command: 'serve' | 'worker', env: Record<string, string>, cli: 'source' | 'dist') {
  const args = cli === 'source' ? ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), command] : [join(ROOT, 'bin', 'folio.js'), command];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (d: Buffer) => {
    log += d.toString();
    if (log.length > 100_000) log = log.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => `[${name}] ${log}` };
}

const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

async function stopChild(p: { child: ChildProcess; exited: Promise<number | null> }, signal: NodeJS.Signals): Promise<number | null> {
  if (alive(p.child)) p.child.kill(signal);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 40_000);
  const code = await p.exited;
  clearTimeout(timer);
  return code;
}

async function waitReady(url: string, p: { child: ChildProcess; output(): string }, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!alive(p.child)) throw new Error(`exited (${p.child.exitCode ?? p.child.signalCode}) before ${url}/ready answered 200\n${p.output().slice(-4000)}`);
    try {
      const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = String(err);
    }
    await sleep(100);
  }
  throw new Error(`${url}/ready did not answer 200 within ${timeoutMs} ms (${last})\n${p.output().slice(-4000)}`);
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const cli = opts.cli ?? 'source';
  const cleanups: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => {});
  };
  try {
    const direct = new URL(opts.databaseUrl);
    const bouncer = await startPgBouncer({ host: direct.hostname, port: Number(direct.port || 5432) }, { poolSize: opts.poolSize ?? 10 });
    cleanups.push(() => bouncer.stop());
    const pooled = new URL(bouncer.pooledUrl(opts.databaseUrl));
    pooled.searchParams.set('pgbouncer', 'true');
    const s3 = await startS3Server('folio-replicas');
    cleanups.push(() => s3.stop());
    const model = await startFakeOpenAI();
    cleanups.push(() => model.close());
    const dataRoot = await mkdtemp(join(tmpdir(), 'folio-replicas-'));
    cleanups.push(() => rm(dataRoot, { recursive: true, force: true }));

    const common: Record<string, string> = {
      HOST: '127.0.0.1',
      DATABASE_URL: pooled.toString(),
      DATABASE_DIRECT_URL: opts.databaseUrl,
      FOLIO_DB_POOL_MAX: '5',
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: 'us-east-1',
      S3_BUCKET: s3.bucket,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_PUBLIC_URL_PREFIX: `${s3.endpoint}/${s3.bucket}`,
      ADMIN_TOKEN: CLUSTER_ADMIN_TOKEN,
      FOLIO_MODEL: 'openai',
      FOLIO_MODEL_BASE_URL: `${model.url}/v1`,
      FOLIO_MODEL_API_KEY: 'sk-replicas',
      FOLIO_CHAT_MODEL: 'fake-chat',
      FOLIO_EMBED_MODEL: 'none',
      LOG_FORMAT: 'json',
      ...opts.env,
    };

    const replicas: Replica[] = [];
    for (let i = 1; i <= (opts.replicas ?? 3); i++) {
      const name = `api${i}`;
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const env = { ...common, PORT: String(port), FOLIO_DATA_DIR: join(dataRoot, name), FOLIO_WORKER: 'off', FOLIO_TRUST_PROXY: 'true', LOG_LEVEL: 'warn' };
      let proc: ReturnType<typeof spawnFolio> | undefined;
      const replica: Replica = {
        name,
        port,
        url,
        pid: () => proc?.child.pid ?? 0,
        output: () => proc?.output() ?? '',
        running: () => (proc ? alive(proc.child) : false),
        async start() {
          if (proc && alive(proc.child)) throw new Error(`${name} is running`);
          proc = spawnFolio(name, 'serve', env, cli);
          await waitReady(url, proc);
        },
        stop: (signal = 'SIGTERM') => (proc ? stopChild(proc, signal) : Promise.resolve(0)),
      };
      replicas.push(replica);
      cleanups.push(() => replica.stop());
    }
    // The first one migrates and imports the bundled sample; the others find it there.
    await replicas[0]!.start();
    const workers: FolioProcess[] = [];
    for (let i = 1; i <= (opts.workers ?? 2); i++) {
      const name = `worker${i}`;
      const proc = spawnFolio(name, 'worker', { ...common, FOLIO_DATA_DIR: join(dataRoot, name), LOG_LEVEL: 'info' }, cli);
      const worker: FolioProcess = {
        name,
        pid: () => proc.child.pid ?? 0,
        output: proc.output,
        running: () => alive(proc.child),
        stop: (signal = 'SIGTERM') => stopChild(proc, signal),
      };
      workers.push(worker);
      cleanups.push(() => worker.stop());
    }
    await Promise.all([
      ...replicas.slice(1).map((r) => r.start()),
      ...workers.map(async (w) => {
        const deadline = Date.now() + 120_000;
        while (!/job worker started/.test(w.output())) {
          if (!w.running() || Date.now() > deadline) throw new Error(`${w.name} did not start\n${w.output().slice(-4000)}`);
          await sleep(100);
        }
      }),
    ]);

    const lb = await startHaproxy(Object.fromEntries(replicas.map((r) => [r.name, r.port])), opts.haproxyConfig);
    cleanups.push(() => lb.stop());
    for (const r of replicas) await lb.waitFor(r.name, 'UP');
    return { url: lb.url, lb, replicas, workers, model, s3, bouncer, adminToken: CLUSTER_ADMIN_TOKEN, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

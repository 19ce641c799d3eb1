/**
 * World benchmark: latency of the world graph, node, wiki and search routes on
 * the Pepper&Carrot pack, through a real `folio serve` process and HTTP, on
 * PGlite and on PostgreSQL. The baseline is GET /ready, which runs a trivial
 * `SELECT 1` through the same app, HTTP server and database client: the ratio
 * to it says how much the route itself costs on this machine right now.
 *
 *   npm run build && node --import tsx bench/world.ts             # 3 runs per figure
 *   npm run build && node --import tsx bench/world.ts --quick     # 1 run
 *   npm run build && node --import tsx bench/world.ts --json      # rows as JSON
 *   … --runs 5, --requests 300 (timed requests per route and run)
 *
 * FOLIO_BENCH_PACK overrides the pack; FOLIO_PG_BIN the PostgreSQL binaries;
 * FOLIO_BENCH_CLI another build of the CLI's main.js (default bin/folio.js → dist/).
 */
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type PostgresServer, startPostgres } from '../test/services/postgres.js';
import {
  type Budget,
  cleanup,
  errorRow,
  formatTable,
  installCleanupHandlers,
  makeRow,
  makeTempDir,
  onCleanup,
  type Row,
  runTimed,
  type StartedServer,
  startAndTime,
  stopProcess,
} from './lib.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The built CLI (`npm run build`); FOLIO_BENCH_CLI points at another build of it. */
const FOLIO = process.env.FOLIO_BENCH_CLI ?? join(ROOT, 'bin', 'folio.js');
const PACK = process.env.FOLIO_BENCH_PACK ?? '/work/shared/data/pepper-carrot';
const SERIES = 'pepper-carrot';
const NODE = process.execPath;

const BUDGET = { p99Ms: { kind: 'max', limit: 20 } } satisfies Record<string, Budget>;

/** Reader positions spread over the series: early, middle, late, the very end. */
const POSITIONS = [
  { episode: 3, page: 4 },
  { episode: 11, page: 5 },
  { episode: 18, page: 4 },
  { episode: 23, page: 8 },
];
/** Searches of every kind: common words, phrases, names, later names (no results), operators. */
const QUERIES = ['potion', 'Pepper', 'witch dragon', '"potion contest"', 'Carrot cat', 'magic -potion', 'Qualicity', 'Komona market', 'spell', 'Chaosah house'];
const NODES = ['pepper', 'carrot', 'saffron', 'komona'];
const ARTICLES = ['pepper', 'chaosah', 'komona', 'saffron'];

function parseArgs(argv: string[]): { json: boolean; runs: number; requests: number } {
  let json = false;
  let runs = 3;
  let requests = 200;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--quick') runs = 1;
    else if (a === '--runs' || a === '--requests') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${a} needs a positive integer`);
      if (a === '--runs') runs = n;
      else requests = n;
    } else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node --import tsx bench/world.ts [--json] [--quick] [--runs N] [--requests N]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  return { json, runs, requests };
}

const { json, runs: RUNS, requests: REQUESTS } = parseArgs(process.argv.slice(2));
const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

type Backend = { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; dataDir: string; url: string };

function folioEnv(backend: Backend, port?: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(PORT|HOST|DATABASE_URL|DATABASE_DIRECT_URL|ADMIN_TOKEN|CORS_ORIGINS)$/.test(k) || /^(FOLIO_|LOG_|S3_|MODAL_|PG)/.test(k)) continue;
    if (k === 'NODE_OPTIONS' && v?.includes('tsx')) continue;
    env[k] = v;
  }
  return {
    ...env,
    LOG_LEVEL: 'warn',
    FOLIO_DATA_DIR: backend.dataDir,
    FOLIO_SAMPLE: 'false',
    ...(port !== undefined ? { PORT: String(port), HOST: '127.0.0.1' } : {}),
    ...(backend.kind === 'postgres' ? { DATABASE_URL: backend.url } : {}),
  };
}

async function importPack(backend: Backend): Promise<void> {
  const r = await runTimed(NODE, [FOLIO, 'import', PACK, '--json'], { env: folioEnv(backend), cwd: ROOT, timeoutMs: 900_000 });
  if (r.code !== 0) throw new Error(`folio import failed (${r.code}):\n${r.output}`);
  log(`imported ${PACK} in ${Math.round(r.ms)} ms`);
}

async function serve(backend: Backend): Promise<StartedServer> {
  return startAndTime({
    cmd: NODE,
    makeArgs: () => [FOLIO, 'serve', '--no-sample'],
    makeEnv: (port) => folioEnv(backend, port),
    cwd: ROOT,
    paths: ['/ready'],
    timeoutMs: 120_000,
  });
}

interface Route {
  id: string;
  figure: string;
  budget: Budget | null;
  /** The i-th request's path for a reader at position index `p`. */
  path: (i: number) => string;
}

const ROUTES: Route[] = [
  { id: 'baseline', figure: 'GET /ready (SELECT 1 through the app): baseline', budget: null, path: () => '/ready' },
  { id: 'world', figure: 'GET …/world (whole graph)', budget: BUDGET.p99Ms, path: () => `/api/series/${SERIES}/world` },
  { id: 'node', figure: 'GET …/world/:slug', budget: null, path: (i) => `/api/series/${SERIES}/world/${NODES[i % NODES.length]}` },
  { id: 'wiki', figure: 'GET …/wiki/:slug', budget: null, path: (i) => `/api/series/${SERIES}/wiki/${ARTICLES[i % ARTICLES.length]}` },
  { id: 'search', figure: 'GET …/search?q=', budget: BUDGET.p99Ms, path: (i) => `/api/series/${SERIES}/search?q=${encodeURIComponent(QUERIES[i % QUERIES.length]!)}` },
];

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

/** One run: readers at every position, then REQUESTS timed requests per route, interleaved so load hits all routes alike. */
async function measureRun(base: string): Promise<Map<string, { p50: number; p99: number }>> {
  const tokens: string[] = [];
  for (const at of POSITIONS) {
    const r = await fetch(`${base}/api/readers`, { method: 'POST' });
    const { token } = (await r.json()) as { token: string };
    const moved = await fetch(`${base}/api/series/${SERIES}/progress`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...at, confirmSkip: true }),
    });
    if (moved.status !== 200) throw new Error(`could not set progress: ${moved.status} ${await moved.text()}`);
    tokens.push(token);
  }
  const samples = new Map<string, number[]>(ROUTES.map((r) => [r.id, []]));
  const once = async (route: Route, i: number, timed: boolean) => {
    const token = tokens[i % tokens.length]!;
    const t0 = performance.now();
    const res = await fetch(base + route.path(i), { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`${route.path(i)} → ${res.status}`);
    if (timed) samples.get(route.id)!.push(ms);
  };
  for (let i = 0; i < 40; i++) for (const r of ROUTES) await once(r, i, false);
  for (let i = 0; i < REQUESTS; i++) for (const r of ROUTES) await once(r, i, true);
  return new Map([...samples].map(([id, xs]) => [id, { p50: percentile(xs, 50), p99: percentile(xs, 99) }]));
}

const rows: Row[] = [];

async function benchBackend(name: string, prefix: string, backend: Backend | Error): Promise<void> {
  const fail = (err: Error) => {
    for (const r of ROUTES) {
      rows.push(errorRow(`${prefix}.${r.id}.p50`, `${name} ${r.figure} p50`, 'ms', null, err.message));
      rows.push(errorRow(`${prefix}.${r.id}.p99`, `${name} ${r.figure} p99`, 'ms', r.budget, err.message));
    }
  };
  if (backend instanceof Error) return fail(backend);
  let server: StartedServer | undefined;
  try {
    await importPack(backend);
    server = await serve(backend);
    const base = `http://127.0.0.1:${server.port}`;
    const perRun: Array<Map<string, { p50: number; p99: number }>> = [];
    for (let i = 0; i < RUNS; i++) {
      const m = await measureRun(base);
      perRun.push(m);
      log(`${name} run ${i + 1}/${RUNS}: ${ROUTES.map((r) => `${r.id} p50 ${m.get(r.id)!.p50.toFixed(1)} / p99 ${m.get(r.id)!.p99.toFixed(1)} ms`).join(', ')}`);
    }
    for (const r of ROUTES) {
      rows.push(
        makeRow(
          `${prefix}.${r.id}.p50`,
          `${name} ${r.figure} p50`,
          'ms',
          perRun.map((m) => m.get(r.id)!.p50),
        ),
      );
      rows.push(
        makeRow(
          `${prefix}.${r.id}.p99`,
          `${name} ${r.figure} p99`,
          'ms',
          perRun.map((m) => m.get(r.id)!.p99),
          r.budget,
        ),
      );
    }
    for (const id of ['world', 'search']) {
      rows.push(
        makeRow(
          `${prefix}.${id}.ratio`,
          `${name} ${id} p50 ÷ baseline p50`,
          'x',
          perRun.map((m) => m.get(id)!.p50 / m.get('baseline')!.p50),
        ),
      );
    }
  } catch (err) {
    log(`${name}: ${(err as Error).message}`);
    fail(err as Error);
  } finally {
    if (server) await stopProcess(server.proc.child);
  }
}

async function main(): Promise<void> {
  installCleanupHandlers();
  if (!process.env.FOLIO_BENCH_CLI && !existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  if (!existsSync(PACK)) throw new Error(`pack ${PACK} not found (set FOLIO_BENCH_PACK)`);
  const loadBefore = loadavg()[0]!;
  const work = await makeTempDir('folio-bench-world-');
  log(`${RUNS} run(s) × ${REQUESTS} timed requests per route; positions ${POSITIONS.map((p) => `${p.episode}/${p.page}`).join(', ')}; temp dir ${work}`);

  await benchBackend('PGlite', 'pglite', { kind: 'pglite', dataDir: join(work, 'pglite') });

  let pgBackend: Backend | Error;
  let pgServer: PostgresServer | undefined;
  try {
    log('starting a throwaway PostgreSQL server...');
    pgServer = await startPostgres();
    const s = pgServer;
    onCleanup(() => s.stop());
    const admin = new pg.Client({ connectionString: s.url });
    await admin.connect();
    await admin.query('CREATE DATABASE folio_bench_world');
    await admin.end();
    const url = new URL(s.url);
    url.pathname = '/folio_bench_world';
    pgBackend = { kind: 'postgres', dataDir: join(work, 'pg'), url: url.toString() };
  } catch (err) {
    pgBackend = err as Error;
  }
  await benchBackend('PostgreSQL', 'postgres', pgBackend);

  const machine = { cpus: availableParallelism(), load1Before: loadBefore, load1After: loadavg()[0]! };
  if (json) process.stdout.write(`${JSON.stringify({ runs: RUNS, requests: REQUESTS, node: process.version, machine, rows }, null, 2)}\n`);
  else {
    const title =
      `Folio world benchmark: ${new Date().toISOString()}, node ${process.version}, ${machine.cpus} CPUs, 1-min load ` +
      `${machine.load1Before.toFixed(1)} → ${machine.load1After.toFixed(1)}, ${RUNS} run(s) × ${REQUESTS} requests per route, median of runs (min)`;
    process.stdout.write(`${formatTable(rows, title)}\n`);
  }
  if (rows.some((r) => r.error)) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit(process.exitCode ?? 0);

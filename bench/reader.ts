/**
 * The reader API's throughput (issue 20): the built `folio serve` with Pepper&Carrot imported, a reader at 6/3,
 * autocannon at 10 connections on 2 cores, on PGlite and on PostgreSQL, next to a bare Hono route (its own
 * process) measured in the same run.
 *
 *   npm run bench:reader                          # both backends, 8 s per route
 *   npm run bench:reader -- --quick               # 3 s per route
 *   npm run bench:reader -- --backends pglite --json
 *
 * Routes: the library, the series, episode 6, episode 6 again with its ETag (a 304), the reader's progress, and a
 * progress write at the same place (a page turn sent twice). Every figure counts only 2xx/304 answers; any other
 * status is reported as an error row.
 */
import { execFile } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { PEPPER_CARROT } from '../test/corpus.js';
import {
  type Budget,
  cleanup,
  errorRow,
  formatTable,
  freePort,
  installCleanupHandlers,
  makeRow,
  makeTempDir,
  type Row,
  runArgs,
  spawnTracked,
  stopProcess,
  waitFor200,
} from './lib.js';
import { type Backend, cleanEnv, freshPostgresDatabase, NODE, ROOT, withBareHono } from './streams.js';

const SERIES = 'pepper-carrot';
const CONNECTIONS = 10;
const execFileAsync = promisify(execFile);
const log = (m: string) => process.stderr.write(`bench:reader: ${m}\n`);

const BUDGETS: Record<Backend, Record<string, Budget>> = {
  pglite: { episode: { kind: 'min', limit: 1_000 }, series: { kind: 'min', limit: 1_500 } },
  postgres: { episode: { kind: 'min', limit: 6_000 }, series: { kind: 'min', limit: 8_000 }, write: { kind: 'min', limit: 2_000 } },
};
const P99: Budget = { kind: 'max', limit: 25 };

function parseArgs(argv: string[]) {
  const backends: Backend[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--backends') backends.push(...(argv[++i] ?? '').split(',').filter((b): b is Backend => b === 'pglite' || b === 'postgres'));
    else rest.push(argv[i]!);
  }
  const quick = rest.includes('--quick');
  const { json } = runArgs(rest, { runs: 1, usage: 'npm run bench:reader -- [--json] [--quick] [--backends pglite,postgres]' });
  return { json, quick, backends: backends.length ? backends : (['pglite', 'postgres'] as Backend[]) };
}

interface Result {
  rps: number;
  p99: number;
  bad: number;
  statuses: string;
}

async function cannon(url: string, seconds: number, opts: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {}): Promise<Result> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds, method: opts.method ?? 'GET', headers: opts.headers ?? {}, body: opts.body });
  const codes = r.statusCodeStats as unknown as Record<string, { count: number }>;
  const bad = Object.entries(codes).reduce((n, [code, s]) => n + (code === '200' || code === '304' ? 0 : s.count), 0) + r.errors + r.timeouts;
  return { rps: r.requests.average, p99: r.latency.p99, bad, statuses: Object.keys(codes).join(',') };
}

/** `folio import` of Pepper&Carrot, then `folio serve`, on a fresh data dir (and database). */
async function startFolio(backend: Backend): Promise<{ url: string; stop(): Promise<void> }> {
  const dataDir = await makeTempDir('folio-bench-reader-');
  const databaseUrl = backend === 'postgres' ? await freshPostgresDatabase('reader') : undefined;
  const env = {
    ...cleanEnv(),
    FOLIO_DATA_DIR: dataDir,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    LOG_LEVEL: 'warn',
    FOLIO_OCR_LANGS: 'off',
    FOLIO_EMBED_MODEL: 'none',
    FOLIO_READER_RATE_PER_IP: '0',
  };
  log(`${backend}: importing Pepper&Carrot…`);
  await execFileAsync(NODE, [`${ROOT}/bin/folio.js`, 'import', '--json', PEPPER_CARROT], { env, maxBuffer: 16 * 1024 * 1024 });
  const port = await freePort();
  const proc = spawnTracked(NODE, [`${ROOT}/bin/folio.js`, 'serve'], { cwd: ROOT, env: { ...env, PORT: String(port), HOST: '127.0.0.1' } });
  const url = `http://127.0.0.1:${port}`;
  await waitFor200(proc, `${url}/ready`, { timeoutMs: 240_000, intervalMs: 50 });
  return { url, stop: () => stopProcess(proc.child, 15_000) };
}

async function main(): Promise<void> {
  const { json, quick, backends } = parseArgs(process.argv.slice(2));
  const seconds = quick ? 3 : 8;
  installCleanupHandlers();
  const loadBefore = loadavg()[0]!;
  const rows: Row[] = [];
  log('bare Hono baseline…');
  const bare = await withBareHono((url) => cannon(url, seconds));
  rows.push(makeRow('bare.hono', 'baseline: bare Hono JSON route, req/s (own process, same run)', 'req/s', [bare.rps]));
  for (const backend of backends) {
    const folio = await startFolio(backend);
    try {
      const created = await fetch(`${folio.url}/api/readers`, { method: 'POST' });
      const token = ((await created.json()) as { token: string }).token;
      const auth = { authorization: `Bearer ${token}` };
      const place = JSON.stringify({ episode: 6, page: 3, confirmSkip: true });
      const moved = await fetch(`${folio.url}/api/series/${SERIES}/progress`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: place });
      if (moved.status !== 200) throw new Error(`progress: ${moved.status}`);
      const episodeUrl = `${folio.url}/api/series/${SERIES}/episodes/6`;
      const etag = (await fetch(episodeUrl, { headers: auth })).headers.get('etag');
      const routes: Array<[id: string, label: string, url: string, opts: Parameters<typeof cannon>[2], budget: string | null]> = [
        ['library', 'GET /api/series (the library)', `${folio.url}/api/series`, { headers: auth }, null],
        ['series', 'GET /api/series/:id', `${folio.url}/api/series/${SERIES}`, { headers: auth }, 'series'],
        ['episode', 'GET /api/series/:id/episodes/6', episodeUrl, { headers: auth }, 'episode'],
        ['episode.304', 'the same with its ETag (304)', episodeUrl, { headers: { ...auth, 'if-none-match': etag ?? '' } }, null],
        ['progress', 'GET /api/series/:id/progress', `${folio.url}/api/series/${SERIES}/progress`, { headers: auth }, null],
        [
          'write',
          'POST /api/series/:id/progress (the same place again)',
          `${folio.url}/api/series/${SERIES}/progress`,
          { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ episode: 6, page: 3 }) },
          'write',
        ],
      ];
      for (const [id, label, url, opts, budget] of routes) {
        log(`${backend}: ${label}`);
        const r = await cannon(url, seconds, opts);
        const b = budget ? (BUDGETS[backend][budget] ?? null) : null;
        rows.push(
          makeRow(
            `${backend}.${id}`,
            `${backend}: ${label}, req/s`,
            'req/s',
            [r.rps],
            b,
            `${(r.rps / Math.max(1, bare.rps)).toFixed(3)}× bare Hono; statuses ${r.statuses}`,
          ),
        );
        rows.push(makeRow(`${backend}.${id}.p99`, `${backend}: ${label}, p99`, 'ms', [r.p99], budget === 'episode' || budget === 'series' ? P99 : null));
        if (r.bad > 0)
          rows.push(errorRow(`${backend}.${id}.errors`, `${backend}: ${label} answered`, 'count', null, `${r.bad} answers neither 200 nor 304 (statuses ${r.statuses})`));
      }
    } finally {
      await folio.stop();
    }
  }
  const machine = { cpus: availableParallelism(), load1Before: loadBefore, load1After: loadavg()[0]! };
  if (json) process.stdout.write(`${JSON.stringify({ node: process.version, machine, rows }, null, 2)}\n`);
  else
    process.stdout.write(
      `${formatTable(rows, `Reader API throughput (${CONNECTIONS} connections, Pepper&Carrot at 6/3): ${new Date().toISOString()}, ${machine.cpus} CPUs, 1-min load ${machine.load1Before.toFixed(1)} → ${machine.load1After.toFixed(1)}`)}\n`,
    );
  if (rows.some((r) => r.error)) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench:reader: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit(process.exitCode ?? 0);

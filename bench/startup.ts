/**
 * Startup benchmark: how fast `folio serve` comes up (restart and first run, on
 * the embedded PGlite database and on PostgreSQL), how much memory it idles at,
 * and how fast `folio import` ingests a real comic pack. Compared against a bare
 * node:http server started the same way in the same run. See bench/README.md.
 *
 *   npm run bench                       # build, then 3 repetitions of everything
 *   npm run bench -- --quick            # 1 repetition
 *   npm run bench -- --json             # rows as JSON on stdout (progress on stderr)
 *   npm run bench -- --runs 5
 *
 * FOLIO_BENCH_PACK overrides the import pack (default /work/shared/data/pepper-carrot);
 * FOLIO_PG_BIN the PostgreSQL binaries (see test/services/postgres.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parse as parseYaml } from 'yaml';
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
  readRssMb,
  removeTempDir,
  runArgs,
  runTimed,
  startAndTime,
  stopProcess,
  type Unit,
} from './lib.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FOLIO = join(ROOT, 'bin', 'folio.js');
const SAMPLES = join(ROOT, 'samples');
const PACK = process.env.FOLIO_BENCH_PACK ?? '/work/shared/data/pepper-carrot';
const NODE = process.execPath;

const POLL_MS = 5;
const IDLE_MS = 3_000;
const FIRST_RUN_TIMEOUT_MS = 180_000;
const RESTART_TIMEOUT_MS = 60_000;
const IMPORT_TIMEOUT_MS = 900_000;

const BUDGET = {
  pgliteRestartMs: { kind: 'max', limit: 2_000 },
  postgresRestartMs: { kind: 'max', limit: 500 },
  postgresRestartRatio: { kind: 'max', limit: 3 },
  firstRunMs: { kind: 'max', limit: 20_000 },
  pgliteRssMb: { kind: 'max', limit: 400 },
  // Issue 20: the embedded default with a real comic imported (Pepper&Carrot, 191 pages).
  pgliteComicRestartMs: { kind: 'max', limit: 800 },
  pgliteComicRssMb: { kind: 'max', limit: 300 },
  postgresRssMb: { kind: 'max', limit: 150 },
  importPagesPerS: { kind: 'min', limit: 10 },
} satisfies Record<string, Budget>;

// ---------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------

const parseArgs = (argv: string[]) => runArgs(argv, { runs: 3, usage: 'npm run bench -- [--json] [--quick] [--runs N]' });

const { json, runs: RUNS } = parseArgs(process.argv.slice(2));
const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

// ---------------------------------------------------------------------------
// Environment of the spawned Folio processes
// ---------------------------------------------------------------------------

/** The parent's environment without anything that configures Folio, PostgreSQL clients or tsx. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(PORT|HOST|DATABASE_URL|DATABASE_DIRECT_URL|ADMIN_TOKEN|CORS_ORIGINS)$/.test(k)) continue;
    if (/^(FOLIO_|LOG_|S3_|MODAL_|PG)/.test(k)) continue;
    if (k === 'NODE_OPTIONS' && v?.includes('tsx')) continue;
    env[k] = v;
  }
  return env;
}

type Backend = { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; dataDir: string; url: string };

function folioEnv(backend: Backend, port?: number): NodeJS.ProcessEnv {
  return {
    ...baseEnv(),
    LOG_LEVEL: 'warn',
    FOLIO_DATA_DIR: backend.dataDir,
    ...(port !== undefined ? { PORT: String(port), HOST: '127.0.0.1' } : {}),
    ...(backend.kind === 'postgres' ? { DATABASE_URL: backend.url } : {}),
  };
}

// ---------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------

const BARE_SERVER = `require('node:http').createServer((q, s) => { s.end('ok'); }).listen(Number(process.env.PORT), '127.0.0.1');`;

async function bareServer(): Promise<number> {
  const s = await startAndTime({
    cmd: NODE,
    makeArgs: () => ['-e', BARE_SERVER],
    makeEnv: (port) => ({ ...baseEnv(), PORT: String(port) }),
    paths: ['/'],
    intervalMs: POLL_MS,
    timeoutMs: 30_000,
  });
  await stopProcess(s.proc.child);
  return s.times['/']!;
}

interface ServeResult {
  healthMs: number;
  readyMs: number;
  rssMb?: number;
  /** Restarts only: a bare node:http server timed right before this restart (for the ratio). */
  bareMs?: number;
}

/** Spawn `folio serve`, time /health and /ready, optionally read the idle RSS, stop it cleanly. */
async function serveOnce(backend: Backend, opts: { timeoutMs: number; measureRss: boolean }): Promise<ServeResult> {
  const s = await startAndTime({
    cmd: NODE,
    makeArgs: () => [FOLIO, 'serve'],
    makeEnv: (port) => folioEnv(backend, port),
    cwd: ROOT,
    paths: ['/health', '/ready'],
    intervalMs: POLL_MS,
    timeoutMs: opts.timeoutMs,
  });
  try {
    const result: ServeResult = { healthMs: s.times['/health']!, readyMs: s.times['/ready']! };
    if (opts.measureRss) {
      await sleep(IDLE_MS);
      result.rssMb = readRssMb(s.proc.child.pid!);
    }
    return result;
  } finally {
    // SIGTERM: the server closes the database cleanly (PGlite must flush before the next restart).
    await stopProcess(s.proc.child);
    if (s.proc.child.exitCode !== 0) log(`warning: folio serve exited with ${s.proc.child.exitCode ?? s.proc.child.signalCode}\n${s.proc.output()}`);
  }
}

interface ImportJson {
  ok: boolean;
  status: string;
  pages: number;
  ms: number;
}

async function importOnce(backend: Backend): Promise<{ wallMs: number; json: ImportJson }> {
  const r = await runTimed(NODE, [FOLIO, 'import', PACK, '--json'], { env: folioEnv(backend), cwd: ROOT, timeoutMs: IMPORT_TIMEOUT_MS });
  const line = r.stdout.trim().split('\n').filter(Boolean).pop() ?? '';
  let parsed: ImportJson | undefined;
  try {
    parsed = JSON.parse(line) as ImportJson;
  } catch {
    /* reported below */
  }
  if (r.code !== 0 || !parsed?.ok) throw new Error(`folio import exited with ${r.code}: ${line || r.output.split('\n').slice(-10).join('\n')}`);
  return { wallMs: r.ms, json: parsed };
}

// ---------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------

let pgServer: PostgresServer | undefined;
let dbCounter = 0;

async function freshDatabase(label: string): Promise<string> {
  if (!pgServer) throw new Error('PostgreSQL is not running');
  const name = `folio_bench_${label}_${++dbCounter}`;
  const admin = new pg.Client({ connectionString: pgServer.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(pgServer.url);
  url.pathname = `/${name}`;
  return url.toString();
}

// ---------------------------------------------------------------------------
// Preconditions
// ---------------------------------------------------------------------------

/** Every image the bundled sample's episode.yaml files name must exist (it is generated by another script). */
function checkSample(): void {
  const missing: string[] = [];
  let packs = 0;
  for (const series of existsSync(SAMPLES) ? readdirSync(SAMPLES, { withFileTypes: true }) : []) {
    if (!series.isDirectory() || !existsSync(join(SAMPLES, series.name, 'series.yaml'))) continue;
    packs++;
    const episodes = join(SAMPLES, series.name, 'episodes');
    for (const ep of existsSync(episodes) ? readdirSync(episodes, { withFileTypes: true }) : []) {
      const yamlFile = join(episodes, ep.name, 'episode.yaml');
      if (!ep.isDirectory() || !existsSync(yamlFile)) continue;
      const doc = parseYaml(readFileSync(yamlFile, 'utf8')) as { cover_image?: string; pages?: Array<{ image?: string }> } | null;
      const images = [doc?.cover_image, ...(doc?.pages ?? []).map((p) => p.image)].filter((x): x is string => typeof x === 'string');
      for (const img of images) if (!existsSync(join(episodes, ep.name, img))) missing.push(join(series.name, 'episodes', ep.name, img));
    }
  }
  if (packs === 0) throw new Error(`no sample series under ${SAMPLES}: the first-run figures need it`);
  if (missing.length > 0) {
    throw new Error(
      `the bundled sample is incomplete (${missing.length} images missing, e.g. ${missing.slice(0, 3).join(', ')}); ` +
        'wait for scripts/generate-sample.ts to finish, the first-run figures need it',
    );
  }
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

const rows: Row[] = [];

/** Run `fn` `RUNS` times, collecting samples; on error record an error row instead. */
async function measure<T>(label: string, fn: (i: number) => Promise<T>): Promise<T[] | Error> {
  const out: T[] = [];
  for (let i = 0; i < RUNS; i++) {
    try {
      out.push(await fn(i));
    } catch (err) {
      log(`${label}: run ${i + 1} failed: ${(err as Error).message}`);
      return err as Error;
    }
  }
  return out;
}

function add(id: string, figure: string, unit: Unit, samples: number[] | Error, budget: Budget | null = null, note?: string): void {
  if (samples instanceof Error) rows.push(errorRow(id, figure, unit, budget, samples.message));
  else rows.push(makeRow(id, figure, unit, samples, budget, note));
}

const pick = <T, K extends keyof T>(xs: T[] | Error, k: K): T[K][] | Error => (xs instanceof Error ? xs : xs.map((x) => x[k]));
const nums = (xs: Array<number | undefined> | Error): number[] | Error => (xs instanceof Error ? xs : xs.filter((x): x is number => x !== undefined));
const fmt = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);

/** RUNS restarts of `folio serve` on a prepared backend, each with a bare node:http start timed right before it. */
async function restarts(label: string, backend: Backend | Error): Promise<ServeResult[] | Error> {
  if (backend instanceof Error) return backend;
  return measure(label, async (i) => {
    const bareMs = await bareServer();
    const r = await serveOnce(backend, { timeoutMs: RESTART_TIMEOUT_MS, measureRss: true });
    log(
      `${label} ${i + 1}/${RUNS}: /health ${fmt(r.healthMs)}, /ready ${fmt(r.readyMs)}, idle RSS ${r.rssMb?.toFixed(0)} MB (bare node:http just before: ${fmt(bareMs)})`,
    );
    return { ...r, bareMs };
  });
}

async function main(): Promise<void> {
  installCleanupHandlers();
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm run bench does)');
  checkSample();
  if (!existsSync(PACK)) throw new Error(`import pack ${PACK} not found (set FOLIO_BENCH_PACK)`);
  const loadBefore = loadavg()[0]!;
  const work = await makeTempDir('folio-bench-');
  log(`${RUNS} run(s) per figure; temp dir ${work}`);

  // 1. Bare node:http server: the machine's baseline for "spawn node, listen, answer".
  const bare = await measure('bare node:http', async (i) => {
    const ms = await bareServer();
    log(`bare node:http ${i + 1}/${RUNS}: ${fmt(ms)}`);
    return ms;
  });

  // 4a/2/5a. PGlite: first run on an empty data dir (initdb in WASM, migrations, sample import), then restarts.
  let pgliteDir: string | undefined;
  const pgliteFirst = await measure('PGlite first run', async (i) => {
    const dataDir = join(work, `pglite-first-${i}`);
    const r = await serveOnce({ kind: 'pglite', dataDir }, { timeoutMs: FIRST_RUN_TIMEOUT_MS, measureRss: false });
    if (pgliteDir === undefined) pgliteDir = dataDir;
    else await removeTempDir(dataDir);
    log(`PGlite first run ${i + 1}/${RUNS}: /health ${fmt(r.healthMs)}, /ready ${fmt(r.readyMs)}`);
    return r;
  });
  const pgliteRestart = await restarts(
    'PGlite restart',
    pgliteDir === undefined ? new Error('no prepared PGlite data dir (first run failed)') : { kind: 'pglite', dataDir: pgliteDir },
  );

  // PostgreSQL server (throwaway, local, not timed).
  let pgError: Error | undefined;
  try {
    log('starting a throwaway PostgreSQL server...');
    pgServer = await startPostgres();
    const server = pgServer;
    onCleanup(() => server.stop());
  } catch (err) {
    pgError = err as Error;
    log(`PostgreSQL unavailable: ${pgError.message}`);
  }

  // 4b/3/5b. PostgreSQL: first run on an empty database (migrations + sample import), then restarts.
  let pgPrepared: Backend | undefined;
  const pgFirst: ServeResult[] | Error =
    pgError ??
    (await measure('PostgreSQL first run', async (i) => {
      const backend: Backend = { kind: 'postgres', dataDir: join(work, `pg-first-${i}`), url: await freshDatabase('first') };
      const r = await serveOnce(backend, { timeoutMs: FIRST_RUN_TIMEOUT_MS, measureRss: false });
      pgPrepared ??= backend;
      log(`PostgreSQL first run ${i + 1}/${RUNS}: /health ${fmt(r.healthMs)}, /ready ${fmt(r.readyMs)}`);
      return r;
    }));
  const pgRestart = await restarts('PostgreSQL restart', pgError ?? pgPrepared ?? new Error('no migrated PostgreSQL database (first run failed)'));

  // 6. Import throughput into an empty PGlite data dir / PostgreSQL database, then an unchanged re-import.
  let comicDir: string | undefined;
  const importRuns = async (label: string, makeBackend: (i: number) => Promise<Backend>, keepFirst = false) =>
    measure(label, async (i) => {
      const backend = await makeBackend(i);
      const first = await importOnce(backend);
      const second = await importOnce(backend);
      if (keepFirst && i === 0) comicDir = backend.dataDir;
      else await removeTempDir(backend.dataDir);
      const pagesPerS = first.json.pages / (first.json.ms / 1000);
      log(
        `${label} ${i + 1}/${RUNS}: ${first.json.status} ${first.json.pages} pages in ${fmt(first.json.ms)} (${pagesPerS.toFixed(1)} pages/s), ` +
          `wall ${fmt(first.wallMs)}; re-import ${second.json.status}, wall ${fmt(second.wallMs)}`,
      );
      if (second.json.status !== 'unchanged') log(`warning: the second import reported "${second.json.status}", expected "unchanged"`);
      return { pagesPerS, wallMs: first.wallMs, secondWallMs: second.wallMs, pages: first.json.pages, secondStatus: second.json.status };
    });
  const pgliteImport = await importRuns('PGlite import', async (i) => ({ kind: 'pglite', dataDir: join(work, `pglite-import-${i}`) }), true);
  // 7. The embedded default restarted with the imported comic (no sample: the library is not empty).
  const comicRestart = await restarts(
    'PGlite restart with the pack',
    comicDir === undefined ? new Error('no PGlite data dir with the pack imported (the import failed)') : { kind: 'pglite', dataDir: comicDir },
  );
  const pgImport: Awaited<ReturnType<typeof importRuns>> =
    pgError ?? (await importRuns('PostgreSQL import', async (i) => ({ kind: 'postgres', dataDir: join(work, `pg-import-${i}`), url: await freshDatabase('import') })));

  // ---- rows ----
  // The bare server: the dedicated runs plus the ones paired with each restart.
  const paired = (xs: ServeResult[] | Error) => (xs instanceof Error ? [] : xs.map((x) => x.bareMs).filter((x): x is number => x !== undefined));
  add(
    'bare.first200',
    'bare node:http → first 200',
    'ms',
    bare instanceof Error ? bare : [...bare, ...paired(pgliteRestart), ...paired(pgRestart), ...paired(comicRestart)],
  );
  add('pglite.restart.health', 'PGlite restart → first /health 200', 'ms', pick(pgliteRestart, 'healthMs'));
  add('pglite.restart.ready', 'PGlite restart → first /ready 200', 'ms', pick(pgliteRestart, 'readyMs'), BUDGET.pgliteRestartMs);
  add('postgres.restart.health', 'PostgreSQL restart → first /health 200', 'ms', pick(pgRestart, 'healthMs'));
  add('postgres.restart.ready', 'PostgreSQL restart → first /ready 200', 'ms', pick(pgRestart, 'readyMs'), BUDGET.postgresRestartMs);
  // One sample per restart: its /ready time over the bare server timed right before it,
  // so both saw (nearly) the same machine load.
  const ratio = (xs: ServeResult[] | Error): number[] | Error => (xs instanceof Error ? xs : xs.map((x) => x.readyMs / x.bareMs!));
  add('postgres.restart.ratio', 'PostgreSQL restart /ready ÷ bare node:http', 'x', ratio(pgRestart), BUDGET.postgresRestartRatio);
  add('pglite.restart.ratio', 'PGlite restart /ready ÷ bare node:http', 'x', ratio(pgliteRestart));
  add('pglite.comic.restart.ready', 'PGlite restart, Pepper&Carrot imported → first /ready 200', 'ms', pick(comicRestart, 'readyMs'), BUDGET.pgliteComicRestartMs);
  add('pglite.comic.restart.ratio', 'PGlite restart, Pepper&Carrot imported, /ready ÷ bare node:http', 'x', ratio(comicRestart));
  add('pglite.comic.rss', 'PGlite idle RSS, Pepper&Carrot imported (3 s after /ready)', 'MB', nums(pick(comicRestart, 'rssMb')), BUDGET.pgliteComicRssMb);
  add('pglite.first.ready', 'PGlite first run (empty dir) → /ready', 'ms', pick(pgliteFirst, 'readyMs'), BUDGET.firstRunMs);
  add('postgres.first.ready', 'PostgreSQL first run (empty db) → /ready', 'ms', pick(pgFirst, 'readyMs'), BUDGET.firstRunMs);
  add('pglite.rss', 'PGlite idle RSS (3 s after /ready)', 'MB', nums(pick(pgliteRestart, 'rssMb')), BUDGET.pgliteRssMb);
  add(
    'postgres.rss',
    'PostgreSQL idle RSS (3 s after /ready)',
    'MB',
    nums(pick(pgRestart, 'rssMb')),
    BUDGET.postgresRssMb,
    'Folio process only; the PostgreSQL server is not counted',
  );
  for (const [prefix, name, r] of [
    ['pglite', 'PGlite', pgliteImport],
    ['postgres', 'PostgreSQL', pgImport],
  ] as const) {
    const pages = r instanceof Error ? 192 : (r[0]?.pages ?? 192);
    add(`${prefix}.import.rate`, `${name} import (${pages} pages, empty) throughput`, 'pages/s', pick(r, 'pagesPerS'), BUDGET.importPagesPerS);
    add(`${prefix}.import.wall`, `${name} import wall time (whole command)`, 'ms', pick(r, 'wallMs'));
    add(`${prefix}.reimport.wall`, `${name} re-import (unchanged) wall time`, 'ms', pick(r, 'secondWallMs'));
  }

  // Other work on the machine skews absolute figures (the ratios less so): say how busy it was.
  const machine = { cpus: availableParallelism(), load1Before: loadBefore, load1After: loadavg()[0]! };
  if (json) {
    process.stdout.write(`${JSON.stringify({ runs: RUNS, node: process.version, machine, rows }, null, 2)}\n`);
  } else {
    const title =
      `Folio startup benchmark: ${new Date().toISOString()}, node ${process.version}, ${machine.cpus} CPUs, ` +
      `1-min load ${machine.load1Before.toFixed(1)} → ${machine.load1After.toFixed(1)}, ${RUNS} run(s) per figure, median (min)`;
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
// Nothing of ours is left; do not wait for stray handles (pg sockets, timers) to close.
process.exit(process.exitCode ?? 0);

/**
 * Operations benchmark: what a small box (the 1 GB Raspberry Pi of
 * docs/deployment.md) must hold, and how long a graceful shutdown takes.
 *
 *   npm run bench:operate                # table
 *   npm run bench:operate -- --json      # rows as JSON
 *   npm run bench:operate -- --quick     # one chat round instead of three
 *   npm run bench:operate -- --embed local   # embeddings by the built-in model in both processes
 *
 * Set-up, as on the Pi: a throwaway PostgreSQL 15 (test/services/postgres.ts,
 * Debian's default 128 MB shared_buffers), the built `folio serve`
 * (FOLIO_WORKER=off) and `folio worker` (one job, one image at a time), a
 * fake Ollama in its own process (test/fakes/cli.ts) standing in for the
 * remote model server (Modal/hosted), which also makes the embeddings
 * (`FOLIO_EMBED_MODEL=nomic-embed-text`, the Pi's setting); `--embed local`
 * measures the built-in embedding model instead, which each process that
 * embeds loads into its own memory. The Pepper&Carrot pack
 * (/work/shared/data/pepper-carrot, read in place; FOLIO_BENCH_PACK
 * overrides) is zipped in memory and uploaded through the operator API, so
 * the worker imports it and then embeds every chunk.
 *
 * Figures: RSS of each process sampled every 200 ms (idle, and peak during
 * import, embedding and 50 concurrent chats), PostgreSQL's proportional set
 * size (PSS, shared buffers counted once) summed over its processes, the sum
 * of the three peaks against the Pi's 1 GB; and SIGTERM with 50 chat streams
 * open: time to exit, and whether every stored answer equals what its
 * client received.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { chat, newReader, Sampler, setFake, startFakeOllama, throwawayPostgres, uploadPack, waitForJobs, zipPack } from './box.js';
import {
  type Budget,
  cleanup,
  errorRow,
  formatTable,
  freePort,
  installCleanupHandlers,
  makeRow,
  makeTempDir,
  onCleanup,
  type Row,
  readRssMb,
  spawnTracked,
  stopProcess,
  type Tracked,
  waitFor200,
} from './lib.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FOLIO = join(ROOT, 'bin', 'folio.js');
const NODE = process.execPath;
const PACK = process.env.FOLIO_BENCH_PACK ?? '/work/shared/data/pepper-carrot';
const SERIES = 'pepper-carrot';
const ADMIN = 'bench-operate-admin-token-0123456789abcdef';
const CHATS = 50;
const GRACE_S = 10;

/** MemoryMax of a systemd unit in MB: the small box's limit for that process. */
function memoryMaxMb(unit: string): number {
  const m = /^MemoryMax=(\d+)M$/m.exec(readFileSync(join(ROOT, 'deploy', 'systemd', unit), 'utf8'));
  if (!m) throw new Error(`no MemoryMax=<n>M in deploy/systemd/${unit}`);
  return Number(m[1]);
}

/** What the systemd units allow (deploy/systemd/*.service MemoryMax) and what the Pi has. */
const BUDGET = {
  serveMb: { kind: 'max', limit: memoryMaxMb('folio.service') },
  workerMb: { kind: 'max', limit: memoryMaxMb('folio-worker.service') },
  totalMb: { kind: 'max', limit: 800 },
  errors: { kind: 'max', limit: 0 },
  drainS: { kind: 'max', limit: GRACE_S + 2 },
  lost: { kind: 'max', limit: 0 },
} satisfies Record<string, Budget>;

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
if (args.includes('--help')) {
  process.stdout.write('usage: npm run bench:operate -- [--json] [--quick]\n');
  process.exit(0);
}
const ROUNDS = quick ? 1 : 3;
const embedArg = args.includes('--embed') ? args[args.indexOf('--embed') + 1] : 'provider';
if (embedArg !== 'provider' && embedArg !== 'local') throw new Error('--embed must be provider or local');
const EMBED_MODEL = embedArg === 'local' ? 'local' : 'nomic-embed-text';
const log = (m: string) => process.stderr.write(`bench:operate: ${m}\n`);

// ---------------------------------------------------------------------------------------------
// Memory

/** Proportional set size in MB (shared pages split between the processes that map them). */
function pssMb(pid: number): number {
  const m = /^Pss:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** The PostgreSQL postmaster and its children (backends, checkpointer, walwriter, …). */
function postgresPids(postmaster: number): number[] {
  const pids = [postmaster];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) pids.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return pids;
}

function postgresMb(postmaster: number): number {
  return postgresPids(postmaster).reduce((sum, pid) => {
    try {
      return sum + pssMb(pid);
    } catch {
      return sum;
    }
  }, 0);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  installCleanupHandlers();
  if (!existsSync(join(PACK, 'series.yaml'))) throw new Error(`no pack at ${PACK} (set FOLIO_BENCH_PACK)`);
  if (!existsSync(FOLIO)) throw new Error('bin/folio.js missing: run `npm run build` first');
  const loadBefore = loadavg()[0]!;
  const rows: Row[] = [];

  log('starting PostgreSQL');
  const { url: dbUrl, postmaster } = await throwawayPostgres('folio_bench_operate');
  const fakeUrl = await startFakeOllama();

  const dataDir = await makeTempDir('folio-bench-operate-');
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    // The systemd units set it (fewer glibc malloc arenas: sharp's threads otherwise keep memory).
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
    LOG_LEVEL: 'warn',
    FOLIO_DATA_DIR: dataDir,
    DATABASE_URL: dbUrl,
    FOLIO_SAMPLE: 'false',
    FOLIO_WORKER: 'off',
    ADMIN_TOKEN: ADMIN,
    FOLIO_MODEL: 'ollama',
    FOLIO_MODEL_BASE_URL: fakeUrl,
    FOLIO_CHAT_MODEL: 'llama3.2:3b',
    FOLIO_EMBED_MODEL: EMBED_MODEL,
    FOLIO_CHAT_RATE_PER_READER: '0',
    FOLIO_CHAT_RATE_PER_IP: '0',
    FOLIO_READER_RATE_PER_IP: '0',
    FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS: '60000',
    FOLIO_MODEL_IDLE_TIMEOUT_MS: '60000',
    FOLIO_MODEL_TOTAL_TIMEOUT_MS: '600000',
    FOLIO_SHUTDOWN_GRACE_S: String(GRACE_S),
    ...extra,
  });

  const startServe = async (): Promise<{ proc: Tracked; base: string }> => {
    const port = await freePort();
    const proc = spawnTracked(NODE, [FOLIO, 'serve'], { cwd: ROOT, env: env({ PORT: String(port), HOST: '127.0.0.1' }) });
    const base = `http://127.0.0.1:${port}`;
    await waitFor200(proc, `${base}/ready`, { timeoutMs: 120_000, intervalMs: 50 });
    return { proc, base };
  };

  const serve = await startServe();
  // The Pi's worker unit: one job, one image at a time.
  const worker = spawnTracked(NODE, [FOLIO, 'worker'], { cwd: ROOT, env: env({ FOLIO_JOB_CONCURRENCY: '1', FOLIO_IMPORT_CONCURRENCY: '1' }) });
  await sleep(3_000);
  const sampler = new Sampler({
    serve: () => readRssMb(serve.proc.child.pid!),
    worker: () => readRssMb(worker.child.pid!),
    postgres: () => postgresMb(postmaster),
    // What the box must hold at one moment (the peaks above happen at different times).
    total: () => readRssMb(serve.proc.child.pid!) + readRssMb(worker.child.pid!) + postgresMb(postmaster),
  });
  onCleanup(async () => sampler.stop());
  sampler.enter('idle');
  await sleep(2_000);

  // ---- import + embed through the worker -------------------------------------------------------
  sampler.enter('import');
  const zip = zipPack(PACK);
  log(`uploading ${PACK} (${(zip.length / 1024 / 1024).toFixed(1)} MB zip) through the operator API`);
  const started = performance.now();
  const importId = await uploadPack(serve.base, ADMIN, zip, 'pepper-carrot.zip');
  await waitForJobs(serve.base, ADMIN, 900_000, (jobs) => jobs.filter((j) => j.id === importId));
  const importS = (performance.now() - started) / 1000;
  log(`import done in ${importS.toFixed(0)} s; embedding`);
  sampler.enter('embed');
  await waitForJobs(serve.base, ADMIN, 900_000);
  const embedS = (performance.now() - started) / 1000 - importS;
  sampler.enter('after-jobs');
  await sleep(3_000);
  sampler.sample();
  const workerIdle = readRssMb(worker.child.pid!);

  // ---- chat load ----------------------------------------------------------------------------------
  await setFake(fakeUrl, { persona: 'fixed', text: 'Pepper stirs the cauldron while Carrot watches the bubbles rise. '.repeat(6), tokenChars: 4, tokensPerSecond: 20 });
  const readers: string[] = [];
  for (let i = 0; i < CHATS; i++) readers.push(await newReader(serve.base, SERIES, { episode: 5, page: 3 }));
  sampler.enter('serve-idle');
  await sleep(2_000);
  sampler.sample();
  const serveIdle = sampler.peak('serve', 'serve-idle');
  sampler.enter('chat');
  let errors = 0;
  let answered = 0;
  for (let round = 0; round < ROUNDS; round++) {
    log(`chat round ${round + 1}/${ROUNDS}: ${CHATS} concurrent streams at 20 tokens/s`);
    const streams = readers.map((t, i) => chat(serve.base, SERIES, t, `load-${round}-${i}`));
    await Promise.all(streams.map((s) => s.done));
    for (const s of streams) {
      if (s.finished && s.errors.length === 0) answered++;
      else errors++;
    }
  }
  sampler.enter('after-chat');

  // ---- shutdown with 50 open streams --------------------------------------------------------------
  await setFake(fakeUrl, { persona: 'fixed', text: 'Pepper stirs the cauldron while Carrot watches the bubbles rise. '.repeat(40), tokenChars: 4, tokensPerSecond: 20 });
  const open = readers.map((t, i) => chat(serve.base, SERIES, t, `drain-${i}`));
  await Promise.all(open.map((s) => s.firstText));
  await sleep(1_000);
  log(`SIGTERM with ${open.length} streams open`);
  const exited = serve.proc.exited;
  const sigterm = performance.now();
  serve.proc.child.kill('SIGTERM');
  const code = await exited;
  const drainS = (performance.now() - sigterm) / 1000;
  await Promise.all(open.map((s) => s.done));
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  const stored = new Map(
    (
      await c.query<{ conversation_id: string; text: string; status: string }>(
        "SELECT conversation_id, text, status FROM messages WHERE role = 'assistant' AND conversation_id LIKE 'drain-%'",
      )
    ).rows.map((r) => [r.conversation_id, r]),
  );
  await c.end();
  const lost = open.filter((s) => stored.get(s.id)?.text !== s.text || s.text.length === 0).length;
  const endedCleanly = open.filter((s) => s.errors.includes('unavailable:shutting_down')).length;
  sampler.stop();
  await stopProcess(worker.child, 40_000);

  const peak = (name: string, ...phases: string[]) => sampler.peak(name, ...phases);
  const servePeak = peak('serve', 'idle', 'import', 'embed', 'after-jobs', 'serve-idle', 'chat', 'after-chat');
  const workerPeak = peak('worker', 'idle', 'import', 'embed', 'after-jobs');
  const pgPeak = peak('postgres', 'idle', 'import', 'embed', 'after-jobs', 'serve-idle', 'chat', 'after-chat');
  rows.push(makeRow('serve.idle', 'folio serve RSS, idle (PostgreSQL, P&C imported)', 'MB', [serveIdle]));
  rows.push(
    makeRow(
      'serve.peak',
      `folio serve RSS, peak under ${CHATS} concurrent chats (embeddings: ${EMBED_MODEL})`,
      'MB',
      [peak('serve', 'chat')],
      BUDGET.serveMb,
      `peak over the whole run ${servePeak.toFixed(0)} MB`,
    ),
  );
  rows.push(makeRow('worker.idle', 'folio worker RSS, idle before any job', 'MB', [sampler.peak('worker', 'idle')]));
  rows.push(
    makeRow(
      'worker.import',
      'folio worker RSS, peak importing P&C (192 pages)',
      'MB',
      [sampler.peak('worker', 'import')],
      BUDGET.workerMb,
      `import ${importS.toFixed(0)} s`,
    ),
  );
  rows.push(
    makeRow(
      'worker.embed',
      `folio worker RSS, peak embedding every chunk (${EMBED_MODEL})`,
      'MB',
      [sampler.peak('worker', 'embed')],
      BUDGET.workerMb,
      `embed ${embedS.toFixed(0)} s; ${workerIdle.toFixed(0)} MB after the jobs`,
    ),
  );
  rows.push(makeRow('pg.peak', 'PostgreSQL PSS (all its processes), peak', 'MB', [pgPeak]));
  const together = peak('total', 'idle', 'import', 'embed', 'after-jobs', 'serve-idle', 'chat', 'after-chat');
  rows.push(
    makeRow(
      'total.peak',
      'serve + worker + PostgreSQL at the same moment, peak (1 GB Pi)',
      'MB',
      [together],
      BUDGET.totalMb,
      `sum of the three separate peaks ${(servePeak + workerPeak + pgPeak).toFixed(0)} MB`,
    ),
  );
  rows.push(makeRow('chat.errors', `chat load: failed answers of ${ROUNDS * CHATS}`, 'count', [errors], BUDGET.errors, `${answered} answered`));
  rows.push(
    makeRow(
      'drain.time',
      `SIGTERM → exit with ${open.length} streams open (grace ${GRACE_S} s)`,
      's',
      [drainS],
      BUDGET.drainS,
      `exit code ${code}; ${endedCleanly} streams ended with the restarting notice`,
    ),
  );
  rows.push(makeRow('drain.lost', 'answers not stored exactly as streamed', 'count', [lost], BUDGET.lost));

  const machine = { cpus: availableParallelism(), load1Before: loadBefore, load1After: loadavg()[0]! };
  if (json) process.stdout.write(`${JSON.stringify({ node: process.version, machine, embedModel: EMBED_MODEL, rows }, null, 2)}\n`);
  else {
    const title = `Folio operations benchmark (FOLIO_EMBED_MODEL=${EMBED_MODEL}): ${new Date().toISOString()}, node ${process.version}, ${machine.cpus} CPUs, 1-min load ${machine.load1Before.toFixed(1)} → ${machine.load1After.toFixed(1)}`;
    process.stdout.write(`${formatTable(rows, title)}\n`);
  }
  if (code !== 0) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench:operate: ${(err as Error).stack ?? String(err)}\n`);
  process.stdout.write(`${formatTable([errorRow('operate', 'operations benchmark', 'MB', null, (err as Error).message)])}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit();

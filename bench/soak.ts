/**
 * Soak: `folio serve` under a steady load of concurrent chat streams for N
 * minutes, against a fake Ollama (its own process) answering at 50 tokens/s.
 *
 *   npm run soak                          # 10 minutes, 50 streams, PGlite
 *   npm run soak -- --minutes 30          # the long run (docs/performance.md)
 *   npm run soak -- --streams 100 --backend postgres
 *   npm run soak -- --json
 *   node --import tsx bench/soak.ts --source --minutes 3   # from src/ through tsx (no build; the CI soak test)
 *
 * Figures (budgets in parentheses):
 *  - errors: streams that failed or came back incomplete (0);
 *  - RSS growth after warm-up (< 10 %): the floor (10th percentile of 1 s
 *    samples) of the last window of the run over the floor of the window right
 *    after the warm-up; a window is a third of the run after warm-up (20 s to
 *    2 min); the warm-up is 20 % of the run, at least 30 s and at most 10 min.
 *    the floor, not the median, because RSS saw-tooths between collections;
 *  - leaked file descriptors: /proc/<pid>/fd of the Folio process, idle before
 *    the load and idle after it (client connections closed, 6 s to let keep-alive
 *    sockets to the model server expire) (≤ 5, i.e. nothing per stream);
 *  - streams completed, tokens/s delivered, peak RSS, fds under load (info).
 */
import { availableParallelism, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Budget, cleanup, errorRow, formatTable, installCleanupHandlers, makeRow, median, percentile, type Row, readRssMb } from './lib.js';
import { ANSWER_TEXT, type Backend, closeClients, countFds, newReader, relayStream, requestJson, setFake, startFake, startFolio, TOKEN_CHARS } from './streams.js';

const BUDGET = {
  errors: { kind: 'max', limit: 0 },
  rssGrowthPct: { kind: 'max', limit: 10 },
  leakedFds: { kind: 'max', limit: 5 },
} satisfies Record<string, Budget>;

function parseArgs(argv: string[]) {
  let json = false;
  let minutes = 10;
  let streams = 50;
  let backend: Backend = 'pglite';
  let source = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--source') source = true;
    else if (a === '--quick') minutes = 1;
    else if (a === '--minutes') minutes = Number(argv[++i]);
    else if (a === '--streams') streams = Number(argv[++i]);
    else if (a === '--backend') {
      const b = argv[++i];
      if (b !== 'pglite' && b !== 'postgres') throw new Error('--backend is pglite or postgres');
      backend = b;
    } else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run soak -- [--minutes N] [--streams N] [--backend pglite|postgres] [--json] [--source]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  if (!(minutes > 0)) throw new Error('--minutes needs a positive number');
  if (!Number.isInteger(streams) || streams < 1) throw new Error('--streams needs a positive integer');
  return { json, minutes, streams, backend, source };
}

const { json, minutes, streams, backend, source } = parseArgs(process.argv.slice(2));
const log = (m: string) => process.stderr.write(`soak: ${m}\n`);
/** 100 tokens: a 2 s answer at 50 tokens/s. */
const ANSWER = ANSWER_TEXT.repeat(5).slice(0, 400);

async function idleFds(pid: number): Promise<number> {
  closeClients();
  await sleep(6_000);
  return countFds(pid);
}

async function main(): Promise<void> {
  installCleanupHandlers();
  const loadBefore = loadavg()[0]!;
  const rows: Row[] = [];
  const totalMs = minutes * 60_000;
  // PGlite's WASM memory and V8's heap limits settle over minutes, not seconds (a 30-minute run grew its first 4 minutes, then stayed flat).
  const warmupMs = Math.min(600_000, Math.max(30_000, totalMs * 0.2));
  if (warmupMs + 20_000 > totalMs) throw new Error(`--minutes ${minutes} leaves no time after the ${warmupMs / 1000} s warm-up`);

  const fake = await startFake();
  await setFake(fake.url, { persona: 'fixed', text: ANSWER, tokenChars: TOKEN_CHARS, tokensPerSecond: 50 });
  log(`fake Ollama at ${fake.url}; starting folio serve (${backend}${source ? ', from source' : ''})…`);
  const folio = await startFolio({ backend, fakeUrl: fake.url, source });
  const readers: string[] = [];
  for (let i = 0; i < streams; i++) readers.push(await newReader(folio.url));
  // One stream per reader before anything is counted (first-use allocations, JIT).
  await Promise.all(readers.map((t) => relayStream(folio.url, t)));
  const fdsBefore = await idleFds(folio.pid);
  log(`${streams} streams for ${minutes} min (warm-up ${warmupMs / 1000} s); idle fds ${fdsBefore}, RSS ${readRssMb(folio.pid).toFixed(0)} MB`);

  const samples: Array<{ t: number; rss: number }> = [];
  let fdsPeak = 0;
  const started = performance.now();
  const sampler = setInterval(() => {
    try {
      samples.push({ t: performance.now() - started, rss: readRssMb(folio.pid) });
      fdsPeak = Math.max(fdsPeak, countFds(folio.pid));
    } catch {
      /* exited: reported below */
    }
  }, 1_000);
  let completed = 0;
  let chars = 0;
  const errors: string[] = [];
  let lastReport = 0;
  await Promise.all(
    readers.map(async (token, i) => {
      // Staggered starts, so the streams do not move in lock-step.
      await sleep((i * 2_000) / streams);
      while (performance.now() - started < totalMs) {
        const r = await relayStream(folio.url, token);
        if (r.ok && r.chars === ANSWER.length) {
          completed++;
          chars += r.chars;
        } else errors.push(r.error ?? `${r.chars} of ${ANSWER.length} chars`);
        const now = performance.now() - started;
        if (now - lastReport > 30_000) {
          lastReport = now;
          log(`${(now / 60_000).toFixed(1)} min: ${completed} streams, ${errors.length} errors, RSS ${readRssMb(folio.pid).toFixed(0)} MB, fds ${countFds(folio.pid)}`);
        }
      }
    }),
  );
  clearInterval(sampler);
  const wallS = (performance.now() - started) / 1000;
  const ready = await requestJson('GET', `${folio.url}/ready`);
  const fdsAfter = await idleFds(folio.pid);
  await folio.stop();

  // RSS saw-tooths by 10-15 % between collections (V8 grows the heap, then collects), so a median of a short
  // window lands on a peak or a trough by chance. The floor of a window (its 10th percentile: the process right
  // after collections) is what a leak raises: compare the floor of the window right after the warm-up with the
  // floor of the last window of the same length.
  const windowMs = Math.min(120_000, Math.max(20_000, (totalMs - warmupMs) / 3));
  const rssIn = (from: number, to: number) => samples.filter((s) => s.t > from && s.t <= to).map((s) => s.rss);
  const warm = percentile(rssIn(warmupMs, warmupMs + windowMs), 10);
  const end = percentile(rssIn(totalMs - windowMs, totalMs), 10);
  const endMedian = median(rssIn(totalMs - windowMs, totalMs));
  const peak = Math.max(...samples.map((s) => s.rss));
  if (errors.length > 0) log(`errors, e.g. ${errors.slice(0, 3).join(' | ')}`);
  const label = `${streams} streams, ${minutes} min, ${backend}`;
  rows.push(
    makeRow(
      'soak.errors',
      `soak (${label}): failed or incomplete streams`,
      'count',
      [errors.length + (ready.status === 200 ? 0 : 1)],
      BUDGET.errors,
      ready.status === 200 ? undefined : `/ready answered ${ready.status} after the soak`,
    ),
  );
  rows.push(
    makeRow(
      'soak.streams',
      'soak: streams completed',
      'count',
      [completed],
      null,
      `${(completed / wallS).toFixed(1)} streams/s, ${(chars / TOKEN_CHARS / wallS).toFixed(0)} tokens/s delivered`,
    ),
  );
  rows.push(
    makeRow(
      'soak.rss.growth',
      `soak: RSS growth after warm-up (floor of the last ${Math.round(windowMs / 1000)} s ÷ floor of the first ${Math.round(windowMs / 1000)} s after warm-up − 1)`,
      '%',
      [((end - warm) / warm) * 100],
      BUDGET.rssGrowthPct,
      `floor (10th percentile of 1 s samples) ${warm.toFixed(0)} MB after the warm-up → ${end.toFixed(0)} MB at the end; median at the end ${endMedian.toFixed(0)} MB, peak ${peak.toFixed(0)} MB`,
    ),
  );
  rows.push(
    makeRow(
      'soak.fds.leaked',
      'soak: file descriptors leaked (idle after − idle before)',
      'count',
      [fdsAfter - fdsBefore],
      BUDGET.leakedFds,
      `${fdsBefore} before, ${fdsAfter} after, ${fdsPeak} at most under load`,
    ),
  );

  const machine = { cpus: availableParallelism(), load1Before: loadBefore, load1After: loadavg()[0]! };
  if (json) process.stdout.write(`${JSON.stringify({ node: process.version, minutes, streams, backend, machine, samples, rows }, null, 2)}\n`);
  else {
    const title = `Folio soak: ${new Date().toISOString()}, node ${process.version}, ${machine.cpus} CPUs, 1-min load ${machine.load1Before.toFixed(1)} → ${machine.load1After.toFixed(1)}`;
    process.stdout.write(`${formatTable(rows, title)}\n`);
  }
}

try {
  await main();
} catch (err) {
  process.stderr.write(`soak: ${(err as Error).stack ?? String(err)}\n`);
  const row = errorRow('soak.errors', 'soak', 'count', BUDGET.errors, (err as Error).message);
  process.stdout.write(json ? `${JSON.stringify({ rows: [row] })}\n` : `${formatTable([row])}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit(process.exitCode ?? 0);

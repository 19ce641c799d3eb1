/**
 * Soak: `folio serve` under a steady load of concurrent chat streams for N
 * minutes, against a fake Ollama (its own process) answering at 50 tokens/s.
 *
 *   npm run soak                          # 10 minutes, 50 streams, PGlite
 *   npm run soak -- --minutes 30          # the long run (docs/performance.md)
 *   npm run soak -- --streams 100 --backend postgres
 *   npm run soak -- --json                # also every 1 s memory sample and the forced-GC figures
 *   npm run soak -- --heap-snapshots DIR  # heap snapshots at the end of the warm-up and after the load
 *   node --import tsx bench/soak.ts --source --minutes 3   # from src/ through tsx (no build; the CI soak test)
 *
 * The server runs with bench/soak-probe.mjs preloaded (and --expose-gc): it logs
 * process.memoryUsage() every second and, when the bench asks (SIGUSR2), runs
 * full collections and logs what is left. Nothing of it is in Folio itself.
 *
 * Why not RSS alone: most of RSS under this load is V8's heap, and V8 sizes the
 * heap by the allocation rate, growing it for minutes before it settles (a
 * 10-minute run: heap size 213 → 335 MB and RSS +160 MB over the first 2–4
 * minutes, then flat) while what the heap holds alive stays put. A 3-minute run
 * reads that growth as +10–17 % RSS. So RSS is split in two, and each part is
 * judged by what a leak would raise:
 *  - the JS heap by what is alive in it after full collections, idle (no stream
 *    open) at the end of the warm-up and again after the load;
 *  - the rest of RSS (RSS − the heap's size, sampled together: PGlite's
 *    WebAssembly memory, native memory, code) by its floor, as RSS was before.
 *
 * Figures (budgets in parentheses):
 *  - errors: streams that failed or came back incomplete (0);
 *  - live JS heap growth (< 10 %): heap used after two forced full GCs, idle
 *    after the load ÷ idle at the end of the warm-up − 1 (per stream in the
 *    note). The load pauses at the end of the warm-up until every open stream
 *    has ended;
 *  - RSS outside the JS heap, growth after warm-up (< 10 %): the floor (10th
 *    percentile of 1 s samples) of the last window of the run over the floor of
 *    the window right after the warm-up; a window is a third of the run after
 *    warm-up (20 s to 2 min); the warm-up is 20 % of the run, at least 30 s and
 *    at most 10 min. The floor, not the median, because memory saw-tooths
 *    between collections;
 *  - RSS growth after warm-up, the same windows over all of RSS (info: V8's
 *    heap size is in it, and the forced GC at the end of the warm-up makes V8
 *    size the heap over again, which takes minutes);
 *  - leaked file descriptors: /proc/<pid>/fd of the Folio process, idle before
 *    the load and idle after it (client connections closed, 6 s to let keep-alive
 *    sockets to the model server expire) (≤ 5, i.e. nothing per stream);
 *  - streams completed, tokens/s delivered, peak RSS, fds under load (info).
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { type Budget, cleanup, errorRow, formatTable, installCleanupHandlers, makeRow, makeTempDir, median, percentile, type Row } from './lib.js';
import { ANSWER_TEXT, type Backend, closeClients, countFds, newReader, relayStream, requestJson, setFake, startFake, startFolio, TOKEN_CHARS } from './streams.js';

const BUDGET = {
  errors: { kind: 'max', limit: 0 },
  liveHeapGrowthPct: { kind: 'max', limit: 10 },
  outsideHeapGrowthPct: { kind: 'max', limit: 10 },
  leakedFds: { kind: 'max', limit: 5 },
} satisfies Record<string, Budget>;

function parseArgs(argv: string[]) {
  let json = false;
  let minutes = 10;
  let streams = 50;
  let backend: Backend = 'pglite';
  let source = false;
  let nodeOptions = '';
  let snapshots = '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--source') source = true;
    else if (a === '--quick') minutes = 1;
    else if (a === '--minutes') minutes = Number(argv[++i]);
    else if (a === '--streams') streams = Number(argv[++i]);
    else if (a === '--node-options') nodeOptions = argv[++i] ?? '';
    else if (a === '--heap-snapshots') snapshots = argv[++i] ?? '';
    else if (a === '--backend') {
      const b = argv[++i];
      if (b !== 'pglite' && b !== 'postgres') throw new Error('--backend is pglite or postgres');
      backend = b;
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: npm run soak -- [--minutes N] [--streams N] [--backend pglite|postgres] [--json] [--source] [--heap-snapshots DIR] [--node-options OPTS]\n' +
          '  --heap-snapshots DIR: heap snapshots of the server at the end of the warm-up and after the load (compare them in DevTools)\n' +
          '  --node-options OPTS: NODE_OPTIONS of the server\n',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  if (!(minutes > 0)) throw new Error('--minutes needs a positive number');
  if (!Number.isInteger(streams) || streams < 1) throw new Error('--streams needs a positive integer');
  return { json, minutes, streams, backend, source, nodeOptions, snapshots };
}

const { json, minutes, streams, backend, source, nodeOptions, snapshots } = parseArgs(process.argv.slice(2));
const log = (m: string) => process.stderr.write(`soak: ${m}\n`);
/** 100 tokens: a 2 s answer at 50 tokens/s. */
const ANSWER = ANSWER_TEXT.repeat(5).slice(0, 400);

/** One line of bench/soak-probe.mjs (MB; `t`: ms since the load started). */
interface ProbeLine {
  kind: 'sample' | 'gc';
  at: number;
  t: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  gcMs?: number;
  /** gc lines: compiled code (V8's code space), MB. */
  code?: number;
}

class Probe {
  constructor(
    readonly file: string,
    private readonly pid: number,
  ) {}

  lines(startedAt: number): ProbeLine[] {
    if (!existsSync(this.file)) return [];
    const text = readFileSync(this.file, 'utf8');
    // Whole lines only: the server may be writing the last one.
    return text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const p = JSON.parse(l) as ProbeLine;
        return { ...p, t: p.at - startedAt };
      });
  }

  /** Full collections in the server, then what its heap holds. */
  async collect(startedAt: number): Promise<ProbeLine> {
    const before = this.lines(startedAt).filter((l) => l.kind === 'gc').length;
    process.kill(this.pid, 'SIGUSR2');
    // A heap snapshot of a few hundred MB takes a while.
    const deadline = Date.now() + (snapshots ? 300_000 : 30_000);
    for (;;) {
      const gcs = this.lines(startedAt).filter((l) => l.kind === 'gc');
      if (gcs.length > before) return gcs.at(-1)!;
      if (Date.now() > deadline) throw new Error('the soak probe did not answer SIGUSR2 in time');
      await sleep(50);
    }
  }
}

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
  // First-use costs and most of the JIT before the baseline. V8's heap size takes longer to settle (2-4 minutes here),
  // which is why total RSS growth is information and the heap is judged by what it holds alive.
  const warmupMs = Math.min(600_000, Math.max(30_000, totalMs * 0.2));
  if (warmupMs + 20_000 > totalMs) throw new Error(`--minutes ${minutes} leaves no time after the ${warmupMs / 1000} s warm-up`);

  const fake = await startFake();
  await setFake(fake.url, { persona: 'fixed', text: ANSWER, tokenChars: TOKEN_CHARS, tokensPerSecond: 50 });
  log(`fake Ollama at ${fake.url}; starting folio serve (${backend}${source ? ', from source' : ''})…`);
  const probeFile = join(await makeTempDir('folio-soak-probe-'), 'memory.jsonl');
  const folio = await startFolio({
    backend,
    fakeUrl: fake.url,
    source,
    nodeArgs: ['--expose-gc', '--import', pathToFileURL(join(import.meta.dirname, 'soak-probe.mjs')).href],
    env: {
      FOLIO_SOAK_PROBE: probeFile,
      ...(snapshots ? { FOLIO_SOAK_SNAPSHOTS: resolve(snapshots) } : {}),
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    },
  });
  const probe = new Probe(probeFile, folio.pid);
  const readers: string[] = [];
  for (let i = 0; i < streams; i++) readers.push(await newReader(folio.url));
  // One stream per reader before anything is counted (first-use allocations, JIT).
  await Promise.all(readers.map((t) => relayStream(folio.url, t)));
  const fdsBefore = await idleFds(folio.pid);
  const idle = await probe.collect(Date.now());
  log(
    `${streams} streams for ${minutes} min (warm-up ${warmupMs / 1000} s); folio pid ${folio.pid}, idle fds ${fdsBefore}, RSS ${idle.rss} MB, live heap ${idle.heapUsed} MB`,
  );

  let fdsPeak = 0;
  const started = Date.now();
  const fdSampler = setInterval(() => {
    try {
      fdsPeak = Math.max(fdsPeak, countFds(folio.pid));
    } catch {
      /* exited: reported below */
    }
  }, 1_000);
  let completed = 0;
  let chars = 0;
  const errors: string[] = [];
  let lastReport = 0;
  const report = () => {
    const now = Date.now() - started;
    if (now - lastReport < 30_000) return;
    lastReport = now;
    const m = probe
      .lines(started)
      .filter((l) => l.kind === 'sample')
      .at(-1);
    const mem = m
      ? `RSS ${m.rss.toFixed(0)} MB (JS heap ${m.heapTotal.toFixed(0)} MB, ${m.heapUsed.toFixed(0)} used; outside it ${(m.rss - m.heapTotal).toFixed(0)})`
      : 'no memory sample';
    log(`${(now / 60_000).toFixed(1)} min: ${completed} streams, ${errors.length} errors, ${mem}, fds ${countFds(folio.pid)}`);
  };
  /** Every reader asks again as soon as its answer ends, until `untilMs`. */
  const load = (untilMs: number) =>
    Promise.all(
      readers.map(async (token, i) => {
        // Staggered starts, so the streams do not move in lock-step.
        await sleep((i * 2_000) / streams);
        while (Date.now() - started < untilMs) {
          const r = await relayStream(folio.url, token);
          if (r.ok && r.chars === ANSWER.length) {
            completed++;
            chars += r.chars;
          } else errors.push(r.error ?? `${r.chars} of ${ANSWER.length} chars`);
          report();
        }
      }),
    );
  await load(warmupMs);
  // Every stream of the warm-up has ended: what the heap holds now is the baseline. Fresh connections afterwards:
  // the server closes keep-alive connections idle for 5 s, and a request racing that close fails.
  closeClients();
  const warm = await probe.collect(started);
  const completedAtWarm = completed;
  const measuredFrom = Date.now() - started;
  log(`warm-up over after ${(measuredFrom / 1000).toFixed(0)} s: live heap ${warm.heapUsed} MB, external ${warm.external} MB (${warm.gcMs} ms of GC)`);
  await load(totalMs);
  clearInterval(fdSampler);
  const wallS = (Date.now() - started) / 1000;
  const ready = await requestJson('GET', `${folio.url}/ready`);
  const fdsAfter = await idleFds(folio.pid);
  const end = await probe.collect(started);
  log(`after the load: live heap ${end.heapUsed} MB, external ${end.external} MB (${end.gcMs} ms of GC)`);
  const lines = probe.lines(started);
  await folio.stop();

  // RSS saw-tooths by 10-15 % between collections (V8 grows the heap, then collects), so a median of a short
  // window lands on a peak or a trough by chance. The floor of a window (its 10th percentile: the process right
  // after collections) is what a leak raises: compare the floor of the window right after the warm-up with the
  // floor of the last window of the same length.
  const samples = lines.filter((l) => l.kind === 'sample' && l.t > 0);
  if (samples.length === 0) throw new Error('no memory samples from the soak probe');
  const windowMs = Math.min(120_000, Math.max(20_000, (totalMs - measuredFrom) / 3));
  const inWindow = (from: number, to: number, f: (l: ProbeLine) => number) => samples.filter((s) => s.t > from && s.t <= to).map(f);
  const floors = (f: (l: ProbeLine) => number) => {
    const first = percentile(inWindow(measuredFrom, measuredFrom + windowMs, f), 10);
    const last = percentile(inWindow(totalMs - windowMs, totalMs, f), 10);
    return { first, last, pct: ((last - first) / first) * 100 };
  };
  const rss = floors((s) => s.rss);
  const outside = floors((s) => s.rss - s.heapTotal);
  const heapSize = floors((s) => s.heapTotal);
  const rssEndMedian = median(inWindow(totalMs - windowMs, totalMs, (s) => s.rss));
  const peak = Math.max(...samples.map((s) => s.rss));
  const measured = completed - completedAtWarm;
  const retainedPerStream = measured > 0 ? ((end.heapUsed - warm.heapUsed) * 1048576) / measured : NaN;
  const win = `${Math.round(windowMs / 1000)} s`;

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
      'soak.heap.live',
      'soak: live JS heap growth (heap used after full GCs, idle: after the load ÷ at the end of the warm-up − 1)',
      '%',
      [((end.heapUsed - warm.heapUsed) / warm.heapUsed) * 100],
      BUDGET.liveHeapGrowthPct,
      `${warm.heapUsed.toFixed(1)} → ${end.heapUsed.toFixed(1)} MB over ${measured} streams (${retainedPerStream.toFixed(0)} B per stream; ` +
        `compiled code ${(warm.code ?? 0).toFixed(1)} → ${(end.code ?? 0).toFixed(1)} MB); ` +
        `${idle.heapUsed.toFixed(1)} MB idle before the warm-up; external (WebAssembly, buffers) ${warm.external.toFixed(1)} → ${end.external.toFixed(1)} MB`,
    ),
  );
  rows.push(
    makeRow(
      'soak.rss.outside_heap',
      `soak: RSS outside the JS heap, growth after warm-up (RSS − heap size; floor of the last ${win} ÷ floor of the first ${win} after warm-up − 1)`,
      '%',
      [outside.pct],
      BUDGET.outsideHeapGrowthPct,
      `floor (10th percentile of 1 s samples) ${outside.first.toFixed(0)} → ${outside.last.toFixed(0)} MB`,
    ),
  );
  rows.push(
    makeRow(
      'soak.rss.growth',
      `soak: RSS growth after warm-up (floor of the last ${win} ÷ floor of the first ${win} after warm-up − 1)`,
      '%',
      [rss.pct],
      null,
      `floor ${rss.first.toFixed(0)} MB after the warm-up → ${rss.last.toFixed(0)} MB at the end; median at the end ${rssEndMedian.toFixed(0)} MB, peak ${peak.toFixed(0)} MB; ` +
        `JS heap size floor ${heapSize.first.toFixed(0)} → ${heapSize.last.toFixed(0)} MB (V8 sizes it by the allocation rate, and the forced GC at the end of the warm-up starts that over)`,
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
  if (json) {
    const memory = lines.map(({ at: _at, ...l }) => l);
    process.stdout.write(`${JSON.stringify({ node: process.version, minutes, streams, backend, machine, warmupMs, measuredFrom, memory, rows }, null, 2)}\n`);
  } else {
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

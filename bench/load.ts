/**
 * Load benchmark: the built `folio serve` under a ramp of concurrent chat
 * streams, and the reader API's throughput, on PGlite and on PostgreSQL.
 *
 *   npm run bench:load                  # levels 10 … 1000 streams, 10 s autocannon runs
 *   npm run bench:load -- --quick       # levels 10, 50, 200, 500; 4 s autocannon runs
 *   npm run bench:load -- --json
 *   npm run bench:load -- --backends pglite
 *
 * Streams: a fake Ollama in its own process answers 200 tokens at 50 tokens/s
 * (4 s). At each level N, N streams start spread over one second, first
 * straight against the fake (the baseline: same client, same machine, same
 * moment) and then through Folio's chat route. Folio sends an answer a sentence
 * at a time (each judged whole by the spoiler guard), so the time it adds at
 * that level is p99(relayed first text) − p99(direct end of the first sentence).
 * Reported: the highest N with zero
 * errors, the highest N with zero errors and added p99 ≤ 25 ms, and the RSS
 * growth of the Folio process over its idle RSS at the highest level.
 *
 * CPU: what one answer costs the Folio process. Starts: 100 turns spread over a second while the fake holds its
 * first token for 4 s, CPU (all threads, and the main thread alone) over that window ÷ 100: everything from the
 * request to the model request in flight (auth, the turn's statement, guard, prompt, stream setup). Relay: 40
 * whole answers at 50 tokens/s, 10 at a time, CPU ÷ tokens, less the start: what each streamed token costs. Two
 * rounds each (the first warms the JIT); the second is reported.
 *
 * Throughput: autocannon (same process as the client) against GET /api/series,
 * GET /api/series/:id/episodes/1 and GET /api/series/:id/progress as a reader,
 * and against a bare Hono hello route in its own process measured just before:
 * the ratio says how much of a bare Hono server's throughput the reader API keeps
 * on this machine.
 */
import { availableParallelism, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { type Budget, cleanup, errorRow, formatTable, installCleanupHandlers, makeRow, percentile, type Row, readCpuMs, readRssMb } from './lib.js';
import {
  ANSWER_TEXT,
  type Backend,
  closeClients,
  directStream,
  newReader,
  relayStream,
  SERIES,
  type StreamResult,
  setFake,
  startFake,
  startFolio,
  TOKEN_CHARS,
  withBareHono,
} from './streams.js';

const BUDGET = {
  streams: { kind: 'min', limit: 500 },
  startCpuMs: { kind: 'max', limit: 5 },
  addedTtftP99Ms: { kind: 'max', limit: 25 },
  rssGrowthMb: { kind: 'max', limit: 200 },
  errors: { kind: 'max', limit: 0 },
} satisfies Record<string, Budget>;

function parseArgs(argv: string[]) {
  let json = false;
  let quick = false;
  let backends: Backend[] = ['pglite', 'postgres'];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--quick') quick = true;
    else if (a === '--backends') backends = (argv[++i] ?? '').split(',').filter((b): b is Backend => b === 'pglite' || b === 'postgres');
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run bench:load -- [--json] [--quick] [--backends pglite,postgres]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  return { json, quick, backends };
}

const { json, quick, backends } = parseArgs(process.argv.slice(2));
const LEVELS = quick ? [10, 50, 200, 500] : [10, 25, 50, 100, 200, 300, 500, 750, 1000];
const RAMP_MS = 1000;
const ANSWER = ANSWER_TEXT.repeat(10).slice(0, 800);
const THROUGHPUT_S = quick ? 4 : 10;
const CONNECTIONS = 50;
const log = (m: string) => process.stderr.write(`bench:load: ${m}\n`);

/** N calls of `fn` started evenly over RAMP_MS; all results. */
async function wave(n: number, fn: (i: number) => Promise<StreamResult>): Promise<StreamResult[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      await sleep((i * RAMP_MS) / n);
      return fn(i).catch((err: unknown): StreamResult => ({ ok: false, status: 0, ttft: NaN, firstSentence: NaN, total: 0, chars: 0, error: String(err) }));
    }),
  );
}

const ttfts = (rs: StreamResult[]) => rs.filter((r) => r.ok).map((r) => r.ttft);
const firstSentences = (rs: StreamResult[]) => rs.filter((r) => r.ok).map((r) => r.firstSentence);

interface Level {
  n: number;
  errors: number;
  firstError?: string;
  directP99: number;
  directSentenceP99: number;
  relayP50: number;
  relayP99: number;
  added: number;
  rssGrowth: number;
}

async function cannon(url: string, token?: string): Promise<{ rps: number; p99: number; bad: number }> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: THROUGHPUT_S, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { rps: r.requests.average, p99: r.latency.p99, bad: r.non2xx + r.errors + r.timeouts };
}

/** CPU of the Folio process per answer start and per relayed token (see the header). */
async function answerCpu(folio: { url: string; pid: number }, fakeUrl: string, readers: string[]): Promise<{ start: number; startMain: number; token: number }> {
  const starts = 100;
  let start = NaN;
  let startMain = NaN;
  await setFake(fakeUrl, { persona: 'fixed', text: ANSWER, tokenChars: TOKEN_CHARS, tokensPerSecond: 50, ttftMs: 4_000 });
  for (let round = 0; round < 2; round++) {
    const [all0, main0] = [readCpuMs(folio.pid), readCpuMs(folio.pid, folio.pid)];
    const turns = Array.from({ length: starts }, (_, i) => sleep((i * RAMP_MS) / starts).then(() => relayStream(folio.url, readers[i % readers.length]!)));
    await sleep(RAMP_MS + 1_500);
    [start, startMain] = [(readCpuMs(folio.pid) - all0) / starts, (readCpuMs(folio.pid, folio.pid) - main0) / starts];
    await Promise.all(turns);
  }
  await setFake(fakeUrl, { persona: 'fixed', text: ANSWER, tokenChars: TOKEN_CHARS, tokensPerSecond: 50 });
  const answers = 40;
  const tokens = Math.ceil(ANSWER.length / TOKEN_CHARS);
  let token = NaN;
  for (let round = 0; round < 2; round++) {
    const cpu0 = readCpuMs(folio.pid);
    await Promise.all(
      Array.from({ length: 10 }, async (_, k) => {
        for (let i = k; i < answers; i += 10) await relayStream(folio.url, readers[i % readers.length]!);
      }),
    );
    token = ((readCpuMs(folio.pid) - cpu0) / answers - start) / tokens;
  }
  return { start, startMain, token };
}

async function runBackend(backend: Backend, fakeUrl: string, rows: Row[]): Promise<void> {
  const name = backend === 'pglite' ? 'PGlite' : 'PostgreSQL';
  log(`${name}: starting folio serve (first run: migrations, sample import)…`);
  const folio = await startFolio({ backend, fakeUrl });
  try {
    const readers: string[] = [];
    for (let i = 0; i < 100; i++) readers.push(await newReader(folio.url));
    await setFake(fakeUrl, { persona: 'fixed', text: ANSWER, tokenChars: TOKEN_CHARS, tokensPerSecond: 50 });
    // Warm-up (JIT, pools, the fake's sockets), not counted.
    await wave(20, (i) => relayStream(folio.url, readers[i]!));
    await wave(20, () => directStream(fakeUrl));
    log(`${name}: CPU per answer start and per relayed token…`);
    const cpu = await answerCpu(folio, fakeUrl, readers);
    rows.push(
      makeRow(
        `${backend}.cpu.start`,
        `${name}: CPU per answer start (request → model request in flight)`,
        'ms.1',
        [cpu.start],
        BUDGET.startCpuMs,
        `main thread ${cpu.startMain.toFixed(1)} ms`,
      ),
    );
    rows.push(makeRow(`${backend}.cpu.token`, `${name}: CPU per relayed token (50 tokens/s, the answer's start excluded)`, 'µs', [cpu.token * 1000]));
    await setFake(fakeUrl, { persona: 'fixed', text: ANSWER, tokenChars: TOKEN_CHARS, tokensPerSecond: 50 });
    await sleep(2_000);
    const idleRss = readRssMb(folio.pid);
    const levels: Level[] = [];
    for (const n of LEVELS) {
      const direct = await wave(n, () => directStream(fakeUrl));
      await sleep(500);
      let peak = readRssMb(folio.pid);
      const sampler = setInterval(() => {
        try {
          peak = Math.max(peak, readRssMb(folio.pid));
        } catch {
          /* exited */
        }
      }, 100);
      const relay = await wave(n, (i) => relayStream(folio.url, readers[i % readers.length]!));
      clearInterval(sampler);
      const failed = [...relay, ...direct].filter((r) => !r.ok || r.chars !== ANSWER.length);
      const level: Level = {
        n,
        errors: failed.length,
        ...(failed[0] ? { firstError: failed[0].error ?? `${failed[0].chars} of ${ANSWER.length} chars` } : {}),
        directP99: percentile(ttfts(direct), 99),
        directSentenceP99: percentile(firstSentences(direct), 99),
        relayP50: percentile(ttfts(relay), 50),
        relayP99: percentile(ttfts(relay), 99),
        // Folio sends an answer a sentence at a time (each judged whole by the spoiler guard, ADR 0020): its first
        // text is compared with the end of the direct stream's first sentence, not with the direct first token.
        added: percentile(ttfts(relay), 99) - percentile(firstSentences(direct), 99),
        rssGrowth: peak - idleRss,
      };
      levels.push(level);
      log(
        `${name} ${n} streams: ${level.errors} errors${level.firstError ? ` (${level.firstError})` : ''}, TTFT p99 direct ${level.directP99.toFixed(1)} ms, ` +
          `relayed p50 ${level.relayP50.toFixed(1)} / p99 ${level.relayP99.toFixed(1)} ms (added to the first sentence ${level.added.toFixed(1)} ms), RSS +${level.rssGrowth.toFixed(0)} MB`,
      );
      rows.push(
        makeRow(
          `${backend}.level.${n}`,
          `${name}: ${n} streams, time to first sentence added p99 (relayed first text p99 − direct end of the first sentence p99)`,
          'ms.1',
          [level.added],
          null,
          `${level.errors} errors; direct first token p99 ${level.directP99.toFixed(1)} ms, first sentence p99 ${level.directSentenceP99.toFixed(1)} ms; relayed first text p50 ${level.relayP50.toFixed(1)} / p99 ${level.relayP99.toFixed(1)} ms; RSS +${level.rssGrowth.toFixed(0)} MB`,
        ),
      );
      await sleep(1_000);
    }
    const clean = levels.filter((l) => l.errors === 0);
    const maxClean = clean.reduce((m, l) => Math.max(m, l.n), 0);
    const maxFast = clean.filter((l) => l.added <= BUDGET.addedTtftP99Ms.limit).reduce((m, l) => Math.max(m, l.n), 0);
    const top = levels[levels.length - 1]!;
    rows.push(makeRow(`${backend}.streams.max`, `${name}: most concurrent streams with 0 errors (of ${LEVELS.join('/')})`, 'count', [maxClean], BUDGET.streams));
    rows.push(makeRow(`${backend}.streams.fast`, `${name}: most concurrent streams with 0 errors and added TTFT p99 ≤ 25 ms`, 'count', [maxFast]));
    rows.push(makeRow(`${backend}.rss`, `${name}: RSS growth over idle at ${top.n} streams`, 'MB', [top.rssGrowth], BUDGET.rssGrowthMb, `idle ${idleRss.toFixed(0)} MB`));

    // ---- reader API throughput vs a bare Hono route --------------------------------------------
    const token = readers[0]!;
    log(`${name}: throughput, bare Hono hello route (${THROUGHPUT_S} s, ${CONNECTIONS} connections)…`);
    const bare = await withBareHono((url) => cannon(url));
    rows.push(makeRow(`${backend}.api.bare`, `${name} run: bare Hono hello route (baseline)`, 'req/s', [bare.rps], null, `p99 ${bare.p99} ms`));
    const routes: Array<[string, string]> = [
      ['series', '/api/series'],
      ['episode', `/api/series/${SERIES}/episodes/1`],
      ['progress', `/api/series/${SERIES}/progress`],
    ];
    let bad = 0;
    for (const [id, path] of routes) {
      log(`${name}: throughput GET ${path}…`);
      const r = await cannon(folio.url + path, token);
      bad += r.bad;
      rows.push(
        makeRow(
          `${backend}.api.${id}`,
          `${name}: GET ${path.replace(SERIES, ':id')} ÷ bare Hono`,
          'fraction',
          [r.rps / bare.rps],
          null,
          `${r.rps.toFixed(0)} requests/s, p99 ${r.p99} ms`,
        ),
      );
    }
    rows.push(makeRow(`${backend}.api.errors`, `${name}: reader API non-2xx / errors under autocannon`, 'count', [bad], BUDGET.errors));
  } finally {
    closeClients();
    await folio.stop();
  }
}

async function main(): Promise<void> {
  installCleanupHandlers();
  const loadBefore = loadavg()[0]!;
  const rows: Row[] = [];
  const fake = await startFake();
  log(`fake Ollama at ${fake.url}; levels ${LEVELS.join(', ')}`);
  for (const backend of backends) {
    try {
      await runBackend(backend, fake.url, rows);
    } catch (err) {
      log(`${backend}: ${(err as Error).stack ?? String(err)}`);
      rows.push(errorRow(`${backend}.streams.max`, `${backend}: load`, 'count', BUDGET.streams, (err as Error).message));
    }
  }
  const machine = { cpus: availableParallelism(), load1Before: loadBefore, load1After: loadavg()[0]! };
  if (json) process.stdout.write(`${JSON.stringify({ node: process.version, levels: LEVELS, machine, rows }, null, 2)}\n`);
  else {
    const title = `Folio load benchmark: ${new Date().toISOString()}, node ${process.version}, ${machine.cpus} CPUs, 1-min load ${machine.load1Before.toFixed(1)} → ${machine.load1After.toFixed(1)}`;
    process.stdout.write(`${formatTable(rows, title)}\n`);
  }
  if (rows.some((r) => r.error)) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench:load: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit(process.exitCode ?? 0);

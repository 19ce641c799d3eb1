/**
 * Helpers for the startup benchmark (bench/startup.ts): free ports, spawning
 * tracked child processes and timing them to their first HTTP 200, RSS from
 * /proc, temp dirs, cleanup on exit / Ctrl-C, statistics and the result table.
 *
 * Everything spawned or created through these helpers is registered and torn
 * down by `cleanup()` (called by the bench at the end, on error, on SIGINT /
 * SIGTERM, and as a last resort synchronously on process exit).
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { answerParts, readFolioStream, textLength } from '../src/contract/read-stream.js';
import type { Embedder } from '../src/models/types.js';
import { freePort } from '../test/services/free-port.js';

export { freePort };

// ---------------------------------------------------------------------------
// Cleanup registry
// ---------------------------------------------------------------------------

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
const cleanupHooks: Array<() => Promise<void>> = [];
let cleanupRunning: Promise<void> | undefined;

/** Register an async teardown step (run in reverse order by `cleanup()`). */
export function onCleanup(fn: () => Promise<void>): void {
  cleanupHooks.push(fn);
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Kill every tracked child, run the hooks, remove the temp dirs. Idempotent. */
export function cleanup(): Promise<void> {
  cleanupRunning ??= (async () => {
    await Promise.all([...children].map((c) => stopProcess(c, 5_000)));
    for (const fn of cleanupHooks.splice(0).reverse()) {
      await fn().catch((err: unknown) => process.stderr.write(`bench: cleanup step failed: ${String(err)}\n`));
    }
    for (const dir of [...tempDirs]) {
      await rm(dir, { recursive: true, force: true }).catch(() => {});
      tempDirs.delete(dir);
    }
  })();
  return cleanupRunning;
}

let handlersInstalled = false;
/** Ctrl-C / SIGTERM: clean up, then exit 130 / 143. On any exit: kill leftovers synchronously. */
export function installCleanupHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    process.stderr.write(`\nbench: ${signal}, cleaning up...\n`);
    const force = setTimeout(() => process.exit(code), 15_000);
    force.unref();
    void cleanup().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
  process.on('exit', () => {
    for (const c of children) {
      try {
        if (isRunning(c)) c.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const dir of tempDirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        /* best effort */
      }
    }
  });
}

/** A fresh directory under os.tmpdir(), removed by `cleanup()` (or earlier with `removeTempDir`). */
export async function makeTempDir(prefix = 'folio-bench-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

// ---------------------------------------------------------------------------
// Ports and processes
// ---------------------------------------------------------------------------

export interface Tracked {
  child: ChildProcess;
  /** performance.now() just before spawn(). */
  t0: number;
  /** Last lines of stdout+stderr. */
  output(): string;
  stdout(): string;
  /** Resolves with the exit code (or null when killed by a signal). */
  exited: Promise<number | null>;
}

const OUTPUT_KEPT = 200;

/** spawn() with stdout/stderr captured and the child registered for cleanup. */
export function spawnTracked(cmd: string, args: string[], opts: SpawnOptions = {}): Tracked {
  const lines: string[] = [];
  let out = '';
  const t0 = performance.now();
  const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const keep = (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (line) lines.push(line);
    if (lines.length > OUTPUT_KEPT) lines.splice(0, lines.length - OUTPUT_KEPT);
  };
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.length > 1_000_000) out = out.slice(-1_000_000);
    keep(d);
  });
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (err) => {
      lines.push(`[spawn error] ${String(err)}`);
      children.delete(child);
      resolve(-1);
    });
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  return { child, t0, output: () => lines.join('\n'), stdout: () => out, exited };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
export async function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (!isRunning(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = sleep(graceMs, undefined, { ref: false }).then(() => 'timeout' as const);
  if ((await Promise.race([gone.then(() => 'gone' as const), timer])) === 'timeout' && isRunning(child)) {
    child.kill('SIGKILL');
    await Promise.race([gone, sleep(5_000, undefined, { ref: false })]);
  }
}

/** One GET with a fresh connection (no keep-alive agent); resolves the status, or null on a connection error. */
export function probe(url: string, timeoutMs = 5_000): Promise<number | null> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      const status = res.statusCode ?? null;
      res.resume();
      resolve(status);
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', () => resolve(null));
  });
}

export class StartError extends Error {
  constructor(
    message: string,
    readonly addrInUse: boolean,
  ) {
    super(message);
  }
}

/**
 * Poll `url` every `intervalMs` until it answers 200; returns ms since `proc.t0`
 * (taken when the response arrives). Fails if the process exits first or on timeout.
 */
export async function waitFor200(proc: Tracked, url: string, opts: { timeoutMs?: number; intervalMs?: number; abort?: { aborted: boolean } } = {}): Promise<number> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const intervalMs = opts.intervalMs ?? 5;
  const deadline = proc.t0 + timeoutMs;
  let last: number | null = null;
  while (performance.now() < deadline) {
    if (opts.abort?.aborted) throw new StartError('aborted', false);
    if (!isRunning(proc.child)) {
      const out = proc.output();
      throw new StartError(
        `process exited (code ${proc.child.exitCode}, signal ${proc.child.signalCode}) before ${url} answered 200\n${tail(out, 30)}`,
        /EADDRINUSE|address already in use/i.test(out),
      );
    }
    last = await probe(url, Math.max(1, Math.min(5_000, deadline - performance.now())));
    const now = performance.now();
    if (last === 200) return now - proc.t0;
    await sleep(intervalMs);
  }
  throw new StartError(`${url} did not answer 200 within ${timeoutMs} ms (last status ${last ?? 'no connection'})\n${tail(proc.output(), 30)}`, false);
}

export interface StartedServer {
  proc: Tracked;
  port: number;
  /** ms from spawn to the first 200, per polled path. */
  times: Record<string, number>;
}

/**
 * Spawn a server on a free port and time it to the first 200 of every path in
 * `paths` (polled concurrently, from the moment of spawn). `makeArgs(port)` gives
 * the command; if the server dies with EADDRINUSE (the port was taken between
 * freePort() and bind) it is retried on another port, and that attempt is not timed.
 */
export async function startAndTime(opts: {
  cmd: string;
  makeArgs: (port: number) => string[];
  makeEnv: (port: number) => NodeJS.ProcessEnv;
  paths: string[];
  cwd?: string;
  timeoutMs?: number;
  intervalMs?: number;
}): Promise<StartedServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const proc = spawnTracked(opts.cmd, opts.makeArgs(port), { cwd: opts.cwd, env: opts.makeEnv(port) });
    const abort = { aborted: false };
    try {
      const results = await Promise.all(
        opts.paths.map((p) =>
          waitFor200(proc, `http://127.0.0.1:${port}${p}`, { timeoutMs: opts.timeoutMs, intervalMs: opts.intervalMs, abort }).catch((err: unknown) => {
            abort.aborted = true;
            throw err;
          }),
        ),
      );
      const times: Record<string, number> = {};
      for (const [i, p] of opts.paths.entries()) times[p] = results[i] ?? NaN;
      return { proc, port, times };
    } catch (err) {
      await stopProcess(proc.child, 5_000);
      if (err instanceof StartError && err.addrInUse && attempt < 5) continue;
      throw err;
    }
  }
}

/** Run a command to completion; wall time in ms from spawn to exit. */
export async function runTimed(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; ms: number; stdout: string; output: string }> {
  const proc = spawnTracked(cmd, args, { env: opts.env, cwd: opts.cwd });
  const timeoutMs = opts.timeoutMs ?? 600_000;
  // Unref'd: a pending timeout must not keep the bench alive after the command exits.
  const timedOut = sleep(timeoutMs, undefined, { ref: false }).then(() => 'timeout' as const);
  const result = await Promise.race([proc.exited, timedOut]);
  if (result === 'timeout') {
    await stopProcess(proc.child, 5_000);
    throw new Error(`${cmd} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${tail(proc.output(), 30)}`);
  }
  const ms = performance.now() - proc.t0;
  // Let the pipes drain after exit.
  await sleep(0);
  return { code: result, ms, stdout: proc.stdout(), output: proc.output() };
}

/** Resident set size of a process in MB (VmRSS from /proc/<pid>/status; Linux only). */
export function readRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m?.[1]) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

/** CPU time (user + system) a process has used, in ms; with `thread`, that thread's only (a thread id; the pid is the main thread). */
export function readCpuMs(pid: number, thread?: number): number {
  const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
}
/** Linux's USER_HZ: /proc counts CPU time in hundredths of a second on every architecture Node runs on. */
const CLOCK_TICKS = 100;

export function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}

// ---------------------------------------------------------------------------
// Statistics and the table
// ---------------------------------------------------------------------------

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function min(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : Math.min(...xs);
}

export function max(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : Math.max(...xs);
}

export type Unit = 'µs' | 'ms' | 'ms.1' | 's' | 'MB' | 'KB' | 'pages/s' | 'tokens/s' | 'req/s' | 'count' | 'x' | '%' | 'fraction';

export interface Budget {
  /** 'max': the value must be <= limit; 'min': >= limit. */
  kind: 'max' | 'min';
  limit: number;
}

export interface Row {
  id: string;
  figure: string;
  unit: Unit;
  /** Raw samples (in `unit`). Empty when the figure could not be measured. */
  samples: number[];
  median: number | null;
  min: number | null;
  max: number | null;
  budget: Budget | null;
  /** null: no budget (informational) or not measured. */
  pass: boolean | null;
  error?: string;
  note?: string;
}

/** A row from samples; the budget is judged on the median. */
export function makeRow(id: string, figure: string, unit: Unit, samples: number[], budget: Budget | null = null, note?: string): Row {
  const med = samples.length ? median(samples) : null;
  const pass = budget && med !== null ? (budget.kind === 'max' ? med <= budget.limit : med >= budget.limit) : null;
  return {
    id,
    figure,
    unit,
    samples,
    median: med,
    min: samples.length ? min(samples) : null,
    max: samples.length ? max(samples) : null,
    budget,
    pass,
    ...(note ? { note } : {}),
  };
}

export function errorRow(id: string, figure: string, unit: Unit, budget: Budget | null, error: string): Row {
  return { id, figure, unit, samples: [], median: null, min: null, max: null, budget, pass: budget ? false : null, error };
}

export function formatValue(v: number, unit: Unit): string {
  switch (unit) {
    case 'ms':
      return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
    case 's':
      return `${v.toFixed(1)} s`;
    case 'MB':
      return `${Math.round(v)} MB`;
    case 'KB':
      return `${v.toFixed(1)} KB`;
    case 'pages/s':
      return `${v.toFixed(1)} pages/s`;
    case 'ms.1':
      return `${v.toFixed(1)} ms`;
    case 'µs':
      return `${Math.round(v)} µs`;
    case 'tokens/s':
      return `${v.toFixed(0)} tokens/s`;
    case 'req/s':
      return `${Math.round(v)} req/s`;
    case 'count':
      return `${Math.round(v)}`;
    case '%':
      return `${v.toFixed(1)} %`;
    case 'x':
      return `${v.toFixed(2)}×`;
    case 'fraction':
      return v.toFixed(3);
  }
}

function formatBudget(b: Budget | null, unit: Unit): string {
  if (!b) return '-';
  return `${b.kind === 'max' ? '≤' : '≥'} ${formatValue(b.limit, unit)}`;
}

function formatRowValue(r: Row): string {
  if (r.error) return `error: ${r.error.split('\n')[0]!.slice(0, 60)}`;
  if (r.median === null) return 'n/a';
  const med = formatValue(r.median, r.unit);
  if (r.samples.length <= 1) return med;
  return `${med} (min ${formatValue(r.min!, r.unit)})`;
}

function resultText(r: Row): string {
  if (r.error) return 'ERROR';
  if (r.pass === null) return 'info';
  return r.pass ? 'pass' : 'FAIL';
}

/** A plain-text table: figure | value | budget | result. */
export function formatTable(rows: readonly Row[], title?: string): string {
  const header = ['figure', 'value (median)', 'budget', 'result'];
  const body = rows.map((r) => [r.figure, formatRowValue(r), formatBudget(r.budget, r.unit), resultText(r)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => [...b[i]!].length)));
  const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - [...s].length));
  const line = (cells: string[]) => `| ${cells.map((c, i) => pad(c, widths[i]!)).join(' | ')} |`;
  const sep = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  const out: string[] = [];
  if (title) out.push(title);
  out.push(line(header), sep, ...body.map(line));
  const failed = rows.filter((r) => r.pass === false || r.error);
  out.push('');
  out.push(failed.length === 0 ? 'All budgets met.' : `FAIL: ${failed.length} figure(s) over budget or not measured: ${failed.map((r) => r.figure).join('; ')}`);
  for (const r of rows.filter((x) => x.note)) out.push(`note: ${r.figure}: ${r.note}`);
  return out.join('\n');
}

/**
 * Reads a response body, calling `onText` with the length of each new piece of answer text; resolves
 * with an error description when the answer failed (an error or guard part), undefined when it did not.
 */
export type Fold = (body: ReadableStream<Uint8Array>, onText: (chars: number) => void) => Promise<string | undefined>;

/** Ollama's NDJSON stream: the text of each line's message. */
export const foldNdjson: Fold = async (body, onText) => {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const piece of body) {
    buf += decoder.decode(piece, { stream: true });
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const line of lines) {
      const text = line ? ((JSON.parse(line) as { message?: { content?: string } }).message?.content ?? '') : '';
      if (text) onText(text.length);
    }
  }
  return undefined;
};

/** Folio's UI-message stream, folded by the AI SDK (readUIMessageStream) as the web app folds it. */
export const foldFolio: Fold = async (body, onText) => {
  let seen = 0;
  const { message, errorTexts } = await readFolioStream(body, (m) => {
    const n = textLength(m);
    if (n > seen) onText(n - seen);
    seen = n;
  });
  const a = answerParts(message);
  if (a.error) return `${a.error.code}: ${a.error.message}`;
  if (a.guard) return `guard: ${a.guard.message}`;
  return errorTexts[0];
};

/** Embeds each text once (the local model is slow); the same vectors go into both databases of a bench. */
export class CachedEmbedder implements Embedder {
  readonly id: string;
  private readonly cache = new Map<string, number[]>();
  constructor(private readonly inner: Embedder) {
    this.id = inner.id;
  }
  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    const missing = [...new Set(texts.filter((t) => !this.cache.has(t)))];
    if (missing.length > 0) for (const [i, v] of (await this.inner.embed(missing, signal)).entries()) this.cache.set(missing[i]!, v);
    return texts.map((t) => this.cache.get(t)!);
  }
}

/** The arguments most benchmarks take: `--json`, `--quick` (one run), `--runs N`, `--help` (prints `usage`). */
export function runArgs(argv: string[], opts: { runs: number; usage: string }): { json: boolean; runs: number } {
  let json = false;
  let runs = opts.runs;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--quick') runs = 1;
    else if (a === '--runs') {
      runs = Number(argv[++i]);
      if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs needs a positive integer');
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(`usage: ${opts.usage}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  return { json, runs };
}

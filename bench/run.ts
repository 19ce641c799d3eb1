/**
 * The bench runner: every benchmark script in bench/ after one build, merged
 * into ONE table (figure, value, budget, result), or one JSON document.
 *
 *   npm run bench                        # build once, then every script, full runs
 *   npm run bench -- --quick             # every script in its --quick mode (a short run)
 *   npm run bench -- --json              # {machine, scripts: [...], rows: [...]} on stdout
 *   npm run bench -- --only load,chat    # some scripts only (names as in SCRIPTS below)
 *   npm run bench -- --skip web          # all but some
 *
 * Each script stays runnable on its own (`npm run bench:<name>`); the runner
 * spawns it with `--json` (plus `--quick`), reads the rows it prints on stdout,
 * and passes its progress (stderr) through. A script that crashes or prints no
 * JSON becomes an ERROR row; the others still run. Machine-dependent figures are
 * ratios against baselines each script measures in its own run (bare node:http,
 * the fake model's direct stream, a bare Hono route, GET /ready, exact scan).
 *
 * Exit code: 0 when every script produced its rows (also when a budget FAILs:
 * the bench is a report), 1 when a script failed or a figure could not be measured.
 */
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorRow, formatTable, installCleanupHandlers, type Row } from './lib.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Every benchmark script, in the order they run, with extra arguments for full and quick runs. */
export const SCRIPTS: Array<{ name: string; file: string; full: string[]; quick: string[]; what: string }> = [
  { name: 'startup', file: 'startup.ts', full: [], quick: ['--quick'], what: 'start-up, idle RSS, import throughput' },
  { name: 'retrieval', file: 'retrieval.ts', full: [], quick: ['--quick'], what: 'retrieval per chat turn, embedding model' },
  { name: 'chat', file: 'chat.ts', full: [], quick: ['--quick'], what: 'relay overhead, concurrent streams' },
  { name: 'guard', file: 'guard.ts', full: [], quick: ['--quick'], what: 'spoiler guard: labelled-set precision/recall, cost per answer sentence, name matching' },
  { name: 'answers', file: 'answers.ts', full: [], quick: ['--quick'], what: 'labelled questions: recall@5, MRR, quote-mode answers, beyond without spoilers' },
  {
    name: 'transcription',
    file: 'transcription.ts',
    full: [],
    quick: ['--quick'],
    what: 'offline OCR of Pepper&Carrot pages: word recall/precision, pages/s, peak RSS, as-is and 75 % + JPEG q70',
  },
  { name: 'draft', file: 'draft.ts', full: [], quick: [], what: 'offline world draft from the lettering vs the authored world: recall, precision, debuts' },
  {
    name: 'cbz',
    file: 'cbz.ts',
    full: [],
    quick: ['--episodes', '6'],
    what: 'Pepper&Carrot as CBZ: import + transcribe + draft + embed time, OCR recall/precision, drafted world, peak RSS',
  },
  { name: 'world', file: 'world.ts', full: [], quick: ['--quick'], what: 'world graph, wiki, search latency' },
  { name: 'production', file: 'production.ts', full: [], quick: ['--quick'], what: 'pgvector at 100k chunks vs exact scan, import via jobs, S3 bytes' },
  { name: 'web', file: 'web.ts', full: [], quick: ['--quick'], what: 'web bundle size, first page, page turn' },
  { name: 'load', file: 'load.ts', full: [], quick: ['--quick'], what: 'chat stream ramp, reader API throughput' },
  { name: 'reader', file: 'reader.ts', full: [], quick: ['--quick'], what: 'reader API at 10 connections on Pepper&Carrot, cached, ETag, vs bare Hono' },
  { name: 'panels', file: 'panels.ts', full: [], quick: [], what: 'panel detection per Pepper&Carrot page, counts against the prior' },
  { name: 'phone', file: 'phone.ts', full: [], quick: ['--quick'], what: 'pinch, guided view and page turns in Chromium as a 4× slowed phone' },
  { name: 'replicas', file: 'replicas.ts', full: [], quick: ['--quick'], what: 'rolling restart of 3 replicas behind HAProxy under readers: requests sent, failed' },
  { name: 'operate', file: 'operate.ts', full: [], quick: ['--quick'], what: 'RSS of server + worker + PostgreSQL on a 1 GB box, SIGTERM drain with 50 streams' },
  {
    name: 'fly',
    file: 'fly.ts',
    full: [],
    quick: ['--quick'],
    what: 'peak RSS of one folio serve with deploy/fly/fly.toml: import + embed while 50 chats stream, vs the 512 MB machine',
  },
  { name: 'soak', file: 'soak.ts', full: ['--minutes', '3'], quick: ['--minutes', '1'], what: 'steady chat load: live heap and RSS growth, errors, fds' },
];

interface ScriptResult {
  name: string;
  code: number | null;
  ms: number;
  rows: Row[];
  machine?: { cpus: number; load1Before: number; load1After: number };
}

function parseArgs(argv: string[]): { json: boolean; quick: boolean; only: Set<string> | null; skip: Set<string> } {
  let json = false;
  let quick = false;
  let only: Set<string> | null = null;
  const skip = new Set<string>();
  const names = new Set(SCRIPTS.map((s) => s.name));
  const list = (v: string | undefined, flag: string) => {
    const xs = (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const x of xs) if (!names.has(x)) throw new Error(`${flag}: unknown script "${x}" (one of ${[...names].join(', ')})`);
    return xs;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--quick') quick = true;
    else if (a === '--only') only = new Set(list(argv[++i], '--only'));
    else if (a === '--skip') for (const x of list(argv[++i], '--skip')) skip.add(x);
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`usage: npm run bench -- [--json] [--quick] [--only a,b] [--skip a,b]\nscripts: ${SCRIPTS.map((s) => `${s.name} (${s.what})`).join('; ')}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  return { json, quick, only, skip };
}

/** Run one script with --json; its stderr is passed through, its stdout parsed. */
function runScript(s: (typeof SCRIPTS)[number], quick: boolean): Promise<ScriptResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const args = ['--import', 'tsx', join(ROOT, 'bench', s.file), '--json', ...(quick ? s.quick : s.full)];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let errTail = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      process.stderr.write(d);
      errTail = (errTail + d.toString()).slice(-4000);
    });
    const fail = (code: number | null, why: string): ScriptResult => ({
      name: s.name,
      code,
      ms: performance.now() - started,
      rows: [errorRow(`${s.name}.script`, `${s.name} benchmark`, 'count', null, why)],
    });
    child.once('error', (err) => resolve(fail(-1, String(err))));
    child.once('close', (code) => {
      const start = out.indexOf('{');
      try {
        const doc = JSON.parse(start >= 0 ? out.slice(start) : '') as { rows?: Row[]; machine?: ScriptResult['machine'] };
        if (!Array.isArray(doc.rows)) throw new Error('no rows');
        resolve({ name: s.name, code, ms: performance.now() - started, rows: doc.rows, machine: doc.machine });
      } catch {
        const last = errTail.trim().split('\n').filter(Boolean).pop() ?? `exit ${code}`;
        resolve(fail(code, `exited ${code} without JSON rows: ${last}`));
      }
    });
  });
}

async function main(): Promise<void> {
  installCleanupHandlers();
  const { json, quick, only, skip } = parseArgs(process.argv.slice(2));
  const chosen = SCRIPTS.filter((s) => (only ? only.has(s.name) : true) && !skip.has(s.name));
  const loadBefore = loadavg()[0]!;
  const started = performance.now();
  const results: ScriptResult[] = [];
  for (const s of chosen) {
    process.stderr.write(`\nbench: ── ${s.name} (${s.what}) ──\n`);
    const r = await runScript(s, quick);
    process.stderr.write(`bench: ${s.name} done in ${(r.ms / 1000).toFixed(0)} s (exit ${r.code})\n`);
    results.push(r);
  }
  // One table: every figure prefixed by its script; ids made unique the same way.
  const rows: Row[] = results.flatMap((r) => r.rows.map((row) => ({ ...row, id: `${r.name}.${row.id}`, figure: `[${r.name}] ${row.figure}` })));
  const machine = { cpus: availableParallelism(), load1Before: loadBefore, load1After: loadavg()[0]! };
  const totalS = (performance.now() - started) / 1000;
  if (json) {
    const scripts = results.map((r) => ({ name: r.name, exitCode: r.code, seconds: Math.round(r.ms / 1000), machine: r.machine }));
    process.stdout.write(`${JSON.stringify({ node: process.version, quick, machine, seconds: Math.round(totalS), scripts, rows }, null, 2)}\n`);
  } else {
    const title =
      `Folio benchmarks (${chosen.map((s) => s.name).join(', ')}${quick ? ', --quick' : ''}): ${new Date().toISOString()}, node ${process.version}, ` +
      `${machine.cpus} CPUs, 1-min load ${machine.load1Before.toFixed(1)} → ${machine.load1After.toFixed(1)}, ${Math.round(totalS)} s`;
    process.stdout.write(`${formatTable(rows, title)}\n`);
  }
  if (results.some((r) => r.code !== 0) || rows.some((r) => r.error)) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
}
process.exit(process.exitCode ?? 0);

/**
 * The spoiler guard's cost per answer (ADR 0020): the name matcher over 5,000
 * and 20,000 prefix-sharing names on a 3,200-character answer, the whole guard
 * (names, references, redaction) on the same answer, and building a guard.
 * In-process, no database. The unit tests assert these generously; this
 * measures them.
 *
 *   node --import tsx bench/spoilers.ts            # table
 *   node --import tsx bench/spoilers.ts --json     # rows as JSON
 */
import { availableParallelism, loadavg } from 'node:os';
import { buildGuard, NameMatcher, type EntityName } from '../src/spoilers/index.js';
import { formatTable, makeRow, percentile, type Row } from './lib.js';

const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
const CALLS = quick ? 50 : 300;

const names = (k: number): EntityName[] => Array.from({ length: k }, (_, i) => ({ slug: `s${i}`, name: `Savantissimo Grandmaster ${i.toString(36)}x` }));
const ANSWER = 'Savantissimo Grandmaster walks on, in episode 3, past the Temples. '.repeat(60).slice(0, 3200);

function time(fn: () => unknown, calls: number): number[] {
  for (let i = 0; i < 5; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

const loadBefore = loadavg()[0]!;
const rows: Row[] = [];
for (const k of [5_000, 20_000]) {
  const m = new NameMatcher(names(k));
  const s = time(() => m.find(ANSWER), CALLS);
  rows.push(makeRow(`match.${k}.p50`, `name matcher, ${k} names, 3,200 chars, p50`, 'ms.1', [percentile(s, 50)], { kind: 'max', limit: 20 }));
  rows.push(makeRow(`match.${k}.p99`, `name matcher, ${k} names, 3,200 chars, p99`, 'ms.1', [percentile(s, 99)]));
  const input = { position: { episode: 6, page: 4 }, episodeEnd: 9, names: { unreached: names(k), visible: [] } };
  const g = buildGuard(input);
  rows.push(makeRow(`redact.${k}.p50`, `guard redact, ${k} names, 3,200 chars, p50`, 'ms.1', [percentile(time(() => g.redact(ANSWER, 'generated'), CALLS), 50)]));
  rows.push(makeRow(`build.${k}`, `build a guard, ${k} names (automaton cached)`, 'ms.1', [percentile(time(() => buildGuard(input), quick ? 5 : 20), 50)]));
}
const machine = { cpus: availableParallelism(), load1Before: loadBefore, load1After: loadavg()[0]! };
if (json) process.stdout.write(`${JSON.stringify({ node: process.version, machine, rows }, null, 2)}\n`);
else process.stdout.write(`${formatTable(rows, `Folio spoiler guard benchmark: node ${process.version}, ${machine.cpus} CPUs, ${CALLS} calls per figure`)}\n`);

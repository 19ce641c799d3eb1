/**
 * Rolling restarts of several replicas under readers (issue 19 item 17; docs/deployment.md "Several replicas"):
 * three built `folio serve` replicas and two `folio worker` processes on one PostgreSQL through PgBouncer, images
 * in s3rver, behind HAProxy running deploy/replicas/haproxy.cfg (test/services/replicas.ts, as the test). N
 * readers read through the balancer (episode, progress forward, progress read back, a question every 30 s) while
 * the replicas are restarted one at a time (SIGTERM, started again, back in HAProxy's rotation before the next),
 * for R rounds. Reported: requests sent and failed (must be 0: any non-2xx, network error, stale progress read,
 * or answer stream without its finish part), questions sent and completed, p50/p99 latency of the reading
 * requests, the time each replica was out, and how many requests HAProxy retried on another replica.
 *
 *   npm run bench:replicas                       # 100 readers, 2 rounds of rolling restarts
 *   npm run bench:replicas -- --quick            # 50 readers, 1 round
 *   npm run bench:replicas -- --readers 200 --rounds 3 --json
 */
import { availableParallelism, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { percentile, startReaderLoad } from '../test/services/reader-load.js';
import { type Cluster, startCluster } from '../test/services/replicas.js';
import { type Budget, cleanup, errorRow, formatTable, installCleanupHandlers, makeRow, onCleanup, type Row } from './lib.js';
import { freshPostgresDatabase } from './streams.js';

const BUDGET = { failed: { kind: 'max', limit: 0 } } satisfies Record<string, Budget>;

function parseArgs(argv: string[]) {
  let json = false;
  let quick = false;
  let readers: number | undefined;
  let rounds: number | undefined;
  let thinkMs = 100;
  let haproxyConfig: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--quick') quick = true;
    else if (a === '--readers') readers = Number(argv[++i]);
    else if (a === '--rounds') rounds = Number(argv[++i]);
    else if (a === '--think-ms') thinkMs = Number(argv[++i]);
    else if (a === '--haproxy-config') haproxyConfig = argv[++i];
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run bench:replicas -- [--json] [--quick] [--readers N] [--rounds R] [--think-ms MS] [--haproxy-config FILE]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  return { json, quick, readers: readers ?? (quick ? 50 : 100), rounds: rounds ?? (quick ? 1 : 2), thinkMs, haproxyConfig };
}

const opts = parseArgs(process.argv.slice(2));
const log = (m: string) => process.stderr.write(`bench:replicas: ${m}\n`);
const SERIES = 'moth-and-lantern';

/** Requests HAProxy sent to another replica after a refused connection, an empty answer or a 503 (its log's retries field). */
function retriedRequests(haproxyLog: string): number {
  let n = 0;
  // httplog: … actconn/feconn/beconn/srv_conn/retries srv_queue/backend_queue "METHOD …"; a redispatch is "+N".
  for (const m of haproxyLog.matchAll(/ \d+\/\d+\/\d+\/\d+\/\+?(\d+) \d+\/\d+ "/g)) if (Number(m[1]) > 0) n++;
  return n;
}

async function main(): Promise<void> {
  installCleanupHandlers();
  const loadBefore = loadavg()[0]!;
  const rows: Row[] = [];
  let cluster: Cluster | undefined;
  try {
    const databaseUrl = await freshPostgresDatabase('replicas');
    log('starting PgBouncer, s3rver, the fake model, 3 replicas, 2 workers and HAProxy…');
    cluster = await startCluster({ databaseUrl, cli: 'dist', haproxyConfig: opts.haproxyConfig, env: { FOLIO_CHAT_RATE_PER_IP: '0', FOLIO_READER_RATE_PER_IP: '0' } });
    const c = cluster;
    onCleanup(() => c.stop());
    // Answers stream for about a second, so some are open whenever a replica stops.
    c.model.set({ tokensPerSecond: 40, tokenChars: 4 });
    log(`${opts.readers} readers through ${c.url}; ${opts.rounds} round(s) of rolling restarts`);
    const load = await startReaderLoad({ url: c.url, seriesId: SERIES, readers: opts.readers, chatEveryMs: 30_000, thinkMs: opts.thinkMs });
    const outMs: number[] = [];
    const exits: Array<number | null> = [];
    const t0 = performance.now();
    try {
      await sleep(3_000);
      for (let round = 1; round <= opts.rounds; round++) {
        for (const r of c.replicas) {
          const t = performance.now();
          exits.push(await r.stop('SIGTERM'));
          await r.start();
          await c.lb.waitFor(r.name, 'UP');
          outMs.push(performance.now() - t);
          log(`round ${round}: ${r.name} restarted in ${Math.round(performance.now() - t)} ms (sent ${load.stats.sent}, failed ${load.stats.failed})`);
          await sleep(2_000);
        }
      }
      await sleep(2_000);
    } finally {
      await load.stop();
    }
    const seconds = (performance.now() - t0) / 1000;
    const s = load.stats;
    for (const f of s.failures.slice(0, 5)) log(`failure: ${f}`);
    const ro = `${opts.readers} readers, ${opts.rounds} round(s) of 3 restarts, ${seconds.toFixed(0)} s`;
    rows.push(makeRow('sent', `rolling restart (${ro}): requests sent`, 'count', [s.sent], null, `${(s.sent / seconds).toFixed(0)} requests/s`));
    rows.push(makeRow('failed', 'rolling restart: requests failed (non-2xx, network error, stale read, answer cut)', 'count', [s.failed], BUDGET.failed));
    rows.push(makeRow('chats', 'rolling restart: questions sent', 'count', [s.chatsSent]));
    rows.push(
      makeRow(
        'chats.completed',
        'rolling restart: answers streamed to their finish',
        'count',
        [s.chatsCompleted],
        { kind: 'min', limit: s.chatsSent },
        `answer p50 ${percentile(s.chatMs, 50).toFixed(0)} ms`,
      ),
    );
    rows.push(makeRow('p50', 'rolling restart: reading request latency p50 (through HAProxy)', 'ms.1', [percentile(s.latencies, 50)]));
    rows.push(makeRow('p99', 'rolling restart: reading request latency p99 (through HAProxy)', 'ms.1', [percentile(s.latencies, 99)]));
    rows.push(makeRow('out', 'rolling restart: a replica out of rotation (SIGTERM → back UP in HAProxy), per restart', 'ms', outMs));
    rows.push(makeRow('exits', 'rolling restart: replicas that exited non-zero on SIGTERM', 'count', [exits.filter((e) => e !== 0).length], BUDGET.failed));
    rows.push(
      makeRow('retried', 'rolling restart: requests HAProxy retried on another replica', 'count', [retriedRequests(c.lb.output())], null, JSON.stringify(s.byReplica)),
    );
    // Nothing stuck in the queue or half-imported: the workers sat idle, the database is intact.
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const progressRows = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM progress')).rows[0]!.n;
    await db.end();
    rows.push(makeRow('progress', 'readers with a stored position afterwards', 'count', [progressRows], { kind: 'min', limit: opts.readers }));
  } catch (err) {
    log((err as Error).stack ?? String(err));
    rows.push(errorRow('failed', 'rolling restart: requests failed', 'count', BUDGET.failed, (err as Error).message));
  }
  const machine = { cpus: availableParallelism(), load1Before: loadBefore, load1After: loadavg()[0]! };
  if (opts.json) process.stdout.write(`${JSON.stringify({ node: process.version, machine, rows }, null, 2)}\n`);
  else {
    const title = `Folio replicas benchmark: ${new Date().toISOString()}, node ${process.version}, ${machine.cpus} CPUs, 1-min load ${machine.load1Before.toFixed(1)} → ${machine.load1After.toFixed(1)}`;
    process.stdout.write(`${formatTable(rows, title)}\n`);
  }
  if (rows.some((r) => r.error)) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench:replicas: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit(process.exitCode ?? 0);

/**
 * Fly-shaped memory benchmark: does the shipped `deploy/fly/fly.toml` fit its machine's memory while an
 * import runs and readers chat?
 *
 *   npm run bench:fly                  # table
 *   npm run bench:fly -- --json        # rows as JSON
 *   npm run bench:fly -- --quick       # 20 chat streams instead of 50
 *   npm run bench:fly -- --env FOLIO_IMPORT_CONCURRENCY=1   # try a change to [env] without editing fly.toml
 *
 * ONE built `folio serve` (`bin/folio.js`, as the image's CMD) with the environment a Fly machine gives it:
 * the runtime `ENV` of deploy/Dockerfile, then `[env]` of deploy/fly/fly.toml, both read from the files (so
 * the in-process worker, `FOLIO_WORKER=inline`, and the in-process embedding model, `FOLIO_EMBED_MODEL=local`,
 * are whatever the shipped config says). Only what must differ here is overridden: HOST/PORT (a free loopback
 * port), the data dir, DATABASE_URL (a throwaway PostgreSQL 15, test/services/postgres.ts, standing in for
 * Neon), S3_* (a real s3rver, test/services/s3.ts, standing in for R2, with the image bucket and the backup
 * bucket fly.toml names), FOLIO_MODEL_BASE_URL (a fake Ollama in its own process, test/fakes/cli.ts, standing
 * in for the Modal GPU), ADMIN_TOKEN and the rate limits (every reader comes from 127.0.0.1 here). The server
 * also preloads bench/soak-probe.mjs, which logs `process.memoryUsage()` every second (the V8 heap's share of
 * RSS; nothing else).
 *
 * The run: the server boots on the empty database (FOLIO_RESTORE_ON_EMPTY finds no backup); the bundled
 * sample series is uploaded through the operator API and imported and embedded by the inline worker, so the
 * readers have something to read; 50 readers at a reached position each ask again as soon as their answer
 * ends (the fake streams 200 tokens at 50 tokens/s); then the Pepper&Carrot pack (/work/shared/data/pepper-carrot,
 * read in place; FOLIO_BENCH_PACK overrides) is zipped in memory and uploaded, and the inline worker imports it
 * (sharp, images to S3) and embeds every chunk (with the FOLIO_EMBED_MODEL fly.toml names) while the 50 chats
 * keep streaming. The RSS of the server is sampled every 100 ms from spawn to the end of the last job (the
 * scheduled backup and retention run a minute after start, on the same worker, so they are in it too).
 */

import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { parse as parseToml } from 'smol-toml';
import { startS3Server } from '../test/services/s3.js';
import { chat, listJobs, newReader, Sampler, setFake, startFakeOllama, throwawayPostgres, uploadPack, waitForJobs, zipPack } from './box.js';
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
  waitFor200,
} from './lib.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FOLIO = join(ROOT, 'bin', 'folio.js');
const PACK = process.env.FOLIO_BENCH_PACK ?? '/work/shared/data/pepper-carrot';
const SAMPLE = join(ROOT, 'samples', 'moth-and-lantern');
const SAMPLE_SERIES = 'moth-and-lantern';
const ADMIN = 'bench-fly-admin-token-0123456789abcdef0123';
const TOKENS_PER_SECOND = 50;
const ANSWER = 'Tamsin lifts the lantern while the moth circles the flame and the canal water glitters. '.repeat(9);

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
if (args.includes('--help')) {
  process.stdout.write('usage: npm run bench:fly -- [--json] [--quick] [--env NAME=VALUE ...]\n');
  process.exit(0);
}
const CHATS = quick ? 20 : 50;
/** `--env NAME=VALUE` (repeatable): try a change to the shipped config without editing fly.toml. */
const TRY_ENV = Object.fromEntries(
  args
    .flatMap((a, i) => (a === '--env' ? [args[i + 1] ?? ''] : []))
    .map((kv) => {
      const eq = kv.indexOf('=');
      if (eq < 1) throw new Error(`--env ${kv}: expected NAME=VALUE`);
      return [kv.slice(0, eq), kv.slice(eq + 1)];
    }),
);
const log = (m: string) => process.stderr.write(`bench:fly: ${m}\n`);

interface FlyToml {
  env: Record<string, string>;
  vm?: Array<{ memory?: string }>;
}
const FLY = parseToml(readFileSync(join(ROOT, 'deploy', 'fly', 'fly.toml'), 'utf8')) as unknown as FlyToml;

/** The machine's memory in MB (`[[vm]] memory = "512mb"`). */
function vmMemoryMb(): number {
  const m = /^(\d+)\s*(mb|gb)$/i.exec(FLY.vm?.[0]?.memory ?? '');
  if (!m) throw new Error('deploy/fly/fly.toml: no [[vm]] memory = "<n>mb"');
  return Number(m[1]) * (m[2]!.toLowerCase() === 'gb' ? 1024 : 1);
}

/** The runtime stage's `ENV` of deploy/Dockerfile (a Fly machine runs the image). */
function dockerRuntimeEnv(): Record<string, string> {
  const text = readFileSync(join(ROOT, 'deploy', 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const runtime = text.slice(text.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const line of runtime.split('\n').filter((l) => /^ENV\s/.test(l.trim()))) {
    for (const [, k, v] of line.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[k!] = v!.replace(/^"|"$/g, '');
  }
  return env;
}

const VM_MB = vmMemoryMb();
/**
 * 85 % of the machine for the Folio process's peak RSS. The machine's memory is the whole microVM: the guest
 * kernel, Fly's init and tini take a few tens of MB of it, and a page cache for the code the process maps must
 * stay or it thrashes; RSS sampled every 100 ms misses spikes shorter than that; and the peak moves from run to
 * run with when V8 grows its heap and how the import's image work lines up with the chats (two runs differ by
 * 10–20 MB). 15 % (77 MB of 512) covers those with room to spare; closer to 100 % an unlucky import is an OOM
 * kill of the only process, with every open chat in it.
 */
const BUDGET = {
  peakMb: { kind: 'max', limit: Math.floor(VM_MB * 0.85) },
  errors: { kind: 'max', limit: 0 },
} satisfies Record<string, Budget>;

/** Until no job is running and none queued is due (scheduled ones queue their next run a day ahead). */
async function untilIdle(base: string): Promise<void> {
  for (const until = Date.now() + 600_000; Date.now() < until; await sleep(250)) {
    const busy = (await listJobs(base, ADMIN)).filter((j) => j.state === 'running' || (j.state === 'queued' && Date.parse(j.runAfter) <= Date.now()));
    if (busy.length === 0) return;
  }
  throw new Error('jobs still running after 10 minutes');
}

async function main(): Promise<void> {
  installCleanupHandlers();
  if (!existsSync(join(PACK, 'series.yaml'))) throw new Error(`no pack at ${PACK} (set FOLIO_BENCH_PACK)`);
  if (!existsSync(FOLIO) || !existsSync(join(ROOT, 'dist', 'cli'))) throw new Error('dist/ missing: run `npm run build` first (npm run bench:fly does)');
  const loadBefore = loadavg()[0]!;
  const rows: Row[] = [];

  log('starting PostgreSQL, s3rver and the fake model server');
  const { url: dbUrl } = await throwawayPostgres('folio_bench_fly');
  const s3 = await startS3Server('folio-images');
  onCleanup(() => s3.stop());
  const backupBucket = FLY.env.FOLIO_BACKUP_BUCKET;
  if (backupBucket) {
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'auto',
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    await client.send(new CreateBucketCommand({ Bucket: backupBucket }));
    client.destroy();
  }
  const fakeUrl = await startFakeOllama();
  await setFake(fakeUrl, { persona: 'fixed', text: ANSWER, tokenChars: 4, tokensPerSecond: TOKENS_PER_SECOND });

  const dataDir = await makeTempDir('folio-bench-fly-');
  const probeFile = join(dataDir, 'probe.jsonl');
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...dockerRuntimeEnv(),
    ...FLY.env,
    ...TRY_ENV,
    // What must differ on this machine; everything else is the shipped config.
    HOST: '127.0.0.1',
    PORT: String(port),
    FOLIO_DATA_DIR: dataDir,
    DATABASE_URL: dbUrl,
    DATABASE_DIRECT_URL: dbUrl,
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: s3.bucket,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    S3_PUBLIC_URL_PREFIX: `${s3.endpoint}/${s3.bucket}`,
    FOLIO_MODEL_BASE_URL: fakeUrl,
    FOLIO_CHAT_MODEL: 'qwen2.5:7b-instruct',
    ADMIN_TOKEN: ADMIN,
    FOLIO_CHAT_RATE_PER_READER: '0',
    FOLIO_CHAT_RATE_PER_IP: '0',
    FOLIO_READER_RATE_PER_IP: '0',
    FOLIO_SOAK_PROBE: probeFile,
  };
  const shipped = Object.entries({ ...dockerRuntimeEnv(), ...FLY.env, ...TRY_ENV })
    .filter(([k]) => /^(FOLIO_WORKER|FOLIO_EMBED_MODEL|FOLIO_JOB_CONCURRENCY|FOLIO_IMPORT_CONCURRENCY|FOLIO_MAX_STREAMS|NODE_OPTIONS|MALLOC_ARENA_MAX)$/.test(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')
    .concat(Object.keys(TRY_ENV).length ? ` (--env: ${Object.keys(TRY_ENV).join(', ')})` : '');
  log(`shipped config: ${shipped}`);

  // ---- boot ---------------------------------------------------------------------------------------
  const serve = spawnTracked(process.execPath, ['--import', join(ROOT, 'bench', 'soak-probe.mjs'), FOLIO, 'serve'], { cwd: ROOT, env });
  const pid = serve.child.pid!;
  const sampler = new Sampler({ serve: () => readRssMb(pid) }, 100);
  onCleanup(async () => sampler.stop());
  sampler.enter('boot');
  const base = `http://127.0.0.1:${port}`;
  await waitFor200(serve, `${base}/ready`, { timeoutMs: 120_000, intervalMs: 50 });
  sampler.enter('idle');
  await sleep(3_000);
  sampler.sample();
  const idleMb = readRssMb(pid);

  // ---- a series to read: the bundled sample through the operator API ------------------------------
  sampler.enter('sample');
  const sampleJob = await uploadPack(base, ADMIN, zipPack(SAMPLE), 'moth-and-lantern.zip');
  await waitForJobs(base, ADMIN, 300_000, (jobs) => jobs.filter((j) => j.id === sampleJob));
  await waitForJobs(base, ADMIN, 300_000, (jobs) => jobs.filter((j) => j.kind === 'embed'));
  log(`sample imported and embedded; ${CHATS} readers`);
  const readers: string[] = [];
  for (let i = 0; i < CHATS; i++) readers.push(await newReader(base, SAMPLE_SERIES, { episode: 2 + (i % 2), page: 1 + (i % 3) }));

  // ---- chats that never stop ----------------------------------------------------------------------
  let stopChats = false;
  let answered = 0;
  const errors: string[] = [];
  const loops = readers.map(async (token, i) => {
    for (let n = 0; !stopChats; n++) {
      const s = chat(base, SAMPLE_SERIES, token, `fly-${i}-${n}`, 'Who keeps the lamps lit in Wickmere?');
      await s.done;
      if (s.finished && s.errors.length === 0) answered++;
      else errors.push(s.errors.join('; ') || 'unfinished stream');
    }
  });
  sampler.enter('chats');
  log(`${CHATS} chats streaming at ${TOKENS_PER_SECOND} tokens/s; 15 s before the upload`);
  await sleep(15_000);
  const chatsOnlyMb = sampler.peak('serve', 'chats');

  // ---- the combination: import + embed while the chats stream -------------------------------------
  const zip = zipPack(PACK);
  log(`uploading ${PACK} (${(zip.length / 1024 / 1024).toFixed(1)} MB zip) through the operator API`);
  sampler.enter('upload');
  const importJob = await uploadPack(base, ADMIN, zip, 'pepper-carrot.zip');
  sampler.enter('import');
  const [imported] = await waitForJobs(base, ADMIN, 1_800_000, (jobs) => jobs.filter((j) => j.id === importJob));
  sampler.enter('embed');
  log('import done; embedding');
  const embedAfter = (j: { kind: string; createdAt: string }) => j.kind === 'embed' && j.createdAt >= imported!.createdAt;
  const [embedded] = await waitForJobs(base, ADMIN, 1_800_000, (jobs) => jobs.filter(embedAfter));
  // Anything else the worker has due (the scheduled backup and retention, a minute after start) ends the run too.
  await untilIdle(base);
  sampler.enter('after');
  stopChats = true;
  await Promise.all(loops);
  sampler.stop();
  const doneJobs = await listJobs(base, ADMIN);
  await stopProcess(serve.child, 20_000);

  const secs = (j: { startedAt: string | null; finishedAt: string | null }) => (Date.parse(j.finishedAt!) - Date.parse(j.startedAt!)) / 1000;
  const importS = secs(imported!);
  const embedS = secs(embedded!);
  const probe = readFileSync(probeFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number });
  const heapPeak = Math.max(...probe.map((p) => p.heapTotal));
  const atPeak = probe.reduce((a, b) => (b.rss > a.rss ? b : a));

  const uploadPeak = sampler.peak('serve', 'upload');
  const importPeak = sampler.peak('serve', 'import');
  const importPeakAfterStart = (sampler.peakAt.get('serve:import')! - Date.parse(imported!.startedAt!)) / 1000;
  const embedPeak = sampler.peak('serve', 'embed');
  const overall = sampler.peak('serve', 'boot', 'idle', 'sample', 'chats', 'upload', 'import', 'embed', 'after');
  rows.push(makeRow('idle', 'folio serve RSS, idle 3 s after /ready (empty database)', 'MB', [idleMb]));
  rows.push(makeRow('chats', `folio serve RSS, peak with ${CHATS} chats streaming (sample imported and embedded)`, 'MB', [chatsOnlyMb]));
  rows.push(
    makeRow(
      'upload',
      `peak RSS receiving the Pepper&Carrot upload (${(zip.length / 1024 / 1024).toFixed(1)} MB zip, validated before the 202) while ${CHATS} chats stream`,
      'MB',
      [uploadPeak],
    ),
  );
  rows.push(
    makeRow(
      'import',
      `peak RSS importing Pepper&Carrot (192 pages) while ${CHATS} chats stream`,
      'MB',
      [importPeak],
      null,
      `import job ${importS.toFixed(0)} s; the peak ${importPeakAfterStart.toFixed(1)} s after the job started`,
    ),
  );
  rows.push(
    makeRow(
      'embed',
      `peak RSS embedding every chunk (FOLIO_EMBED_MODEL=${env.FOLIO_EMBED_MODEL ?? 'local'}) while ${CHATS} chats stream`,
      'MB',
      [embedPeak],
      null,
      `embed job ${embedS.toFixed(0)} s`,
    ),
  );
  rows.push(
    makeRow(
      'peak',
      `folio serve RSS, peak over the whole run (${VM_MB} MB machine)`,
      'MB',
      [overall],
      BUDGET.peakMb,
      `margin to ${VM_MB} MB: ${(VM_MB - overall).toFixed(0)} MB (${(((VM_MB - overall) / VM_MB) * 100).toFixed(0)} %); ` +
        `V8 heap size peak ${heapPeak.toFixed(0)} MB; at the highest 1 s probe sample RSS ${atPeak.rss.toFixed(0)} = heap ${atPeak.heapTotal.toFixed(0)} + external ${atPeak.external.toFixed(0)} + other ${(atPeak.rss - atPeak.heapTotal - atPeak.external).toFixed(0)} MB`,
    ),
  );
  rows.push(
    makeRow(
      'errors',
      'chat answers failed or incomplete',
      'count',
      [errors.length],
      BUDGET.errors,
      `${answered} answered in all; ${[...new Set(errors)].slice(0, 3).join(' | ') || 'no errors'}`,
    ),
  );
  rows.push(
    makeRow(
      'jobs',
      'jobs the inline worker ran',
      'count',
      [doneJobs.length],
      null,
      doneJobs.map((j) => `${j.kind} ${j.state}${j.startedAt && j.finishedAt ? ` ${secs(j).toFixed(0)} s` : ''}`).join(', '),
    ),
  );

  const machine = { cpus: availableParallelism(), load1Before: loadBefore, load1After: loadavg()[0]! };
  if (json) process.stdout.write(`${JSON.stringify({ node: process.version, machine, shipped, rows }, null, 2)}\n`);
  else {
    const title = `Folio on a Fly machine (deploy/fly/fly.toml: ${shipped}): ${new Date().toISOString()}, node ${process.version}, ${machine.cpus} CPUs, 1-min load ${machine.load1Before.toFixed(1)} → ${machine.load1After.toFixed(1)}`;
    process.stdout.write(`${formatTable(rows, title)}\n`);
  }
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench:fly: ${(err as Error).stack ?? String(err)}\n`);
  process.stdout.write(`${formatTable([errorRow('fly', 'Fly-shaped memory benchmark', 'MB', null, (err as Error).message)])}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit();

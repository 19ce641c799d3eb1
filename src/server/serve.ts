/**
 * `folio serve`: listen first (so /health answers at once), then open and
 * migrate the database (or finish opening it: the command starts that while
 * this module loads), import the sample on first run, and flip /ready; the
 * inline job worker starts a second later.
 * `close()` drains: it stops listening, refuses requests on open connections
 * (503), lets chat/recap streams run for the grace period and then ends them
 * (their answers are stored as said), hands running jobs back, and closes the
 * database last, once every answer is stored.
 */
import { createCompanion } from '../chat/create.js';
import type { Config } from '../config/env.js';
import type { Database } from '../db/client.js';
import { createApp } from '../http/app.js';
import type { AppDeps } from '../http/context.js';
import { Drain } from '../http/drain.js';
import { listen } from '../http/listen.js';
import type { Worker } from '../jobs/worker.js';
import type { Logger } from '../logger.js';
import { startJobWorker } from './job-worker.js';
import { importSampleOnFirstRun, openMigratedDatabase, openStorage } from './runtime.js';

export interface RunningServer {
  url: string;
  /** Resolves when the database is open, migrated and the sample imported. */
  ready: Promise<void>;
  /** Graceful stop; `graceMs` (default FOLIO_SHUTDOWN_GRACE_S) is how long open streams may finish. */
  close(opts?: { graceMs?: number }): Promise<{ endedStreams: boolean }>;
}

/**
 * How long after /ready the companion reports which model answers, and the inline job worker starts: its
 * first claim (and a job it finds) would otherwise compete with the first requests of a restarted server.
 */
const AFTER_READY_MS = 1_000;
/** After the grace period: how long ended streams get to store their answers before connections are cut. */
const END_STREAMS_MS = 2_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export async function startServer(
  config: Config,
  logger: Logger,
  /** `database`: already being opened (`folio serve` starts it while this module loads). */
  opts: { database?: Promise<Database> } = {},
): Promise<RunningServer> {
  const storage = await openStorage(config);
  let worker: Worker | null = null;
  const companion = createCompanion(config, logger);
  const drain = new Drain();
  const deps: AppDeps = {
    drain,
    companion,
    logger,
    storage,
    runtime: { database: null },
    corsOrigins: config.corsOrigins,
    trustProxy: config.trustProxy,
    proxyHops: config.proxyHops,
    publicOrigin: config.publicOrigin,
    clientIpHeader: config.clientIpHeader,
    readerRatePerIp: config.readerRatePerIp,
    linkRatePerIp: config.linkRatePerIp,
    accounts: config.accounts,
    oidc: config.oidc,
    maxStreams: config.maxStreams,
    retentionDays: config.retentionDays,
    adminToken: config.adminToken,
    jobs: { wake: () => worker?.wake(), maxUploadBytes: config.jobs.maxUploadBytes },
  };
  const app = createApp(deps);

  const server = await listen(app, { port: config.port, hostname: config.host });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url }, 'listening');

  let closing = false;
  let workerTimer: NodeJS.Timeout | undefined;
  const ready = (async () => {
    const started = performance.now();
    const database = await (opts.database ?? openMigratedDatabase(config));
    if (closing) {
      await database.close();
      return;
    }
    if (config.backup?.restoreOnEmpty && config.s3) {
      // A fresh deploy, or a database lost: come up with the newest backup's library, readers and conversations.
      const { restoreNewestIfEmpty } = await import('../backup/scheduled.js');
      const r = await restoreNewestIfEmpty(database, storage, { ...config.s3, bucket: config.backup.bucket });
      if ('rows' in r) logger.info({ backup: r.restored, rows: r.rows, bucket: config.backup.bucket }, 'restored the newest backup into the empty database');
      else if ('why' in r && r.why === 'no_backup')
        logger.info({ bucket: config.backup.bucket }, 'the database is empty and the backup bucket has no backup yet: starting empty');
    }
    if (config.sample) {
      for (const r of await importSampleOnFirstRun(database, storage, config.importConcurrency)) {
        logger.info({ series: r.seriesId, pages: r.pages, ms: Math.round(r.ms) }, 'imported bundled sample series');
      }
    }
    deps.runtime.database = database;
    logger.info({ database: database.kind, ms: Math.round(performance.now() - started) }, 'ready');
    // Which model answers is news for the log, not a condition of readiness: checking it (a probe of a
    // local Ollama, and loading Node's fetch) waits until the first requests after /ready are served.
    setTimeout(() => companion.announce().catch((err: unknown) => logger.warn({ err }, 'companion: could not check the model')), AFTER_READY_MS).unref();
    if (config.jobs.worker === 'inline') {
      // Jobs enqueued meanwhile wait in the queue; the worker's first poll claims them.
      workerTimer = setTimeout(() => {
        // The companion's embedder: one model instance for chat and for embed jobs.
        if (!closing) worker = startJobWorker(config, { database, storage, logger, embedder: () => companion.deps.models.embedder() });
      }, AFTER_READY_MS);
    }
  })();

  return {
    url,
    ready,
    async close(opts = {}) {
      const graceMs = opts.graceMs ?? config.shutdownGraceMs;
      closing = true;
      clearTimeout(workerTimer);
      drain.begin();
      // Stop listening (new connections are refused); idle keep-alive sockets close now and whenever
      // one becomes idle, so only connections with a request in flight remain.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      // The inline worker gets the same grace, then hands its jobs back to the queue.
      const workerStopped = ready.catch(() => {}).then(() => worker?.stop(graceMs));
      let endedStreams = false;
      if (await Promise.race([closed.then(() => false), sleep(graceMs).then(() => true)])) {
        endedStreams = true;
        logger.info({ graceMs }, 'shutdown: grace period over, ending open streams');
        drain.endStreams();
        await Promise.race([closed, sleep(END_STREAMS_MS)]);
        server.closeAllConnections();
        await closed;
      }
      clearInterval(sweep);
      await ready.catch(() => {});
      // An answer whose client left early may still be storing itself: the database closes after it.
      await companion.settled();
      await workerStopped;
      await companion.close();
      const db = deps.runtime.database;
      deps.runtime.database = null;
      await db?.close();
      return { endedStreams };
    },
  };
}

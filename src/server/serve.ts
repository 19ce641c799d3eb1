/**
 * `folio serve`: listen first (so /health answers at once), then open and
 * migrate the database, import the sample on first run, and flip /ready.
 */
import { createCompanion } from '../chat/create.js';
import type { Config } from '../config/env.js';
import { createApp } from '../http/app.js';
import type { AppDeps } from '../http/context.js';
import { listen } from '../http/listen.js';
import type { Logger } from '../logger.js';
import { jobHandlers } from '../jobs/handlers.js';
import { Worker } from '../jobs/worker.js';
import { importSampleOnFirstRun, openMigratedDatabase, openStorage } from './runtime.js';

export interface RunningServer {
  url: string;
  /** Resolves when the database is open, migrated and the sample imported. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const storage = openStorage(config);
  let worker: Worker | null = null;
  const companion = createCompanion(config, logger);
  const deps: AppDeps = {
    companion,
    logger,
    storage,
    runtime: { database: null },
    corsOrigins: config.corsOrigins,
    trustProxy: config.trustProxy,
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
  const ready = (async () => {
    const started = performance.now();
    const database = await openMigratedDatabase(config);
    if (closing) {
      await database.close();
      return;
    }
    if (config.sample) {
      for (const r of await importSampleOnFirstRun(database, storage, config.importConcurrency)) {
        logger.info({ series: r.seriesId, pages: r.pages, ms: Math.round(r.ms) }, 'imported bundled sample series');
      }
    }
    deps.runtime.database = database;
    if (config.jobs.worker === 'inline') {
      worker = new Worker({
        db: database.db,
        // The companion's embedder: one model instance for chat and for embed jobs.
        handlers: jobHandlers({ database, storage, importConcurrency: config.importConcurrency, embedder: () => companion.deps.models.embedder() }),
        logger,
        concurrency: config.jobs.concurrency,
        leaseMs: config.jobs.leaseMs,
      });
      worker.start();
    }
    logger.info({ database: database.kind, ms: Math.round(performance.now() - started) }, 'ready');
    companion.announce().catch((err: unknown) => logger.warn({ err }, 'companion: could not check the model'));
  })();

  return {
    url,
    ready,
    async close() {
      closing = true;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ready.catch(() => {});
      await worker?.stop();
      await companion.close();
      const db = deps.runtime.database;
      deps.runtime.database = null;
      await db?.close();
    },
  };
}

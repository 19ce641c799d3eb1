/** `folio worker`: run background jobs (imports, re-embedding) in their own process, until SIGTERM. */

import { modelRegistryFor } from '../../chat/create.js';
import type { Config } from '../../config/env.js';
import { jobHandlers } from '../../jobs/handlers.js';
import { Worker } from '../../jobs/worker.js';
import { createLogger } from '../../logger.js';
import { openMigratedDatabase, openStorage } from '../../server/runtime.js';
import { pageDescriberFor } from '../../vision/describer.js';

export async function workerCommand(cfg: Config, opts: { concurrency?: number }): Promise<void> {
  const logger = createLogger({ level: cfg.logLevel, format: cfg.logFormat });
  const storage = await openStorage(cfg);
  const database = await openMigratedDatabase(cfg);
  const models = modelRegistryFor(cfg, logger);
  const worker = new Worker({
    db: database.db,
    handlers: jobHandlers({
      database,
      storage,
      importConcurrency: cfg.importConcurrency,
      embedder: () => models.embedder(),
      describer: pageDescriberFor(cfg),
      descriptionConcurrency: cfg.jobs.concurrency,
    }),
    logger,
    concurrency: opts.concurrency ?? cfg.jobs.concurrency,
    leaseMs: cfg.jobs.leaseMs,
    // One process holds the embedded data directory: every enqueue is this process's own and wakes the worker.
    sole: database.kind === 'pglite',
  });
  worker.start();
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'worker shutting down: finishing running jobs (up to 30 s), then handing them back');
      void worker
        .stop(30_000)
        .then(() => models.embedder()?.close?.())
        .then(() => database.close())
        .then(resolve);
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}

/** `folio worker`: run background jobs (imports, re-embedding, retention) in their own process, until SIGTERM. */

import { modelRegistryFor } from '../../chat/create.js';
import type { Config } from '../../config/env.js';
import { createLogger, LOG_FLUSH_MS } from '../../logger.js';
import { startJobWorker } from '../../server/job-worker.js';
import { openMigratedDatabase, openStorage } from '../../server/runtime.js';

export async function workerCommand(cfg: Config, opts: { concurrency?: number }): Promise<void> {
  const logger = createLogger({ level: cfg.logLevel, format: cfg.logFormat, flushMs: LOG_FLUSH_MS });
  const storage = await openStorage(cfg);
  const database = await openMigratedDatabase(cfg);
  const models = modelRegistryFor(cfg, logger);
  const worker = startJobWorker(cfg, { database, storage, logger, embedder: () => models.embedder(), concurrency: opts.concurrency });
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

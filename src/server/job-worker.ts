/**
 * The job worker as `folio serve` (inline) and `folio worker` start it: every job kind's handler, and
 * the first run of the scheduled ones (retention) queued shortly after start.
 */
import type { Config } from '../config/env.js';
import type { Database } from '../db/client.js';
import { jobHandlers, scheduleRetention } from '../jobs/handlers.js';
import { Worker } from '../jobs/worker.js';
import type { Logger } from '../logger.js';
import type { Embedder } from '../models/types.js';
import type { Storage } from '../storage/storage.js';
import { pageDescriberFor } from '../vision/describer.js';

/** A first retention run a minute after start: not while a restarted server warms up. */
const FIRST_RETENTION_MS = 60_000;

export function startJobWorker(
  config: Config,
  parts: { database: Database; storage: Storage; logger: Logger; embedder: () => Embedder | null; concurrency?: number },
): Worker {
  const { database, logger } = parts;
  let worker: Worker | null = null;
  const deps = {
    database,
    storage: parts.storage,
    importConcurrency: config.importConcurrency,
    embedder: parts.embedder,
    describer: pageDescriberFor(config),
    descriptionConcurrency: config.jobs.concurrency,
    retentionDays: config.retentionDays,
    wake: () => worker?.wake(),
  };
  worker = new Worker({
    db: database.db,
    handlers: jobHandlers(deps),
    logger,
    concurrency: parts.concurrency ?? config.jobs.concurrency,
    leaseMs: config.jobs.leaseMs,
    // One process holds the embedded data directory: every enqueue is this process's own and wakes the worker.
    sole: database.kind === 'pglite',
  });
  worker.start();
  scheduleRetention(deps, FIRST_RETENTION_MS).catch((err: unknown) => logger.warn({ err }, 'retention: could not schedule the first run'));
  return worker;
}

/**
 * The job worker as `folio serve` (inline) and `folio worker` start it: every job kind's handler, and
 * the first runs of the scheduled ones (retention, backup) queued shortly after start.
 */
import type { Config } from '../config/env.js';
import type { Database } from '../db/client.js';
import { jobHandlers, scheduleJobs } from '../jobs/handlers.js';
import { Worker } from '../jobs/worker.js';
import type { Logger } from '../logger.js';
import type { Embedder } from '../models/types.js';
import type { Storage } from '../storage/storage.js';
import { transcriberFor } from '../transcription/ocr-source.js';
import { pageDescriberFor } from '../vision/describer.js';

/** Scheduled jobs' first runs a minute after start: not while a restarted server warms up. */
const FIRST_RUN_MS = 60_000;

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
    transcriber: transcriberFor(config),
    descriptionConcurrency: config.jobs.concurrency,
    retentionDays: config.retentionDays,
    backup: config.backup && config.s3 ? { settings: { ...config.s3, bucket: config.backup.bucket }, everyMs: config.backup.everyMs, keep: config.backup.keep } : null,
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
  scheduleJobs(deps, FIRST_RUN_MS).catch((err: unknown) => logger.warn({ err }, 'jobs: could not schedule the first runs of retention and backup'));
  return worker;
}

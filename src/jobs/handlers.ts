/** What each job kind does. Other features add their kinds here (e.g. re-embedding). */

import type { BucketSettings } from '../backup/bucket.js';
import { BACKUP_JOB } from '../backup/last-run.js';
import type { Database } from '../db/client.js';
import { FolioError } from '../errors.js';
import type { Embedder } from '../models/types.js';
import { RETENTION_EVERY_MS, RETENTION_JOB, runRetention } from '../retention/retention.js';
import { embedPending } from '../retrieval/embeddings.js';
import type { Storage } from '../storage/storage.js';
import type { Transcriber } from '../transcription/ocr-source.js';
import type { PageDescriber } from '../vision/describer.js';
import { JobQueue } from './jobs.js';
import { getUpload } from './queries.js';
import type { JobHandler } from './worker.js';

export interface HandlerDeps {
  database: Database;
  storage: Storage;
  importConcurrency: number;
  /** FOLIO_EMBED_MODEL's embedder (null with `none`); made on first use, the local model loads lazily. */
  embedder?: () => Embedder | null;
  /** FOLIO_VISION_MODEL's page describer (absent or null: imports write no page descriptions). */
  describer?: PageDescriber | null;
  /** FOLIO_OCR_LANGS's transcriber for pages without authored text (null: off). */
  transcriber?: Transcriber | null;
  /** Vision requests in flight per import (FOLIO_JOB_CONCURRENCY). */
  descriptionConcurrency?: number;
  /** FOLIO_RETENTION_DAYS: readers inactive and jobs finished this long ago are deleted; 0 = keep everything. */
  retentionDays?: number;
  /** FOLIO_BACKUP_BUCKET: scheduled backups to that private bucket, every `everyMs`, the newest `keep` kept. */
  backup?: { settings: BucketSettings; everyMs: number; keep: number } | null;
  /** Wakes an in-process worker when a handler queues a job. */
  wake?: () => void;
}

/**
 * `import`: the uploaded archive (a pack .zip or a .cbz) stored with the job.
 * The importer is idempotent and reuses image variants it already made, so a
 * retry or a takeover after a crash resumes instead of starting over, and
 * publishing is one transaction: readers never see a half-imported series.
 */
export function importHandler(deps: HandlerDeps): JobHandler {
  return async ({ job, signal, progress }) => {
    const upload = await getUpload(deps.database.db, job.id);
    if (!upload) throw new FolioError('bad_request:import', 'The uploaded archive of this job is gone; upload it again.');
    // The importer (sharp, yaml, zip) loads with the first import job, not at every start.
    const [{ openPackArchive }, { importPack }] = await Promise.all([import('../content/pack-source.js'), import('../content/importer.js')]);
    const source = await openPackArchive(upload.bytes, upload.name);
    const r = await importPack(deps, source, {
      concurrency: deps.importConcurrency,
      descriptionConcurrency: deps.descriptionConcurrency,
      signal,
      onProgress: (p) => progress({ ...p }),
    });
    // New text needs vectors: queue that as its own job, so the import is done (and visible) first.
    if (r.status !== 'unchanged' && deps.embedder?.()) await new JobQueue(deps.database.db).enqueue('embed', { after: job.id });
    return {
      seriesId: r.seriesId,
      title: r.title,
      status: r.status,
      episodes: r.episodes,
      pages: r.pages,
      imagesMade: r.imagesMade,
      imagesReused: r.imagesReused,
      descriptionsMade: r.descriptionsMade,
      descriptionsReused: r.descriptionsReused,
      descriptionsFailed: r.descriptionsFailed,
      transcriptsMade: r.transcriptsMade,
      transcriptsReused: r.transcriptsReused,
      entitiesDrafted: r.entitiesDrafted,
      warnings: r.warnings.length,
      ms: Math.round(r.ms),
    };
  };
}

/**
 * `embed`: vectors for every chunk without one (`replace`: first delete vectors of
 * another model). Resumable by nature: a retry continues with what is still missing.
 */
export function embedHandler(deps: HandlerDeps): JobHandler {
  return async ({ job, signal, progress }) => {
    const embedder = deps.embedder?.() ?? null;
    if (!embedder) throw new FolioError('bad_request:embed', 'FOLIO_EMBED_MODEL=none: embeddings are off, there is nothing to embed.');
    const r = await embedPending(deps.database.db, embedder, {
      replace: job.payload.replace === true,
      signal,
      batchSize: 16,
      onProgress: (p) => progress({ phase: 'embed', done: p.done, total: p.total, model: p.model }),
    });
    return { model: r.model, embedded: r.embedded };
  };
}

/**
 * `retention`: a scheduled job (retention/retention.ts). It queues its own next run before it starts, so
 * a run that fails does not end the schedule; with retention turned off it does nothing and queues none.
 */
export function retentionHandler(deps: HandlerDeps): JobHandler {
  return async ({ signal, progress }) => {
    const days = deps.retentionDays ?? 0;
    if (days <= 0) return { days: 0, readers: 0, jobs: 0 };
    await new JobQueue(deps.database.db, deps.wake).schedule(RETENTION_JOB, RETENTION_EVERY_MS);
    return { ...(await runRetention(deps.database.db, days, { signal, onProgress: (p) => progress({ phase: 'retention', ...p }) })) };
  };
}

/** `backup` (FOLIO_BACKUP_BUCKET): a scheduled job like retention; queues its next run, then backs up to the bucket. */
export function backupHandler(deps: HandlerDeps): JobHandler {
  return async ({ progress }) => {
    if (!deps.backup) return { skipped: 'FOLIO_BACKUP_BUCKET is not set' };
    const { backupToBucket } = await import('../backup/scheduled.js');
    await new JobQueue(deps.database.db, deps.wake).schedule(BACKUP_JOB, deps.backup.everyMs);
    return { ...(await backupToBucket(deps.database, deps.backup.settings, deps.backup.keep, (p) => progress({ phase: p.step }))) };
  };
}

/** Queue the first runs of the scheduled jobs `delayMs` after a worker starts (none when off, or one is already queued). */
export async function scheduleJobs(deps: HandlerDeps, delayMs: number): Promise<void> {
  const queue = new JobQueue(deps.database.db, deps.wake);
  if ((deps.retentionDays ?? 0) > 0) await queue.schedule(RETENTION_JOB, delayMs);
  if (deps.backup) await queue.schedule(BACKUP_JOB, delayMs);
}

export function jobHandlers(deps: HandlerDeps): Record<string, JobHandler> {
  return { import: importHandler(deps), embed: embedHandler(deps), [RETENTION_JOB]: retentionHandler(deps), [BACKUP_JOB]: backupHandler(deps) };
}

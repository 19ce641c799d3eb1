/** What each job kind does. Other features add their kinds here (e.g. re-embedding). */
import type { Database } from '../db/client.js';
import { importPack } from '../content/importer.js';
import { openPackArchive } from '../content/pack-source.js';
import { FolioError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import { getUpload } from './queries.js';
import type { JobHandler } from './worker.js';

export interface HandlerDeps {
  database: Database;
  storage: Storage;
  importConcurrency: number;
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
    const source = await openPackArchive(upload.bytes, upload.name);
    const r = await importPack(deps, source, { concurrency: deps.importConcurrency, signal, onProgress: (p) => progress({ ...p }) });
    return {
      seriesId: r.seriesId,
      title: r.title,
      status: r.status,
      episodes: r.episodes,
      pages: r.pages,
      imagesMade: r.imagesMade,
      imagesReused: r.imagesReused,
      warnings: r.warnings.length,
      ms: Math.round(r.ms),
    };
  };
}

export function jobHandlers(deps: HandlerDeps): Record<string, JobHandler> {
  return { import: importHandler(deps) };
}

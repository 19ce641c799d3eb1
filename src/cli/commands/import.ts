/** `folio import`: validate and import packs, with a progress bar on a TTY or JSON lines. */
import type { Config } from '../../config/env.js';
import { importPack, PackInvalidError } from '../../content/importer.js';
import { formatProblem } from '../../content/read-pack.js';
import { diskFullError, FolioError } from '../../errors.js';
import { openMigratedDatabase, openStorage } from '../../server/runtime.js';
import { transcriberFor } from '../../transcription/ocr-source.js';
import { pageDescriberFor } from '../../vision/describer.js';
import { importReporter } from '../progress-reporter.js';

export interface ImportOptions {
  dryRun?: boolean;
  json?: boolean;
  concurrency?: number;
}

export async function importCommand(cfg: Config, packs: string[], opts: ImportOptions): Promise<void> {
  const storage = await openStorage(cfg);
  const database = await openMigratedDatabase(cfg);
  // FOLIO_VISION_MODEL: pages without a description get one from the vision model (off when unset).
  const describer = pageDescriberFor(cfg);
  // FOLIO_OCR_LANGS: pages without authored text are transcribed (off with `off`).
  const transcriber = transcriberFor(cfg);
  let failed = false;
  try {
    for (const pack of packs) {
      const reporter = importReporter({ tty: Boolean(process.stderr.isTTY) && !opts.json, out: process.stderr, quiet: opts.json });
      try {
        const r = await importPack({ database, storage, describer, transcriber }, pack, {
          dryRun: opts.dryRun,
          concurrency: opts.concurrency ?? cfg.importConcurrency,
          descriptionConcurrency: cfg.jobs.concurrency,
          onProgress: reporter.onProgress,
        });
        reporter.stop();
        if (opts.json) process.stdout.write(`${JSON.stringify({ pack, ok: true, ...r, ms: Math.round(r.ms) })}\n`);
        else {
          for (const w of r.warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`);
          const rate = r.imagesMade > 0 ? `, ${(r.imagesMade / (r.ms / 1000)).toFixed(1)} images/s` : '';
          const descriptions =
            describer && r.status !== 'unchanged' && r.status !== 'valid'
              ? `, ${r.descriptionsMade} page descriptions written, ${r.descriptionsReused} reused, ${r.descriptionsFailed} failed`
              : '';
          const transcripts = r.transcriptsMade + r.transcriptsReused > 0 ? `, ${r.transcriptsMade} pages transcribed, ${r.transcriptsReused} reused` : '';
          const drafted = r.entitiesDrafted > 0 ? `, ${r.entitiesDrafted} entities drafted` : '';
          process.stdout.write(
            `${r.status === 'unchanged' ? 'Unchanged' : r.status === 'valid' ? 'Valid' : r.status === 'created' ? 'Imported' : 'Updated'} ` +
              `"${r.title}" (${r.seriesId}): ${r.episodes} episodes, ${r.pages} pages, ${r.chunks} text chunks, ` +
              `${r.imagesMade} images made, ${r.imagesReused} reused${transcripts}${descriptions}${drafted}, ${r.warnings.length} warnings in ${(r.ms / 1000).toFixed(1)} s${rate}\n`,
          );
        }
      } catch (caught) {
        reporter.stop();
        failed = true;
        const err = diskFullError(caught, cfg.dataDir) ?? caught;
        if (opts.json) {
          const fe = err instanceof FolioError ? err : null;
          process.stdout.write(
            `${JSON.stringify({ pack, ok: false, error: { code: fe?.code ?? 'internal:import', message: (err as Error).message }, problems: err instanceof PackInvalidError ? err.problems : undefined })}\n`,
          );
        } else process.stderr.write(`${(err as Error).message}\n`);
      }
    }
  } finally {
    await database.close();
  }
  if (failed) process.exitCode = 1;
}

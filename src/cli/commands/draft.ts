/** `folio draft export`: a stored series (transcripts, drafted world, summaries) as an editable content pack. */
import { readdir } from 'node:fs/promises';
import type { Config } from '../../config/env.js';
import { exportSeries } from '../../content/export.js';
import { FolioError } from '../../errors.js';
import { openMigratedDatabase, openStorage } from '../../server/runtime.js';

export async function draftExportCommand(cfg: Config, seriesId: string, dir: string, opts: { json?: boolean }): Promise<void> {
  // Never mix an export into an existing pack or folder: an import of it would be ambiguous.
  const existing = await readdir(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
  if (existing.length > 0) throw new FolioError('bad_request:export', `${dir} is not empty. Fix: name a new or empty folder.`);
  const storage = await openStorage(cfg);
  const database = await openMigratedDatabase(cfg);
  try {
    const r = await exportSeries(database.db, storage, seriesId, dir, (done, total) => {
      if (!opts.json && (done === total || done % 50 === 0)) process.stderr.write(`Images: ${done}/${total}\n`);
    });
    if (opts.json) process.stdout.write(`${JSON.stringify({ ok: true, dir, ...r })}\n`);
    else {
      for (const n of r.notes) process.stderr.write(`note: ${n}\n`);
      process.stdout.write(
        `Exported "${r.seriesId}" to ${dir}: ${r.episodes} episodes, ${r.pages} pages (${r.transcribedPages} transcribed), ` +
          `${r.entities} entities (${r.draftedEntities} drafted), ${r.relationships} relationships, ${r.images} images. ` +
          `Review it, then \`folio import ${dir}\`.\n`,
      );
    }
  } finally {
    await database.close();
  }
}

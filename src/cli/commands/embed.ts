/**
 * `folio embed`: give every text chunk a vector from the configured embedder
 * (FOLIO_EMBED_MODEL), with progress. Import never waits for this and
 * `folio serve` does it in the background on first use; this command is for
 * doing it ahead of time, on a separate machine or process (PostgreSQL), or
 * re-embedding with another model (`--replace`).
 */
import cliProgress from 'cli-progress';
import { modelRegistryFor } from '../../chat/create.js';
import type { Config } from '../../config/env.js';
import { FolioError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import { type EmbedProgress, embedPending } from '../../retrieval/embeddings.js';
import { openMigratedDatabase } from '../../server/runtime.js';

export interface EmbedOptions {
  replace?: boolean;
  json?: boolean;
  batch?: number;
}

export async function embedCommand(cfg: Config, opts: EmbedOptions): Promise<void> {
  const models = modelRegistryFor(cfg, createLogger({ level: 'warn', format: cfg.logFormat }));
  const embedder = models.embedder();
  if (!embedder) {
    const msg = 'FOLIO_EMBED_MODEL=none: embeddings are off and retrieval is full-text only. Nothing to do.';
    process.stdout.write(opts.json ? `${JSON.stringify({ ok: true, model: null, embedded: 0, message: msg })}\n` : `${msg}\n`);
    return;
  }
  const database = await openMigratedDatabase(cfg);
  const started = performance.now();
  const tty = Boolean(process.stderr.isTTY) && !opts.json;
  // (An object, so TypeScript sees the assignment made inside the callback.)
  const ui: { bar: cliProgress.SingleBar | null } = { bar: null };
  let lastPct = -1;
  const onProgress = (p: EmbedProgress) => {
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ progress: { model: p.model, done: p.done, total: p.total } })}\n`);
      return;
    }
    if (tty && p.total > 0) {
      ui.bar ??= new cliProgress.SingleBar(
        { format: `Embedding (${p.model}) [{bar}] {value}/{total} {percentage}% eta {eta_formatted}`, stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      if (p.done === 0) ui.bar.start(p.total, 0);
      else ui.bar.update(p.done);
      return;
    }
    const pct = p.total === 0 ? 100 : Math.floor((p.done / p.total) * 10) * 10;
    if (pct > lastPct) {
      lastPct = pct;
      process.stderr.write(`Embedding (${p.model}): ${p.done}/${p.total}\n`);
    }
  };
  try {
    const r = await embedPending(database.db, embedder, { replace: opts.replace, batchSize: opts.batch, onProgress });
    ui.bar?.stop();
    const ms = Math.round(performance.now() - started);
    if (opts.json) process.stdout.write(`${JSON.stringify({ ok: true, model: r.model, embedded: r.embedded, ms })}\n`);
    else process.stdout.write(`Embedded ${r.embedded} chunks with ${r.model} in ${(ms / 1000).toFixed(1)} s.\n`);
  } catch (err) {
    ui.bar?.stop();
    if (opts.json && err instanceof FolioError) {
      process.stdout.write(`${JSON.stringify({ ok: false, error: { code: err.code, message: err.message } })}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  } finally {
    await models.close();
    await database.close();
  }
}

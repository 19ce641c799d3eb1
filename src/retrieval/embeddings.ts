/**
 * Chunk embeddings: filling the vector store (`folio embed`, and in the
 * background inside `folio serve`) and embedding questions. Import never
 * waits for this: chunks without a vector are found by full-text search
 * alone until their vector arrives.
 *
 * Every vector records the embedder that made it. Vectors of another model
 * are never mixed in: the store refuses to grow and retrieval ignores them
 * until `folio embed --replace` re-embeds everything with the current model.
 */
import type { Db } from '../db/client.js';
import { FolioError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Embedder } from '../models/types.js';
import * as q from './queries.js';

export interface EmbedProgress {
  model: string;
  done: number;
  total: number;
}

export type StoreState = { kind: 'ready'; vectors: number } | { kind: 'unavailable' } | { kind: 'mismatch'; stored: string[] };

/** Is the vector store usable for `model`? Creates it when pgvector became available later. */
export async function storeState(db: Db, model: string): Promise<StoreState> {
  if (!(await q.vectorStoreExists(db)) && !(await q.enableVectorStore(db))) return { kind: 'unavailable' };
  const stored = await q.storedModels(db);
  const others = stored.filter((s) => s.model !== model).map((s) => s.model);
  if (others.length > 0) return { kind: 'mismatch', stored: others };
  return { kind: 'ready', vectors: stored.find((s) => s.model === model)?.vectors ?? 0 };
}

export function mismatchError(model: string, stored: string[]): FolioError {
  return new FolioError(
    'conflict:embed_model',
    `The stored vectors were made by ${stored.join(', ')}, but FOLIO_EMBED_MODEL selects ${model}. Vectors of different models are never mixed: ` +
      'run `folio embed --replace` to re-embed every chunk with the current model (retrieval stays full-text only until then), or set FOLIO_EMBED_MODEL back.',
  );
}

/**
 * Embed every chunk that has no vector yet, `batchSize` at a time. With `replace`, vectors of
 * other models are deleted first; without it, their presence is refused.
 */
export async function embedPending(
  db: Db,
  embedder: Embedder,
  opts: { batchSize?: number; replace?: boolean; signal?: AbortSignal; onProgress?: (p: EmbedProgress) => void } = {},
): Promise<{ embedded: number; model: string }> {
  const model = embedder.id;
  let state = await storeState(db, model);
  if (state.kind === 'unavailable') {
    throw new FolioError(
      'unavailable:vectors',
      'This database has no pgvector extension (or Folio may not create it), so there is nowhere to store vectors. Retrieval is full-text only; set FOLIO_EMBED_MODEL=none to say so.',
    );
  }
  if (state.kind === 'mismatch') {
    if (!opts.replace) throw mismatchError(model, state.stored);
    await q.deleteOtherModels(db, model);
    state = await storeState(db, model);
  }
  const { chunks } = await q.countChunks(db);
  const already = state.kind === 'ready' ? state.vectors : 0;
  const total = chunks - already;
  const batchSize = opts.batchSize ?? 16;
  const indexed = new Set<number>([512]);
  let done = 0;
  opts.onProgress?.({ model, done, total });
  for (;;) {
    opts.signal?.throwIfAborted();
    const batch = await q.chunksWithoutVectors(db, batchSize);
    if (batch.length === 0) break;
    const vectors = await embedder.embed(
      batch.map((c) => c.text),
      opts.signal,
    );
    if (vectors.length !== batch.length) throw new Error(`the embedder returned ${vectors.length} vectors for ${batch.length} texts`);
    for (const v of vectors) {
      if (!indexed.has(v.length)) {
        await q.ensureDimsIndex(db, v.length);
        indexed.add(v.length);
      }
    }
    await q.storeVectors(
      db,
      model,
      batch.map((c, i) => ({ chunkId: c.id, seriesId: c.seriesId, episode: c.episode, page: c.page, vector: vectors[i]! })),
    );
    done += batch.length;
    opts.onProgress?.({ model, done: Math.min(done, Math.max(total, done)), total: Math.max(total, done) });
  }
  return { embedded: done, model };
}

/** How often the server looks for new chunks to embed (after imports) while it is being used. */
const RESCAN_MS = 60_000;
const QUERY_TIMEOUT_MS = 5_000;

/**
 * The server side: question vectors for retrieval, and a background backfill
 * started on first use (so an idle server never loads the embedding model).
 */
export class EmbeddingService {
  private state: StoreState | null = null;
  private stateAt = 0;
  private running: Promise<void> | null = null;
  private lastRun = 0;
  private warned = false;
  private readonly stop = new AbortController();

  constructor(
    private readonly embedder: Embedder | null,
    private readonly logger: Logger,
  ) {}

  get model(): string | null {
    return this.embedder?.id ?? null;
  }

  private async currentState(db: Db): Promise<StoreState> {
    if (this.state && Date.now() - this.stateAt < RESCAN_MS) return this.state;
    const state = await storeState(db, this.embedder!.id);
    if (state.kind !== 'ready' && !this.warned) {
      this.warned = true;
      if (state.kind === 'mismatch') this.logger.warn({ err: mismatchError(this.embedder!.id, state.stored).message }, 'retrieval is full-text only');
      else this.logger.info('pgvector is not available: retrieval is full-text only');
    }
    this.state = state;
    this.stateAt = Date.now();
    return state;
  }

  /**
   * The question's vector for vector search, or null (embeddings off, no usable store, no vectors
   * yet, or the embedder failed: retrieval then uses full-text search alone).
   */
  async queryVector(db: Db, text: string, signal?: AbortSignal): Promise<{ model: string; vector: number[] } | null> {
    if (!this.embedder) return null;
    try {
      const state = await this.currentState(db);
      if (state.kind !== 'ready') return null;
      this.backfill(db);
      if (state.vectors === 0) return null;
      const timeout = AbortSignal.timeout(QUERY_TIMEOUT_MS);
      const [vector] = await this.embedder.embed([text], signal ? AbortSignal.any([signal, timeout]) : timeout);
      return vector ? { model: this.embedder.id, vector } : null;
    } catch (err) {
      if (signal?.aborted) throw err;
      this.logger.warn({ err }, 'question embedding failed; using full-text search only');
      return null;
    }
  }

  /** Start (or keep) the background backfill; at most one at a time, and not more than once a minute. */
  backfill(db: Db): void {
    if (!this.embedder || this.running || this.stop.signal.aborted || Date.now() - this.lastRun < RESCAN_MS) return;
    const embedder = this.embedder;
    this.lastRun = Date.now();
    this.running = (async () => {
      const started = performance.now();
      try {
        // Small batches: the local model runs in a worker, but chat requests share the CPU.
        const { embedded } = await embedPending(db, embedder, { batchSize: 8, signal: this.stop.signal });
        if (embedded > 0) this.logger.info({ model: embedder.id, embedded, ms: Math.round(performance.now() - started) }, 'embedded new chunks');
      } catch (err) {
        if (!this.stop.signal.aborted) this.logger.warn({ err }, 'background embedding stopped; retrieval uses full-text search for chunks without vectors');
      } finally {
        this.state = null;
        this.running = null;
      }
    })();
  }

  /** A reader is about to chat: load the embedder and catch up on vectors, without waiting. */
  warm(db: Db): void {
    const embedder = this.embedder;
    if (!embedder) return;
    this.currentState(db).then(
      (state) => {
        if (state.kind !== 'ready') return;
        this.backfill(db);
        embedder.embed(['warm up']).catch(() => {});
      },
      () => {},
    );
  }

  /** For tests: wait for a running backfill. */
  async idle(): Promise<void> {
    await this.running;
  }

  /** Stop a running backfill (shutdown). */
  async close(): Promise<void> {
    this.stop.abort();
    await this.running;
  }
}

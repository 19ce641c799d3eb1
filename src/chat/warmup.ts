/**
 * Best-effort warm-up when a reader opens the chat: the model server starts
 * loading the model (and the embedder loads) while the reader is still
 * reading. Never waits for it, and asks the model at most once per interval.
 */
import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import { aiSdk } from '../models/ai-sdk.js';
import type { ModelRegistry } from '../models/registry.js';
import type { ChatModel } from '../models/types.js';
import type { EmbeddingService } from '../retrieval/embeddings.js';

const WARMUP_INTERVAL_MS = 30_000;

export type WarmupStatus = 'warming' | 'recent' | 'quote' | 'unavailable';

export class Warmup {
  private last = 0;

  constructor(
    private readonly deps: { logger: Logger; models: ModelRegistry; embeddings: EmbeddingService; timeoutMs: number },
    private readonly intervalMs = WARMUP_INTERVAL_MS,
  ) {}

  async run(db: Db): Promise<{ status: WarmupStatus; model: string | null }> {
    this.deps.embeddings.warm(db);
    // The AI SDK loads on first use (ADR 0018): compile it now, not on the first question.
    aiSdk().catch(() => {});
    let model: ChatModel | null;
    try {
      model = await this.deps.models.chat();
    } catch {
      return { status: 'unavailable', model: null };
    }
    if (!model) return { status: 'quote', model: null };
    if (Date.now() - this.last < this.intervalMs) return { status: 'recent', model: model.label };
    this.last = Date.now();
    const log = this.deps.logger;
    model.warmup(AbortSignal.timeout(this.deps.timeoutMs)).then(
      () => log.debug({ model: model.label }, 'model warm-up answered'),
      (err: unknown) => log.info({ model: model.label, err: err instanceof Error ? err.message : String(err) }, 'model warm-up failed (chat will retry)'),
    );
    return { status: 'warming', model: model.label };
  }
}

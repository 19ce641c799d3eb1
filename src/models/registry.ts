/**
 * Which chat model and embedder this process uses, from the configuration.
 * `FOLIO_MODEL=auto` probes a local Ollama (short timeout) and falls back to
 * quote mode; the probe result is cached and refreshed now and then, so an
 * Ollama started after Folio is picked up without a restart.
 */
import { FolioError } from '../errors.js';
import type { Logger } from '../logger.js';
import { anthropicChat } from './anthropic.js';
import { LocalEmbedder } from './local-embedder.js';
import { ollamaChat, ollamaEmbedder, probeOllama } from './ollama.js';
import { openaiChat, openaiEmbedder } from './openai.js';
import type { ChatModel, Embedder, ProviderKind, ProviderSettings } from './types.js';

export interface ModelSettings extends ProviderSettings {
  provider: 'auto' | 'none' | 'ollama' | 'openai' | 'anthropic';
  chatModel: string | undefined;
  embedModel: string;
  probeTimeoutMs: number;
}

/** How long an auto probe result is trusted: a found Ollama for longer than a missing one. */
const AUTO_FOUND_TTL_MS = 5 * 60_000;
const AUTO_MISSING_TTL_MS = 30_000;

const EMBEDDING_ONLY = /embed|minilm|bge-|e5-|gte-|arctic-embed|paraphrase/i;

/**
 * The chat model to use on an Ollama that lists `listed`: the configured one if it is there,
 * otherwise (nothing configured) the first listed model that is not an embedding model.
 */
export function pickAutoChatModel(listed: string[], configured: string | undefined): string | null {
  if (configured !== undefined) {
    const bare = (n: string) => n.replace(/:latest$/, '');
    return listed.some((m) => bare(m) === bare(configured)) ? configured : null;
  }
  return listed.find((m) => !EMBEDDING_ONLY.test(m)) ?? null;
}

/**
 * A model on a fixed provider, built the way the chat builds it (base URL, key, Modal proxy headers).
 * The vision describer uses this too, so a vision model sits on the same server as the chat model.
 */
export function providerModel(provider: ProviderKind, s: ProviderSettings, modelId: string): ChatModel {
  switch (provider) {
    case 'ollama':
      return ollamaChat(s, modelId);
    case 'openai':
      return openaiChat(s, modelId);
    case 'anthropic':
      return anthropicChat(s, modelId);
  }
}

export class ModelRegistry {
  private auto: { at: number; model: string | null } | null = null;
  private probing: Promise<string | null> | null = null;
  private fixedChat: ChatModel | null | undefined;
  private embedderInstance: Embedder | null | undefined;

  constructor(
    readonly settings: ModelSettings,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The chat model, or null for quote mode. */
  async chat(): Promise<ChatModel | null> {
    const s = this.settings;
    if (s.provider === 'ollama' && !s.chatModel) {
      // No model named: the first chat model the Ollama server has installed.
      const model = await this.autoModel();
      if (model === null) {
        this.invalidate();
        throw new FolioError(
          'unavailable:model',
          'The language model is not reachable right now (no chat model found on the Ollama server). Try again in a minute; reading is not affected.',
        );
      }
      return ollamaChat(s, model);
    }
    if (s.provider !== 'auto') {
      if (this.fixedChat === undefined) this.fixedChat = this.makeFixed();
      return this.fixedChat;
    }
    const model = await this.autoModel();
    return model === null ? null : ollamaChat(s, model);
  }

  /** Whether answers will come from a model, without waiting for a probe (for status output). */
  describe(): { provider: string; chatModel: string | null; embedder: string | null } {
    const s = this.settings;
    const chatModel = s.provider === 'auto' ? (this.auto?.model ?? null) : s.provider === 'none' ? null : (s.chatModel ?? null);
    return { provider: s.provider, chatModel, embedder: this.embedderId };
  }

  /** Forget the auto probe (after the chosen Ollama stopped answering). */
  invalidate(): void {
    this.auto = null;
  }

  private makeFixed(): ChatModel | null {
    const s = this.settings;
    return s.provider === 'none' || s.provider === 'auto' ? null : providerModel(s.provider, s, s.chatModel!);
  }

  private async autoModel(): Promise<string | null> {
    const fresh = this.auto && this.now() - this.auto.at < (this.auto.model ? AUTO_FOUND_TTL_MS : AUTO_MISSING_TTL_MS);
    if (fresh) return this.auto!.model;
    this.probing ??= (async () => {
      const listed = await probeOllama(this.settings, this.settings.probeTimeoutMs);
      const model = listed === null ? null : pickAutoChatModel(listed, this.settings.chatModel);
      if (model !== (this.auto?.model ?? undefined)) {
        this.logger.info({ ollama: listed !== null, model }, model ? 'companion: using the local Ollama' : 'companion: no local model, answering in quote mode');
      }
      this.auto = { at: this.now(), model };
      return model;
    })().finally(() => {
      this.probing = null;
    });
    return this.probing;
  }

  /** Recorded with vectors: `local:use-lite-512`, `ollama:<model>`, `openai:<model>`; null = full-text only. */
  get embedderId(): string | null {
    const e = this.settings.embedModel;
    if (e === 'none') return null;
    if (e === 'local') return 'local:use-lite-512';
    return `${this.settings.provider === 'openai' ? 'openai' : 'ollama'}:${e}`;
  }

  /** The embedder (created on first call; the local model itself loads on its first embed). */
  embedder(): Embedder | null {
    if (this.embedderInstance !== undefined) return this.embedderInstance;
    const s = this.settings;
    const e = s.embedModel;
    if (e === 'none') this.embedderInstance = null;
    else if (e === 'local') this.embedderInstance = new LocalEmbedder();
    else if (s.provider === 'openai') this.embedderInstance = openaiEmbedder(s, e);
    else this.embedderInstance = ollamaEmbedder(s, e);
    return this.embedderInstance;
  }

  async close(): Promise<void> {
    await this.embedderInstance?.close?.();
  }
}

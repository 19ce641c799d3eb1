/** The two things the companion asks of a model provider. One implementation per provider. */
import type { LanguageModelV3 } from '@ai-sdk/provider';

export type ProviderKind = 'ollama' | 'openai' | 'anthropic';

export interface ChatModel {
  readonly provider: ProviderKind;
  readonly modelId: string;
  /** `provider:model`, recorded on every answer. */
  readonly label: string;
  /** The AI SDK provider's model (answers stream from its `doStream`; suggestions use `generateText`). */
  readonly languageModel: LanguageModelV3;
  /**
   * True when `doStream` hands over everything that arrived since the last read as one part (ollama-stream.ts):
   * only then does letting tokens gather between reads save work (ADR 0039). A stream of one part per token
   * is read as fast as it comes.
   */
  readonly joinsTokens?: boolean;
  /** Best-effort request that makes a cold model server load the model (no answer is generated). */
  warmup(signal: AbortSignal): Promise<void>;
}

export interface Embedder {
  /** Recorded with every vector; vectors of another id are never mixed in. */
  readonly id: string;
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
  close?(): Promise<void>;
}

/** What a provider needs from the configuration. */
export interface ProviderSettings {
  baseUrl: string | undefined;
  apiKey: string | undefined;
  modalProxy: { tokenId: string; tokenSecret: string } | undefined;
}

/** Headers for a model server behind Modal's proxy auth (both or neither, checked at boot). */
export function modalHeaders(s: ProviderSettings): Record<string, string> {
  return s.modalProxy ? { 'Modal-Key': s.modalProxy.tokenId, 'Modal-Secret': s.modalProxy.tokenSecret } : {};
}

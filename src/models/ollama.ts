/** Ollama, local or on Modal (proxy-auth headers): chat over /api/chat, embeddings over /api/embed. */
import { lazyEmbedder, lazyLanguageModel } from './ai-sdk.js';
import { leanOllamaStream } from './ollama-stream.js';
import { type ChatModel, type Embedder, modalHeaders, type ProviderSettings } from './types.js';

export const OLLAMA_DEFAULT_URL = 'http://127.0.0.1:11434';

/** The Ollama server's root URL (`FOLIO_MODEL_BASE_URL` with or without `/api`, or the local default). */
export const ollamaRoot = (s: ProviderSettings): string => (s.baseUrl ?? OLLAMA_DEFAULT_URL).replace(/\/api$/, '');
const root = ollamaRoot;

async function provider(s: ProviderSettings) {
  const { createOllama } = await import('ollama-ai-provider-v2');
  return createOllama({ baseURL: `${root(s)}/api`, headers: modalHeaders(s) });
}

export function ollamaChat(s: ProviderSettings, modelId: string): ChatModel {
  return {
    provider: 'ollama',
    modelId,
    label: `ollama:${modelId}`,
    joinsTokens: true,
    // Answers stream through ollama-stream.ts; structured output (suggestions) through the provider package.
    languageModel: leanOllamaStream({
      root: root(s),
      headers: modalHeaders(s),
      modelId,
      fallback: lazyLanguageModel('ollama.responses', modelId, async () => (await provider(s))(modelId)),
    }),
    async warmup(signal) {
      // An empty messages array makes Ollama load the model without generating.
      const res = await fetch(`${root(s)}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...modalHeaders(s) },
        body: JSON.stringify({ model: modelId, messages: [], stream: false }),
        signal,
      });
      await res.body?.cancel();
    },
  };
}

export function ollamaEmbedder(s: ProviderSettings, modelId: string): Embedder {
  return lazyEmbedder(`ollama:${modelId}`, async () => (await provider(s)).embeddingModel(modelId));
}

/** Models a reachable Ollama lists (GET /api/tags), or null when it does not answer in time. */
export async function probeOllama(s: ProviderSettings, timeoutMs: number): Promise<string[] | null> {
  try {
    const res = await fetch(`${root(s)}/api/tags`, { headers: modalHeaders(s), signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) {
      await res.body?.cancel();
      return null;
    }
    const body = (await res.json()) as { models?: Array<{ name?: unknown; model?: unknown }> };
    return (body.models ?? []).map((m) => String(m.name ?? m.model ?? '')).filter(Boolean);
  } catch {
    return null;
  }
}

/** Any OpenAI-compatible server (vLLM, llama.cpp, LM Studio, hosted APIs): /chat/completions and /embeddings under the base URL. */
import { lazyEmbedder, lazyLanguageModel } from './ai-sdk.js';
import { type ChatModel, type Embedder, modalHeaders, type ProviderSettings } from './types.js';

async function provider(s: ProviderSettings) {
  const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
  return createOpenAICompatible({
    name: 'openai-compatible',
    baseURL: requireBaseUrl(s),
    apiKey: s.apiKey,
    headers: modalHeaders(s),
    includeUsage: true,
    supportsStructuredOutputs: true,
  });
}

function requireBaseUrl(s: ProviderSettings): string {
  if (!s.baseUrl) throw new Error('FOLIO_MODEL_BASE_URL is required for an OpenAI-compatible server');
  return s.baseUrl;
}

export function openaiChat(s: ProviderSettings, modelId: string): ChatModel {
  requireBaseUrl(s);
  return {
    provider: 'openai',
    modelId,
    label: `openai:${modelId}`,
    languageModel: lazyLanguageModel('openai-compatible.chat', modelId, async () => (await provider(s)).chatModel(modelId)),
    async warmup(signal) {
      // Listing models is free and wakes a scaled-to-zero server (vLLM on Modal).
      const res = await fetch(`${s.baseUrl}/models`, {
        headers: { ...(s.apiKey ? { authorization: `Bearer ${s.apiKey}` } : {}), ...modalHeaders(s) },
        signal,
      });
      await res.body?.cancel();
    },
  };
}

export function openaiEmbedder(s: ProviderSettings, modelId: string): Embedder {
  requireBaseUrl(s);
  return lazyEmbedder(`openai:${modelId}`, async () => (await provider(s)).embeddingModel(modelId));
}

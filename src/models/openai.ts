/** Any OpenAI-compatible server (vLLM, llama.cpp, LM Studio, hosted APIs): /chat/completions and /embeddings under the base URL. */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { embedMany } from 'ai';
import { modalHeaders, type ChatModel, type Embedder, type ProviderSettings } from './types.js';

function provider(s: ProviderSettings) {
  if (!s.baseUrl) throw new Error('FOLIO_MODEL_BASE_URL is required for an OpenAI-compatible server');
  return createOpenAICompatible({
    name: 'openai-compatible',
    baseURL: s.baseUrl,
    apiKey: s.apiKey,
    headers: modalHeaders(s),
    includeUsage: true,
    supportsStructuredOutputs: true,
  });
}

export function openaiChat(s: ProviderSettings, modelId: string): ChatModel {
  return {
    provider: 'openai',
    modelId,
    label: `openai:${modelId}`,
    languageModel: provider(s).chatModel(modelId),
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
  const model = provider(s).embeddingModel(modelId);
  return {
    id: `openai:${modelId}`,
    async embed(texts, signal) {
      const { embeddings } = await embedMany({ model, values: texts, abortSignal: signal, maxRetries: 1 });
      return embeddings;
    },
  };
}

/**
 * The Vercel AI SDK and its provider packages are ~600 KB of bundled JavaScript
 * that V8 would compile on every start. Reading never needs them, so they load
 * on the first answer, recap or embedding instead (ADR 0018): a restart reaches
 * /ready without them.
 */
import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { Embedder } from './types.js';

type AiSdk = typeof import('ai');

let sdk: Promise<AiSdk> | undefined;

/** The `ai` package, imported once on first use. */
export function aiSdk(): Promise<AiSdk> {
  return (sdk ??= import('ai'));
}

/**
 * A provider model whose package is imported on the first call. `provider` is the id the
 * real model reports (e.g. `ollama.chat`), so nothing downstream can tell the difference.
 */
export function lazyLanguageModel(provider: string, modelId: string, load: () => Promise<LanguageModelV3>): LanguageModelV3 {
  let real: Promise<LanguageModelV3> | undefined;
  const model = () => (real ??= load());
  return {
    specificationVersion: 'v3',
    provider,
    modelId,
    get supportedUrls() {
      return model().then((m) => m.supportedUrls);
    },
    doGenerate: async (options) => (await model()).doGenerate(options),
    doStream: async (options) => (await model()).doStream(options),
  };
}

type EmbeddingModel = Parameters<AiSdk['embedMany']>[0]['model'];

/** An embedder on a provider's embedding model, which (with the SDK) is imported and made once, on the first embed. */
export function lazyEmbedder(id: string, load: () => Promise<EmbeddingModel>): Embedder {
  let model: Promise<EmbeddingModel> | undefined;
  return {
    id,
    async embed(texts, signal) {
      const [{ embedMany }, m] = await Promise.all([aiSdk(), (model ??= load())]);
      const { embeddings } = await embedMany({ model: m, values: texts, abortSignal: signal, maxRetries: 1 });
      return embeddings;
    },
  };
}

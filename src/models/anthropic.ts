/** Anthropic's Messages API (/v1/messages). Hosted, so there is no cold start to warm. */
import { lazyLanguageModel } from './ai-sdk.js';
import type { ChatModel, ProviderSettings } from './types.js';

export function anthropicChat(s: ProviderSettings, modelId: string): ChatModel {
  return {
    provider: 'anthropic',
    modelId,
    label: `anthropic:${modelId}`,
    languageModel: lazyLanguageModel('anthropic.messages', modelId, async () => {
      const { createAnthropic } = await import('@ai-sdk/anthropic');
      return createAnthropic({ apiKey: s.apiKey, ...(s.baseUrl ? { baseURL: s.baseUrl } : {}) })(modelId);
    }),
    async warmup() {},
  };
}

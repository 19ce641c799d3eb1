/** Anthropic's Messages API (/v1/messages). Hosted, so there is no cold start to warm. */
import { createAnthropic } from '@ai-sdk/anthropic';
import type { ChatModel, ProviderSettings } from './types.js';

export function anthropicChat(s: ProviderSettings, modelId: string): ChatModel {
  const provider = createAnthropic({ apiKey: s.apiKey, ...(s.baseUrl ? { baseURL: s.baseUrl } : {}) });
  return {
    provider: 'anthropic',
    modelId,
    label: `anthropic:${modelId}`,
    languageModel: provider(modelId),
    async warmup() {},
  };
}

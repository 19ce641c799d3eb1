import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeModelServer } from '../../test/fakes/model-server.js';
import { startFakeOllama } from '../../test/fakes/ollama.js';
import { ModelRegistry, type ModelSettings, pickAutoChatModel } from './registry.js';

const logger = pino({ level: 'silent' });
let ollama: FakeModelServer;
beforeAll(async () => {
  ollama = await startFakeOllama();
});
afterAll(async () => {
  await ollama?.close();
});

const settings = (over: Partial<ModelSettings>): ModelSettings => ({
  provider: 'auto',
  baseUrl: undefined,
  apiKey: undefined,
  modalProxy: undefined,
  chatModel: undefined,
  embedModel: 'none',
  probeTimeoutMs: 300,
  ...over,
});

describe('pickAutoChatModel', () => {
  it('prefers the configured model when the server has it, else the first chat model', () => {
    expect(pickAutoChatModel(['nomic-embed-text:latest', 'llama3.2:3b', 'qwen2.5:7b'], undefined)).toBe('llama3.2:3b');
    expect(pickAutoChatModel(['llama3.2:3b', 'qwen2.5:7b'], 'qwen2.5:7b')).toBe('qwen2.5:7b');
    expect(pickAutoChatModel(['qwen2.5:latest'], 'qwen2.5')).toBe('qwen2.5');
    expect(pickAutoChatModel(['llama3.2:3b'], 'mistral')).toBeNull();
    expect(pickAutoChatModel(['bge-m3', 'all-minilm'], undefined)).toBeNull();
  });
});

describe('ModelRegistry', () => {
  it('auto: a reachable Ollama is used and the probe cached; a missing one is probed again later', async () => {
    let now = 0;
    const tags = () => ollama.requests.filter((r) => r.path === '/api/tags').length;
    const reg = new ModelRegistry(settings({ baseUrl: ollama.url }), logger, () => now);
    expect((await reg.chat())?.label).toBe('ollama:llama3.2:3b');
    await reg.chat();
    expect(tags()).toBe(1);

    ollama.reset();
    ollama.set({ fault: 'refuse' });
    const later = new ModelRegistry(settings({ baseUrl: ollama.url }), logger, () => now);
    expect(await later.chat()).toBeNull();
    now = 10_000;
    ollama.reset();
    expect(await later.chat()).toBeNull();
    expect(tags()).toBe(0);
    now = 31_000;
    expect((await later.chat())?.modelId).toBe('llama3.2:3b');
    expect(tags()).toBe(1);
  });

  it('auto: an Ollama that does not answer in time means quote mode', async () => {
    ollama.set({ fault: 'hang' });
    try {
      const started = performance.now();
      expect(await new ModelRegistry(settings({ baseUrl: ollama.url, probeTimeoutMs: 150 }), logger).chat()).toBeNull();
      expect(performance.now() - started).toBeLessThan(1500);
    } finally {
      ollama.reset();
    }
  });

  it('ollama without FOLIO_CHAT_MODEL uses the first installed chat model, and fails typed when there is none', async () => {
    expect((await new ModelRegistry(settings({ provider: 'ollama', baseUrl: ollama.url }), logger).chat())?.label).toBe('ollama:llama3.2:3b');
    await expect(new ModelRegistry(settings({ provider: 'ollama', baseUrl: 'http://127.0.0.1:9' }), logger).chat()).rejects.toMatchObject({ code: 'unavailable:model' });
  });

  it('fixed providers and embedders from the settings', async () => {
    expect(await new ModelRegistry(settings({ provider: 'none' }), logger).chat()).toBeNull();
    expect((await new ModelRegistry(settings({ provider: 'openai', baseUrl: 'http://x/v1', chatModel: 'm' }), logger).chat())?.label).toBe('openai:m');
    expect((await new ModelRegistry(settings({ provider: 'anthropic', apiKey: 'k', chatModel: 'c' }), logger).chat())?.label).toBe('anthropic:c');
    expect(new ModelRegistry(settings({ embedModel: 'local' }), logger).embedderId).toBe('local:use-lite-512');
    expect(new ModelRegistry(settings({ provider: 'openai', baseUrl: 'http://x/v1', chatModel: 'm', embedModel: 'text-embedding-3-small' }), logger).embedder()?.id).toBe(
      'openai:text-embedding-3-small',
    );
    expect(new ModelRegistry(settings({ embedModel: 'none' }), logger).embedder()).toBeNull();
  });
});

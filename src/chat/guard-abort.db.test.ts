/**
 * Regression: aborting a streaming answer's upstream request while the
 * provider's pipe is still open once left, with the Ollama provider, a
 * rejected promise nobody handled, which ends a Node 20 process (the server).
 * The guard no longer stops answers (it withholds sentences and lets the
 * model finish); the reader going away still aborts mid-stream. Every
 * provider, answers paced like a real model so the pipe is still open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { startFakeAnthropic } from '../../test/fakes/anthropic.js';
import { type CompanionServer, startCompanionServer } from '../../test/fakes/folio.js';
import type { FakeModelServer } from '../../test/fakes/model-server.js';
import { startFakeOllama } from '../../test/fakes/ollama.js';
import { startFakeOpenAI } from '../../test/fakes/openai.js';
import { SAMPLE } from '../../test/server.js';
import { importPack } from '../content/importer.js';

let t: TestDatabase;
const fakes: FakeModelServer[] = [];
const servers: Record<string, CompanionServer> = {};
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  t = await createTestDatabase();
  const [ollama, openai, anthropic] = await Promise.all([startFakeOllama(), startFakeOpenAI(), startFakeAnthropic()]);
  fakes.push(ollama, openai, anthropic);
  servers.ollama = await startCompanionServer(t.database, { FOLIO_MODEL: 'ollama', FOLIO_MODEL_BASE_URL: ollama.url, FOLIO_CHAT_MODEL: 'llama3.2:3b' });
  servers.openai = await startCompanionServer(t.database, { FOLIO_MODEL: 'openai', FOLIO_MODEL_BASE_URL: `${openai.url}/v1`, FOLIO_CHAT_MODEL: 'gpt-4o-mini' });
  servers.anthropic = await startCompanionServer(t.database, {
    FOLIO_MODEL: 'anthropic',
    FOLIO_MODEL_BASE_URL: `${anthropic.url}/v1`,
    FOLIO_MODEL_API_KEY: 'sk-ant-test',
    FOLIO_CHAT_MODEL: 'claude-haiku-4-5',
  });
  await importPack({ database: t.database, storage: servers.ollama.storage }, SAMPLE);
}, 120_000);

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  for (const s of Object.values(servers)) await s.close();
  for (const f of fakes) await f.close();
  await t?.close();
});

describe('an answer aborted mid-stream ends cleanly', () => {
  it.each(['ollama', 'openai', 'anthropic'])(
    '%s: guarded sentences and a reader leaving mid-stream, no unhandled rejection, the server keeps answering',
    async (provider) => {
      const server = servers[provider]!;
      const fake = fakes[['ollama', 'openai', 'anthropic'].indexOf(provider)]!;
      const token = await server.newReader();
      await server.moveTo(token, 'moth-and-lantern', { episode: 1, page: 4 });
      fake.set({ persona: 'fixed', text: 'The Dimmers and Mother Soot live under the town and took the flames. '.repeat(4), tokenChars: 3, tokensPerSecond: 60 });
      const r = await server.ask(token, 'moth-and-lantern', 'What happens next?');
      expect(r.guard?.reason).toBe('later_in_story');
      expect(r.text).not.toMatch(/dimmer|soot/i);

      fake.reset();
      fake.set({ persona: 'fixed', text: 'Ada walks the canal while the lamps flicker. '.repeat(20), tokenChars: 3, tokensPerSecond: 60 });
      const ctrl = new AbortController();
      const res = await server.fetch('/api/series/moth-and-lantern/chat', {
        method: 'POST',
        token,
        signal: ctrl.signal,
        json: { id: `leave-${provider}`, messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Where is Ada?' }] }] },
      });
      const reader = res.body!.getReader();
      let seen = '';
      while (!seen.includes('text-delta')) seen += new TextDecoder().decode((await reader.read()).value);
      ctrl.abort();
      await expect.poll(() => fake.chatRequests()[0]?.aborted, { timeout: 3000 }).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(unhandled).toEqual([]);
      fake.set({ persona: 'honest', tokensPerSecond: 0 });
      expect((await server.ask(token, 'moth-and-lantern', 'Who is Ada?')).status).toBe(200);
    },
  );
});

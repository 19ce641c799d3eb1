/**
 * The lean Ollama answer stream against the fake Ollama server (real HTTP, the real NDJSON wire), read through
 * `generateAnswer` so the fault rules (timeouts, one retry, typed errors) are the ones a reader meets.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeModelServer, UPSTREAM_SECRET_TEXT } from '../../test/fakes/model-server.js';
import { FAKE_OLLAMA_MODELS, startFakeOllama } from '../../test/fakes/ollama.js';
import { startFakeOpenAI } from '../../test/fakes/openai.js';
import { ClientGone, type GenerationEvent, generateAnswer } from '../chat/generate.js';
import { FolioError } from '../errors.js';
import { ollamaChat } from './ollama.js';
import { openaiChat } from './openai.js';

let fake: FakeModelServer;
beforeAll(async () => {
  fake = await startFakeOllama();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const model = () => ollamaChat({ baseUrl: fake.url, apiKey: undefined, modalProxy: { tokenId: 'wk-id', tokenSecret: 'ws-secret' } }, FAKE_OLLAMA_MODELS[0]!);
const prompt = { system: 'You are the companion.', messages: [{ role: 'user' as const, content: 'Where is Ada?' }] };

async function run(opts: { signal?: AbortSignal; firstTokenTimeoutMs?: number; gatherMs?: () => number } = {}) {
  const events: GenerationEvent[] = [];
  const failures: string[] = [];
  try {
    for await (const ev of generateAnswer(model(), prompt, {
      signal: opts.signal ?? new AbortController().signal,
      firstTokenTimeoutMs: opts.firstTokenTimeoutMs ?? 5_000,
      idleTimeoutMs: 5_000,
      totalTimeoutMs: 20_000,
      maxOutputTokens: 123,
      gatherMs: opts.gatherMs,
      onFailure: (kind, err) => failures.push(`${kind}: ${err instanceof Error ? err.message : String(err)}`),
    }))
      events.push(ev);
    return { events, failures, text: events.map((e) => (e.type === 'text' ? e.delta : '')).join(''), error: null };
  } catch (err) {
    return { events, failures, text: events.map((e) => (e.type === 'text' ? e.delta : '')).join(''), error: err };
  }
}

describe('Ollama answer stream', () => {
  it('streams the answer token by token with its usage, sending what Ollama reads (options, no thinking, Modal headers)', async () => {
    // Paced, so that each token is its own read: tokens that arrive together are one part (the next test).
    fake.set({ persona: 'fixed', text: 'Ada walks along the canal. Flit follows her.', tokenChars: 3, tokensPerSecond: 200 });
    const r = await run();
    expect(r.error).toBeNull();
    expect(r.text).toBe('Ada walks along the canal. Flit follows her.');
    expect(r.events.filter((e) => e.type === 'text').length).toBeGreaterThan(5);
    const done = r.events.at(-1);
    expect(done).toMatchObject({ type: 'done', outputTokens: Math.ceil(r.text.length / 3) });
    expect(done?.type === 'done' && done.inputTokens).toBeGreaterThan(0);
    const [req] = fake.chatRequests();
    expect(req?.body).toMatchObject({
      model: FAKE_OLLAMA_MODELS[0],
      stream: true,
      think: false,
      options: { temperature: 0.2, num_predict: 123 },
      messages: [
        { role: 'system', content: 'You are the companion.' },
        { role: 'user', content: 'Where is Ada?' },
      ],
    });
    expect(req?.headers).toMatchObject({ 'modal-key': 'wk-id', 'modal-secret': 'ws-secret' });
  });

  it.each([
    ['unauthorized', 'unavailable:model_auth'],
    ['rate-limited', 'rate_limit:model'],
    ['server-error', 'unavailable:model'],
    ['refuse', 'unavailable:model'],
    ['malformed', 'unavailable:model_stream'],
  ] as const)('a %s model becomes the typed error %s, with nothing of the upstream text', async (fault, code) => {
    fake.set({ fault });
    const r = await run();
    expect(r.error).toBeInstanceOf(FolioError);
    expect((r.error as FolioError).code).toBe(code);
    expect(JSON.stringify(r)).not.toContain(UPSTREAM_SECRET_TEXT);
  });

  it('retries once when the server fails before the first token, and answers', async () => {
    fake.set({ fault: 'server-error-once', persona: 'fixed', text: 'Back again.' });
    const r = await run();
    expect(r.error).toBeNull();
    expect(r.events[0]).toEqual({ type: 'waking', attempt: 2 });
    expect(r.text).toBe('Back again.');
  });

  it('a connection dropped mid-answer is a cut-off answer, after the text that came', async () => {
    fake.set({ fault: 'cut', persona: 'fixed', text: 'One two three four five six seven.' });
    const r = await run();
    expect(r.text.length).toBeGreaterThan(0);
    expect((r.error as FolioError).code).toBe('unavailable:model_stream');
    expect(r.failures[0]).toMatch(/^bad_stream: .*terminated/);
  });

  it('a model that never answers times out, and the request is closed', async () => {
    fake.set({ fault: 'hang' });
    const r = await run({ firstTokenTimeoutMs: 150 });
    // No first token in time, even after the one retry.
    expect((r.error as FolioError).code).toBe('unavailable:model');
    expect(r.failures).toEqual([expect.stringMatching(/^timeout/), expect.stringMatching(/^timeout/)]);
    await expect.poll(() => fake.chatRequests().every((q) => q.aborted)).toBe(true);
  });

  it('a reader who leaves stops the upstream request', async () => {
    fake.set({ persona: 'fixed', text: 'A long answer, '.repeat(40), tokensPerSecond: 50 });
    const client = new AbortController();
    setTimeout(() => client.abort(), 150);
    const r = await run({ signal: client.signal });
    expect(r.error).toBeInstanceOf(ClientGone);
    await expect.poll(() => fake.chatRequests()[0]?.aborted).toBe(true);
  });

  it('a consumer that lets tokens gather gets them as one part per read, and its first token without waiting', async () => {
    const text = 'Ada walks along the canal and Flit follows her home. '.repeat(2);
    fake.set({ persona: 'fixed', text, tokenChars: 3, tokensPerSecond: 100 });
    const eager = await run();
    const asked: number[] = [];
    const started = performance.now();
    let firstAt = 0;
    const gathered = await run({
      gatherMs: () => {
        firstAt ||= performance.now() - started;
        asked.push(firstAt);
        return 150;
      },
    });
    expect(eager.text).toBe(text);
    expect(gathered.text).toBe(text);
    expect(gathered.error).toBeNull();
    const parts = (r: typeof eager) => r.events.filter((e) => e.type === 'text').length;
    // 36 tokens over ~360 ms: one part each when read at once, a part per 150 ms when they gather.
    expect(parts(eager)).toBeGreaterThan(25);
    expect(parts(gathered)).toBeLessThanOrEqual(6);
    expect(gathered.events.at(-1)).toMatchObject({ type: 'done', outputTokens: 36 });
    // Asked only once text came: the first token was not held back.
    expect(asked.length).toBeGreaterThan(0);
    expect(firstAt).toBeLessThan(100);
  });

  it("the text that came with the answer's end is marked, so no pause is spent waiting for an end already read", async () => {
    // 36 tokens in ~36 ms: the first is read at once, the rest and the end frame gather during the first pause
    // (400 ms, so that a loaded machine still fits them in it).
    fake.set({ persona: 'fixed', text: 'Ada walks along the canal and Flit follows her home. '.repeat(2), tokenChars: 3, tokensPerSecond: 1000 });
    let asked = 0;
    const r = await run({
      gatherMs: () => {
        asked++;
        return 400;
      },
    });
    expect(r.error).toBeNull();
    expect(r.events.filter((e) => e.type === 'text').length).toBe(2);
    // Once after the first token; not again after the marked last text (the finish was already there).
    expect(asked).toBe(1);
  });

  it('a model whose stream hands over one part per token is never paused between reads', async () => {
    const openai = await startFakeOpenAI();
    try {
      openai.set({ persona: 'fixed', text: 'Ada walks along the canal and Flit follows her home. '.repeat(3), tokenChars: 3 });
      const chat = openaiChat({ baseUrl: `${openai.url}/v1`, apiKey: 'sk-test', modalProxy: undefined }, 'gpt-test');
      const started = performance.now();
      let text = '';
      for await (const ev of generateAnswer(chat, prompt, {
        signal: new AbortController().signal,
        firstTokenTimeoutMs: 5_000,
        idleTimeoutMs: 5_000,
        totalTimeoutMs: 20_000,
        maxOutputTokens: 123,
        gatherMs: () => 100,
      }))
        if (ev.type === 'text') text += ev.delta;
      expect(text).toContain('Flit follows her home.');
      // 54 parts: paused 100 ms before each read, this took over 5 s.
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      await openai.close();
    }
  });

  it('a consumer that cancels mid-answer closes the upstream request, and nothing is written to the cancelled stream', async () => {
    fake.set({ persona: 'fixed', text: 'A long answer, '.repeat(40), tokensPerSecond: 100 });
    const { stream } = await model().languageModel.doStream({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'Where is Ada?' }] }] });
    const reader = stream.getReader();
    for (let i = 0; i < 4; i++) await reader.read();
    await reader.cancel();
    await expect.poll(() => fake.chatRequests()[0]?.aborted).toBe(true);
    // The socket's own close events come after the cancel: an enqueue then would throw outside any caller.
    await new Promise((r) => setTimeout(r, 50));
  });
});

/** The HTTP side of graceful shutdown: the 503 gate and the closing notice on ended streams. */
import type { UIMessageChunk } from 'ai';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LocalStorage } from '../storage/local.js';
import { createApp } from './app.js';
import { Drain, RESTARTING_MESSAGE } from './drain.js';

const app = (drain: Drain) =>
  createApp({ logger: pino({ level: 'silent' }), storage: new LocalStorage('/nonexistent'), runtime: { database: null }, corsOrigins: [], trustProxy: false, drain });

async function collect(stream: ReadableStream<UIMessageChunk>): Promise<UIMessageChunk[]> {
  const out: UIMessageChunk[] = [];
  for await (const c of stream) out.push(c);
  return out;
}

function chunks(list: UIMessageChunk[], opts: { closeWhen?: AbortSignal } = {}): ReadableStream<UIMessageChunk> {
  return new ReadableStream({
    async start(controller) {
      for (const c of list) controller.enqueue(c);
      if (opts.closeWhen && !opts.closeWhen.aborted) await new Promise((r) => opts.closeWhen!.addEventListener('abort', r));
      controller.close();
    },
  });
}

describe('Drain', () => {
  it('serves normally, then answers 503 with Retry-After and Connection: close while draining', async () => {
    const drain = new Drain();
    const a = app(drain);
    expect((await a.request('/health')).status).toBe(200);
    drain.begin();
    const res = await a.request('/health');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.headers.get('connection')).toBe('close');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unavailable:shutting_down');
  });

  it('a stream signal follows the client and the server; the notice is added only to streams the server ended', async () => {
    const drain = new Drain();
    const client = new AbortController();
    const signal = drain.signalFor(new Request('http://x/', { signal: client.signal }));
    expect(signal.aborted).toBe(false);

    const finished = await collect(drain.notifyOnShutdown(chunks([{ type: 'start' }, { type: 'finish', finishReason: 'stop' }])));
    expect(finished.map((c) => c.type)).toEqual(['start', 'finish']);

    const open = drain.notifyOnShutdown(
      chunks([{ type: 'start' }, { type: 'text-start', id: 't' }, { type: 'text-delta', id: 't', delta: 'Hal' }], { closeWhen: drain.streamsEnded }),
    );
    const reading = collect(open);
    drain.endStreams();
    expect(signal.aborted).toBe(true);
    const ended = await reading;
    expect(ended.map((c) => c.type)).toEqual(['start', 'text-start', 'text-delta', 'data-error', 'error']);
    expect(ended.at(-1)).toEqual({ type: 'error', errorText: RESTARTING_MESSAGE });
  });

  it('a client that leaves aborts its own stream only', () => {
    const drain = new Drain();
    const client = new AbortController();
    const signal = drain.signalFor(new Request('http://x/', { signal: client.signal }));
    client.abort();
    expect(signal.aborted).toBe(true);
    expect(drain.streamsEnded.aborted).toBe(false);
  });
});

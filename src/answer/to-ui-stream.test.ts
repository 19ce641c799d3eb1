import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { FolioUIMessageChunk } from '../contract/index.js';
import { readFolioStream } from '../contract/read-stream.js';
import type { AnswerEvent } from './engine.js';
import { coalescingWriter, type StreamMetadata, toUIMessageStream, UI_MESSAGE_STREAM_HEADERS, uiMessageResponse } from './to-ui-stream.js';

const silent = pino({ level: 'silent' });
const metadata = { mode: 'quote' } as StreamMetadata;

async function* events(list: Array<AnswerEvent<StreamMetadata> | number>, finished?: { done: boolean }): AsyncGenerator<AnswerEvent<StreamMetadata>> {
  try {
    for (const e of list) {
      if (typeof e === 'number') await sleep(e);
      else yield e;
    }
  } finally {
    if (finished) finished.done = true;
  }
}

const text = async (stream: ReadableStream<Uint8Array>) => new Response(stream).text();

describe('toUIMessageStream', () => {
  it('writes the SDK wire format that the SDK client folds into the answer', async () => {
    const res = uiMessageResponse(
      events([
        { type: 'start', messageId: 'm1' },
        { type: 'text', delta: 'Ada waits. ' },
        { type: 'text', delta: 'Flit flies.' },
        { type: 'suggestions', suggestions: ['Who is Flit?'] },
        { type: 'done', metadata, outcome: {} as never },
      ]),
      { log: silent, keepAliveMs: 60_000 },
    );
    expect(Object.fromEntries(res.headers)).toMatchObject(UI_MESSAGE_STREAM_HEADERS);
    const body = await res.text();
    expect(body.startsWith(': stream-open\n\n')).toBe(true);
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    const read = await readFolioStream(body);
    expect(read.chunks.map((c) => c.type)).toEqual(['start', 'text-start', 'text-delta', 'text-delta', 'text-end', 'data-suggestions', 'finish']);
    expect(read.message?.parts.find((p) => p.type === 'text')).toMatchObject({ text: 'Ada waits. Flit flies.' });
    expect(read.message?.metadata).toEqual(metadata);
  });

  it('sends keep-alive comments only while nothing else is sent', async () => {
    const quiet = await text(toUIMessageStream(events([{ type: 'start', messageId: 'm1' }, 130, { type: 'text', delta: 'Late.' }]), { log: silent, keepAliveMs: 40 }));
    expect(quiet.split(': keep-alive\n\n').length - 1).toBeGreaterThanOrEqual(2);
    const busy = await text(
      toUIMessageStream(events([{ type: 'start', messageId: 'm1' }, 10, { type: 'text', delta: 'One. ' }, 10, { type: 'text', delta: 'Two.' }]), {
        log: silent,
        keepAliveMs: 60,
      }),
    );
    expect(busy).not.toContain('keep-alive');
  });

  it('turns a failure of the events themselves into an error part, logged, and closes the stream', async () => {
    const logged: unknown[] = [];
    const log = { error: (o: unknown) => logged.push(o) } as unknown as typeof silent;
    async function* broken(): AsyncGenerator<AnswerEvent<StreamMetadata>> {
      yield { type: 'start', messageId: 'm1' };
      throw new Error('bug');
    }
    const read = await readFolioStream(toUIMessageStream(broken(), { log, keepAliveMs: 60_000 }));
    expect(read.chunks.at(-1)).toEqual({ type: 'error', errorText: 'Something went wrong on our side. It has been logged.' });
    expect(logged).toHaveLength(1);
  });

  it('runs the events to their end after the reader leaves (the answer is stored after its last event)', async () => {
    const finished = { done: false };
    const stream = toUIMessageStream(events([{ type: 'start', messageId: 'm1' }, 30, { type: 'text', delta: 'Said.' }, 30], finished), { log: silent, keepAliveMs: 10 });
    const reader = stream.getReader();
    await reader.read();
    await reader.cancel();
    await sleep(120);
    expect(finished.done).toBe(true);
  });
});

describe('coalescingWriter', () => {
  it('writes the first text delta at once and joins the deltas of one loop turn after it', async () => {
    const written: FolioUIMessageChunk[] = [];
    const out = coalescingWriter((c) => written.push(c));
    out.write({ type: 'text-start', id: 't1' });
    out.write({ type: 'text-delta', id: 't1', delta: 'Ada waits. ' });
    // Synchronously: no setImmediate between the first words and the reader.
    expect(written).toEqual([
      { type: 'text-start', id: 't1' },
      { type: 'text-delta', id: 't1', delta: 'Ada waits. ' },
    ]);
    out.write({ type: 'text-delta', id: 't1', delta: 'Flit ' });
    out.write({ type: 'text-delta', id: 't1', delta: 'flies.' });
    expect(written).toHaveLength(2);
    await tick();
    expect(written.at(-1)).toEqual({ type: 'text-delta', id: 't1', delta: 'Flit flies.' });
    expect(written).toHaveLength(3);
  });

  it('flushes pending text before any other part, in order', () => {
    const written: FolioUIMessageChunk[] = [];
    const out = coalescingWriter((c) => written.push(c));
    out.write({ type: 'text-delta', id: 't1', delta: 'One. ' });
    out.write({ type: 'text-delta', id: 't1', delta: 'Two.' });
    out.write({ type: 'text-end', id: 't1' });
    expect(written).toEqual([
      { type: 'text-delta', id: 't1', delta: 'One. ' },
      { type: 'text-delta', id: 't1', delta: 'Two.' },
      { type: 'text-end', id: 't1' },
    ]);
  });
});

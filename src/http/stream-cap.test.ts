/** The cap on answers streaming at once (stream-cap.ts), over real HTTP: a slot lasts as long as the response body. */
import type { Server } from 'node:http';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppEnv } from './context.js';
import { errorResponse, toFolioError } from './errors.js';
import { listen } from './listen.js';
import { streamCap } from './stream-cap.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A route whose streams stay open until `end()` is called; `cap` in front of it. */
async function start(max: number) {
  const cap = streamCap(max);
  const open: Array<ReadableStreamDefaultController<Uint8Array>> = [];
  const app = new Hono<AppEnv>();
  app.post('/answer', cap, () => new Response(new ReadableStream<Uint8Array>({ start: (c) => void open.push(c) }), { headers: { 'content-type': 'text/event-stream' } }));
  app.post('/fails', cap, () => {
    throw new Error('boom');
  });
  app.onError((err, c) => errorResponse(c, toFolioError(err)));
  const server = await listen(app, { port: 0, hostname: '127.0.0.1' });
  servers.push(server);
  const { port } = server.address() as { port: number };
  const post = (path: string, signal?: AbortSignal) => fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', signal });
  const until = async (ok: () => boolean) => {
    for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(ok()).toBe(true);
  };
  return { cap, open, post, until };
}

describe('streamCap', () => {
  it('past the cap: 503 unavailable:busy with Retry-After; a slot frees when its stream ends or its client leaves', async () => {
    const { cap, open, post, until } = await start(2);
    const first = await post('/answer');
    const leaving = new AbortController();
    const second = await post('/answer', leaving.signal);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(cap.open).toBe(2);

    const refused = await post('/answer');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unavailable:busy');

    // The first answer ends: its slot is free.
    open[0]!.enqueue(new TextEncoder().encode('data: done\n\n'));
    open[0]!.close();
    expect(await first.text()).toBe('data: done\n\n');
    await until(() => cap.open === 1);
    // The second reader leaves mid-stream: its slot is free too.
    leaving.abort();
    await until(() => cap.open === 0);
    expect((await post('/answer')).status).toBe(200);
  });

  it('a request that fails gives its slot back; 0 means no cap', async () => {
    const { cap, post } = await start(1);
    expect((await post('/fails')).status).toBe(500);
    expect(cap.open).toBe(0);
    const uncapped = await start(0);
    for (let i = 0; i < 3; i++) expect((await uncapped.post('/answer')).status).toBe(200);
  });
});

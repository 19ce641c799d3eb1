/** listen(): keep-alive connections outlive the proxies' own idle timeouts (cloudflared keeps its for 90 s). */
import { Agent, request } from 'node:http';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from './context.js';
import { KEEP_ALIVE_MS, listen } from './listen.js';

describe('listen', () => {
  it('keeps an idle keep-alive connection open longer than a proxy in front keeps its own', async () => {
    const app = new Hono<AppEnv>();
    app.get('/', (c) => c.text('ok'));
    const server = await listen(app, { port: 0, hostname: '127.0.0.1' });
    try {
      expect(server.keepAliveTimeout).toBe(KEEP_ALIVE_MS);
      expect(KEEP_ALIVE_MS).toBeGreaterThan(90_000);
      // The response says so, and the same socket answers a second request.
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const { port } = server.address() as { port: number };
      const get = () =>
        new Promise<{ keepAlive: string | undefined; reused: boolean }>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
            res.resume();
            res.on('end', () => resolve({ keepAlive: res.headers['keep-alive'] as string | undefined, reused: req.reusedSocket }));
          });
          req.on('error', reject);
          req.end();
        });
      expect((await get()).keepAlive).toBe(`timeout=${KEEP_ALIVE_MS / 1000}`);
      expect((await get()).reused).toBe(true);
      agent.destroy();
    } finally {
      server.close();
    }
  });
});

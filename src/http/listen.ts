/** Serve a Hono app on node:http, with malformed requests answered in Folio's error shape. */
import { createServer, type Server } from 'node:http';
import { getRequestListener, RequestError } from '@hono/node-server';
import type { Hono } from 'hono';
import type { ErrorResponse } from '../contract/errors.js';
import type { AppEnv } from './context.js';

// Requests node-server cannot even turn into a Request (bad Host header, bad path bytes) never reach the app.
const malformed = () => Response.json({ error: { code: 'bad_request:request', message: 'Malformed request.' } } satisfies ErrorResponse, { status: 400 });

/**
 * How long an idle keep-alive connection stays open: longer than the proxies in front of Folio keep theirs
 * (cloudflared 90 s, load balancers 60 s), so a proxy never sends a request on a connection Folio is closing at
 * that moment (a reset, a 502). Node's default of 5 s loses that race, and so does a client in the same process
 * whose request waited behind a long synchronous step.
 */
export const KEEP_ALIVE_MS = 95_000;

export function listen(app: Hono<AppEnv>, opts: { port: number; hostname: string }): Promise<Server> {
  const server = createServer(
    { keepAliveTimeout: KEEP_ALIVE_MS },
    getRequestListener(app.fetch, { errorHandler: (err) => (err instanceof RequestError ? malformed() : undefined) }),
  );
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.hostname, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** A real HTTP server on a free loopback port around the Folio app, for API tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Companion } from '../src/chat/companion.js';
import type { Database } from '../src/db/client.js';
import { createApp } from '../src/http/app.js';
import type { AppDeps } from '../src/http/context.js';
import { listen } from '../src/http/listen.js';
import type { Logger } from '../src/logger.js';
import { LocalStorage } from '../src/storage/local.js';
import type { Storage } from '../src/storage/storage.js';

export interface TestServer {
  url: string;
  storage: Storage;
  mediaDir: string;
  fetch(path: string, init?: RequestInit & { token?: string; json?: unknown }): Promise<Response>;
  newReader(): Promise<string>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  mediaDir?: string;
  corsOrigins?: string[];
  storage?: Storage;
  adminToken?: string;
  jobs?: AppDeps['jobs'];
  /** Default: silent. */
  logger?: Logger;
  companion?: Companion;
  /** Device-link attempts per minute per address (default 10: one test file's links all come from 127.0.0.1). */
  linkRatePerIp?: number;
  /** FOLIO_ACCOUNTS (default on). */
  accounts?: boolean;
  /** The OpenID Connect provider (default none; test/services/oidc-provider.ts starts a real one). */
  oidc?: AppDeps['oidc'];
  /** FOLIO_PUBLIC_URL (default none: the request's own origin). */
  publicOrigin?: string | null;
}

export async function startTestServer(database: Database | null, opts: TestServerOptions = {}): Promise<TestServer> {
  const mediaDir = opts.mediaDir ?? (await mkdtemp(join(tmpdir(), 'folio-media-')));
  const storage = opts.storage ?? new LocalStorage(mediaDir);
  const app = createApp({
    logger: opts.logger ?? pino({ level: 'silent' }),
    storage,
    runtime: { database },
    corsOrigins: opts.corsOrigins ?? [],
    trustProxy: false,
    adminToken: opts.adminToken,
    jobs: opts.jobs,
    companion: opts.companion,
    linkRatePerIp: opts.linkRatePerIp,
    accounts: opts.accounts,
    oidc: opts.oidc,
    publicOrigin: opts.publicOrigin,
  });
  const server = await listen(app, { port: 0, hostname: '127.0.0.1' });
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const doFetch: TestServer['fetch'] = (path, init = {}) => {
    const { token, json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    if (json !== undefined) headers.set('content-type', 'application/json');
    return fetch(url + path, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
  };
  return {
    url,
    storage,
    mediaDir,
    fetch: doFetch,
    async newReader() {
      const res = await doFetch('/api/readers', { method: 'POST' });
      const body = (await res.json()) as { token: string };
      return body.token;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      if (!opts.mediaDir) await rm(mediaDir, { recursive: true, force: true });
    },
  };
}

export { PEPPER_CARROT } from './corpus.js';
export const SAMPLE = join(process.cwd(), 'samples', 'moth-and-lantern');

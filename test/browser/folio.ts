/**
 * A real Folio for browser tests: the app from src/http/app.ts on a loopback
 * port (node:http via @hono/node-server), an embedded PGlite database, local
 * media in a temp dir, the given packs imported, a built web reader, and the
 * companion configured through the real config contract (quote mode unless
 * the test passes other FOLIO_* variables, e.g. a fake model server's URL).
 * `withCompanion` starts a second app on the same database and media (another
 * model configuration) for tests that compare configurations.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Companion } from '../../src/chat/companion.js';
import { createCompanion } from '../../src/chat/create.js';
import { loadConfig } from '../../src/config/env.js';
import { importPack } from '../../src/content/importer.js';
import type { Database } from '../../src/db/client.js';
import { createApp } from '../../src/http/app.js';
import { listen } from '../../src/http/listen.js';
import { LocalStorage } from '../../src/storage/local.js';
import { createTestDatabase } from '../db.js';

/** Companion settings for tests: quote mode, no embeddings (fast), no rate limits, unless overridden. */
export const COMPANION_DEFAULTS: Record<string, string> = {
  FOLIO_MODEL: 'none',
  FOLIO_EMBED_MODEL: 'none',
  FOLIO_CHAT_RATE_PER_READER: '0',
  FOLIO_CHAT_RATE_PER_IP: '0',
};

export interface FolioApp {
  url: string;
  close(): Promise<void>;
}

export interface Folio {
  url: string;
  /** Another Folio app on the same database and media, with its own companion configuration. */
  withCompanion(env: Record<string, string>): Promise<FolioApp>;
  /** The app's database, for tests that must change what only time would (an expiry). */
  database: Database;
  /** JSON from the API as a given reader (bearer token). */
  api<T>(path: string, token?: string, init?: { method?: string; json?: unknown }): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export async function startFolio(opts: {
  webDir: string;
  packs: string[];
  corsOrigins?: string[];
  port?: number;
  /** FOLIO_* variables for the companion (over COMPANION_DEFAULTS). */
  companion?: Record<string, string>;
}): Promise<Folio> {
  const t = await createTestDatabase();
  const mediaDir = await mkdtemp(join(tmpdir(), 'folio-browser-media-'));
  const storage = new LocalStorage(mediaDir);
  for (const pack of opts.packs) await importPack({ database: t.database, storage }, pack);
  const logger = pino({ level: process.env.FOLIO_TEST_LOG ?? 'silent' });

  const serve = async (env: Record<string, string>, port: number): Promise<FolioApp & { companion: Companion }> => {
    const config = loadConfig({ ...COMPANION_DEFAULTS, ...env }, { cwd: mediaDir });
    const companion = createCompanion(config, logger);
    const app = createApp({
      logger,
      storage,
      runtime: { database: t.database },
      corsOrigins: opts.corsOrigins ?? [],
      trustProxy: false,
      webDir: opts.webDir,
      companion,
      // Accounts as configured (FOLIO_ACCOUNTS, FOLIO_OIDC_* among the test's variables).
      accounts: config.accounts,
      oidc: config.oidc,
    });
    const server = await listen(app, { port, hostname: '127.0.0.1' });
    const addr = server.address();
    return {
      url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
      companion,
      async close() {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await companion.close();
      },
    };
  };

  const main = await serve(opts.companion ?? {}, opts.port ?? 0);
  const extra: FolioApp[] = [];
  const url = main.url;
  return {
    url,
    database: t.database,
    async withCompanion(env) {
      const app = await serve(env, 0);
      extra.push(app);
      return app;
    },
    async api<T>(path: string, token?: string, init: { method?: string; json?: unknown } = {}) {
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      if (init.json !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(url + path, { method: init.method ?? 'GET', headers, body: init.json !== undefined ? JSON.stringify(init.json) : undefined });
      return { status: res.status, body: (await res.json()) as T };
    },
    async close() {
      for (const app of extra) await app.close();
      await main.close();
      await t.close();
      await rm(mediaDir, { recursive: true, force: true });
    },
  };
}

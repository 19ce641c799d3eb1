import type { HttpBindings } from '@hono/node-server';
import type { Companion } from '../chat/companion.js';
import type { Database } from '../db/client.js';
import type { FolioError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ReaderCredential } from '../readers/readers.js';
import type { Storage } from '../storage/storage.js';
import type { Drain } from './drain.js';

/** What the HTTP app needs. `runtime.database` is null until the database is open and migrated. */
export interface AppDeps {
  logger: Logger;
  storage: Storage;
  runtime: { database: Database | null };
  corsOrigins: string[];
  /** The origin this server is reached at (FOLIO_PUBLIC_URL): links in MCP results, the origin /mcp trusts. */
  publicOrigin?: string | null;
  /** Believe X-Forwarded-* (FOLIO_TRUST_PROXY); with how many proxies, or which platform header, for the client address (client-ip.ts). */
  trustProxy: boolean;
  proxyHops?: number;
  clientIpHeader?: string | null;
  /** New readers per minute per client address (FOLIO_READER_RATE_PER_IP); unset or 0 = no limit. */
  readerRatePerIp?: number;
  /** Device-link attempts per minute per client address (FOLIO_LINK_RATE_PER_IP); unset = 10 (routes/devices.ts). */
  linkRatePerIp?: number;
  /** Accounts (passkeys) offered (FOLIO_ACCOUNTS); unset = on. Off: readers are devices and link codes only. */
  accounts?: boolean;
  /** The community's OpenID Connect login (FOLIO_OIDC_*; routes/oidc.ts); unset or null = none. */
  oidc?: { issuer: string; clientId: string; clientSecret: string } | null;
  /** Answers streaming at once (FOLIO_MAX_STREAMS); unset or 0 = no cap. */
  maxStreams?: number;
  /** FOLIO_RETENTION_DAYS, reported in /metrics (the retention job itself runs in the worker). */
  retentionDays?: number;
  /** Operator bearer token; unset = operator API off. */
  adminToken?: string;
  /** Background jobs: wake the in-process worker after an enqueue; upload size limit. */
  jobs?: { wake(): void; maxUploadBytes: number };
  /** The built web reader; default dist/web (routes/web.ts). */
  webDir?: string;
  /** The chat companion (routes/chat.ts); unset = chat answers 503 unavailable:companion. */
  companion?: Companion;
  /** Graceful shutdown (`folio serve`): the 503 gate and the signal that ends open streams. */
  drain?: Drain;
}

export type AppEnv = {
  /** Node's request and response when served by http/listen.ts; absent for `app.request()` in tests. */
  Bindings: Partial<HttpBindings>;
  Variables: {
    requestId: string;
    log: Logger;
    /** The authenticated reader, null for an anonymous request. */
    readerId: string | null;
    /** Which of the reader's tokens, and its scopes (ADR 0028); null for an anonymous request. */
    credential: ReaderCredential | null;
    /** MCP `tools/call` requests refused by the rate limit, by JSON-RPC id (http/rate-limit.ts). */
    mcpRefusals: ReadonlyMap<string, FolioError> | undefined;
  };
};

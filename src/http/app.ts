/** The Hono app: middleware, routes, and the one error mapping. */
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { cachedCatalog } from '../catalog/catalog.js';
import { FolioError } from '../errors.js';
import { OAuthError } from '../oauth/oauth.js';
import { observeRequest } from '../observability/metrics.js';
import { routeLabel } from '../observability/route-label.js';
import { bucketsFor } from '../rate-limits/buckets.js';
import { CredentialCache } from '../readers/credential-cache.js';
import { limitBody } from './body-limit.js';
import type { AppDeps, AppEnv } from './context.js';
import { errorResponse, oauthErrorResponse, toFolioError } from './errors.js';
import { AnswerRateLimits } from './rate-limit.js';
import { readerAuth } from './reader-auth.js';
import { adminRoutes, IMPORTS_PATH } from './routes/admin.js';
import { CHAT_PATH, chatRoutes } from './routes/chat.js';
import { conversationRoutes } from './routes/conversations.js';
import { healthRoutes } from './routes/health.js';
import { MCP_PATH, mcpRoutes } from './routes/mcp.js';
import { mediaRoutes } from './routes/media.js';
import { metricsRoutes } from './routes/metrics.js';
import { oauthRoutes } from './routes/oauth.js';
import { progressRoutes } from './routes/progress.js';
import { readerRoutes } from './routes/readers.js';
import { recapRoutes } from './routes/recap.js';
import { searchRoutes } from './routes/search.js';
import { seriesRoutes } from './routes/series.js';
import { webRoutes } from './routes/web.js';
import { wikiRoutes } from './routes/wiki.js';
import { worldRoutes } from './routes/world.js';
import { securityHeaders } from './security-headers.js';
import { streamCap } from './stream-cap.js';

export const API_BODY_LIMIT = 64 * 1024;

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(
    requestId({
      // Accept a caller's id only if it is short and plain, so logs cannot be forged.
      limitLength: 64,
      generator: () => crypto.randomUUID(),
    }),
  );
  app.use(async (c, next) => {
    const started = performance.now();
    const log = deps.logger.child({ reqId: c.get('requestId') });
    c.set('log', log);
    await next();
    const ms = performance.now() - started;
    log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(ms) }, 'request');
    observeRequest(c.req.method, routeLabel(c), c.res.status, ms / 1000);
  });
  app.use(securityHeaders());
  // Shutting down: refuse new requests (503, Retry-After) while open streams finish (http/drain.ts).
  if (deps.drain) app.use(deps.drain.gate());
  if (deps.corsOrigins.length > 0) {
    const allowed = new Set(deps.corsOrigins);
    app.use(
      '/api/*',
      cors({
        origin: (origin) => (allowed.has(origin) ? origin : null),
        credentials: true,
        allowHeaders: ['Content-Type', 'Authorization'],
        // A cross-origin web app must be able to read how long to wait after a 429/503.
        exposeHeaders: ['Retry-After'],
        allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
        maxAge: 600,
      }),
    );
  }
  const apiBodyLimit = limitBody(API_BODY_LIMIT, () => {
    throw new FolioError('payload_too_large:body', `Request bodies are limited to ${API_BODY_LIMIT / 1024} KB.`);
  });
  // Archive uploads have their own, larger limit (FOLIO_MAX_UPLOAD_MB), applied after operator auth.
  // Chat requests carry the client's message list (the AI SDK transport sends it all): own, larger limit.
  // GET and HEAD skip it: no route reads their body, and asking for it would build the whole WHATWG Request
  // (@hono/node-server keeps it lazy), a tenth of a cached page turn's CPU.
  const bodiless = new Set(['GET', 'HEAD', 'OPTIONS']);
  app.use('/api/*', (c, next) => (bodiless.has(c.req.method) || c.req.path === IMPORTS_PATH || CHAT_PATH.test(c.req.path) ? next() : apiBodyLimit(c, next)));
  const catalog = cachedCatalog(deps.storage, { logger: deps.logger });
  // Reader credentials in memory follow the same change feed as the catalog's boundary keys (ADR 0041).
  const credentials = new CredentialCache({ changes: catalog.states });
  const auth = readerAuth(deps, credentials);
  app.use('/api/series', auth);
  app.use('/api/series/*', auth);
  app.use('/api/conversations/*', auth);
  // Answers streaming at once (FOLIO_MAX_STREAMS): one count for chat, recap and MCP.
  const streams = streamCap(deps.maxStreams ?? 0);
  for (const path of ['/api/series/:seriesId/chat', '/api/series/:seriesId/recap', MCP_PATH]) app.use(path, streams);

  app.route('/', healthRoutes(deps));
  // Rate-limit buckets: in the shared database on PostgreSQL (every replica counts together), else in memory.
  const buckets = bucketsFor(deps.runtime);
  app.route('/', readerRoutes(deps, buckets, credentials));
  app.route('/', adminRoutes(deps));
  app.route('/', seriesRoutes(deps, catalog));
  app.route('/', progressRoutes(deps, catalog));
  app.route('/', worldRoutes(deps));
  app.route('/', wikiRoutes(deps));
  app.route('/', searchRoutes(deps));
  // Chat, recap and MCP share the chat's limits (one bucket per reader, one per address).
  const answerLimits = deps.companion ? new AnswerRateLimits(deps.companion.deps.limits, buckets) : null;
  app.route('/', chatRoutes(deps, answerLimits));
  app.route('/', conversationRoutes(deps));
  app.route('/', recapRoutes(deps, answerLimits));
  app.route('/', mcpRoutes(deps, answerLimits));
  app.route('/', oauthRoutes(deps, buckets));
  app.route('/', mediaRoutes(deps));
  app.route('/', metricsRoutes(deps));
  app.route('/', webRoutes(deps));

  app.notFound((c) => errorResponse(c, new FolioError('not_found:route', `No route for ${c.req.method} ${c.req.path}.`)));
  app.onError((err, c) => {
    // The OAuth endpoints answer in their protocol's format (routes/oauth.ts).
    if (err instanceof OAuthError) return oauthErrorResponse(c, err);
    const fe = toFolioError(err);
    const log = c.get('log') ?? deps.logger;
    if (fe.status >= 500) log.error({ err, code: fe.code }, 'request failed');
    else log.debug({ code: fe.code, msg: fe.message }, 'request rejected');
    return errorResponse(c, fe);
  });
  return app;
}

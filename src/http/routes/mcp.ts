/**
 * `/mcp`: Folio's MCP server over Streamable HTTP (stateless: no session id;
 * every POST carries the reader token). Protocol version negotiation, Accept
 * and JSON-RPC validation are the official SDK transport's; Folio adds the
 * reader's bearer token (401 without it) and the Origin check against DNS
 * rebinding (403 for a browser origin that is neither this server nor one in
 * CORS_ORIGINS).
 */
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { endpoints } from '../../oauth/oauth.js';
import { authenticateReader } from '../../readers/readers.js';
import { missingScope } from '../../readers/scopes.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';
import { requestOrigin, trustedOrigins } from '../origin.js';
import { type AnswerRateLimits, mcpRateLimit, rpcKey } from '../rate-limit.js';

export const MCP_PATH = '/mcp';
const MAX_BODY = 256 * 1024;

const jsonRpcError = (c: Context<AppEnv>, status: 401 | 403 | 405 | 503, code: number, message: string) =>
  c.json({ jsonrpc: '2.0', error: { code, message }, id: null }, status);

/**
 * The MCP SDK (with its JSON-schema validator, ~0.5 MB) loads on the first request to /mcp, not at start-up:
 * most instances never see one, and parsing it was a fifth of the time to the first /health.
 */
let mcpModules: Promise<[typeof import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'), typeof import('../../mcp/server.js')]> | null = null;
const loadMcp = () => (mcpModules ??= Promise.all([import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'), import('../../mcp/server.js')]));

export function mcpRoutes(deps: AppDeps, limits: AnswerRateLimits | null) {
  return new Hono<AppEnv>().all(MCP_PATH, mcpGate(deps), mcpRateLimit(limits, deps, MAX_BODY), async (c) => {
    // Links in results: the configured public origin, else the one this request came to.
    const webOrigin = deps.publicOrigin ?? requestOrigin(c, deps.trustProxy);
    const [{ WebStandardStreamableHTTPServerTransport }, { createMcpServer }] = await loadMcp();
    const refusals = c.get('mcpRefusals');
    const cred = c.get('credential');
    if (!cred) return jsonRpcError(c, 401, -32001, 'Unauthorized: this reader token is unknown.');
    const server = createMcpServer(
      {
        db: requireDatabase(deps).db,
        storage: deps.storage,
        companion: deps.companion,
        webOrigin,
        // The client closing the connection (or the server shutting down) stops a tool's answer and its model request.
        signal: deps.drain?.signalFor(c.req.raw) ?? c.req.raw.signal,
        refusal: (requestId) => refusals?.get(rpcKey(requestId)) ?? null,
      },
      cred,
      c.get('log'),
    );
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true, maxRequestBodySize: MAX_BODY });
    await server.connect(transport);
    const res = await transport.handleRequest(c.req.raw);
    // JSON mode: the response is complete; the per-request server is done.
    void server.close();
    return res;
  });
}

/** Origin check, POST only, the reader's bearer token: sets `readerId` for what follows. */
function mcpGate(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // A web page's request carries its Origin: only the configured origins may talk to it (http/origin.ts). A
    // rebinding page arrives with the attacker's name as both Origin and Host, so Host proves nothing.
    const origin = c.req.header('origin');
    if (origin !== undefined && !trustedOrigins(c, deps).includes(origin)) {
      return jsonRpcError(
        c,
        403,
        -32600,
        `Origin ${origin} is not allowed to use this MCP endpoint (set FOLIO_PUBLIC_URL to this server's address, or CORS_ORIGINS to allow a web client).`,
      );
    }
    if (c.req.method !== 'POST') {
      // Stateless server: no server-initiated stream to GET, no session to DELETE.
      c.header('Allow', 'POST');
      return jsonRpcError(c, 405, -32000, 'Method not allowed: this MCP endpoint is stateless; send JSON-RPC requests with POST.');
    }
    const auth = c.req.header('authorization');
    const token = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1] : undefined;
    // The 401 names the protected-resource metadata (RFC 9728): how a client that connects by URL finds the
    // authorization server (routes/oauth.ts). Bearer tokens made by hand work as before.
    const challenge = (error: string) =>
      `Bearer realm="folio", error="${error}", resource_metadata="${endpoints(deps.publicOrigin ?? requestOrigin(c, deps.trustProxy)).resourceMetadata}"`;
    if (!token) {
      c.header('WWW-Authenticate', challenge('invalid_request'));
      return jsonRpcError(
        c,
        401,
        -32001,
        'Unauthorized: add Folio to your assistant by its URL (it signs in with OAuth), or send a token from the Connect page as "Authorization: Bearer <token>".',
      );
    }
    const database = deps.runtime.database;
    if (!database) {
      c.header('Retry-After', '1');
      return jsonRpcError(c, 503, -32002, 'Folio is starting up; try again in a moment.');
    }
    const cred = await authenticateReader(database.db, token);
    if (!cred) {
      c.header('WWW-Authenticate', challenge('invalid_token'));
      return jsonRpcError(c, 401, -32001, 'Unauthorized: this token is unknown, expired or revoked.');
    }
    // Every assistant token has `mcp:read` (migration 0011 checks it); kept as a check so the rule, not the data, decides.
    const missing = missingScope(cred, 'mcp');
    if (missing) {
      c.header('WWW-Authenticate', `Bearer realm="folio", error="insufficient_scope", scope="${missing}"`);
      return jsonRpcError(c, 403, -32001, `Forbidden: this assistant token lacks the "${missing}" scope; the reader can grant it on Folio's Connect page.`);
    }
    c.set('readerId', cred.readerId);
    c.set('credential', cred);
    await next();
  };
}

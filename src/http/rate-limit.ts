/**
 * Rate limits of the answer routes (chat, recap, MCP `ask`/`recap`), as Hono
 * middleware: token buckets per reader and per client address, shared by chat
 * and recap (FOLIO_CHAT_RATE_PER_READER / _PER_IP). Over the limit: 429
 * `rate_limit:chat` or `rate_limit:recap` with Retry-After; on MCP, the same
 * error as the tool's result (an assistant relays a tool error, not a
 * transport error). The buckets are shared by every replica on PostgreSQL (rate-limits/).
 */
import type { MiddlewareHandler } from 'hono';
import { FolioError } from '../errors.js';
import { MemoryBuckets, type RateBuckets } from '../rate-limits/buckets.js';
import { clientIp, type ProxyTrust } from './client-ip.js';
import type { AppEnv } from './context.js';

export type RateKind = 'chat' | 'recap';

/** The chat limits (config `chat`): requests per minute per reader and per client address; 0 = no limit. */
export class AnswerRateLimits {
  constructor(
    private readonly limits: { ratePerReader: number; ratePerIp: number },
    private readonly buckets: RateBuckets = new MemoryBuckets(),
  ) {}

  /** Take a token from both buckets (reader, then address); the error to answer with when one is empty. */
  async take(kind: RateKind, readerId: string, ip: string): Promise<FolioError | null> {
    for (const [key, perMinute, who] of [
      [`answer:reader:${readerId}`, this.limits.ratePerReader, 'reader'],
      [`answer:ip:${ip}`, this.limits.ratePerIp, 'address'],
    ] as const) {
      const r = await this.buckets.take(key, perMinute);
      if (!r.ok) {
        const what = kind === 'chat' ? 'questions' : 'recaps';
        return new FolioError(kind === 'chat' ? 'rate_limit:chat' : 'rate_limit:recap', `Too many ${what} from this ${who} for now. Try again in ${r.retryAfterS} s.`, {
          retryAfter: r.retryAfterS,
        });
      }
    }
    return null;
  }
}

/**
 * For a reader route (after reader auth): one token per request, 429 when refused. A request without a
 * reader passes (the route answers 401); so does every request when `limits` is null (no companion: 503).
 */
export function rateLimit(limits: AnswerRateLimits | null, kind: RateKind, proxy: ProxyTrust): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const readerId = c.get('readerId');
    if (limits && readerId) {
      const refused = await limits.take(kind, readerId, clientIp(c, proxy));
      if (refused) throw refused;
    }
    await next();
  };
}

/** MCP tools that answer through the companion, and the limit each counts against. */
const LIMITED_TOOLS = new Map<string, RateKind>([
  ['ask', 'chat'],
  ['recap', 'recap'],
]);

/** The key of a JSON-RPC request id in `mcpRefusals`. */
export const rpcKey = (id: unknown): string => `${typeof id}:${String(id)}`;

/**
 * For the MCP endpoint (after its bearer auth): one token per `tools/call` of `ask` or `recap` in the
 * JSON-RPC body (other calls are free). A refusal does not end the request: it is left in
 * `mcpRefusals` under the call's id, and the tool answers with it (mcp/tools.ts).
 */
export function mcpRateLimit(limits: AnswerRateLimits | null, proxy: ProxyTrust, maxBody: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const readerId = c.get('readerId');
    if (limits && readerId && c.req.method === 'POST') {
      const body = await peekJson(c.req.raw, maxBody);
      const refusals = new Map<string, FolioError>();
      for (const m of Array.isArray(body) ? body : [body]) {
        const call = m as { method?: unknown; id?: unknown; params?: { name?: unknown } } | null;
        if (call?.method !== 'tools/call' || call.id === undefined || typeof call.params?.name !== 'string') continue;
        const kind = LIMITED_TOOLS.get(call.params.name);
        if (!kind) continue;
        const refused = await limits.take(kind, readerId, clientIp(c, proxy));
        if (refused) refusals.set(rpcKey(call.id), refused);
      }
      c.set('mcpRefusals', refusals);
    }
    await next();
  };
}

/** The request's JSON body, read from a copy (the transport reads the original); null when unreadable or over `max` bytes. */
async function peekJson(req: Request, max: number): Promise<unknown> {
  const declared = Number(req.headers.get('content-length') ?? 0);
  if (declared > max) return null;
  const body = req.clone().body;
  if (!body) return null;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      // Not awaited: a tee'd branch's cancel settles only once the other branch (the transport's) is done too.
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return null;
  }
}

/**
 * Fake model servers for tests and benches: real HTTP servers on a loopback
 * port speaking the real wire formats (Ollama NDJSON, OpenAI-compatible SSE,
 * Anthropic SSE), so the real AI SDK client code runs against them. Each
 * records every request it received (the prompt can be inspected) and can be
 * switched between behaviours: an honest model that answers from the passages
 * in its prompt, a spoiling model that "knows" the whole public story, and
 * faulty ones (refused, 401, hang, cut mid-stream, malformed frames, slow).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type Fault =
  | 'none'
  /** The connection is closed before any response (connection failure). */
  | 'refuse'
  | 'refuse-once'
  | 'unauthorized'
  /** Accepts the request and never answers. */
  | 'hang'
  | 'hang-once'
  | 'server-error'
  | 'server-error-once'
  /** 429: the provider is busy. */
  | 'rate-limited'
  /** Some tokens, then the connection drops. */
  | 'cut'
  /** Some tokens, then silence (connection kept open). */
  | 'stall'
  /** 200 with frames that are not the wire format. */
  | 'malformed';

export type Persona = 'honest' | 'spoiling' | 'echo' | 'fixed';

export interface Behaviour {
  persona: Persona;
  /** Answer for `fixed`. */
  text: string;
  fault: Fault;
  /** Delay before the first token. */
  ttftMs: number;
  /** 0 = as fast as possible. */
  tokensPerSecond: number;
  /** Characters per streamed token (small values split names across frames). */
  tokenChars: number;
  /** Structured-output answer (follow-up suggestions); default depends on the persona. */
  suggestions: string[] | null;
  /** Required key (Authorization: Bearer / x-api-key); null = any. */
  apiKey: string | null;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** The client went away before the response finished. */
  aborted: boolean;
  finished: boolean;
}

/** What the spoiling model says, whatever it is asked: later names and events of Pepper&Carrot. */
export const SPOILER_TEXT =
  "Yes, she wins! Later Coriander becomes queen of Qualicity [27/1]. Torreya, Shichimi's partner, is a dragon rider of Ah. " +
  'In episode 28 there is a coronation; in episode 36 Pepper demands that Arra transfer Rea. Spelled out: T-o-r-r-e-y-a, C o r i a n d e r. ' +
  "The Temples of Ah hide Zombiah. Cayenne, Thyme and Cumin are her godmothers, and Truffel is Saffron's cat [22/8].";

export const SPOILER_SUGGESTIONS = ['Does Coriander become queen of Qualicity?', 'Who is Torreya?', 'What happens in episode 28?', 'Is Truffel a cat?'];
export const HONEST_SUGGESTIONS = ['What is Pepper brewing?', 'Who is Torreya?', 'Where is the story set?', 'What does this page show?'];

export const DEFAULT_BEHAVIOUR: Behaviour = {
  persona: 'honest',
  text: 'Hello from the fake model.',
  fault: 'none',
  ttftMs: 0,
  tokensPerSecond: 0,
  tokenChars: 4,
  suggestions: null,
  apiKey: null,
};

/** The prompt the client sent, as one text (system + messages), for any wire format. */
export function promptText(body: unknown): string {
  const b = body as { system?: unknown; messages?: Array<{ content?: unknown }> };
  const parts: string[] = [];
  const text = (c: unknown): string =>
    typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => (typeof p === 'object' && p && 'text' in p ? String((p as { text: unknown }).text) : '')).join('\n') : '';
  if (b?.system !== undefined) parts.push(text(b.system));
  for (const m of b?.messages ?? []) parts.push(text(m.content));
  return parts.join('\n');
}

export interface PromptPassage {
  id: string;
  episode: number;
  page: number;
  text: string;
}

/** Passages as Folio labels them in a prompt: `<passage id="…" episode="E" page="P" …>text</passage>`. */
export function promptPassages(prompt: string): PromptPassage[] {
  const out: PromptPassage[] = [];
  for (const m of prompt.matchAll(/<passage id="([^"]+)" episode="(\d+)" page="(\d+)"[^>]*>([\s\S]*?)<\/passage>/g)) {
    out.push({ id: m[1]!, episode: Number(m[2]), page: Number(m[3]), text: m[4]!.trim() });
  }
  return out;
}

/** The last user message of a chat request (the question, with Folio's passages around it). */
function lastUser(body: unknown): string {
  const msgs = (body as { messages?: Array<{ role?: string; content?: unknown }> })?.messages ?? [];
  const last = [...msgs].reverse().find((m) => m.role === 'user');
  return last ? promptText({ messages: [last] }) : '';
}

export function answerFor(b: Behaviour, body: unknown): string {
  switch (b.persona) {
    case 'fixed':
      return b.text;
    case 'spoiling':
      return SPOILER_TEXT;
    case 'echo':
      return (
        lastUser(body)
          .replace(/<passage[\s\S]*?<\/passage>/g, '')
          .trim() || '(nothing)'
      );
    case 'honest': {
      const passages = promptPassages(lastUser(body));
      const first = passages[0];
      if (!first) return "The pages you've read don't say.";
      const line = first.text.split('\n').find((l) => l.trim().length > 3) ?? first.text;
      // Cut at a word boundary: half a name ("the Keepe") is a word no page has, which the guard rightly withholds.
      const quoted =
        line.trim().length <= 160
          ? line.trim()
          : line
              .trim()
              .slice(0, 160)
              .replace(/\s+\S*$/, '');
      return `From what you've read: "${quoted}" [${first.episode}/${first.page}]`;
    }
  }
}

export function suggestionsFor(b: Behaviour): string[] {
  return b.suggestions ?? (b.persona === 'spoiling' ? SPOILER_SUGGESTIONS : HONEST_SUGGESTIONS);
}

export function tokens(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Deterministic bag-of-words vectors (feature hashing), so similar texts are near each other. */
export function fakeEmbedding(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const w of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let h = 2166136261;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
    v[Math.abs(h) % dims]! += 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One streamed answer, written in a wire format by `frame`. */
export interface Wire {
  /** Route one request; return false for 404. */
  route(req: IncomingMessage, body: unknown, res: ServerResponse, ctx: StreamContext): Promise<boolean>;
}

export interface StreamContext {
  behaviour: Behaviour;
  /** Apply the fault and pacing, calling `write` per token. Resolves false when the connection went away. */
  stream(res: ServerResponse, text: string, write: (token: string, index: number) => void): Promise<boolean>;
  /** The faults that happen before any response; returns true when handled (the caller must stop). */
  preflight(req: IncomingMessage, res: ServerResponse, auth: string | undefined, errorBody: (status: number, message: string) => unknown): Promise<boolean>;
}

export interface FakeModelServer {
  /** http://127.0.0.1:PORT (no path). */
  readonly url: string;
  readonly requests: RecordedRequest[];
  behaviour: Behaviour;
  set(b: Partial<Behaviour>): void;
  /** Back to the honest default and no recorded requests. */
  reset(): void;
  /** Chat requests only (not tags, embeddings or warm-ups). */
  chatRequests(): RecordedRequest[];
  close(): Promise<void>;
}

/** Upstream error text that must never reach a reader. */
export const UPSTREAM_SECRET_TEXT = 'UPSTREAM-DETAIL invalid key sk-live-SECRET';

export async function startModelServer(wire: Wire, opts: { isChat: (path: string) => boolean }): Promise<FakeModelServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const onceUsed = new Set<Fault>();
  let behaviour: Behaviour = { ...DEFAULT_BEHAVIOUR };

  const ctx: StreamContext = {
    get behaviour() {
      return behaviour;
    },
    async preflight(req, res, auth, errorBody) {
      const b = behaviour;
      if (b.apiKey !== null && auth !== b.apiKey) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify(errorBody(401, UPSTREAM_SECRET_TEXT)));
        return true;
      }
      const once = (f: Fault) => {
        if (onceUsed.has(f)) return false;
        onceUsed.add(f);
        return true;
      };
      switch (b.fault) {
        case 'unauthorized':
          res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify(errorBody(401, UPSTREAM_SECRET_TEXT)));
          return true;
        case 'refuse':
          req.socket.destroy();
          return true;
        case 'refuse-once':
          if (once('refuse-once')) {
            req.socket.destroy();
            return true;
          }
          return false;
        case 'hang':
          return new Promise<boolean>((resolve) => res.on('close', () => resolve(true)));
        case 'hang-once':
          if (once('hang-once')) return new Promise<boolean>((resolve) => res.on('close', () => resolve(true)));
          return false;
        case 'server-error':
          res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify(errorBody(503, UPSTREAM_SECRET_TEXT)));
          return true;
        case 'rate-limited':
          res.writeHead(429, { 'content-type': 'application/json' }).end(JSON.stringify(errorBody(429, UPSTREAM_SECRET_TEXT)));
          return true;
        case 'server-error-once':
          if (once('server-error-once')) {
            res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify(errorBody(503, UPSTREAM_SECRET_TEXT)));
            return true;
          }
          return false;
        default:
          return false;
      }
    },
    async stream(res, text, write) {
      const b = behaviour;
      if (b.fault === 'malformed') {
        res.write('{this is not a frame\n\ndata: {"broken": \n\n');
        await sleep(5);
        res.end('garbage\n');
        // Ended here: the wire must not write its closing frames.
        return false;
      }
      let gone = false;
      res.on('close', () => {
        gone = !res.writableFinished;
      });
      if (b.ttftMs > 0) await sleep(b.ttftMs);
      const toks = tokens(text, b.tokenChars);
      const interval = b.tokensPerSecond > 0 ? 1000 / b.tokensPerSecond : 0;
      const started = performance.now();
      for (let i = 0; i < toks.length; i++) {
        if (gone || res.destroyed) return false;
        if ((b.fault === 'cut' || b.fault === 'stall') && i === 3) {
          if (b.fault === 'cut') {
            // Let the tokens already written reach the client, then drop the connection.
            await sleep(30);
            res.socket?.destroy();
          } else await new Promise<void>((resolve) => res.on('close', () => resolve()));
          return false;
        }
        write(toks[i]!, i);
        if (interval > 0) {
          const due = started + interval * (i + 1);
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
        }
      }
      return !gone;
    },
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown = null;
      const raw = Buffer.concat(chunks).toString('utf8');
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = raw;
      }
      const rec: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body, aborted: false, finished: false };
      requests.push(rec);
      res.on('close', () => {
        if (!res.writableFinished) rec.aborted = true;
      });
      res.on('finish', () => {
        rec.finished = true;
      });
      // Control routes for a fake running in another process (benches): not part of any wire format.
      if (rec.path.startsWith('/__fake/')) {
        requests.pop();
        if (rec.path === '/__fake/behaviour' && req.method === 'POST') {
          behaviour = { ...DEFAULT_BEHAVIOUR, ...(body as Partial<Behaviour>) };
          onceUsed.clear();
          writeJson(res, 200, behaviour);
        } else if (rec.path === '/__fake/stats') {
          writeJson(res, 200, { requests: requests.length, chat: requests.filter((r) => opts.isChat(r.path)).length, aborted: requests.filter((r) => r.aborted).length });
        } else writeJson(res, 404, { error: 'unknown control route' });
        return;
      }
      wire
        .route(req, body, res, ctx)
        .then((handled) => {
          if (!handled && !res.headersSent) res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        })
        .catch(() => res.destroy());
    });
  });
  // Like Ollama (Go's net/http, no idle timeout): connections stay open for the client to reuse. Node's own
  // default sends `Keep-Alive: timeout=5`, which undici reads as "close after 4 s" and a 1 s value as "never reuse".
  server.keepAliveTimeout = 0;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;

  return {
    url,
    requests,
    get behaviour() {
      return behaviour;
    },
    set behaviour(b: Behaviour) {
      behaviour = b;
    },
    set(b) {
      behaviour = { ...behaviour, ...b };
      onceUsed.clear();
    },
    reset() {
      behaviour = { ...DEFAULT_BEHAVIOUR };
      onceUsed.clear();
      requests.length = 0;
    },
    chatRequests: () =>
      requests.filter(
        (r) =>
          opts.isChat(r.path) &&
          r.body !== null &&
          typeof r.body === 'object' &&
          Array.isArray((r.body as { messages?: unknown }).messages) &&
          (r.body as { messages: unknown[] }).messages.length > 0,
      ),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Every text a test must check: streamed answer, JSON bodies, anything. */
export function writeJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

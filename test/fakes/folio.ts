/**
 * Folio's real HTTP app with the companion, on a free loopback port, configured
 * through the real config contract (env overrides), talking to fake model
 * servers. Plus a reader for the AI SDK UI-message stream it answers with.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Companion } from '../../src/chat/companion.js';
import { createCompanion } from '../../src/chat/create.js';
import { loadConfig } from '../../src/config/env.js';
import type { Citation, ErrorResponse, FolioUIMessage, FolioUIMessageChunk, GuardData, MessageMetadata, StatusData, StreamError } from '../../src/contract/index.js';
import { answerParts, readFolioStream, statusesOf } from '../../src/contract/read-stream.js';
import type { Database } from '../../src/db/client.js';
import { createApp } from '../../src/http/app.js';
import { listen } from '../../src/http/listen.js';
import { LocalStorage } from '../../src/storage/local.js';

export interface CompanionServer {
  url: string;
  storage: LocalStorage;
  companion: Companion;
  fetch(path: string, init?: RequestInit & { token?: string; json?: unknown }): Promise<Response>;
  newReader(): Promise<string>;
  /** Move the reader (skip-ahead confirmed). */
  moveTo(token: string, seriesId: string, at: { episode: number; page: number }): Promise<void>;
  resetTo(token: string, seriesId: string, at: { episode: number; page: number }): Promise<void>;
  /** Ask through the chat route; the whole stream, parsed. */
  ask(token: string, seriesId: string, question: string, opts?: AskOptions): Promise<ChatResult>;
  close(): Promise<void>;
}

export interface AskOptions {
  conversationId?: string;
  messageId?: string;
  trigger?: 'submit-message' | 'regenerate-message';
  /** Extra (untrusted) history the client claims. */
  history?: Array<{ role: 'user' | 'assistant'; text: string }>;
  viewing?: Array<{ episode: number; page: number }>;
  extraBody?: Record<string, unknown>;
  signal?: AbortSignal;
}

export interface ChatResult {
  status: number;
  headers: Headers;
  /** Raw response text (SSE). */
  raw: string;
  chunks: FolioUIMessageChunk[];
  /** The assistant message as the AI SDK client assembles it. */
  message: FolioUIMessage | null;
  /** All text parts joined. */
  text: string;
  citations: Citation[];
  suggestions: string[];
  errors: StreamError[];
  errorTexts: string[];
  statuses: StatusData[];
  guard: GuardData | null;
  metadata: MessageMetadata | null;
  /** Keep-alive comments seen. */
  heartbeats: number;
  /** JSON error body when the request was refused before streaming. */
  errorBody: ErrorResponse | null;
}

let chatCounter = 0;

/** A chat or recap response, folded with the AI SDK's own stream reader (src/contract/read-stream.ts). */
export async function parseChatResponse(res: Response): Promise<ChatResult> {
  const raw = await res.text();
  const base = { status: res.status, headers: res.headers, raw, heartbeats: raw.split('\n').filter((l) => l.startsWith(':')).length };
  if (!res.headers.get('content-type')?.includes('text/event-stream')) {
    const empty = { chunks: [], message: null, text: '', citations: [], suggestions: [], errors: [], errorTexts: [], statuses: [], guard: null, metadata: null };
    return { ...base, ...empty, errorBody: JSON.parse(raw) as ErrorResponse };
  }
  const { message, chunks, errorTexts } = await readFolioStream(raw);
  const a = answerParts(message);
  return {
    ...base,
    chunks,
    message: message ?? null,
    text: a.text,
    citations: a.citations,
    suggestions: a.suggestions,
    errors: a.error ? [a.error] : [],
    errorTexts,
    statuses: statusesOf(chunks),
    guard: a.guard,
    metadata: a.metadata,
    errorBody: null,
  };
}

export async function startCompanionServer(database: Database | null, env: Record<string, string> = {}): Promise<CompanionServer> {
  const mediaDir = await mkdtemp(join(tmpdir(), 'folio-media-'));
  const storage = new LocalStorage(mediaDir);
  const logger = pino({ level: process.env.FOLIO_TEST_LOG ?? 'silent' });
  const config = loadConfig({ FOLIO_MODEL: 'none', FOLIO_EMBED_MODEL: 'none', FOLIO_CHAT_RATE_PER_READER: '0', FOLIO_CHAT_RATE_PER_IP: '0', ...env }, { cwd: mediaDir });
  const companion = createCompanion(config, logger);
  const app = createApp({
    logger,
    storage,
    runtime: { database },
    corsOrigins: [],
    trustProxy: config.trustProxy,
    companion,
    maxStreams: config.maxStreams,
    adminToken: config.adminToken,
  });
  const server = await listen(app, { port: 0, hostname: '127.0.0.1' });
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const doFetch: CompanionServer['fetch'] = (path, init = {}) => {
    const { token, json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    if (json !== undefined) headers.set('content-type', 'application/json');
    return fetch(url + path, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
  };
  const move = async (path: string, token: string, body: unknown) => {
    const res = await doFetch(path, { method: 'POST', token, json: body });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    await res.body?.cancel();
  };
  return {
    url,
    storage,
    companion,
    fetch: doFetch,
    async newReader() {
      const res = await doFetch('/api/readers', { method: 'POST' });
      return ((await res.json()) as { token: string }).token;
    },
    moveTo: (token, seriesId, at) => move(`/api/series/${seriesId}/progress`, token, { ...at, confirmSkip: true }),
    resetTo: (token, seriesId, at) => move(`/api/series/${seriesId}/progress/reset`, token, at),
    async ask(token, seriesId, question, opts = {}) {
      const history = (opts.history ?? []).map((h, i) => ({ id: `h${i}`, role: h.role, parts: [{ type: 'text', text: h.text }] }));
      const body = {
        id: opts.conversationId ?? `chat-${++chatCounter}-${Date.now()}`,
        messages: [...history, { id: opts.messageId ?? `u-${++chatCounter}`, role: 'user', parts: [{ type: 'text', text: question }] }],
        trigger: opts.trigger ?? 'submit-message',
        ...(opts.viewing ? { viewing: opts.viewing } : {}),
        ...opts.extraBody,
      };
      const res = await doFetch(`/api/series/${seriesId}/chat`, { method: 'POST', token, json: body, signal: opts.signal });
      return parseChatResponse(res);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await companion.close();
      await rm(mediaDir, { recursive: true, force: true });
    },
  };
}

/**
 * Readers reading through a balancer, for the replicas test and bench: each reader opens the episode it is
 * in, moves its position forward a page, reads its position back (it must be at least what it just wrote,
 * whichever replica answers) and, every `chatEveryMs`, asks the companion a question and reads the answer
 * stream to its end. Every request counts: a failure is a non-2xx answer, a network error, a position read
 * back older than the one written, or an answer stream that does not end with its `finish` part.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EpisodeDetail, SeriesDetail } from '../../src/contract/api.js';
import { answerParts, readFolioStream } from '../../src/contract/read-stream.js';

export interface LoadStats {
  sent: number;
  failed: number;
  chatsSent: number;
  chatsCompleted: number;
  /** ms of every successful non-chat request. */
  latencies: number[];
  /** ms from sending a question to the end of its answer. */
  chatMs: number[];
  /** The first failures, described. */
  failures: string[];
  /** Requests answered per replica (HAProxy's X-Folio-Replica). */
  byReplica: Record<string, number>;
}

export interface ReaderLoad {
  stats: LoadStats;
  /** Stop the readers after their current request; resolves with the final figures. */
  stop(): Promise<LoadStats>;
}

export interface LoadOptions {
  url: string;
  seriesId: string;
  readers: number;
  /** Each reader asks at most one question per this many ms (the per-reader chat limit must allow it). */
  chatEveryMs: number;
  /** Pause between a reader's requests. */
  thinkMs?: number;
  question?: string;
}

/** A new reader through the balancer. */
export async function createReader(url: string): Promise<string> {
  const res = await fetch(`${url}/api/readers`, { method: 'POST' });
  const body = (await res.json()) as { token?: string };
  if (res.status !== 201 || !body.token) throw new Error(`POST /api/readers: ${res.status} ${JSON.stringify(body)}`);
  return body.token;
}

/** One chat turn; resolves with a failure description, or null when the answer streamed to its `finish`. */
export async function chatOnce(
  url: string,
  token: string,
  seriesId: string,
  question: string,
  conversation: string,
): Promise<{ status: number; error: string | null; replica: string | null }> {
  const res = await fetch(`${url}/api/series/${seriesId}/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: conversation, messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: question }] }] }),
  });
  const replica = res.headers.get('x-folio-replica');
  if (res.status !== 200 || !res.body) {
    const text = await res.text();
    return { status: res.status, error: `chat: HTTP ${res.status} ${text.slice(0, 200)}`, replica };
  }
  const { message, chunks, errorTexts } = await readFolioStream(res.body);
  const a = answerParts(message);
  if (a.error) return { status: 200, error: `chat: ${a.error.code}: ${a.error.message}`, replica };
  if (errorTexts.length > 0) return { status: 200, error: `chat: ${errorTexts[0]}`, replica };
  if (!chunks.some((c) => c.type === 'finish')) return { status: 200, error: 'chat: the stream ended without its finish part', replica };
  if (!a.text) return { status: 200, error: 'chat: no answer text', replica };
  return { status: 200, error: null, replica };
}

export async function startReaderLoad(opts: LoadOptions): Promise<ReaderLoad> {
  const stats: LoadStats = { sent: 0, failed: 0, chatsSent: 0, chatsCompleted: 0, latencies: [], chatMs: [], failures: [], byReplica: {} };
  const fail = (what: string) => {
    stats.failed++;
    if (stats.failures.length < 20) stats.failures.push(what);
  };
  const tokens = await Promise.all(Array.from({ length: opts.readers }, () => createReader(opts.url)));
  // The page numbers of each episode (a reader may stand on any of them).
  const auth0 = { authorization: `Bearer ${tokens[0]}` };
  const detail = (await (await fetch(`${opts.url}/api/series/${opts.seriesId}`, { headers: auth0 })).json()) as SeriesDetail;
  const pages: number[][] = [];
  for (const e of detail.episodes) {
    const ep = (await (await fetch(`${opts.url}/api/series/${opts.seriesId}/episodes/${e.number}`, { headers: auth0 })).json()) as EpisodeDetail;
    pages.push(ep.pages.map((p) => p.number).sort((a, b) => a - b));
  }
  let stopped = false;

  /** One request through the balancer; the parsed body on success, undefined on failure (counted). */
  const request = async <T>(token: string, method: string, path: string, body?: unknown): Promise<T | undefined> => {
    stats.sent++;
    const t0 = performance.now();
    try {
      const res = await fetch(opts.url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      const replica = res.headers.get('x-folio-replica') ?? '?';
      stats.byReplica[replica] = (stats.byReplica[replica] ?? 0) + 1;
      if (res.status < 200 || res.status > 299) {
        fail(`${method} ${path}: HTTP ${res.status} from ${replica}: ${text.slice(0, 200)}`);
        return undefined;
      }
      stats.latencies.push(performance.now() - t0);
      return JSON.parse(text) as T;
    } catch (err) {
      fail(`${method} ${path}: ${String((err as Error).cause ?? err)}`);
      return undefined;
    }
  };

  const reader = async (token: string, index: number) => {
    let episode = 1;
    let at = 0;
    let page = pages[0]![0]!;
    // The first questions spread over the first ten seconds (or the interval, if shorter).
    let lastChat = performance.now() - opts.chatEveryMs + (index * Math.min(opts.chatEveryMs, 10_000)) / opts.readers;
    let turn = 0;
    while (!stopped) {
      await request<EpisodeDetail>(token, 'GET', `/api/series/${opts.seriesId}/episodes/${episode}`);
      if (stopped) break;
      const wrote = await request<{ episode: number; page: number }>(token, 'POST', `/api/series/${opts.seriesId}/progress`, { episode, page, confirmSkip: true });
      if (stopped) break;
      const read = await request<{ episode: number | null; page: number | null }>(token, 'GET', `/api/series/${opts.seriesId}/progress`);
      if (wrote && read && ((read.episode ?? 0) < episode || ((read.episode ?? 0) === episode && (read.page ?? 0) < page))) {
        fail(`reader ${index}: wrote ${episode}/${page}, read back ${read.episode}/${read.page}`);
      }
      if (at + 1 < pages[episode - 1]!.length) at++;
      else if (episode < pages.length) {
        episode++;
        at = 0;
      }
      page = pages[episode - 1]![at]!;
      if (!stopped && performance.now() - lastChat >= opts.chatEveryMs) {
        lastChat = performance.now();
        stats.chatsSent++;
        stats.sent++;
        const t0 = performance.now();
        try {
          const r = await chatOnce(opts.url, token, opts.seriesId, opts.question ?? 'Where is Ada?', `load-${index}-${++turn}-${Date.now()}`);
          if (r.replica) stats.byReplica[r.replica] = (stats.byReplica[r.replica] ?? 0) + 1;
          if (r.error) fail(`reader ${index} via ${r.replica ?? '?'}: ${r.error}`);
          else {
            stats.chatsCompleted++;
            stats.chatMs.push(performance.now() - t0);
          }
        } catch (err) {
          fail(`reader ${index} chat: ${String((err as Error).cause ?? err)}`);
        }
      }
      if (opts.thinkMs) await sleep(opts.thinkMs);
    }
  };
  const running = Promise.all(tokens.map((t, i) => reader(t, i)));
  return {
    stats,
    async stop() {
      stopped = true;
      await running;
      return stats;
    },
  };
}

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

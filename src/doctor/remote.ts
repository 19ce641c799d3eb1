/**
 * `folio doctor --url`: a deployment seen from outside, as a reader would use
 * it — `/health`, `/ready`, a new reader and `GET /api/series`, then a chat
 * round trip on the first page of the first series (quote mode counts: it is
 * an answer). This is the deploy workflow's smoke check. It creates one
 * anonymous reader and one conversation on the target.
 */
import type { ErrorResponse, Library, MessageMetadata } from '../contract/index.js';
import { answerParts, readFolioStream } from '../contract/read-stream.js';
import { type CheckResult, fail, pass, reason, skip, warn } from './types.js';

const QUESTION = 'What happens on this page?';

export interface RemoteOptions {
  /** Per request (the chat: for the whole answer). */
  timeoutMs?: number;
  chatTimeoutMs?: number;
}

interface Answer {
  text: string;
  errors: Array<{ code: string; message: string }>;
  metadata: MessageMetadata | null;
}

/** The UI-message stream of a chat answer, folded as the web app folds it (AI SDK readUIMessageStream). */
export async function parseAnswer(sse: string): Promise<Answer> {
  const { message, errorTexts } = await readFolioStream(sse);
  const a = answerParts(message);
  const errors = a.error ? [a.error] : errorTexts.slice(0, 1).map((text) => ({ code: 'error', message: text }));
  return { text: a.text, errors, metadata: a.metadata };
}

const errorCode = (body: unknown): string => {
  const e = (body as Partial<ErrorResponse> | null)?.error;
  return e?.code ? `${e.code}: ${e.message ?? ''}` : JSON.stringify(body).slice(0, 120);
};

export async function checkRemote(url: string, opts: RemoteOptions = {}): Promise<CheckResult[]> {
  const base = url.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const results: CheckResult[] = [];
  const rest = (why: string, ...layers: string[]) => {
    for (const l of layers) results.push(skip(l, why));
  };
  const call = async (path: string, init: RequestInit & { token?: string; json?: unknown; timeout?: number } = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    if (init.json !== undefined) headers.set('content-type', 'application/json');
    const started = performance.now();
    const res = await fetch(base + path, {
      ...init,
      headers,
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
      signal: AbortSignal.timeout(init.timeout ?? timeoutMs),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* SSE or HTML */
    }
    return { status: res.status, body, text, ms: Math.round(performance.now() - started) };
  };

  // 1. The process answers.
  try {
    const r = await call('/health');
    if (r.status !== 200) {
      results.push(fail('health', `${base}/health answered ${r.status}`, 'check that the URL points at Folio (not a proxy error page) and look at the server logs.'));
      rest('the server is not healthy', 'ready', 'reader-api', 'chat');
      return results;
    }
    results.push(pass('health', `${base}/health answered 200 in ${r.ms} ms`));
  } catch (err) {
    results.push(
      fail('health', `cannot reach ${base}: ${reason(err)}`, 'check the URL and that Folio runs there; a machine scaled to zero takes a few seconds to start: retry.'),
    );
    rest('the server is not reachable', 'ready', 'reader-api', 'chat');
    return results;
  }

  // 2. Its database.
  try {
    const r = await call('/ready');
    if (r.status !== 200) {
      results.push(
        fail(
          'ready',
          `${base}/ready answered ${r.status} (${errorCode(r.body)})`,
          'the server cannot use its database yet: run `folio doctor` on the server (it names the broken layer).',
        ),
      );
      rest('the server is not ready', 'reader-api', 'chat');
      return results;
    }
    results.push(pass('ready', `ready, database: ${(r.body as { database?: string }).database ?? 'unknown'}`));
  } catch (err) {
    results.push(fail('ready', `${base}/ready: ${reason(err)}`, 'retry, then look at the server logs.'));
    rest('the server is not ready', 'reader-api', 'chat');
    return results;
  }

  // 3. The reader API.
  let token: string;
  let series: Array<{ id: string; title: string }>;
  try {
    const created = await call('/api/readers', { method: 'POST' });
    token = (created.body as { token?: string }).token ?? '';
    if (created.status !== 201 || !token) throw new Error(`POST /api/readers answered ${created.status} (${errorCode(created.body)})`);
    const list = await call('/api/series', { token });
    if (list.status !== 200) throw new Error(`GET /api/series answered ${list.status} (${errorCode(list.body)})`);
    series = (list.body as Library).series;
    results.push(
      pass(
        'reader-api',
        `new reader, GET /api/series: ${series.length} series${
          series[0]
            ? ` (${series
                .map((s) => s.id)
                .slice(0, 5)
                .join(', ')})`
            : ''
        }`,
      ),
    );
  } catch (err) {
    results.push(fail('reader-api', reason(err), 'look at the server logs for this request (the error code says where it failed).'));
    rest('the reader API failed', 'chat');
    return results;
  }

  // 4. A chat round trip on the first page of the first series.
  const first = series[0];
  if (!first) {
    results.push(
      warn('chat', 'no series is imported, so there is nothing to ask about', 'import one (`folio import <pack>` or POST /api/admin/imports), then run the check again.'),
    );
    return results;
  }
  try {
    const detail = await call(`/api/series/${encodeURIComponent(first.id)}`, { token });
    const episode = (detail.body as { episodes?: Array<{ number: number }> }).episodes?.[0]?.number;
    if (detail.status !== 200 || episode === undefined) throw new Error(`GET /api/series/${first.id} answered ${detail.status} (${errorCode(detail.body)})`);
    const pages = await call(`/api/series/${encodeURIComponent(first.id)}/episodes/${episode}`, { token });
    const page = (pages.body as { pages?: Array<{ number: number }> }).pages?.[0]?.number;
    if (pages.status !== 200 || page === undefined)
      throw new Error(`GET /api/series/${first.id}/episodes/${episode} answered ${pages.status} (${errorCode(pages.body)})`);
    const moved = await call(`/api/series/${encodeURIComponent(first.id)}/progress`, { method: 'POST', token, json: { episode, page } });
    if (moved.status !== 200) throw new Error(`moving to episode ${episode}, page ${page} answered ${moved.status} (${errorCode(moved.body)})`);
    const chat = await call(`/api/series/${encodeURIComponent(first.id)}/chat`, {
      method: 'POST',
      token,
      json: { id: `doctor-${Date.now().toString(36)}`, messages: [{ id: 'doctor-q', role: 'user', parts: [{ type: 'text', text: QUESTION }] }] },
      timeout: opts.chatTimeoutMs ?? 120_000,
    });
    if (chat.status !== 200) throw new Error(`the chat answered ${chat.status} (${errorCode(chat.body)})`);
    const answer = await parseAnswer(chat.text);
    if (answer.errors.length > 0) {
      const e = answer.errors[0]!;
      results.push(
        fail(
          'chat',
          `the companion failed on ${first.id} ${episode}/${page}: ${e.code}: ${e.message}`,
          e.code.startsWith('unavailable:model')
            ? 'the API cannot use its language model: run `folio doctor` on the server (model layer).'
            : 'look at the server logs for this request.',
        ),
      );
    } else if (answer.text.trim() === '' || !answer.metadata) {
      results.push(
        fail(
          'chat',
          `the chat stream on ${first.id} ${episode}/${page} ended without an answer`,
          'a proxy may be buffering or cutting server-sent events: check its settings, and the server logs.',
        ),
      );
    } else {
      const m = answer.metadata;
      const mode = 'mode' in m ? m.mode : m.status;
      const how = mode === 'quote' ? 'quote mode (no language model): quoted the pages with citations' : `${mode} answer from ${m.model ?? 'the model'}`;
      results.push(pass('chat', `asked on ${first.id} ${episode}/${page}: ${how}, first text after ${m.ttftMs ?? '?'} ms, ${chat.ms} ms in all`));
    }
  } catch (err) {
    results.push(fail('chat', reason(err), 'look at the server logs for this request.'));
  }
  return results;
}

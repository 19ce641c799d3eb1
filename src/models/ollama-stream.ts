/**
 * Ollama's streamed chat (`POST /api/chat`, NDJSON) read straight off the socket, for the companion's answers
 * (ADR 0038). At 50 tokens/s every token arrives in its own socket read, and through undici's `fetch`, the AI SDK
 * provider's NDJSON stream, its schema check and the web streams between them each one cost the process
 * ~0.17 ms: 200 answers at once needed more than a core for the relay alone. Here a token is one `data` event,
 * one `JSON.parse` and one stream part. Everything else (suggestions' structured output, embeddings) stays on
 * the provider package; the parts are the provider spec's (LanguageModelV3), so `chat/generate.ts` and its fault
 * rules cannot tell the difference.
 */
import http from 'node:http';
import type { LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3StreamPart } from '@ai-sdk/provider';

/** Keep-alive agents shared by every model of the process. TLS loads with the first https answer, not at start-up. */
let httpAgent: http.Agent | undefined;
let https: Promise<{ request: typeof http.request; agent: http.Agent }> | undefined;
async function transport(protocol: string): Promise<{ request: typeof http.request; agent: http.Agent }> {
  if (protocol === 'http:') return { request: http.request, agent: (httpAgent ??= new http.Agent({ keepAlive: true })) };
  https ??= import('node:https').then((m) => ({ request: m.request, agent: new m.Agent({ keepAlive: true }) }));
  return https;
}

/** An HTTP error as `models/errors.ts` classifies it (by `statusCode`, as the SDK's APICallError carries it). */
class OllamaHttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'OllamaHttpError';
  }
}

/** A response that is not Ollama's NDJSON (classified as a bad stream). */
class OllamaFrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidResponseDataError';
  }
}

/** On the text part that ends the answer (its `done` frame came with it): chat/generate.ts reads on at once. */
const LAST_TEXT = { folio: { last: true } };

/** True for a text part marked as the answer's last (`LAST_TEXT`). */
export const isLastText = (part: LanguageModelV3StreamPart): boolean => part.type === 'text-delta' && part.providerMetadata?.folio?.last === true;

type Usage = Extract<LanguageModelV3StreamPart, { type: 'finish' }>['usage'];

interface OllamaFrame {
  error?: unknown;
  done?: boolean;
  done_reason?: string;
  message?: { content?: unknown };
  prompt_eval_count?: number;
  eval_count?: number;
}

/** The provider prompt as Ollama chat messages (text only: the companion sends no images or tools). */
function messages(prompt: LanguageModelV3CallOptions['prompt']): Array<{ role: string; content: string }> {
  return prompt.map((m) =>
    m.role === 'system' ? { role: 'system', content: m.content } : { role: m.role, content: m.content.map((p) => (p.type === 'text' ? p.text : '')).join('') },
  );
}

const usageOf = (f: OllamaFrame): Usage => ({
  inputTokens: { total: f.prompt_eval_count ?? undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: f.eval_count ?? undefined, text: undefined, reasoning: undefined },
});

const finishReason = (raw: string | undefined) => ({ raw, unified: raw === 'stop' ? ('stop' as const) : raw === 'length' ? ('length' as const) : ('other' as const) });

/** The model with `doStream` read here and everything else from the provider package's model. */
export function leanOllamaStream(opts: { root: string; headers: Record<string, string>; modelId: string; fallback: LanguageModelV3 }): LanguageModelV3 {
  const url = new URL(`${opts.root}/api/chat`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`Ollama URL must be http or https: ${opts.root}`);
  return {
    specificationVersion: 'v3',
    provider: opts.fallback.provider,
    modelId: opts.modelId,
    get supportedUrls() {
      return opts.fallback.supportedUrls;
    },
    doGenerate: (options) => opts.fallback.doGenerate(options),
    doStream: async (options) => {
      const { request, agent } = await transport(url.protocol);
      return new Promise((resolve, reject) => {
        const body = JSON.stringify({
          model: opts.modelId,
          messages: messages(options.prompt),
          stream: true,
          think: false,
          options: { temperature: options.temperature, num_predict: options.maxOutputTokens },
        });
        const req = request(url, {
          method: 'POST',
          agent,
          signal: options.abortSignal,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...opts.headers },
        });
        req.on('error', reject);
        req.on('response', (res) => {
          res.setEncoding('utf8');
          res.pause();
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            // The status decides (models/errors.ts); the body is the upstream's own text, never passed on.
            res.resume();
            reject(new OllamaHttpError(status, `The model server answered HTTP ${status}.`));
            return;
          }
          // Set when the stream is closed, errored or cancelled: nothing is enqueued after (the socket's late events).
          let closed = false;
          // The response is read in paused mode, only when the consumer asks (the stream's high-water mark is 0):
          // `read()` then returns everything that arrived since, and it becomes one text part. A consumer that lets
          // tokens gather (chat/generate.ts, once the first sentence is out) pays for one part per batch, not per token.
          let ended = false;
          let broken: Error | null = null;
          let wake: (() => void) | null = null;
          const ready = () => {
            const w = wake;
            wake = null;
            w?.();
          };
          res.on('readable', ready);
          res.on('end', () => {
            ended = true;
            ready();
          });
          // The connection broke mid-answer, or the request was aborted (the caller knows which).
          res.on('error', (err) => {
            broken ??= Object.assign(new Error(`The model stream was terminated: ${err.message}`), { cause: err });
            ready();
          });
          // A connection dropped mid-response is reported by 'aborted' alone on Node 20.
          res.on('aborted', () => {
            broken ??= new Error('The model stream was terminated.');
            ready();
          });
          let buffer = '';
          let textStarted = false;
          let finished = false;
          const stream = new ReadableStream<LanguageModelV3StreamPart>(
            {
              start(controller) {
                controller.enqueue({ type: 'stream-start', warnings: [] });
              },
              async pull(controller) {
                let text = '';
                // `last`: the answer's own end came in the same read, so a consumer has no reason to wait for more.
                const flushText = (last = false) => {
                  if (text.length === 0) return;
                  if (!textStarted) {
                    textStarted = true;
                    controller.enqueue({ type: 'text-start', id: '0' });
                  }
                  controller.enqueue({ type: 'text-delta', id: '0', delta: text, ...(last ? { providerMetadata: LAST_TEXT } : {}) });
                  text = '';
                };
                const close = () => {
                  if (closed) return;
                  closed = true;
                  if (textStarted) controller.enqueue({ type: 'text-end', id: '0' });
                  controller.close();
                  res.destroy();
                };
                const fail = (error: unknown) => {
                  if (closed) return;
                  flushText();
                  controller.enqueue({ type: 'error', error });
                  close();
                };
                /** One NDJSON frame; false when it ended the stream. */
                const frame = (line: string): boolean => {
                  let f: OllamaFrame;
                  try {
                    f = JSON.parse(line) as OllamaFrame;
                  } catch {
                    fail(new OllamaFrameError('The model server sent a line that is not JSON (not Ollama NDJSON).'));
                    return false;
                  }
                  if (typeof f !== 'object' || f === null) {
                    fail(new OllamaFrameError('The model server sent a frame that is not an object.'));
                    return false;
                  }
                  // The upstream's own words are passed on nowhere, logs included: like an HTTP error body, they are the server's.
                  if (f.error !== undefined) {
                    fail(new OllamaFrameError('Ollama reported an error in the stream.'));
                    return false;
                  }
                  const content = f.message?.content;
                  if (typeof content === 'string') text += content;
                  if (f.done === true && !finished) {
                    finished = true;
                    flushText(true);
                    controller.enqueue({ type: 'finish', usage: usageOf(f), finishReason: finishReason(f.done_reason) });
                  }
                  return true;
                };
                // Until something is enqueued: a read may hold only part of a line.
                for (;;) {
                  if (closed) return;
                  const chunk = res.read() as string | null;
                  if (chunk !== null) {
                    buffer += chunk;
                    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
                      const line = buffer.slice(0, nl).trim();
                      buffer = buffer.slice(nl + 1);
                      if (line.length > 0 && !frame(line)) return;
                    }
                    if (text.length > 0 || finished) {
                      flushText();
                      return;
                    }
                    continue;
                  }
                  if (broken) return fail(broken);
                  if (ended) {
                    if (buffer.trim().length > 0 && !frame(buffer.trim())) return;
                    buffer = '';
                    flushText();
                    // A stream that ends without its `done` frame was cut off (the server closed it early).
                    if (!finished) return fail(new OllamaFrameError('The model stream ended before its last frame (terminated).'));
                    return close();
                  }
                  await new Promise<void>((resolve) => {
                    wake = resolve;
                  });
                }
              },
              cancel() {
                closed = true;
                res.destroy();
                ready();
              },
            },
            { highWaterMark: 0 },
          );
          resolve({ stream, request: { body }, response: { headers: res.headers as Record<string, string> } });
        });
        req.end(body);
      });
    },
  };
}

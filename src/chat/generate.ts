/**
 * One streamed answer from a model, through the AI SDK provider's `doStream`
 * (the provider spec, LanguageModelV3): `streamText`'s step machinery costs
 * ~60 µs of CPU per token against ~12 µs for the provider stream alone, which
 * decides how many answers one process can relay at once. With the
 * companion's fault rules:
 * a first-token timeout, an idle timeout between tokens and a total timeout
 * (never a hung stream); one retry when the connection fails or times out
 * before the first token (a cold GPU waking up), announced with a `waking`
 * event; after that a friendly typed FolioError. The client's disconnect
 * aborts the upstream request.
 */
import type { LanguageModelV3Prompt } from '@ai-sdk/provider';
import type { FolioError } from '../errors.js';
import { classifyModelError, isRetryableBeforeFirstToken, type ModelFailure, modelFailureError } from '../models/errors.js';
import { isLastText } from '../models/ollama-stream.js';
import type { ChatModel } from '../models/types.js';
import type { ChatPrompt } from './prompt.js';

export type GenerationEvent =
  | { type: 'waking'; attempt: number }
  | { type: 'text'; delta: string }
  | { type: 'done'; inputTokens: number | null; outputTokens: number | null };

export interface GenerationOptions {
  /** The client's request signal: aborting it stops the upstream request. */
  signal: AbortSignal;
  firstTokenTimeoutMs: number;
  idleTimeoutMs: number;
  totalTimeoutMs: number;
  maxOutputTokens: number;
  /**
   * How long to let tokens gather before the next read, asked after each text part: 0 while the reader waits for
   * the first sentence, then a few tenths of a second (the guard shows whole sentences anyway). A model stream
   * that reads on demand (models/ollama-stream.ts) then hands over the gathered tokens as one part, so each
   * answer costs the process per batch rather than per token. Asked only of models that join tokens
   * (`ChatModel.joinsTokens`): pausing a stream of one part per token would slow the answer to a part per pause.
   */
  gatherMs?: () => number;
  /** Called with each failure (for logs); the reader never sees its text. */
  onFailure?: (failure: ModelFailure, err: unknown, attempt: number) => void;
}

/** Thrown when the reader went away: nothing more to send. */
export class ClientGone extends Error {
  constructor() {
    super('the client disconnected');
    this.name = 'ClientGone';
  }
}

/** Plain-text turns in the provider spec's prompt format. */
export function toProviderPrompt(prompt: ChatPrompt): LanguageModelV3Prompt {
  return [{ role: 'system', content: prompt.system }, ...prompt.messages.map((m) => ({ role: m.role, content: [{ type: 'text' as const, text: m.content }] }))];
}

export async function* generateAnswer(model: ChatModel, prompt: ChatPrompt, opts: GenerationOptions): AsyncGenerator<GenerationEvent> {
  const providerPrompt = toProviderPrompt(prompt);
  const deadline = performance.now() + opts.totalTimeoutMs;
  for (let attempt = 1; ; attempt++) {
    if (opts.signal.aborted) throw new ClientGone();
    const ctrl = new AbortController();
    let timedOut: 'first' | 'idle' | 'total' | null = null;
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number, kind: 'first' | 'idle') => {
      clearTimeout(timer);
      const left = deadline - performance.now();
      const which = left < ms ? 'total' : kind;
      timer = setTimeout(
        () => {
          timedOut = which;
          ctrl.abort(new DOMException(`model ${which} timeout`, 'TimeoutError'));
        },
        Math.max(0, Math.min(ms, left)),
      );
    };
    const onClientAbort = () => ctrl.abort(opts.signal.reason);
    opts.signal.addEventListener('abort', onClientAbort, { once: true });
    arm(opts.firstTokenTimeoutMs, 'first');

    let gotText = false;
    let failure: unknown = null;
    try {
      const { stream } = await model.languageModel.doStream({
        prompt: providerPrompt,
        maxOutputTokens: opts.maxOutputTokens,
        temperature: 0.2,
        abortSignal: ctrl.signal,
      });
      let usage: { inputTokens: number | null; outputTokens: number | null } = { inputTokens: null, outputTokens: null };
      const reader = stream.getReader();
      try {
        // After a text part only, and not after the last (models/ollama-stream.ts marks it): the parts that end a
        // stream are read as they come.
        let afterText = false;
        for (;;) {
          const gather = afterText && model.joinsTokens ? (opts.gatherMs?.() ?? 0) : 0;
          // Not cut short by an abort: the read after it sees the aborted request at most `gather` ms late.
          if (gather > 0) await new Promise((r) => setTimeout(r, gather));
          const { done, value: part } = await reader.read();
          if (done) break;
          afterText = part.type === 'text-delta' && !isLastText(part);
          if (part.type === 'text-delta') {
            if (part.delta.length === 0) continue;
            gotText = true;
            arm(opts.idleTimeoutMs, 'idle');
            yield { type: 'text', delta: part.delta };
          } else if (part.type === 'error') {
            failure = part.error;
            break;
          } else if (part.type === 'finish') {
            usage = { inputTokens: part.usage.inputTokens.total ?? null, outputTokens: part.usage.outputTokens.total ?? null };
          }
        }
      } finally {
        // Wait for the cancel to reach the provider's stream pipeline before the abort below: aborting
        // while its pipe is still open leaves a rejected promise nobody handles (Ollama provider), which
        // ends a Node 20 process.
        await reader.cancel().catch(() => {});
      }
      if (failure === null && ctrl.signal.aborted) failure = ctrl.signal.reason ?? new Error('aborted');
      if (failure === null) {
        if (!gotText) failure = new Error('the model returned an empty answer');
        else {
          yield { type: 'done', ...usage };
          return;
        }
      }
    } catch (err) {
      failure = err;
    } finally {
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onClientAbort);
      // Ends the upstream request if it is still open (early return, error, client gone).
      ctrl.abort();
    }

    if (opts.signal.aborted) throw new ClientGone();
    const kind: ModelFailure = timedOut ? 'timeout' : classifyModelError(failure);
    opts.onFailure?.(kind, failure, attempt);
    const timeLeft = deadline - performance.now();
    if (!gotText && attempt === 1 && isRetryableBeforeFirstToken(kind) && timedOut !== 'total' && timeLeft > 0) {
      yield { type: 'waking', attempt: attempt + 1 };
      continue;
    }
    throw failureError(kind, gotText);
  }
}

function failureError(kind: ModelFailure, afterFirstToken: boolean): FolioError {
  // A broken connection after text arrived is a cut-off answer, whatever broke it.
  if (afterFirstToken && (kind === 'connect' || kind === 'server')) return modelFailureError('bad_stream', { afterFirstToken });
  return modelFailureError(kind, { afterFirstToken });
}

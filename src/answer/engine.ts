/**
 * The answer engine: the one pipeline every answer goes through (chat, recap,
 * MCP `ask` and `recap`), as typed events. The caller reads its passages under
 * the boundary and says how to prompt; the engine does the rest:
 *   question about the unreached → declined up front;
 *   passages → their spoiling sentences withheld before anyone uses them;
 *   a model → prompt, generation with retry (chat/generate.ts), sentence guard;
 *   no model → the caller's fallback (quote mode, extractive recap), guarded too;
 *   → citations → suggestions → done (or error, or aborted).
 * The surfaces only map events: answer/to-ui-stream.ts for HTTP, mcp/tools.ts
 * for MCP. Aborting `signal` (the client went away) or returning the iterator
 * stops everything upstream, the model request included.
 */
import { type Citation, citationFor, citationsFor } from '../chat/citations.js';
import { ClientGone, generateAnswer } from '../chat/generate.js';
import type { ChatPrompt } from '../chat/prompt.js';
import type { Config } from '../config/env.js';
import { asFolioError, type FolioError, isFolioError } from '../errors.js';
import type { Logger } from '../logger.js';
import { aiSdk } from '../models/ai-sdk.js';
import type { ModelRegistry } from '../models/registry.js';
import type { ChatModel } from '../models/types.js';
import type { Passage } from '../retrieval/retriever.js';
import { chunkTextKind, type SpoilerGuard, type SpoilerHit, type TextKind, WITHHELD, withheldNotice } from '../spoilers/index.js';

/**
 * After the first sentence, tokens gather this long between reads: at 50 tokens/s five arrive together and cost
 * one pass through the relay, and a reader who sees whole sentences cannot tell (ADR 0039).
 */
const RELAY_GATHER_MS = 100;
export const WAKING_MESSAGE = 'Waking the model… this can take a moment after a quiet spell.';

export type AnswerMode = 'model' | 'quote' | 'extractive' | 'declined' | 'guarded' | 'error' | 'aborted';

/** What happened, for the surface's metadata, storage and metrics. */
export interface AnswerOutcome {
  mode: AnswerMode;
  model: string | null;
  /** Everything sent to the reader (what an aborted answer is stored with). */
  text: string;
  ttftMs: number | null;
  latencyMs: number;
  usage: { inputTokens: number | null; outputTokens: number | null };
  /** Passages the answer was grounded in (after their spoiling sentences were withheld). */
  passages: number;
  /** Sentences of the answer withheld by the guard. */
  withheld: number;
  citations: Citation[];
  suggestions: string[];
}

export type AnswerEvent<M> =
  | { type: 'start'; messageId: string }
  | { type: 'status'; state: 'waking'; message: string }
  | { type: 'text'; delta: string }
  /**
   * The model has begun and its first text waits for a whole sentence (the guard judges sentences): the
   * surface's own work (storing the question) goes here, not between the first sentence and the reader.
   */
  | { type: 'composing' }
  | { type: 'withheld'; withheld: number; message: string }
  | { type: 'citations'; citations: Citation[] }
  | { type: 'suggestions'; suggestions: string[] }
  | { type: 'done'; metadata: M; outcome: AnswerOutcome }
  /** The failure as a reader may see it (its details, `retryAfter` included, go to the client). */
  | { type: 'error'; error: FolioError; outcome: AnswerOutcome }
  | { type: 'aborted'; outcome: AnswerOutcome };

/** What the engine is given by the surface, per answer. */
export interface AnswerSpec<M> {
  seriesId: string;
  guard: SpoilerGuard;
  /** Passages read under the boundary, each with the kind of text it is (pack lore or the page's own words). */
  passages: Array<{ passage: Passage; kind: TextKind }>;
  /** The reader's question (chat): one about something unreached is declined with `decline(hit)`. */
  question?: { text: string; decline: (hit: SpoilerHit) => string };
  /** False: answer with the fallback even when a model is configured (e.g. nothing to recap). */
  useModel?: boolean;
  prompt(passages: Passage[]): ChatPrompt;
  /** The answer without a model, from the checked passages; `cited`: the passages it quotes (else cited by label). */
  fallback: { mode: 'quote' | 'extractive'; answer(passages: Passage[], clean: (t: string, from?: Passage) => string): { text: string; cited?: Passage[] } };
  /** Follow-up questions (chat), once the answer is complete. */
  suggest?(input: SuggestInput): Promise<string[]>;
  metadata(outcome: AnswerOutcome): M;
}

export interface SuggestInput {
  mode: AnswerMode;
  answer: string;
  passages: Passage[];
  model: ChatModel | null;
  signal: AbortSignal;
}

export interface EngineDeps {
  logger: Logger;
  models: ModelRegistry;
  limits: Config['chat'];
}

/** A passage with nothing left once its spoiling sentences are withheld is dropped. */
const blank = (t: string) => t.replaceAll(WITHHELD, '').trim().length === 0;

export async function* runAnswer<M>(deps: EngineDeps, spec: AnswerSpec<M>, signal: AbortSignal, log: Logger): AsyncGenerator<AnswerEvent<M>> {
  const started = performance.now();
  const { guard } = spec;
  const outcome: AnswerOutcome = {
    mode: 'model',
    model: null,
    text: '',
    ttftMs: null,
    latencyMs: 0,
    usage: { inputTokens: null, outputTokens: null },
    passages: 0,
    withheld: 0,
    citations: [],
    suggestions: [],
  };
  const finish = () => {
    outcome.latencyMs = Math.round(performance.now() - started);
    outcome.ttftMs = outcome.ttftMs === null ? null : Math.round(outcome.ttftMs);
    return outcome;
  };
  function* say(text: string): Generator<AnswerEvent<M>> {
    if (text.length === 0) return;
    outcome.ttftMs ??= performance.now() - started;
    outcome.text += text;
    yield { type: 'text', delta: text };
  }

  yield { type: 'start', messageId: (await aiSdk()).generateId() };
  try {
    // Pack text written with hindsight loses its sentences about what comes later before the model, a quote or a snippet sees it.
    // `clean` re-checks pieces of already-checked passages (quoted lines, citation snippets) with their passage's kind:
    // a reached page's own words may name its own episode (its title at page 0); anything else, the stricter lore kind.
    const clean = (t: string, from?: Passage) => guard.redact(t, from ? chunkTextKind(from.source) : 'lore').text;
    const passages = spec.passages.map(({ passage, kind }) => ({ ...passage, text: guard.redact(passage.text, kind).text })).filter((p) => !blank(p.text));
    outcome.passages = passages.length;
    let model: ChatModel | null = null;

    const asked = spec.question ? guard.questionHit(spec.question.text) : null;
    if (asked && spec.question) {
      // Nothing true can be said about it without spoiling: the model is not asked.
      outcome.mode = 'declined';
      yield* say(spec.question.decline(asked));
    } else {
      model = spec.useModel === false ? null : await deps.models.chat();
      if (!model) {
        outcome.mode = spec.fallback.mode;
        const made = spec.fallback.answer(passages, clean);
        // Quoted pack text was checked passage by passage with its own kind; the whole is checked once more for
        // names, references and vocabulary that only the assembly shows. The model-only checks (unknown names,
        // paraphrase) are not for text Folio assembles from reached pages: its own labels ("— Episode 1, page 3")
        // would read as new words.
        const checked = guard.redact(made.text, 'page');
        outcome.withheld = checked.withheld;
        yield* say(checked.text);
        outcome.citations = made.cited
          ? made.cited.map((p) => citationFor(spec.seriesId, p, true, clean))
          : citationsFor(spec.seriesId, checked.text, passages, clean, 0);
      } else {
        const label = model.label;
        outcome.model = label;
        const stream = guard.stream({ question: spec.question?.text, signal });
        let composing = false;
        // Once the reader has the first sentence, later tokens are read in batches (generate.ts, gatherMs).
        let firstReleased = false;
        const limits = deps.limits;
        const events = generateAnswer(model, spec.prompt(passages), {
          signal,
          firstTokenTimeoutMs: limits.firstTokenTimeoutMs,
          idleTimeoutMs: limits.idleTimeoutMs,
          totalTimeoutMs: limits.totalTimeoutMs,
          maxOutputTokens: limits.maxOutputTokens,
          gatherMs: () => (firstReleased ? RELAY_GATHER_MS : 0),
          onFailure: (kind, err, attempt) => {
            log.warn({ kind, attempt, model: label, err: err instanceof Error ? err.message : String(err) }, 'model request failed');
            if (kind === 'connect') deps.models.invalidate();
          },
        });
        try {
          for await (const ev of events) {
            if (ev.type === 'waking') yield { type: 'status', state: 'waking', message: WAKING_MESSAGE };
            else if (ev.type === 'text') {
              const released = await stream.push(ev.delta);
              if (!released && !composing) {
                composing = true;
                yield { type: 'composing' };
              }
              if (released) firstReleased = true;
              yield* say(released);
            } else outcome.usage = { inputTokens: ev.inputTokens, outputTokens: ev.outputTokens };
          }
        } catch (err) {
          if (!(err instanceof ClientGone) && !signal.aborted) {
            // A model that fails mid-answer keeps what it said: the held sentence is judged and sent before the error.
            yield* say(await stream.end());
            outcome.withheld = stream.withheld;
            if (stream.withheld > 0) yield { type: 'withheld', withheld: stream.withheld, message: withheldNotice(stream.withheld) };
          }
          throw err;
        }
        yield* say(await stream.end());
        outcome.withheld = stream.withheld;
        if (stream.withheld > 0) {
          outcome.mode = 'guarded';
          log.info({ withheld: stream.withheld, hits: stream.hits.map((h) => `${h.kind}:${h.ref}`) }, 'output guard withheld sentences');
        }
        outcome.citations = citationsFor(spec.seriesId, outcome.text, passages, clean);
      }
    }
    if (signal.aborted) throw new ClientGone();
    if (outcome.withheld > 0) yield { type: 'withheld', withheld: outcome.withheld, message: withheldNotice(outcome.withheld) };
    if (outcome.citations.length > 0) yield { type: 'citations', citations: outcome.citations };
    if (spec.suggest) {
      outcome.suggestions = await spec.suggest({ mode: outcome.mode, answer: outcome.text, passages, model, signal });
      yield { type: 'suggestions', suggestions: outcome.suggestions };
    }
    if (signal.aborted) throw new ClientGone();
    finish();
    yield { type: 'done', metadata: spec.metadata(outcome), outcome };
  } catch (err) {
    if (err instanceof ClientGone || signal.aborted) {
      log.debug('client went away; the answer was stopped');
      outcome.mode = 'aborted';
      yield { type: 'aborted', outcome: finish() };
      return;
    }
    const fe = asFolioError(err);
    if (!isFolioError(err)) log.error({ err }, 'answer failed');
    else log.warn({ code: fe.code }, 'answer failed');
    outcome.mode = 'error';
    yield { type: 'error', error: fe, outcome: finish() };
  }
}

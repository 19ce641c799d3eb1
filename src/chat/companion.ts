/**
 * The companion: one chat turn from question to streamed, grounded, cited
 * answer (docs/architecture.md#a-chat-turn):
 *   position from the progress row → retrieval under the boundary (prepare, one
 *   snapshot) → the answer engine (answer/engine.ts: decline, prompt, model or
 *   quote mode, guard, citations) → suggestions → stored with the position it
 *   was written at (conversations.ts).
 * The HTTP route and the MCP `ask` tool both read `answer()`'s events.
 */

import { type AnswerEvent, type AnswerSpec, runAnswer } from '../answer/engine.js';
import type { Config } from '../config/env.js';
import type { AnswerMode, ChatMetadata, ConversationDetail, ConversationSummary } from '../contract/index.js';
import type { Db } from '../db/client.js';
import { FolioError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ModelRegistry } from '../models/registry.js';
import { observeAnswer, observeModelError, observeRetrieval, streamOpened } from '../observability/metrics.js';
import type { EmbeddingService } from '../retrieval/embeddings.js';
import { assemblePassages, CANDIDATES, pagesInView } from '../retrieval/retriever.js';
import { toWebSearch } from '../retrieval/search-query.js';
import { buildGuard, chunkTextKind, type GuardInput, type Position, type SpoilerGuard, type SpoilerHit, seriesChecks, splitNames } from '../spoilers/index.js';
import { conversationDetail, listConversations, TurnStore } from './conversations.js';
import { buildPrompt } from './prompt.js';
import * as q from './queries.js';
import { quoteAnswer } from './quote.js';
import { type ChatRequest, newestQuestion } from './request.js';
import { mergeSuggestions, modelSuggestions, type SuggestionContext, templateSuggestions, validateSuggestions } from './suggestions.js';
import { Warmup } from './warmup.js';

/** Past messages replayed into the prompt (user and assistant turns). */
const HISTORY_MESSAGES = 8;
const SUGGESTION_TIMEOUT_MS = 8_000;

export type ChatLimits = Config['chat'];

export interface CompanionDeps {
  logger: Logger;
  models: ModelRegistry;
  embeddings: EmbeddingService;
  limits: ChatLimits;
}

export interface ChatTurn {
  readerId: string;
  seriesId: string;
  seriesTitle: string;
  conversationId: string;
  position: Position;
  question: string;
  userClientId: string;
  viewing: Position[] | null;
  /** What the turn read, in one snapshot (chat/queries.ts turnContext). */
  context: q.TurnContext;
  /** Whether vector search took part. */
  vector: boolean;
  /** The series' vocabulary, unknown-name and paraphrase checks at this position (cached per series version). */
  checks: GuardInput['checks'];
}

export class Companion {
  /** Answers still running (shutdown waits for them: an ended stream still stores its answer). */
  private readonly inflight = new Set<Promise<void>>();
  private readonly warmer: Warmup;

  constructor(readonly deps: CompanionDeps) {
    this.warmer = new Warmup({ logger: deps.logger, models: deps.models, embeddings: deps.embeddings, timeoutMs: deps.limits.firstTokenTimeoutMs });
  }

  /**
   * Everything that can fail before streaming starts (answered as a JSON 4xx), and everything the
   * answer needs from the database, read in one statement (one snapshot, one round trip).
   * Rate limits are the HTTP layer's (http/rate-limit.ts), before this.
   */
  async prepare(db: Db, readerId: string, seriesId: string, req: ChatRequest, signal?: AbortSignal): Promise<ChatTurn> {
    const question = newestQuestion(req, this.deps.limits.maxQuestionChars);
    const embedStarted = performance.now();
    const queryVector = await this.deps.embeddings.queryVector(db, question.text, signal);
    if (queryVector) observeRetrieval('embed', (performance.now() - embedStarted) / 1000);
    const viewing = req.viewing ?? null;
    const searchStarted = performance.now();
    const state = await q.turnContext(db, {
      readerId,
      seriesId,
      conversationId: req.id,
      questionId: question.clientId,
      webSearch: toWebSearch(question.text),
      question: question.text,
      viewing,
      queryVector,
      historyLimit: HISTORY_MESSAGES,
      candidates: CANDIDATES,
    });
    observeRetrieval('search', (performance.now() - searchStarted) / 1000);
    if (state.title === null) throw new FolioError('not_found:series', `No series "${seriesId}".`);
    const seriesTitle = state.title;
    const position = state.position;
    if (!position) throw new FolioError('conflict:not_started', 'Open the first page before asking the companion: it only talks about pages you have reached.');
    // A new conversation is created with the question, off the path to the first token.
    const owner = state.conversationSeries ?? seriesId;
    if (owner !== seriesId) throw new FolioError('conflict:conversation', `Conversation "${req.id}" belongs to another series; start a new conversation.`);
    // Two messages per turn: the question and the answer.
    if (state.messages + 2 > this.deps.limits.maxMessages) {
      throw new FolioError(
        'conflict:conversation_full',
        `This conversation has reached ${this.deps.limits.maxMessages} messages. Start a new conversation to keep asking.`,
        {
          maxMessages: this.deps.limits.maxMessages,
        },
      );
    }
    return {
      readerId,
      seriesId,
      seriesTitle,
      conversationId: req.id,
      position,
      question: question.text,
      userClientId: question.clientId,
      viewing,
      context: state,
      vector: queryVector !== null,
      checks: await seriesChecks(db, seriesId, position, {
        embeddings: this.deps.embeddings,
        language: state.language ?? undefined,
        version: state.contentHash && state.language ? { contentHash: state.contentHash, language: state.language } : undefined,
      }),
    };
  }

  /**
   * The answer as the engine's events, stored when it ends (the iterator finishes after the store).
   * `signal` is the client's request: aborting it stops everything upstream; what was said is stored, marked aborted.
   */
  async *answer(db: Db, turn: ChatTurn, signal: AbortSignal): AsyncGenerator<AnswerEvent<ChatMetadata>> {
    const log = this.deps.logger.child({ conversation: turn.conversationId });
    const closed = streamOpened();
    let settle!: () => void;
    const running = new Promise<void>((resolve) => (settle = resolve));
    this.inflight.add(running);
    const store = new TurnStore(db, turn);
    let messageId = '';
    let questionPending = true;
    try {
      for await (const ev of runAnswer(this.deps, this.spec(turn), signal, log)) {
        if (ev.type === 'start') messageId = ev.messageId;
        // The question is stored while the model writes its first sentence (PGlite runs on this thread:
        // storing it as the first sentence leaves would delay that sentence by the insert).
        if ((ev.type === 'composing' || ev.type === 'text') && questionPending) {
          questionPending = false;
          setImmediate(() => store.question().catch(() => {}));
        }
        yield ev;
        if (ev.type !== 'done' && ev.type !== 'error' && ev.type !== 'aborted') continue;
        const o = ev.outcome;
        observeAnswer({ mode: o.mode, model: o.model, ttftMs: o.ttftMs, outputTokens: o.usage.outputTokens });
        const stored = { clientId: messageId, model: o.model, usage: o.usage, ttftMs: o.ttftMs, latencyMs: o.latencyMs, withheld: o.withheld };
        if (ev.type === 'done') {
          await store.answer({
            ...stored,
            text: o.text,
            status: ev.metadata.mode === 'model' ? 'complete' : ev.metadata.mode,
            citations: o.citations,
            suggestions: o.suggestions,
          });
        } else if (ev.type === 'aborted') {
          await store.answer({ ...stored, text: o.text, status: 'aborted', citations: [], suggestions: [] }).catch(() => {});
        } else {
          observeModelError(ev.error.code);
          // What the reader was told: the failure (the text before it is not replayed, nor its guard notice).
          await store
            .answer({ ...stored, text: ev.error.message, status: 'error', citations: [], suggestions: [], withheld: 0 })
            .catch((e: unknown) => log.error({ err: e }, 'could not store the failed answer'));
        }
      }
    } finally {
      closed();
      this.inflight.delete(running);
      settle();
    }
  }

  /** What the engine needs for this turn: everything was read in prepare(), in one snapshot. */
  private spec(turn: ChatTurn): AnswerSpec<ChatMetadata> {
    const context = turn.context;
    const at = turn.position;
    const guard = turnGuard(turn);
    const visible = context.entities.filter((e) => e.visible).map((e) => ({ name: e.name, kind: e.kind }));
    const passages = assemblePassages({ text: context.textHits, vector: context.vectorHits, current: pagesInView(context, turn.viewing) });
    return {
      seriesId: turn.seriesId,
      guard,
      passages: passages.map((passage) => ({ passage, kind: chunkTextKind(passage.source) })),
      question: { text: turn.question, decline: (hit) => declineMessage(hit, at) },
      prompt: (checked) => buildPrompt({ seriesTitle: turn.seriesTitle, position: at, passages: checked, history: context.history, question: turn.question }),
      fallback: {
        mode: 'quote',
        answer: (checked, clean) => {
          const quoted = quoteAnswer(turn.question, checked, clean, at, {
            earlier: context.history.filter((h) => h.role === 'user').map((h) => h.text),
          });
          return { text: quoted.text, cited: quoted.used };
        },
      },
      suggest: async ({ mode, answer, passages: checked, model, signal }) => {
        const ctx: SuggestionContext = {
          hasSpoiler: (t) => guard.has(t),
          visible,
          passages: checked,
          question: turn.question,
          position: at,
          language: context.language,
        };
        if (mode === 'declined') return templateSuggestions({ ...ctx, passages: checked.filter((p) => p.current) });
        // A model that tried to say what comes later is not asked for more.
        if (!model || mode !== 'model') return templateSuggestions(ctx);
        const fromModel = validateSuggestions(await modelSuggestions(model.languageModel, { ...ctx, answer }, { signal, timeoutMs: SUGGESTION_TIMEOUT_MS }), ctx);
        return mergeSuggestions(fromModel, ctx);
      },
      metadata: (o) => ({
        // The engine's chat modes (never `extractive`: chat's fallback is quote mode).
        mode: o.mode as AnswerMode,
        model: o.model,
        position: at,
        ttftMs: o.ttftMs,
        latencyMs: o.latencyMs,
        usage: o.usage,
        retrieval: { passages: o.passages, vector: turn.vector },
      }),
    };
  }

  /** Best-effort model warm-up when a reader opens the chat (chat/warmup.ts). */
  warmup(db: Db): ReturnType<Warmup['run']> {
    return this.warmer.run(db);
  }

  /** Log how answers will be made (probes a local Ollama for FOLIO_MODEL=auto). */
  async announce(): Promise<void> {
    const model = await this.deps.models.chat().catch(() => null);
    this.deps.logger.info(
      { model: model?.label ?? null, embeddings: this.deps.embeddings.model ?? 'off' },
      model ? 'companion: answers come from the language model' : 'companion: no language model, answering in quote mode',
    );
  }

  /** Resolves when every answer now running has ended and been stored (or `timeoutMs` passed). */
  async settled(timeoutMs = 5_000): Promise<void> {
    if (this.inflight.size === 0) return;
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  async close(): Promise<void> {
    await this.deps.embeddings.close();
    await this.deps.models.close();
  }

  conversations(db: Db, readerId: string, seriesId: string): Promise<ConversationSummary[]> {
    return listConversations(db, readerId, seriesId);
  }

  conversation(db: Db, readerId: string, id: string): Promise<ConversationDetail> {
    return conversationDetail(db, readerId, id);
  }
}

/** The guard for one turn, from what turnContext read in one snapshot. */
function turnGuard(turn: Pick<ChatTurn, 'position' | 'context' | 'checks'>): SpoilerGuard {
  return buildGuard({
    position: turn.position,
    episodeEnd: turn.context.episodeEnd,
    names: splitNames(turn.context.entities),
    language: turn.context.language ?? undefined,
    checks: turn.checks,
  });
}

/** The honest answer to a question about something the reader has not reached. */
export function declineMessage(hit: SpoilerHit, position: Position): string {
  const where = `up to episode ${position.episode}, page ${position.page}`;
  if (hit.kind === 'episode' || hit.kind === 'page') {
    // The number is not repeated: the answer says nothing about what exists beyond the position.
    return `You haven't reached that part of the story yet, so I can't talk about it. I can only use what you've read so far (${where}). Keep reading!`;
  }
  return `I can only talk about what you've read so far (${where}), and nothing there answers that. Keep reading, and ask me again later!`;
}

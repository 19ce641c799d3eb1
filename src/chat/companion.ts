/**
 * The companion: one chat turn from question to streamed, grounded, cited
 * answer, and the reader's conversations. The pipeline (DESIGN §6):
 *   position from the progress row → retrieval under the boundary → prompt →
 *   model stream through the output guard (or quote mode) → citations →
 *   suggestions → persisted with the position it was written at.
 * Everything the reader receives passes the unreached-name check.
 */
import type { UIMessageChunk } from 'ai';
import type { Config } from '../config/env.js';
import type { Db } from '../db/client.js';
import { FolioError, isFolioError } from '../errors.js';
import { aiSdk } from '../models/ai-sdk.js';
import { toFolioError } from '../http/errors.js';
import type { Logger } from '../logger.js';
import type { ModelRegistry } from '../models/registry.js';
import type { ChatModel } from '../models/types.js';
import type { EmbeddingService } from '../retrieval/embeddings.js';
import { assemblePassages, CANDIDATES, type Passage } from '../retrieval/retriever.js';
import { toWebSearch } from '../retrieval/search-query.js';
import { observeAnswer, observeModelError, observeRetrieval, streamOpened } from '../observability/metrics.js';
import { buildGuard, splitNames, withheldNotice, type Position, type SpoilerGuard, type SpoilerHit, type TextKind } from '../spoilers/index.js';
import { citationsFor, type Citation } from './citations.js';
import { ClientGone, generateAnswer } from './generate.js';
import { buildPrompt } from './prompt.js';
import * as q from './queries.js';
import { quoteAnswer } from './quote.js';
import { RateLimiter } from './rate-limit.js';
import { newestQuestion, type ChatRequest } from './request.js';
import { mergeSuggestions, modelSuggestions, templateSuggestions, validateSuggestions, type SuggestionContext } from './suggestions.js';

export const WAKING_MESSAGE = 'Waking the model… this can take a moment after a quiet spell.';

/** Past messages replayed into the prompt (user and assistant turns). */
const HISTORY_MESSAGES = 8;
const SUGGESTION_TIMEOUT_MS = 8_000;
const WARMUP_INTERVAL_MS = 30_000;

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
}

export type AnswerMode = 'model' | 'quote' | 'declined' | 'guarded' | 'error' | 'aborted';

/** The message metadata sent with `finish` (and stored). */
export interface AnswerMetadata {
  mode: AnswerMode;
  model: string | null;
  position: Position;
  ttftMs: number | null;
  latencyMs: number;
  usage: { inputTokens: number | null; outputTokens: number | null };
  /** How many passages the answer was grounded in, and whether vector search took part. */
  retrieval: { passages: number; vector: boolean };
}

export class Companion {
  private readonly readerLimiter: RateLimiter;
  private readonly ipLimiter: RateLimiter;
  private lastWarmup = 0;
  /** Answers still running (shutdown waits for them: an ended stream still stores its answer). */
  private readonly inflight = new Set<Promise<void>>();

  constructor(readonly deps: CompanionDeps) {
    this.readerLimiter = new RateLimiter(deps.limits.ratePerReader);
    this.ipLimiter = new RateLimiter(deps.limits.ratePerIp);
  }

  /** Token buckets per reader and per IP; throws 429 rate_limit:chat with Retry-After. */
  checkRate(readerId: string, ip: string): void {
    for (const [limiter, key, who] of [
      [this.readerLimiter, readerId, 'reader'],
      [this.ipLimiter, ip, 'address'],
    ] as const) {
      const r = limiter.take(key);
      if (!r.ok) {
        throw new FolioError('rate_limit:chat', `Too many questions from this ${who} for now. Try again in ${r.retryAfterS} s.`, { retryAfter: r.retryAfterS });
      }
    }
  }

  /**
   * Everything that can fail before streaming starts (answered as a JSON 4xx), and everything the
   * answer needs from the database, read in one statement (one snapshot, one round trip).
   */
  async prepare(db: Db, readerId: string, seriesId: string, req: ChatRequest, ip: string, signal?: AbortSignal): Promise<ChatTurn> {
    const question = newestQuestion(req, this.deps.limits.maxQuestionChars);
    this.checkRate(readerId, ip);
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
      throw new FolioError('conflict:conversation_full', `This conversation has reached ${this.deps.limits.maxMessages} messages. Start a new conversation to keep asking.`, {
        maxMessages: this.deps.limits.maxMessages,
      });
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
    };
  }

  /** The answer as an AI SDK UI-message stream. `signal` is the client's request: aborting it stops everything upstream. */
  async stream(db: Db, turn: ChatTurn, signal: AbortSignal): Promise<ReadableStream<UIMessageChunk>> {
    const log = this.deps.logger.child({ conversation: turn.conversationId });
    const { createUIMessageStream } = await aiSdk();
    return createUIMessageStream({
      execute: async ({ writer }) => {
        const out = coalescingWriter((chunk) => writer.write(chunk));
        const closed = streamOpened();
        const running = this.answer(db, turn, signal, out.write, log);
        this.inflight.add(running);
        try {
          await running;
        } finally {
          this.inflight.delete(running);
          closed();
          out.flush();
        }
      },
      // Only for bugs: answer() reports its own failures as typed parts.
      onError: (err) => {
        log.error({ err }, 'chat stream failed');
        return 'Something went wrong on our side. It has been logged.';
      },
    });
  }

  private async answer(db: Db, turn: ChatTurn, signal: AbortSignal, write: (c: UIMessageChunk) => void, log: Logger): Promise<void> {
    const started = performance.now();
    const messageId = (await aiSdk()).generateId();
    write({ type: 'start', messageId });

    let mode: AnswerMode = 'model';
    let modelLabel: string | null = null;
    let finalText = '';
    /** Everything sent so far (what an aborted answer is stored with). */
    let said = '';
    let ttftMs: number | null = null;
    let usage: AnswerMetadata['usage'] = { inputTokens: null, outputTokens: null };
    let citations: Citation[] = [];
    const position: Position = turn.position;
    let retrievalInfo: AnswerMetadata['retrieval'] = { passages: 0, vector: false };
    let suggestions: string[] = [];
    let textOpen: string | null = null;
    let textCount = 0;
    const openText = () => {
      if (textOpen === null) {
        textOpen = `text-${++textCount}`;
        write({ type: 'text-start', id: textOpen });
      }
      return textOpen;
    };
    const closeText = () => {
      if (textOpen !== null) write({ type: 'text-end', id: textOpen });
      textOpen = null;
    };
    const say = (text: string) => {
      if (text.length === 0) return;
      write({ type: 'text-delta', id: openText(), delta: text });
      said += text;
      if (ttftMs === null) {
        ttftMs = performance.now() - started;
        setImmediate(() => storeQuestion().catch(() => {}));
      }
    };

    // The question is stored once the first token is out (or the answer ends without one): a write
    // must not sit between the reader and the first token (on PGlite it blocks the event loop).
    let questionWrite: Promise<unknown> | null = null;
    const storeQuestion = (): Promise<unknown> => {
      questionWrite ??= q.insertMessage(db, {
        readerId: turn.readerId,
        conversationId: turn.conversationId,
        seriesId: turn.seriesId,
        clientId: turn.userClientId,
        role: 'user',
        text: turn.question,
        position: turn.position,
        status: 'complete',
      });
      return questionWrite;
    };

    try {
      // Everything was read in prepare(), in one snapshot: the position, names, history and passages agree.
      const context = turn.context;
      const at = turn.position;
      const guard = turnGuard(turn);
      const visible = context.entities.filter((e) => e.visible).map((e) => ({ name: e.name, kind: e.kind }));
      const history = context.history;
      // A viewed page past the position yields nothing: the position's page stands in.
      const current = turn.viewing === null || context.viewHits.length > 0 ? context.viewHits : context.positionHits;
      const retrieval = { passages: assemblePassages({ text: context.textHits, vector: context.vectorHits, current }), vector: turn.vector };
      const clean = (t: string) => guard.redact(t, 'page').text;
      const asked = guard.questionHit(turn.question);
      // Passages are at or before the position, but their text can still name what debuts later
      // (a wiki article written with hindsight): those sentences never reach the model or the reader.
      const passages = retrieval.passages
        .map((p) => ({ ...p, text: guard.redact(p.text, passageKind(p.source)).text }))
        .filter((p) => p.text.replace(/…/g, '').trim().length > 0);
      retrievalInfo = { passages: passages.length, vector: retrieval.vector };
      const ctx: SuggestionContext = { hasSpoiler: (t) => guard.has(t, 'generated'), visible, passages, question: turn.question, position: at };

      if (asked) {
        // The question is about something the reader has not reached: nothing true can be said without spoiling.
        mode = 'declined';
        finalText = declineMessage(asked, at);
        say(finalText);
        closeText();
        suggestions = templateSuggestions({ ...ctx, passages: passages.filter((p) => p.current) });
      } else {
        const model = await this.deps.models.chat();
        if (!model) {
          mode = 'quote';
          const quoted = quoteAnswer(turn.question, passages, clean, at);
          // Quoted text was redacted line by line; the stream guard checks the whole once more, by sentence.
          const sg = guard.stream({ question: turn.question, signal });
          finalText = (await sg.push(quoted.text)) + (await sg.end());
          say(finalText);
          closeText();
          writeGuardNotice(write, sg.withheld);
          citations = quoted.used.map((p) => citationsFor(turn.seriesId, `[${p.episode}/${p.page}]`, [p], clean)[0]!);
          suggestions = templateSuggestions(ctx);
        } else {
          modelLabel = model.label;
          const result = await this.streamModel(model, { ...turn, position: at }, passages, history, guard, signal, say, write, log);
          closeText();
          usage = result.usage;
          writeGuardNotice(write, result.withheld);
          // 'guarded': the answer went out with sentences withheld.
          if (result.withheld > 0) mode = 'guarded';
          finalText = result.text;
          citations = citationsFor(turn.seriesId, finalText, passages, clean);
          const fromModel = validateSuggestions(
            await modelSuggestions(model.languageModel, { ...ctx, answer: finalText }, { signal, timeoutMs: SUGGESTION_TIMEOUT_MS }),
            ctx,
          );
          suggestions = mergeSuggestions(fromModel, ctx);
        }
      }
      if (citations.length > 0) write({ type: 'data-citations', id: 'citations', data: { citations } });
      write({ type: 'data-suggestions', id: 'suggestions', data: { suggestions } });
      const metadata: AnswerMetadata = {
        mode,
        model: modelLabel,
        position,
        ttftMs: round(ttftMs),
        latencyMs: Math.round(performance.now() - started),
        usage,
        retrieval: retrievalInfo,
      };
      write({ type: 'finish', finishReason: 'stop', messageMetadata: metadata });
      observeAnswer({ mode, model: modelLabel, ttftMs: metadata.ttftMs, outputTokens: usage.outputTokens });
      await this.persist(db, storeQuestion, turn, messageId, finalText, mode === 'model' ? 'complete' : mode, citations, suggestions, metadata);
    } catch (err) {
      closeText();
      if (err instanceof ClientGone || signal.aborted) {
        log.debug('client went away; the answer was stopped');
        observeAnswer({ mode: 'aborted', model: modelLabel, ttftMs: round(ttftMs), outputTokens: usage.outputTokens });
        await this.persist(db, storeQuestion, turn, messageId, said, 'aborted', [], [], {
          mode: 'aborted',
          model: modelLabel,
          position,
          ttftMs: round(ttftMs),
          latencyMs: Math.round(performance.now() - started),
          usage,
          retrieval: retrievalInfo,
        }).catch(() => {});
        return;
      }
      const fe = isFolioError(err) ? err : toFolioError(err);
      if (!isFolioError(err)) log.error({ err }, 'chat turn failed');
      else log.warn({ code: fe.code }, 'chat answer failed');
      observeModelError(fe.code);
      observeAnswer({ mode: 'error', model: modelLabel, ttftMs: round(ttftMs), outputTokens: usage.outputTokens });
      write({ type: 'data-error', id: 'error', data: { code: fe.code, message: fe.message } });
      write({ type: 'error', errorText: fe.message });
      await this.persist(db, storeQuestion, turn, messageId, fe.message, 'error', [], [], {
        mode: 'error',
        model: modelLabel,
        position,
        ttftMs: round(ttftMs),
        latencyMs: Math.round(performance.now() - started),
        usage,
        retrieval: retrievalInfo,
      }).catch((e: unknown) => log.error({ err: e }, 'could not store the failed answer'));
    }
  }

  /** Stream the model's answer through the output guard. */
  private async streamModel(
    model: ChatModel,
    turn: ChatTurn,
    passages: Passage[],
    history: Array<{ role: 'user' | 'assistant'; text: string }>,
    guard: SpoilerGuard,
    signal: AbortSignal,
    say: (t: string) => void,
    write: (c: UIMessageChunk) => void,
    log: Logger,
  ): Promise<{ text: string; withheld: number; usage: AnswerMetadata['usage'] }> {
    const prompt = buildPrompt({ seriesTitle: turn.seriesTitle, position: turn.position, passages, history, question: turn.question });
    // Each sentence is judged once it ends and released or withheld; the answer goes on either way.
    const sg = guard.stream({ question: turn.question, signal });
    let text = '';
    let usage: AnswerMetadata['usage'] = { inputTokens: null, outputTokens: null };
    const limits = this.deps.limits;
    const events = generateAnswer(model, prompt, {
      signal,
      firstTokenTimeoutMs: limits.firstTokenTimeoutMs,
      idleTimeoutMs: limits.idleTimeoutMs,
      totalTimeoutMs: limits.totalTimeoutMs,
      maxOutputTokens: limits.maxOutputTokens,
      onFailure: (kind, err, attempt) => {
        log.warn({ kind, attempt, model: model.label, err: err instanceof Error ? err.message : String(err) }, 'model request failed');
        if (kind === 'connect') this.deps.models.invalidate();
      },
    });
    try {
      for await (const ev of events) {
        if (ev.type === 'waking') {
          write({ type: 'data-status', id: 'status', data: { state: 'waking', message: WAKING_MESSAGE }, transient: true });
        } else if (ev.type === 'text') {
          const safe = await sg.push(ev.delta);
          text += safe;
          say(safe);
        } else if (ev.type === 'done') {
          usage = { inputTokens: ev.inputTokens, outputTokens: ev.outputTokens };
        }
      }
    } catch (err) {
      // A model that fails mid-answer: the sentence it was writing is judged and kept, like what came before.
      if (!(err instanceof ClientGone) && !signal.aborted) say(await sg.end());
      throw err;
    }
    const rest = await sg.end();
    text += rest;
    say(rest);
    if (sg.withheld > 0) log.info({ withheld: sg.withheld, why: [...new Set(sg.hits.map((h) => h.kind))] }, 'output guard withheld sentences');
    return { text, withheld: sg.withheld, usage };
  }

  /** Store the answer after its question (`storeQuestion`), so the conversation keeps its order. */
  private async persist(
    db: Db,
    storeQuestion: () => Promise<unknown>,
    turn: ChatTurn,
    messageId: string,
    text: string,
    status: string,
    citations: Citation[],
    suggestions: string[],
    m: AnswerMetadata,
  ): Promise<void> {
    await storeQuestion();
    await q.insertMessage(db, {
      readerId: turn.readerId,
      conversationId: turn.conversationId,
      seriesId: turn.seriesId,
      clientId: messageId,
      role: 'assistant',
      text,
      position: m.position,
      status,
      citations,
      suggestions,
      model: m.model,
      inputTokens: m.usage.inputTokens,
      outputTokens: m.usage.outputTokens,
      ttftMs: m.ttftMs,
      latencyMs: m.latencyMs,
    });
  }

  /**
   * Best-effort warm-up when a reader opens the chat: the model server starts loading the
   * model (and the embedder loads) while the reader is still reading. Never waits for it.
   */
  async warmup(db: Db): Promise<{ status: 'warming' | 'recent' | 'quote' | 'unavailable'; model: string | null }> {
    this.deps.embeddings.warm(db);
    // The AI SDK loads on first use (ADR 0018): compile it now, not on the first question.
    aiSdk().catch(() => {});
    let model: ChatModel | null;
    try {
      model = await this.deps.models.chat();
    } catch {
      return { status: 'unavailable', model: null };
    }
    if (!model) return { status: 'quote', model: null };
    if (Date.now() - this.lastWarmup < WARMUP_INTERVAL_MS) return { status: 'recent', model: model.label };
    this.lastWarmup = Date.now();
    const log = this.deps.logger;
    model.warmup(AbortSignal.timeout(this.deps.limits.firstTokenTimeoutMs)).then(
      () => log.debug({ model: model.label }, 'model warm-up answered'),
      (err: unknown) => log.info({ model: model.label, err: err instanceof Error ? err.message : String(err) }, 'model warm-up failed (chat will retry)'),
    );
    return { status: 'warming', model: model.label };
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

  async conversations(db: Db, readerId: string, seriesId: string): Promise<ConversationListItem[]> {
    if ((await q.seriesTitle(db, seriesId)) === null) throw new FolioError('not_found:series', `No series "${seriesId}".`);
    const rows = await q.listConversations(db, { readerId, seriesId });
    return rows.map((r) => ({ id: r.id, title: titleOf(r.firstQuestion), messages: r.messages, createdAt: r.createdAt, updatedAt: r.updatedAt }));
  }

  async conversation(db: Db, readerId: string, id: string): Promise<ConversationDetail> {
    const seriesId = await q.conversationSeries(db, readerId, id);
    const missing = new FolioError('not_found:conversation', `No conversation "${id}" for this reader.`);
    if (seriesId === null) throw missing;
    const stored = await q.visibleMessages(db, { readerId, seriesId }, id);
    // A conversation wholly beyond the position (after a reset) does not exist for now.
    if (stored.length === 0) throw missing;
    return { id, seriesId, messages: stored.map(toUIMessage) };
  }
}

export interface ConversationListItem {
  id: string;
  title: string;
  messages: number;
  createdAt: string;
  updatedAt: string;
}

export interface StoredUIMessage {
  id: string;
  role: 'user' | 'assistant';
  parts: Array<{ type: 'text'; text: string } | { type: 'data-citations' | 'data-suggestions'; id: string; data: unknown }>;
  metadata: Record<string, unknown>;
}

export interface ConversationDetail {
  id: string;
  seriesId: string;
  messages: StoredUIMessage[];
}

/**
 * Text deltas that arrive in the same turn of the event loop go out as one
 * (the first one after at most a setImmediate): under load, fewer SSE events
 * for the same text; when idle, no added latency. Other parts flush first.
 */
export function coalescingWriter(write: (c: UIMessageChunk) => void): { write: (c: UIMessageChunk) => void; flush: () => void } {
  let pending: { id: string; delta: string } | null = null;
  let scheduled: NodeJS.Immediate | null = null;
  const flush = () => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = null;
    if (pending) write({ type: 'text-delta', id: pending.id, delta: pending.delta });
    pending = null;
  };
  return {
    write(c) {
      if (c.type === 'text-delta') {
        if (pending && pending.id === c.id) pending.delta += c.delta;
        else {
          flush();
          pending = { id: c.id, delta: c.delta };
        }
        scheduled ??= setImmediate(flush);
        return;
      }
      flush();
      write(c);
    },
    flush,
  };
}

const titleOf = (q: string): string => (q.length > 80 ? `${q.slice(0, 79).trimEnd()}…` : q);
const round = (n: number | null) => (n === null ? null : Math.round(n));

/** A stored message in the AI SDK's UIMessage shape, so `useChat({ messages })` can show it. */
function toUIMessage(m: q.StoredMessage): StoredUIMessage {
  const parts: StoredUIMessage['parts'] = [{ type: 'text', text: m.text }];
  if (m.role === 'assistant' && m.citations.length > 0) parts.push({ type: 'data-citations', id: 'citations', data: { citations: m.citations } });
  if (m.role === 'assistant' && m.suggestions.length > 0) parts.push({ type: 'data-suggestions', id: 'suggestions', data: { suggestions: m.suggestions } });
  return {
    id: m.clientId ?? `m${m.id}`,
    role: m.role,
    parts,
    metadata: {
      position: { episode: m.episode, page: m.page },
      status: m.status,
      createdAt: m.createdAt,
      ...(m.role === 'assistant' ? { model: m.model, ttftMs: m.ttftMs, latencyMs: m.latencyMs, usage: { inputTokens: m.inputTokens, outputTokens: m.outputTokens } } : {}),
    },
  };
}

/** The guard for one turn, from what the turn read in one snapshot (chat/queries.ts turnContext). */
export function turnGuard(turn: Pick<ChatTurn, 'position' | 'context'>): SpoilerGuard {
  return buildGuard({ position: turn.position, episodeEnd: turn.context.episodeEnd, names: splitNames(turn.context.entities), language: turn.context.language ?? undefined });
}

/** Passage text from the story's pages may name its own episode; the rest is lore written with hindsight. */
export const passageKind = (source: string): TextKind => (source === 'dialogue' || source === 'description' ? 'page' : 'lore');

/** At the end of an answer or recap: how many sentences were held back (nothing when none). */
export function writeGuardNotice(write: (c: UIMessageChunk) => void, withheld: number): void {
  if (withheld > 0) write({ type: 'data-guard', id: 'guard', data: { reason: 'later_in_story', withheld, message: withheldNotice(withheld) } });
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

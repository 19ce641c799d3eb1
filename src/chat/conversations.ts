/**
 * A reader's conversations with the companion: storing each turn with the
 * position it was written at, and reading them back (only what was written at
 * or before the reader's position now; chat/queries.ts holds the SQL).
 */
import type { ConversationDetail, ConversationSummary, FolioUIMessage, MessageStatus } from '../contract/index.js';
import type { Db } from '../db/client.js';
import { FolioError } from '../errors.js';
import { type Position, withheldNotice } from '../spoilers/index.js';
import type { Citation } from './citations.js';
import * as q from './queries.js';

export async function listConversations(db: Db, readerId: string, seriesId: string): Promise<ConversationSummary[]> {
  if ((await q.seriesTitle(db, seriesId)) === null) throw new FolioError('not_found:series', `No series "${seriesId}".`);
  const rows = await q.listConversations(db, { readerId, seriesId });
  return rows.map((r) => ({ id: r.id, title: titleOf(r.firstQuestion), messages: r.messages, createdAt: r.createdAt, updatedAt: r.updatedAt }));
}

export async function conversationDetail(db: Db, readerId: string, id: string): Promise<ConversationDetail> {
  const seriesId = await q.conversationSeries(db, readerId, id);
  const missing = new FolioError('not_found:conversation', `No conversation "${id}" for this reader.`);
  if (seriesId === null) throw missing;
  const stored = await q.visibleMessages(db, { readerId, seriesId }, id);
  // A conversation wholly beyond the position (after a reset) does not exist for now.
  if (stored.length === 0) throw missing;
  return { id, seriesId, messages: stored.map(toUIMessage) };
}

/** Who asked what, where, in which conversation: what a turn is stored under. */
export interface TurnKey {
  readerId: string;
  seriesId: string;
  conversationId: string;
  position: Position;
  question: string;
  userClientId: string;
}

export interface StoredAnswer {
  clientId: string;
  text: string;
  status: MessageStatus;
  citations: Citation[];
  suggestions: string[];
  model: string | null;
  usage: { inputTokens: number | null; outputTokens: number | null };
  ttftMs: number | null;
  latencyMs: number;
  /** Sentences the guard withheld: the stored conversation shows the same notice as the stream did. */
  withheld: number;
}

/**
 * One turn's two messages. The question is written once (`question()`, idempotent), when the first
 * token is out or when the answer is stored, whichever comes first: a write must not sit between the
 * reader and the first token (on PGlite it blocks the event loop). The answer is written after it, so
 * the conversation keeps its order.
 */
export class TurnStore {
  private questionWrite: Promise<unknown> | null = null;

  constructor(
    private readonly db: Db,
    private readonly turn: TurnKey,
  ) {}

  question(): Promise<unknown> {
    const t = this.turn;
    this.questionWrite ??= q.insertMessage(this.db, {
      readerId: t.readerId,
      conversationId: t.conversationId,
      seriesId: t.seriesId,
      clientId: t.userClientId,
      role: 'user',
      text: t.question,
      position: t.position,
      status: 'complete',
    });
    return this.questionWrite;
  }

  async answer(a: StoredAnswer): Promise<void> {
    const t = this.turn;
    await this.question();
    await q.insertMessage(this.db, {
      readerId: t.readerId,
      conversationId: t.conversationId,
      seriesId: t.seriesId,
      clientId: a.clientId,
      role: 'assistant',
      text: a.text,
      position: t.position,
      status: a.status,
      citations: a.citations,
      suggestions: a.suggestions,
      model: a.model,
      inputTokens: a.usage.inputTokens,
      outputTokens: a.usage.outputTokens,
      ttftMs: a.ttftMs,
      latencyMs: a.latencyMs,
      withheld: a.withheld,
    });
  }
}

const titleOf = (q: string): string => (q.length > 80 ? `${q.slice(0, 79).trimEnd()}…` : q);

/**
 * A stored message as the stream built it, so `useChat({ messages })` shows it the same way: the text
 * (withheld sentences are '…'), the guard's notice, citations and suggestions.
 */
function toUIMessage(m: q.StoredMessage): FolioUIMessage {
  const parts: FolioUIMessage['parts'] = [{ type: 'text', text: m.text }];
  if (m.role === 'assistant' && m.withheld > 0) {
    parts.push({ type: 'data-guard', id: 'guard', data: { reason: 'later_in_story', withheld: m.withheld, message: withheldNotice(m.withheld) } });
  }
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
      ...(m.role === 'assistant'
        ? { model: m.model, ttftMs: m.ttftMs, latencyMs: m.latencyMs, usage: { inputTokens: m.inputTokens, outputTokens: m.outputTokens } }
        : {}),
    },
  };
}

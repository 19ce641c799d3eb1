/**
 * One chat session per series, kept outside React: closing the panel, turning
 * to another episode (the reader remounts) or following a citation must not
 * lose the conversation or stop an answer. The panel subscribes to it.
 */
import { Chat } from '@ai-sdk/react';
import { generateId } from 'ai';
import type { ConversationDetail, FolioUIMessage, Position } from '../../../src/contract/index.js';
import { onProgressReset } from '../progress/reset-events';
import { chatTransport } from './transport';

export class ChatSession {
  chat: Chat<FolioUIMessage>;
  /** "Waking the model…" while a cold model loads (a transient data-status part). */
  waking: string | null = null;
  /** What the reader was typing. */
  draft = '';
  /** Pages on screen now, sent with each question (`viewing`). */
  viewing: Position[] = [];
  private version = 0;
  private readonly listeners = new Set<() => void>();

  constructor(readonly seriesId: string) {
    this.chat = this.create(newConversationId());
  }

  private create(id: string, messages?: FolioUIMessage[]): Chat<FolioUIMessage> {
    const chat: Chat<FolioUIMessage> = new Chat<FolioUIMessage>({
      id,
      messages,
      transport: chatTransport(this.seriesId, () => this.viewing),
      onData: (part) => {
        if (part.type === 'data-status' && this.chat === chat) this.setWaking(part.data.message);
      },
      onFinish: () => {
        if (this.chat === chat) this.setWaking(null);
      },
    });
    return chat;
  }

  private setWaking(message: string | null): void {
    if (this.waking === message) return;
    this.waking = message;
    this.emit();
  }

  /** Start afresh (the old answer, if any, is stopped). */
  newConversation(): void {
    void this.chat.stop();
    this.chat = this.create(newConversationId());
    this.waking = null;
    this.emit();
  }

  /** Continue a stored conversation (GET /api/conversations/:id). */
  open(detail: ConversationDetail): void {
    void this.chat.stop();
    this.chat = this.create(detail.id, detail.messages);
    this.waking = null;
    this.emit();
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getVersion = (): number => this.version;

  private emit(): void {
    this.version++;
    for (const fn of this.listeners) fn();
  }
}

/** Letters, digits and dashes: what the chat route accepts as an id. */
const newConversationId = () => `c-${generateId()}`;

const sessions = new Map<string, ChatSession>();

export function chatSession(seriesId: string): ChatSession {
  let s = sessions.get(seriesId);
  if (!s) {
    s = new ChatSession(seriesId);
    sessions.set(seriesId, s);
  }
  return s;
}

// After a progress reset, conversations held in memory may say more than the reader now knows.
onProgressReset((seriesId) => {
  const s = sessions.get(seriesId);
  if (s) {
    s.draft = '';
    s.newConversation();
  }
});

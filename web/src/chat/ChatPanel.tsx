/**
 * The companion in the reader's side panel: ask about what you have read,
 * watch the answer stream in, open the pages it cites, follow a suggestion.
 * Loaded on first use (it brings the AI SDK and the markdown renderer).
 *
 * Spoiler rules on this side: the server decides everything from the progress
 * row; before each question the reader's newest page is stored first
 * (`flushProgress`), and nothing is linked past the position the app knows.
 */
import { useChat } from '@ai-sdk/react';
import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { FolioUIMessage, WarmupResult } from '../../../src/contract/index.js';
import { api } from '../api/client';
import type { ReaderPanelContext } from '../panels/registry';
import { atOrBefore } from '../ui/position';
import { AnswerView } from './AnswerView';
import { questionText, readAnswer } from './answer';
import { ConversationList } from './ConversationList';
import { friendlyError } from './errors';
import { chatSession } from './session';
import { useCountdown } from './use-countdown';
import './chat.css';

const STARTERS = ['What has happened so far?', 'Who is on this page?', 'Where does this take place?'];

export default function ChatPanel({ ctx }: { ctx: ReaderPanelContext }) {
  const session = chatSession(ctx.seriesId);
  useSyncExternalStore(session.subscribe, session.getVersion);
  const { messages, status, error, sendMessage, regenerate, stop, clearError } = useChat<FolioUIMessage>({ chat: session.chat, experimental_throttle: 30 });
  const [draft, setDraftState] = useState(session.draft);
  const [sending, setSending] = useState(false);
  const [stopped, setStopped] = useState<ReadonlySet<string>>(new Set());
  const [listOpen, setListOpen] = useState(false);
  const [warmup, setWarmup] = useState<WarmupResult | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const log = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const busy = sending || status === 'submitted' || status === 'streaming';

  const setDraft = (text: string) => {
    session.draft = text;
    setDraftState(text);
  };

  // The pages on screen go with each question (a spread is two).
  session.viewing = ctx.displayedPages.map((page) => ({ episode: ctx.episode.episode.number, page }));

  // Opening the chat wakes a cold model while the reader is still reading (best effort, never waited for).
  useEffect(() => {
    const ctrl = new AbortController();
    api<WarmupResult>(`/api/series/${encodeURIComponent(ctx.seriesId)}/chat/warmup`, { method: 'POST', signal: ctrl.signal }).then(setWarmup, () => {});
    return () => ctrl.abort();
  }, [ctx.seriesId]);

  // Focus the question box when the chat opens, but not on touch screens (no surprise keyboard) and not
  // while the reader moves between tabs with the arrow keys (focus stays on the tab).
  useEffect(() => {
    const onTab = document.activeElement?.getAttribute('role') === 'tab';
    if (!onTab && !window.matchMedia('(pointer: coarse)').matches) input.current?.focus();
  }, []);

  const ask = async (text: string) => {
    const question = text.trim();
    if (!question || busy) return;
    setDraft('');
    setSending(true);
    stickToBottom.current = true;
    try {
      // A question asked right after a page turn must already count that page.
      await ctx.flushProgress().catch(() => {});
      void sendMessage({ text: question });
    } finally {
      setSending(false);
    }
  };

  const retry = async () => {
    setSending(true);
    try {
      await ctx.flushProgress().catch(() => {});
      clearError();
      void regenerate();
    } finally {
      setSending(false);
    }
  };

  const stopAnswer = () => {
    const last = messages[messages.length - 1];
    if (last?.role === 'assistant') setStopped((s) => new Set(s).add(last.id));
    void stop();
  };

  // Questions from elsewhere: a suggestion on the world graph ("Who is Tobin?").
  const handled = useRef<number | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once per request from elsewhere (its nonce), with the ask/busy of that moment
  useEffect(() => {
    const r = ctx.request;
    if (!r?.ask || handled.current === r.nonce) return;
    handled.current = r.nonce;
    if (busy) setDraft(r.ask);
    else void ask(r.ask);
  }, [ctx.request]);

  // Follow the answer as it grows, unless the reader scrolled up to read something.
  useEffect(() => {
    const el = log.current;
    if (el && stickToBottom.current) el.scrollTop = el.scrollHeight;
  });

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void ask(draft);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      if (busy) stopAnswer();
      else ctx.closePanel();
    }
  };

  // Esc anywhere in the chat stops an answer first (the reader would otherwise close the panel).
  const onPanelKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && busy && !e.defaultPrevented) {
      e.preventDefault();
      stopAnswer();
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void ask(draft);
  };

  const onInternalLink = ctx.openLink;
  const last = messages[messages.length - 1];
  const streamError = last?.role === 'assistant' ? readAnswer(last).error : null;
  const failure = status === 'error' || error ? friendlyError(error, streamError) : null;
  const countdown = useCountdown(failure?.retryAfterS ?? null, error);
  // An answer written past the position the app knows (a reset in another tab) is not shown.
  const visible = messages.filter((m) => m.role !== 'assistant' || !m.metadata?.position || atOrBefore(m.metadata.position, ctx.position));
  const showWaking = session.waking !== null && (status === 'submitted' || (status === 'streaming' && last?.role === 'assistant' && readAnswer(last).text === ''));

  return (
    <section className="chat" aria-label="Ask the companion" onKeyDown={onPanelKeyDown} data-status={status}>
      <div className="chat-head">
        <button
          type="button"
          className="button button--small button--quiet"
          aria-expanded={listOpen}
          aria-controls="chat-conversations"
          onClick={() => setListOpen((o) => !o)}
          data-testid="conversations-toggle"
        >
          Conversations
        </button>
        <button
          type="button"
          className="button button--small button--quiet"
          onClick={() => {
            session.newConversation();
            setStopped(new Set());
            setListOpen(false);
            input.current?.focus();
          }}
          disabled={messages.length === 0 && !listOpen}
          data-testid="new-conversation"
        >
          New conversation
        </button>
      </div>
      {listOpen ? (
        <ConversationList
          seriesId={ctx.seriesId}
          currentId={session.chat.id}
          onOpen={(detail) => {
            session.open(detail);
            setStopped(new Set());
            setListOpen(false);
            input.current?.focus();
          }}
        />
      ) : null}
      {ctx.peek ? <p className="chat-note">You are peeking: the companion answers from your saved place, not from this page.</p> : null}
      <div
        className="chat-log"
        ref={log}
        onScroll={(e) => {
          const el = e.currentTarget;
          stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
        data-testid="chat-log"
      >
        {visible.length === 0 ? (
          <div className="chat-empty">
            <p>Ask about anything you have read so far. The companion only knows the pages up to your place in the story, and shows where it found each answer.</p>
            {warmup?.status === 'quote' ? <p className="muted">No language model is configured on this server: answers are quotes from the pages.</p> : null}
            {/* biome-ignore lint/a11y/useSemanticElements: a row of suggestion buttons, not a form section; the browser tests and screen readers find it as a named group */}
            <div className="chips" role="group" aria-label="Questions to start with">
              {STARTERS.map((s) => (
                <button key={s} type="button" className="chip" onClick={() => void ask(s)} disabled={busy}>
                  {s}
                </button>
              ))}
            </div>
          </div>
        ) : null}
        {visible.map((m, i) =>
          m.role === 'user' ? (
            <p key={m.id} className="question" data-testid="question">
              <span className="visually-hidden">You asked: </span>
              {questionText(m)}
            </p>
          ) : (
            <AnswerView
              key={m.id}
              message={m}
              seriesId={ctx.seriesId}
              known={ctx.position}
              streaming={status === 'streaming' && i === visible.length - 1}
              stopped={stopped.has(m.id)}
              latest={i === visible.length - 1}
              onInternalLink={onInternalLink}
              onSuggestion={busy ? undefined : (q) => void ask(q)}
            />
          ),
        )}
        {status === 'submitted' && last?.role === 'user' ? (
          <p className="answer-thinking" role="status">
            <span className="dots" aria-hidden="true" />
            <span className="visually-hidden">Answering…</span>
          </p>
        ) : null}
        {showWaking ? (
          <p className="chat-waking" role="status" data-testid="waking">
            {session.waking}
          </p>
        ) : null}
        {failure ? (
          <div className="chat-error" role="alert" data-testid="chat-error" data-code={failure.code}>
            <p className="chat-error-title">{failure.title}</p>
            <p>{failure.message}</p>
            <div className="chat-error-actions">
              {failure.retry ? (
                <button type="button" className="button button--small button--primary" onClick={() => void retry()} disabled={countdown > 0 || busy} data-testid="retry">
                  {countdown > 0 ? `Try again in ${countdown} s` : 'Try again'}
                </button>
              ) : null}
              {failure.newConversation ? (
                <button type="button" className="button button--small" onClick={() => session.newConversation()}>
                  New conversation
                </button>
              ) : null}
            </div>
          </div>
        ) : null}
      </div>
      <form className="chat-form" onSubmit={submit}>
        <label htmlFor="chat-input" className="visually-hidden">
          Your question
        </label>
        <textarea
          id="chat-input"
          ref={input}
          className="chat-input"
          rows={2}
          value={draft}
          placeholder="Ask about what you've read…"
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKeyDown}
          aria-describedby="chat-keys"
          enterKeyHint="send"
        />
        <span id="chat-keys" className="visually-hidden">
          Enter sends, Shift+Enter starts a new line, Escape stops an answer.
        </span>
        {status === 'submitted' || status === 'streaming' ? (
          <button type="button" className="button button--small chat-send" onClick={stopAnswer} data-testid="stop">
            Stop
          </button>
        ) : (
          <button type="submit" className="button button--small button--primary chat-send" disabled={draft.trim() === '' || sending} data-testid="send">
            Ask
          </button>
        )}
      </form>
    </section>
  );
}

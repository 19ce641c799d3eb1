/**
 * "Story so far" (the series up to the reader's position) and "Previously"
 * (the current episode up to the position): a streamed recap, with the same
 * protocol, citations and labels as a chat answer, and no suggestions.
 * Used in the reader's Recap panel and on the series page.
 */
import { Chat, useChat } from '@ai-sdk/react';
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { FolioUIMessage, Position } from '../../../src/contract/index.js';
import { AnswerView } from '../chat/AnswerView';
import { readAnswer } from '../chat/answer';
import { friendlyError } from '../chat/errors';
import { type RecapScope, recapTransport } from '../chat/transport';
import { useCountdown } from '../chat/use-countdown';
import type { LinkTarget } from '../markdown/links';
import { onProgressReset } from '../progress/reset-events';
import { atOrBefore } from '../ui/position';
import '../chat/chat.css';

export const RECAP_LABEL: Record<RecapScope, string> = { series: 'Story so far', episode: 'Previously' };

/** One recap per series and scope, kept outside React so closing the panel neither loses nor stops it. */
class RecapSession {
  readonly chat: Chat<FolioUIMessage>;
  waking: string | null = null;
  private readonly listeners = new Set<() => void>();
  private version = 0;

  constructor(seriesId: string, scope: RecapScope) {
    this.chat = new Chat<FolioUIMessage>({
      transport: recapTransport(seriesId, scope),
      onData: (part) => {
        if (part.type === 'data-status') this.setWaking(part.data.message);
      },
      onFinish: () => this.setWaking(null),
    });
  }

  setWaking(message: string | null): void {
    this.waking = message;
    this.version++;
    for (const fn of this.listeners) fn();
  }

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getVersion = () => this.version;
}

const sessions = new Map<string, RecapSession>();
function recapSession(seriesId: string, scope: RecapScope): RecapSession {
  const key = `${seriesId}|${scope}`;
  let s = sessions.get(key);
  if (!s) sessions.set(key, (s = new RecapSession(seriesId, scope)));
  return s;
}

// A recap made further on must not stay on screen after a reset.
onProgressReset((seriesId) => {
  for (const scope of ['series', 'episode'] as const) {
    const key = `${seriesId}|${scope}`;
    void sessions.get(key)?.chat.stop();
    sessions.delete(key);
  }
});

export interface RecapProps {
  seriesId: string;
  known: Position | null;
  /** Store the newest page first (the recap is bounded by the stored position). */
  flushProgress: () => Promise<void>;
  onInternalLink?: (target: LinkTarget) => boolean;
  /** Start this recap at once (a button elsewhere asked for it). */
  autoStart?: RecapScope;
}

export function Recap({ seriesId, known, flushProgress, onInternalLink, autoStart }: RecapProps) {
  const [scope, setScope] = useState<RecapScope>(autoStart ?? 'series');
  const session = recapSession(seriesId, scope);
  useSyncExternalStore(session.subscribe, session.getVersion);
  const { messages, status, error, stop } = useChat<FolioUIMessage>({ chat: session.chat, experimental_throttle: 30 });
  const [starting, setStarting] = useState(false);
  const [stopped, setStopped] = useState(false);
  const busy = starting || status === 'submitted' || status === 'streaming';
  const started = useRef(false);

  const run = async (which: RecapScope) => {
    setScope(which);
    const s = recapSession(seriesId, which);
    if (s.chat.status === 'submitted' || s.chat.status === 'streaming') return;
    setStarting(true);
    setStopped(false);
    try {
      await flushProgress().catch(() => {});
      // Each recap is made afresh for the position now; the previous one is replaced.
      s.chat.messages = [];
      s.chat.clearError();
      void s.chat.sendMessage({ text: RECAP_LABEL[which] });
    } finally {
      setStarting(false);
    }
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: starts once when asked to (autoStart), not again when run changes
  useEffect(() => {
    if (autoStart && !started.current) {
      started.current = true;
      void run(autoStart);
    }
  }, [autoStart]);

  const answer = [...messages].reverse().find((m) => m.role === 'assistant');
  const streamError = answer ? readAnswer(answer).error : null;
  const failure = status === 'error' || error ? friendlyError(error, streamError) : null;
  const countdown = useCountdown(failure?.retryAfterS ?? null, error);
  // A recap written past the position the app knows (a reset elsewhere) is not shown.
  const fresh = answer && (!answer.metadata?.position || atOrBefore(answer.metadata.position, known)) ? answer : undefined;

  return (
    <section className="recap" aria-label="Recap" data-status={status} data-scope={scope}>
      {/* biome-ignore lint/a11y/useSemanticElements: a row of recap buttons, not a form section; the browser tests and screen readers find it as a named group */}
      <div className="recap-actions" role="group" aria-label="Recaps">
        {(['series', 'episode'] as const).map((which) => (
          <button
            key={which}
            type="button"
            className={`button button--small ${scope === which && answer ? 'button--primary' : ''}`}
            onClick={() => void run(which)}
            disabled={busy}
            data-testid={`recap-${which}`}
          >
            {RECAP_LABEL[which]}
          </button>
        ))}
        {busy ? (
          <button
            type="button"
            className="button button--small"
            onClick={() => {
              setStopped(true);
              void stop();
            }}
            data-testid="recap-stop"
          >
            Stop
          </button>
        ) : null}
      </div>
      {!answer && !busy && !failure ? (
        <p className="muted">A short recap of what you have read: the whole story so far, or the current episode. Nothing after your place is used.</p>
      ) : null}
      {busy && !answer ? (
        <p className="answer-thinking" role="status">
          <span className="dots" aria-hidden="true" />
          <span>{session.waking ?? 'Writing the recap…'}</span>
        </p>
      ) : null}
      {fresh ? (
        <>
          <h3 className="recap-title">{RECAP_LABEL[scope]}</h3>
          {session.waking && status === 'streaming' && readAnswer(fresh).text === '' ? (
            <p className="chat-waking" role="status" data-testid="waking">
              {session.waking}
            </p>
          ) : null}
          <AnswerView message={fresh} seriesId={seriesId} known={known} streaming={status === 'streaming'} stopped={stopped} latest onInternalLink={onInternalLink} />
        </>
      ) : null}
      {failure ? (
        <div className="chat-error" role="alert" data-testid="recap-error" data-code={failure.code}>
          <p className="chat-error-title">{failure.title}</p>
          <p>{failure.message}</p>
          {failure.retry ? (
            <button
              type="button"
              className="button button--small button--primary"
              onClick={() => void run(scope)}
              disabled={countdown > 0 || busy}
              data-testid="recap-retry"
            >
              {countdown > 0 ? `Try again in ${countdown} s` : 'Try again'}
            </button>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

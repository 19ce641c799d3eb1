/** The reader's earlier conversations in this series (only what was said at or before their position). */
import { useEffect, useRef, useState } from 'react';
import type { ConversationDetail, ConversationList as ConversationListResponse, ConversationSummary } from '../../../src/contract/index.js';
import { api, describeError } from '../api/client';

const when = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
};

export function ConversationList({ seriesId, currentId, onOpen }: { seriesId: string; currentId: string; onOpen: (c: ConversationDetail) => void }) {
  const [list, setList] = useState<ConversationSummary[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [opening, setOpening] = useState<string | null>(null);
  const [nonce, setNonce] = useState(0);
  const first = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    setError(null);
    api<ConversationListResponse>(`/api/series/${encodeURIComponent(seriesId)}/conversations`, { signal: ctrl.signal }).then(
      (r) => setList(r.conversations),
      (err: unknown) => {
        if ((err as Error).name !== 'AbortError') setError(err);
      },
    );
    return () => ctrl.abort();
  }, [seriesId, nonce]);

  useEffect(() => {
    if (list) first.current?.focus();
  }, [list]);

  const open = async (id: string) => {
    setOpening(id);
    setError(null);
    try {
      onOpen(await api<ConversationDetail>(`/api/conversations/${encodeURIComponent(id)}`));
    } catch (err) {
      setError(err);
    } finally {
      setOpening(null);
    }
  };

  return (
    <div className="conversations" id="chat-conversations" data-testid="conversations">
      <h3 className="conversations-title">Your conversations</h3>
      {error ? (
        <div role="alert" className="chat-error">
          <p>{describeError(error)}</p>
          <button type="button" className="button button--small" onClick={() => setNonce((n) => n + 1)}>
            Try again
          </button>
        </div>
      ) : list === null ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : list.length === 0 ? (
        <p className="muted">No conversations yet.</p>
      ) : (
        <ul>
          {list.map((c, i) => (
            <li key={c.id}>
              <button
                type="button"
                ref={i === 0 ? first : undefined}
                className="conversation"
                aria-current={c.id === currentId ? 'true' : undefined}
                onClick={() => void open(c.id)}
                disabled={opening !== null}
              >
                <span className="conversation-title">{c.title}</span>
                <span className="conversation-meta">
                  {c.messages} messages · {when(c.updatedAt)}
                  {opening === c.id ? ' · opening…' : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

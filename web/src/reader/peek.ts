/**
 * "Just peek" (read an episode past the next unread one without moving progress) is a choice made on the
 * skip-ahead screen, so it lives in this tab's history entry, never in the URL: a shared or crafted link
 * (`…?peek=true`) cannot open a reader straight onto a later page; it shows the skip-ahead question.
 * Reload, back and forward keep the entry's state, so a peek survives them in the tab that chose it.
 */
import { useSyncExternalStore } from 'react';

const STATE = { folioPeek: true } as const;
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

export function isPeeking(): boolean {
  return (window.history.state as { folioPeek?: unknown } | null)?.folioPeek === true;
}

/** Whether the current history entry is a peek (re-renders when it changes). */
export function usePeeking(): boolean {
  return useSyncExternalStore(subscribe, isPeeking);
}

/** Navigation options that carry the peek on (or not) to the next entry. */
export function peekState(peek: boolean): { state: typeof STATE | null } {
  return { state: peek ? STATE : null };
}

/** After a navigation that may have changed the entry's state on the same URL (wouter re-renders only on a new URL). */
export function peekChanged(): void {
  for (const l of listeners) l();
}

/** A `peek` query parameter from a link is not honoured: drop it from the address (and from what is shared next). */
export function dropPeekParam(): void {
  const url = new URL(window.location.href);
  if (!url.searchParams.has('peek')) return;
  url.searchParams.delete('peek');
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
}

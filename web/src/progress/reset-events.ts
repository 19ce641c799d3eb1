/**
 * "Progress was reset" for parts of the app loaded later (the chat keeps
 * conversations in memory; after a reset, answers written further on must not
 * stay on screen). Tiny on purpose: the series page, in the first bundle, emits it.
 */
const listeners = new Set<(seriesId: string) => void>();

export function onProgressReset(fn: (seriesId: string) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function notifyProgressReset(seriesId: string): void {
  for (const fn of listeners) fn(seriesId);
}

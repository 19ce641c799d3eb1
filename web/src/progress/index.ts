/** The app's progress writer, and `flushProgress()` for panels that must see the newest page (chat). */

import type { ProgressResult } from '../../../src/contract/index.js';
import { ApiError, api } from '../api/client';
import { invalidate } from '../api/use-api';
import { ProgressSync } from './progress-sync';

export const progressSync = new ProgressSync(
  (seriesId, at, { keepalive }) => api<ProgressResult>(`/api/series/${encodeURIComponent(seriesId)}/progress`, { method: 'POST', json: at, keepalive }),
  500,
  3000,
  // 4xx (a page that no longer exists, a skip the reader has not confirmed) will not succeed later; 5xx and offline may.
  (err) => err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429,
);

// What the library and series pages show depends on progress: refetch them next time.
progressSync.onStored((seriesId) => {
  invalidate('/api/series');
  void seriesId;
});

/** Store every displayed page reported so far (for one series, or all); resolves when the server has it. */
export const flushProgress = (seriesId?: string): Promise<void> => progressSync.flush(seriesId);

// Leaving the page (closing the tab, navigating away): send what is pending, outliving the page.
if (typeof window !== 'undefined') {
  const leave = () => void progressSync.flush(undefined, { keepalive: true }).catch(() => {});
  window.addEventListener('pagehide', leave);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') leave();
  });
}

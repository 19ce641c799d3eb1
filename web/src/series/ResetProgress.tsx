/** "Reset progress" with a confirmation: back to the start of an episode already reached. */
import { useState } from 'react';
import type { EpisodeDetail, SeriesDetail, StoredProgress } from '../../../src/contract/index.js';
import { api, describeError } from '../api/client';
import { invalidate } from '../api/use-api';
import { progressSync } from '../progress';
import { notifyProgressReset } from '../progress/reset-events';
import { Dialog } from '../ui/Dialog';

export function ResetProgress({ detail, onDone }: { detail: SeriesDetail; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const reachable = detail.episodes.filter((e) => detail.progress && e.number <= detail.progress.episode);
  const [target, setTarget] = useState<number>(reachable[0]?.number ?? 0);
  if (!detail.progress) return null;
  const seriesId = detail.series.id;

  const reset = async () => {
    setBusy(true);
    setError(null);
    try {
      // A position still waiting to be written must not undo the reset.
      progressSync.cancel(seriesId);
      const ep = await api<EpisodeDetail>(`/api/series/${encodeURIComponent(seriesId)}/episodes/${target}`);
      const first = ep.pages[0];
      if (!first) throw new Error(`Episode ${target} has no pages.`);
      await api<StoredProgress>(`/api/series/${encodeURIComponent(seriesId)}/progress/reset`, {
        method: 'POST',
        json: { episode: target, page: first.number },
      });
      invalidate('/api/series');
      notifyProgressReset(seriesId);
      setOpen(false);
      onDone();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" className="button button--quiet" onClick={() => setOpen(true)} data-testid="reset-progress">
        Reset progress…
      </button>
      <Dialog open={open} title="Reset your progress?" onClose={() => setOpen(false)} labelledBy="reset-title">
        <p>Folio only shows what you have reached. Resetting moves your place back; pages, summaries and titles after it are hidden again until you read them.</p>
        <label className="field">
          <span>Go back to the start of</span>
          <select value={target} onChange={(e) => setTarget(Number(e.target.value))}>
            {reachable.map((e) => (
              <option key={e.number} value={e.number}>
                {e.displayTitle === `Episode ${e.number}` ? e.displayTitle : `Episode ${e.number}: ${e.displayTitle}`}
              </option>
            ))}
          </select>
        </label>
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="dialog-actions">
          <button type="button" className="button button--danger" onClick={() => void reset()} disabled={busy} data-testid="confirm-reset">
            {busy ? 'Resetting…' : 'Reset progress'}
          </button>
          {/* biome-ignore lint/a11y/noAutofocus: a modal dialog puts focus on its least destructive action when it opens (WAI-ARIA dialog pattern) */}
          <button type="button" className="button" onClick={() => setOpen(false)} autoFocus>
            Cancel
          </button>
        </div>
      </Dialog>
    </>
  );
}

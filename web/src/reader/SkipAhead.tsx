/**
 * Opening an episode past the next unread one (docs/architecture.md#the-spoiler-policy): progress must not
 * silently jump. The reader says they have read what comes before (progress
 * moves with confirmSkip), goes back to where they are, or peeks without
 * any progress change.
 */
import { useState } from 'react';
import { useLocation } from 'wouter';
import type { EpisodeDetail, Position, ProgressResult, SeriesDetail } from '../../../src/contract/index.js';
import { api, describeError } from '../api/client';
import { invalidate } from '../api/use-api';
import { CoverImage } from '../ui/CoverImage';
import { Dialog } from '../ui/Dialog';
import { readerPath, skipQuestion } from '../ui/format';
import { peekChanged, peekState } from './peek';

export function SkipAhead({
  seriesId,
  detail,
  series,
  page,
  onConfirmed,
}: {
  seriesId: string;
  detail: EpisodeDetail;
  series: SeriesDetail;
  page: number;
  onConfirmed: () => void;
}) {
  const [, navigate] = useLocation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const episode = detail.episode.number;
  const numbers = series.episodes.map((e) => e.number);
  const progress = series.progress;
  const firstPage = detail.pages[0]?.number ?? 0;

  const yes = async () => {
    setBusy(true);
    setError(null);
    try {
      await api<ProgressResult>(`/api/series/${encodeURIComponent(seriesId)}/progress`, {
        method: 'POST',
        json: { episode, page: firstPage, confirmSkip: true },
      });
      invalidate('/api/series');
      onConfirmed();
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };
  const back: Position = progress ?? { episode: numbers[0] ?? episode, page: 0 };

  return (
    <main className="skip-ahead" id="main">
      <div className="skip-ahead-cover" aria-hidden="true">
        <CoverImage cover={detail.episode.cover} alt="" />
      </div>
      <Dialog open title={skipQuestion(numbers, episode)} onClose={() => navigate(`/series/${encodeURIComponent(seriesId)}`)} labelledBy="skip-title">
        <p>
          You are opening <strong>{detail.episode.displayTitle}</strong>
          {progress ? `, but your place is episode ${progress.episode}, page ${progress.page}` : ', but you have not started this series'}. Folio keeps everything after
          your place hidden, so it asks before moving it.
        </p>
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="dialog-actions dialog-actions--stack">
          <button type="button" className="button button--primary" onClick={() => void yes()} disabled={busy} data-testid="skip-yes">
            {busy ? 'Saving…' : `Yes, I have read them: open episode ${episode}`}
          </button>
          <button type="button" className="button" onClick={() => navigate(readerPath(seriesId, back))} data-testid="skip-back">
            {progress ? `No, continue where I left off (episode ${progress.episode})` : 'No, start from the beginning'}
          </button>
          <button
            type="button"
            className="button button--quiet"
            onClick={() => {
              navigate(readerPath(seriesId, { episode, page }), peekState(true));
              peekChanged();
            }}
            data-testid="skip-peek"
          >
            Just peek (my progress stays where it is)
          </button>
        </div>
      </Dialog>
    </main>
  );
}

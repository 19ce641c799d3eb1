/** Loading, slow-loading and failure states shared by every page. */
import type { ReactNode } from 'react';
import { Link } from 'wouter';
import { ApiError, ApiUnreachable, describeError } from '../api/client';

export function Skeleton({ className, label }: { className?: string; label?: string }) {
  // With a label it stands for the whole loading page (a named status); without, it is one decorative block among several.
  return label ? (
    <div className={`skeleton ${className ?? ''}`} role="status" aria-label={label} />
  ) : (
    <div className={`skeleton ${className ?? ''}`} aria-hidden="true" />
  );
}

/** Shown while loading: nothing for the first moments, then skeletons (so fast loads do not flash). */
export function Loading({ slow, children }: { slow: boolean; children: ReactNode }) {
  return (
    <div className="loading" role="status" aria-live="polite" aria-busy="true">
      {slow ? (
        <>
          <span className="visually-hidden">Loading…</span>
          {children}
        </>
      ) : null}
    </div>
  );
}

export function ErrorState({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: string }) {
  const down = error instanceof ApiUnreachable;
  const notFound = error instanceof ApiError && error.status === 404;
  return (
    <div className={`error-state ${down ? 'error-state--down' : ''}`} role="alert">
      <h2>{title ?? (down ? 'Folio is offline' : notFound ? 'Not found' : 'Something went wrong')}</h2>
      <p>{describeError(error)}</p>
      <div className="error-actions">
        {onRetry && !notFound ? (
          <button type="button" className="button button--primary" onClick={onRetry}>
            Try again
          </button>
        ) : null}
        <Link className="button" href="/">
          Back to the library
        </Link>
      </div>
    </div>
  );
}

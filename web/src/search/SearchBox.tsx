/**
 * Search what you have read (pages and unlocked wiki text): GET
 * /api/series/:id/search. Snippets are plain text with the API's highlight
 * offsets drawn as <mark>; results open the page or the article.
 */
import { type FormEvent, type MouseEvent, useEffect, useId, useRef, useState } from 'react';
import { Link } from 'wouter';
import type { Position, SearchResponse, SearchResult } from '../../../src/contract/index.js';
import { api, describeError } from '../api/client';
import { classifyHref, type LinkTarget } from '../markdown/links';
import { atOrBefore } from '../ui/position';
import { highlightPieces } from './highlight';

const DEBOUNCE_MS = 350;
const PAGE_SIZE = 10;

interface State {
  query: string;
  results: SearchResult[];
  nextOffset: number | null;
  loading: boolean;
  error: unknown;
}

export interface SearchBoxProps {
  seriesId: string;
  known: Position | null;
  /** Store the newest page first (in the reader), so it is searchable at once. */
  beforeSearch?: () => Promise<void>;
  /** Open a result in place (the reader); false = follow the link. */
  onOpen?: (target: LinkTarget) => boolean;
  autoFocus?: boolean;
  compact?: boolean;
}

function Snippet({ r }: { r: SearchResult }) {
  return (
    <span className="search-snippet">
      {/* biome-ignore lint/suspicious/noArrayIndexKey: the pieces of one snippet, always rebuilt together in order: the position is their identity */}
      {highlightPieces(r.snippet, r.highlights).map((p, i) => (p.mark ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
    </span>
  );
}

function where(r: SearchResult): string {
  if (r.kind === 'wiki') return r.section ? `Wiki · ${r.section}` : 'Wiki';
  return `Episode ${r.episode}, page ${r.page}${r.source === 'description' ? ' · description' : ''}`;
}

export function SearchBox({ seriesId, known, beforeSearch, onOpen, autoFocus, compact }: SearchBoxProps) {
  const [text, setText] = useState('');
  const [state, setState] = useState<State | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const live = useRef<AbortController | null>(null);
  const id = useId();

  const run = async (q: string, offset = 0) => {
    const query = q.trim();
    live.current?.abort();
    if (!query) {
      setState(null);
      return;
    }
    const ctrl = new AbortController();
    live.current = ctrl;
    setState((s) => ({ query, results: offset > 0 && s ? s.results : [], nextOffset: null, loading: true, error: null }));
    try {
      await beforeSearch?.().catch(() => {});
      const r = await api<SearchResponse>(
        `/api/series/${encodeURIComponent(seriesId)}/search?q=${encodeURIComponent(query)}&limit=${PAGE_SIZE}${offset ? `&offset=${offset}` : ''}`,
        { signal: ctrl.signal },
      );
      if (live.current !== ctrl) return;
      setState((s) => ({ query, results: offset > 0 && s ? [...s.results, ...r.results] : r.results, nextOffset: r.nextOffset, loading: false, error: null }));
    } catch (error) {
      if ((error as Error).name === 'AbortError' || live.current !== ctrl) return;
      setState((s) => ({ query, results: s?.results ?? [], nextOffset: null, loading: false, error }));
    }
  };

  // Results follow the typing, a moment after it stops.
  // biome-ignore lint/correctness/useExhaustiveDependencies: results follow the typed text only; run and state change with every response, and depending on them would search again
  useEffect(() => {
    if (text.trim() === (state?.query ?? '')) return;
    const t = setTimeout(() => void run(text), DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [text]);

  useEffect(() => {
    if (autoFocus) input.current?.focus();
    return () => live.current?.abort();
  }, [autoFocus]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(text);
  };

  const resultLink = (r: SearchResult) => {
    const t = classifyHref(r.link);
    if (!t || t.kind === 'external' || t.seriesId !== seriesId) return null;
    if (t.kind === 'page' && !atOrBefore(t.at, known)) return null;
    return t;
  };

  return (
    <search className={`search ${compact ? 'search--compact' : ''}`}>
      <form className="search-form" onSubmit={submit}>
        <label htmlFor={`${id}-q`} className="visually-hidden">
          Search what you have read
        </label>
        <input
          id={`${id}-q`}
          ref={input}
          type="search"
          className="search-input"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="Search what you've read"
          maxLength={200}
          autoComplete="off"
          aria-controls={`${id}-results`}
          data-testid="search-input"
        />
        <button type="submit" className="button button--small">
          Search
        </button>
      </form>
      <div id={`${id}-results`} className="search-results" aria-live="polite" data-testid="search-results">
        {state?.error ? (
          <p className="search-error" role="alert">
            {describeError(state.error)}{' '}
            <button type="button" className="button button--small" onClick={() => void run(state.query)}>
              Try again
            </button>
          </p>
        ) : null}
        {state && !state.loading && !state.error && state.results.length === 0 ? <p className="muted">Nothing you have read matches “{state.query}”.</p> : null}
        {state && state.results.length > 0 ? (
          <>
            <p className="visually-hidden">
              {state.results.length} result{state.results.length === 1 ? '' : 's'} for “{state.query}”
            </p>
            <ol className="search-list">
              {state.results.map((r, i) => {
                const t = resultLink(r);
                const body = (
                  <>
                    <span className="search-title">{r.title}</span>
                    <span className="search-where">{where(r)}</span>
                    <Snippet r={r} />
                  </>
                );
                return (
                  // biome-ignore lint/suspicious/noArrayIndexKey: one link can be two results (a page's dialogue and its description), and results only grow at the end, so link and position are unique and stable
                  <li key={`${r.link}|${i}`} className="search-result" data-kind={r.kind}>
                    {t ? (
                      <Link
                        href={t.href}
                        className="search-link"
                        onClick={(e: MouseEvent) => {
                          if (onOpen?.(t)) e.preventDefault();
                        }}
                      >
                        {body}
                      </Link>
                    ) : (
                      <div className="search-link search-link--off">{body}</div>
                    )}
                  </li>
                );
              })}
            </ol>
          </>
        ) : null}
        {state?.loading ? (
          <p className="muted" role="status">
            Searching…
          </p>
        ) : null}
        {state && !state.loading && state.nextOffset !== null ? (
          <button type="button" className="button button--small" onClick={() => void run(state.query, state.nextOffset ?? 0)}>
            More results
          </button>
        ) : null}
      </div>
    </search>
  );
}

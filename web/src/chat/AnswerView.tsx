/**
 * One answer of the companion (or a recap): streamed markdown with citation
 * links, a note when sentences about the unreached were left out, the sources
 * it used, how it was made (quotes when no model is configured), and follow-up
 * suggestions. Shared by the chat panel and recaps.
 */

import { Link } from 'wouter';
import type { Citation, FolioUIMessage, Position } from '../../../src/contract/index.js';
import { answerLinkPolicy, type LinkTarget } from '../markdown/links';
import { Markdown } from '../markdown/Markdown';
import { readAnswer } from './answer';
import { citationTarget, linkCitationLabels, uniqueSources } from './citations';

export const QUOTE_LABEL = 'Quotes from the pages (no language model configured)';
export const EXTRACTIVE_LABEL = 'Sentences from the pages (no language model configured)';

export interface AnswerViewProps {
  message: FolioUIMessage;
  seriesId: string;
  /** The reader's position as the app knows it: nothing after it is ever a link. */
  known: Position | null;
  streaming: boolean;
  /** Stopped by the reader before it finished. */
  stopped?: boolean;
  /** The newest answer: its region is live for screen readers, and its suggestions are offered. */
  latest: boolean;
  onInternalLink?: (target: LinkTarget) => boolean;
  onSuggestion?: (question: string) => void;
}

function Source({ c, seriesId, known, onInternalLink }: { c: Citation; seriesId: string; known: Position | null; onInternalLink?: (t: LinkTarget) => boolean }) {
  const target = citationTarget(c, seriesId, known);
  const label = c.kind === 'page' ? `Episode ${c.episode}, page ${c.page}` : c.title;
  return (
    <li className="source" data-kind={c.kind} data-label={c.label}>
      {target ? (
        <Link
          href={target.href}
          className="source-link"
          onClick={(e) => {
            if (onInternalLink?.(target)) e.preventDefault();
          }}
        >
          {label}
        </Link>
      ) : (
        <span className="source-link source-link--off">{label}</span>
      )}
      {c.snippet ? <span className="source-snippet">{c.snippet}</span> : null}
    </li>
  );
}

export function AnswerView({ message, seriesId, known, streaming, stopped, latest, onInternalLink, onSuggestion }: AnswerViewProps) {
  const a = readAnswer(message);
  const wikiHrefs = a.citations.filter((c) => c.kind === 'wiki').map((c) => c.href);
  const policy = answerLinkPolicy(seriesId, known, wikiHrefs);
  const waiting = streaming && a.text.length === 0;
  const sources = uniqueSources(a.citations);
  return (
    <article className={`answer answer--${a.mode ?? 'streaming'}`} data-testid="answer" data-mode={a.mode ?? ''}>
      {a.mode === 'quote' ? (
        <p className="answer-mode" data-testid="quote-label">
          {QUOTE_LABEL}
        </p>
      ) : null}
      {a.mode === 'extractive' ? (
        <p className="answer-mode" data-testid="extractive-label">
          {EXTRACTIVE_LABEL}
        </p>
      ) : null}
      <div className="answer-body" aria-live={latest ? 'polite' : undefined} aria-busy={streaming}>
        {waiting ? (
          <p className="answer-thinking">
            <span className="dots" aria-hidden="true" />
            <span className="visually-hidden">Answering…</span>
          </p>
        ) : (
          <Markdown text={linkCitationLabels(a.text, a.citations)} policy={policy} images="drop" pageLinkClass="cite" onInternalLink={onInternalLink} />
        )}
        {streaming && !waiting ? <span className="caret" aria-hidden="true" /> : null}
      </div>
      {a.guard ? (
        // The answer went on without its sentences about the unreached (each run is a '…' above); say so, once.
        <p className="answer-guard" data-testid="guard" data-withheld={a.guard.withheld} role="note">
          {a.guard.message}
        </p>
      ) : null}
      {stopped || a.mode === 'aborted' ? <p className="answer-note">Stopped.</p> : null}
      {sources.length > 0 && !streaming ? (
        <div className="sources">
          <h4 className="sources-title">{sources.some((c) => c.cited) ? 'Sources' : 'Where to look'}</h4>
          <ul>
            {sources.map((c) => (
              <Source key={c.id} c={c} seriesId={seriesId} known={known} onInternalLink={onInternalLink} />
            ))}
          </ul>
        </div>
      ) : null}
      {latest && !streaming && onSuggestion && a.suggestions.length > 0 ? (
        // biome-ignore lint/a11y/useSemanticElements: a row of suggestion buttons, not a form section; the browser tests and screen readers find it as a named group
        <div className="chips" role="group" aria-label="Suggested questions">
          {a.suggestions.map((s) => (
            <button key={s} type="button" className="chip" onClick={() => onSuggestion(s)}>
              {s}
            </button>
          ))}
        </div>
      ) : null}
    </article>
  );
}

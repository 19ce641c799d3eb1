/** The selected node: its visible description and links, and "ask the companion about it". */
import { useEffect, useRef } from 'react';
import type { WorldNodeDetail } from '../../../src/contract/index.js';
import { useApi } from '../api/use-api';
import { ErrorState, Loading, Skeleton } from '../ui/states';
import { EntityAvatar } from './EntityAvatar';
import { askAbout, kindLook } from './kinds';

const words = (kind: string) => kind.replace(/_/g, ' ');

export interface NodeDetailsProps {
  seriesId: string;
  slug: string;
  canAsk: boolean;
  onAsk?: (question: string) => void;
  onOpenArticle?: (slug: string) => void;
  onSelect: (slug: string) => void;
  onClose: () => void;
}

export function NodeDetails({ seriesId, slug, canAsk, onAsk, onOpenArticle, onSelect, onClose }: NodeDetailsProps) {
  const res = useApi<WorldNodeDetail>(`/api/series/${encodeURIComponent(seriesId)}/world/${encodeURIComponent(slug)}`);
  const d = res.data?.node.slug === slug ? res.data : undefined;
  const heading = useRef<HTMLHeadingElement>(null);

  // Screen readers and keyboards land on the node that was just opened.
  useEffect(() => {
    if (d) heading.current?.focus();
  }, [d]);

  return (
    <section className="node-details" aria-label="Selected entry" data-testid="node-details" data-slug={slug}>
      <button type="button" className="icon-button node-details-close" onClick={onClose} aria-label="Close details">
        ×
      </button>
      {res.error && !d ? (
        <ErrorState error={res.error} onRetry={res.reload} />
      ) : !d ? (
        <Loading slow={res.slow}>
          <Skeleton className="skeleton-line wide" />
          <Skeleton className="skeleton-line" />
        </Loading>
      ) : (
        <>
          <div className="node-details-head">
            <EntityAvatar node={d.node} size={72} />
            <div>
              <h2 ref={heading} tabIndex={-1} className="node-details-name">
                {d.node.name}
              </h2>
              <p className="node-details-kind">
                {kindLook(d.node.kind).label}
                {d.node.drafted ? (
                  <span className="drafted-badge" title="Drafted from the story's text, not written by its author" data-testid="drafted">
                    {' '}
                    · drafted
                  </span>
                ) : null}
              </p>
            </div>
          </div>
          {d.node.aliases.length > 0 ? <p className="node-details-aliases">Also called {d.node.aliases.join(', ')}</p> : null}
          {d.node.description ? <p className="node-details-description">{d.node.description}</p> : <p className="muted">No description yet.</p>}
          <p className="muted node-details-debut">
            First seen in episode {d.node.debut.episode}, page {d.node.debut.page}
          </p>
          <div className="node-details-actions">
            {onAsk ? (
              <button
                type="button"
                className="button button--small button--primary"
                onClick={() => onAsk(askAbout(d.node.name, d.node.kind))}
                disabled={!canAsk}
                data-testid="ask-about"
              >
                Ask: “{askAbout(d.node.name, d.node.kind)}”
              </button>
            ) : null}
            {d.node.wiki && onOpenArticle ? (
              <button type="button" className="button button--small" onClick={() => onOpenArticle(d.node.wiki!)} data-testid="open-article">
                Wiki article
              </button>
            ) : null}
          </div>
          {!canAsk ? <p className="muted">Start reading to ask the companion.</p> : null}
          {d.edges.length > 0 ? (
            <>
              <h3 className="node-details-sub">Connections</h3>
              <ul className="node-details-edges">
                {d.edges.map((e) => (
                  <li key={e.id}>
                    {e.direction === 'out' ? (
                      <>
                        {words(e.kind)}{' '}
                        <button type="button" className="link-button" onClick={() => onSelect(e.other.slug)}>
                          {e.other.name}
                        </button>
                      </>
                    ) : (
                      <>
                        <button type="button" className="link-button" onClick={() => onSelect(e.other.slug)}>
                          {e.other.name}
                        </button>{' '}
                        {words(e.kind)} {d.node.name}
                      </>
                    )}
                    {e.summary ? <span className="muted"> — {e.summary}</span> : null}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </>
      )}
    </section>
  );
}

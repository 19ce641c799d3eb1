/** The wiki in the reader's side panel: the index, and articles opened in place. */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { WikiIndex } from '../../../src/contract/index.js';
import { useApi } from '../api/use-api';
import type { ReaderPanelContext } from '../panels/registry';
import { WikiArticleView } from './WikiArticleView';
import { WikiIndexView } from './WikiIndexView';
import './wiki.css';

/** The article open in the panel, per series, so switching tabs comes back to it. */
const openArticle = new Map<string, string | null>();

export default function WikiPanel({ ctx }: { ctx: ReaderPanelContext }) {
  const index = useApi<WikiIndex>(`/api/series/${encodeURIComponent(ctx.seriesId)}/wiki`);
  const unlocked = useMemo(() => new Set((index.data?.articles ?? []).map((a) => a.slug)), [index.data]);
  const [slug, setSlugState] = useState<string | null>(() => ctx.request?.slug ?? openArticle.get(ctx.seriesId) ?? null);
  const top = useRef<HTMLDivElement>(null);
  const setSlug = (s: string | null) => {
    openArticle.set(ctx.seriesId, s);
    setSlugState(s);
    top.current?.scrollIntoView({ block: 'start' });
    top.current?.focus();
  };

  // "Read more" from the world graph, or a wiki citation in an answer.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once per request (its nonce), so asking twice for the same article opens it again, and a re-render does not undo the reader's own navigation
  useEffect(() => {
    if (ctx.request?.slug) setSlug(ctx.request.slug);
  }, [ctx.request?.nonce]);

  const onInternalLink = (t: Parameters<ReaderPanelContext['openLink']>[0]) => {
    if (t.kind === 'wiki' && t.seriesId === ctx.seriesId) {
      setSlug(t.slug);
      return true;
    }
    return ctx.openLink(t);
  };

  return (
    <div className="wiki-panel" ref={top} tabIndex={-1}>
      {slug ? (
        <>
          <button type="button" className="button button--small button--quiet" onClick={() => setSlug(null)} data-testid="wiki-back">
            ← All articles
          </button>
          <WikiArticleView
            key={slug}
            seriesId={ctx.seriesId}
            slug={slug}
            known={ctx.position}
            unlocked={unlocked}
            level={2}
            onInternalLink={onInternalLink}
            onOpenWorld={(entity) => ctx.openWorld(entity)}
          />
        </>
      ) : (
        <WikiIndexView
          seriesId={ctx.seriesId}
          index={index}
          level={2}
          onOpen={(s) => {
            setSlug(s);
            return true;
          }}
        />
      )}
    </div>
  );
}

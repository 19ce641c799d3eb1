/** The lettering and description of the pages on display (only reached pages have text: the API withholds the rest). */
import type { ReaderPanel } from './registry';

export const pageTextPanel: ReaderPanel = {
  id: 'text',
  title: 'Page text',
  sheet: 'half',
  render(ctx) {
    const pages = ctx.episode.pages.filter((p) => ctx.displayedPages.includes(p.number));
    return (
      <div className="page-text">
        {pages.map((p) => (
          <section key={p.number} aria-label={`Page ${p.number}`}>
            <h3>Page {p.number}</h3>
            {p.dialogue ? (
              <>
                <p className="dialogue">{p.dialogue}</p>
                {p.textSource === 'ocr' || p.textSource === 'model' ? (
                  <p className="muted text-source" data-testid="text-source">
                    {p.textSource === 'ocr' ? 'Transcribed from the page image; it may contain mistakes.' : 'Transcribed by a vision model; it may contain mistakes.'}
                  </p>
                ) : null}
              </>
            ) : p.reached ? (
              <p className="muted">No lettering on this page.</p>
            ) : (
              <p className="muted">Text appears once the page is part of your progress.</p>
            )}
            {p.description ? <p className="muted">{p.description}</p> : null}
          </section>
        ))}
        {ctx.episode.episode.summary ? (
          <section aria-label="Episode summary">
            <h3>Episode summary{ctx.episode.episode.summaryDrafted ? <span className="drafted-badge"> drafted</span> : null}</h3>
            <p>{ctx.episode.episode.summary}</p>
          </section>
        ) : null}
      </div>
    );
  },
};

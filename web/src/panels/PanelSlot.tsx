/** The reader's side panel: a tab per registered panel (see registry.ts). The reader owns which tab is open. */
import { type KeyboardEvent, useRef } from 'react';
import { type ReaderPanelContext, readerPanels } from './registry';

export function PanelSlot({ ctx, active, onSelect, onClose }: { ctx: ReaderPanelContext; active: string; onSelect: (id: string) => void; onClose: () => void }) {
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);
  const panel = readerPanels.find((p) => p.id === active) ?? readerPanels[0];
  if (!panel) return null;
  // Arrow keys move between tabs (the WAI-ARIA tabs pattern).
  const onTabKey = (e: KeyboardEvent, i: number) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const next = (i + step + readerPanels.length) % readerPanels.length;
    onSelect(readerPanels[next]!.id);
    tabs.current[next]?.focus();
  };
  return (
    <aside className={`side-panel side-panel--${panel.sheet ?? 'half'}`} aria-label="Reader panel" data-panel={panel.id}>
      <div className="panel-tabs" role="tablist" aria-label="Panels">
        {readerPanels.map((p, i) => (
          <button
            key={p.id}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`panel-tab-${p.id}`}
            aria-selected={p.id === panel.id}
            aria-controls={`panel-${p.id}`}
            tabIndex={p.id === panel.id ? 0 : -1}
            className="panel-tab"
            onClick={() => onSelect(p.id)}
            onKeyDown={(e) => onTabKey(e, i)}
          >
            {p.title}
          </button>
        ))}
        <button type="button" className="panel-close icon-button" onClick={onClose} aria-label="Close panel" data-testid="close-panel">
          ×
        </button>
      </div>
      <div className="panel-body" role="tabpanel" id={`panel-${panel.id}`} aria-labelledby={`panel-tab-${panel.id}`}>
        {panel.render({ ...ctx, request: ctx.request?.panel === panel.id ? ctx.request : null })}
      </div>
    </aside>
  );
}
